"""Produces messages with Debian's python3-confluent-kafka (librdkafka), a client signal-ledger did not write.

Usage: confluent-produce.py BOOTSTRAP [TRANSACTIONAL_ID] < messages.ndjson
Each input line is a JSON object: topic, partition (optional), key and value (text, or null), and headers:
a list of [name, value] pairs in order, a value being text, {"hex": "..."} for raw bytes, or null for a null
header value (which kafkajs clients cannot send). With a transactional id, a line {"transaction": "begin"},
{"transaction": "commit"} or {"transaction": "abort"} begins or ends a transaction around the lines between.
Prints, as one JSON object, the count delivered and where each went ([topic, partition, offset] in delivery order);
exits 1 if any delivery failed.
"""
import json
import sys

from confluent_kafka import Producer


def header_value(v):
    if v is None or isinstance(v, str):
        return v
    return bytes.fromhex(v["hex"])


def main():
    settings = {"bootstrap.servers": sys.argv[1], "enable.idempotence": True, "linger.ms": 5}
    if len(sys.argv) > 2:
        settings["transactional.id"] = sys.argv[2]
    producer = Producer(settings)
    if len(sys.argv) > 2:
        producer.init_transactions(30)
    failed = []
    delivered = []

    def report(err, msg):
        if err is not None:
            failed.append(str(err))
        else:
            delivered.append([msg.topic(), msg.partition(), msg.offset()])

    for line in sys.stdin:
        m = json.loads(line)
        step = m.get("transaction")
        if step == "begin":
            producer.begin_transaction()
            continue
        if step in ("commit", "abort"):
            producer.flush(60)
            (producer.commit_transaction if step == "commit" else producer.abort_transaction)(30)
            continue
        extra = {} if m.get("partition") is None else {"partition": m["partition"]}
        headers = [(name, header_value(v)) for name, v in m.get("headers", [])]
        producer.produce(m["topic"], value=m["value"], key=m["key"], headers=headers or None, on_delivery=report, **extra)
        producer.poll(0)
    producer.flush(60)
    print(json.dumps({"delivered": len(delivered), "offsets": delivered}))
    if failed:
        print("; ".join(failed[:5]), file=sys.stderr)
        sys.exit(1)


main()
