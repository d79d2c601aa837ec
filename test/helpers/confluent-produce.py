"""Produces messages with Debian's python3-confluent-kafka (librdkafka), a client signal-ledger did not write.

Usage: confluent-produce.py BOOTSTRAP < messages.ndjson
Each input line is a JSON object: topic, partition (optional), key and value (text, or null), and headers:
a list of [name, value] pairs in order, a value being text, {"hex": "..."} for raw bytes, or null for a null
header value (which kafkajs clients cannot send). Prints the count delivered; exits 1 if any delivery failed.
"""
import json
import sys

from confluent_kafka import Producer


def header_value(v):
    if v is None or isinstance(v, str):
        return v
    return bytes.fromhex(v["hex"])


def main():
    producer = Producer({"bootstrap.servers": sys.argv[1], "enable.idempotence": True, "linger.ms": 5})
    failed = []
    delivered = [0]

    def report(err, _msg):
        if err is not None:
            failed.append(str(err))
        else:
            delivered[0] += 1

    for line in sys.stdin:
        m = json.loads(line)
        extra = {} if m.get("partition") is None else {"partition": m["partition"]}
        headers = [(name, header_value(v)) for name, v in m.get("headers", [])]
        producer.produce(m["topic"], value=m["value"], key=m["key"], headers=headers or None, on_delivery=report, **extra)
        producer.poll(0)
    producer.flush(60)
    print(delivered[0])
    if failed:
        print("; ".join(failed[:5]), file=sys.stderr)
        sys.exit(1)


main()
