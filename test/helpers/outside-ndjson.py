#!/usr/bin/env python3
"""An NDJSON file for `signal-ledger ingest`, written the way an outside system writes one: Python's json module
(its own separators, ASCII escapes or raw UTF-8, sorted keys or not), prices from Decimal as strings and floats,
datetime's isoformat with microseconds and +05:30 offsets, a UTF-8 byte order mark (encoding utf-8-sig, as Windows
tools write), CRLF line ends, a value given as a JSON string, duplicates re-serialised (mostly another way), and
hostile lines. Nothing here comes from signal-ledger's generator. Usage: outside-ndjson.py FILE SIGNALS. Prints what
the ledger should make of the file, as JSON: the ingest summary's counts and each signal's status, executed quantity
and price."""
import datetime as dt
import json
import random
import sys
from decimal import Decimal

path, signals = sys.argv[1], int(sys.argv[2])
rng = random.Random(20261203)
UTC = dt.timezone.utc
IST = dt.timezone(dt.timedelta(hours=5, minutes=30))
T0 = dt.datetime(2026, 3, 2, 9, 30, 0, 123456, tzinfo=UTC)

lines = []  # (order key, text): the file is the texts sorted by key, so a duplicate lands after its original
expected = {"read": 0, "applied": 0, "duplicates": 0, "dead_letters": 0, "unreadable_lines": 0, "records": {}}


def dumps(obj, style):
    if style == 0:
        return json.dumps(obj)  # ", " and ": ", non-ASCII as \\u escapes
    if style == 1:
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    return json.dumps(obj, ensure_ascii=False, sort_keys=True)


def line(topic, key, value):
    """Adds a good event's line, and now and then the same event again later in the file."""
    add(dumps({"topic": topic, "key": key, "value": value}, rng.randrange(3)), "good")
    if rng.random() < 0.04:
        # the same event again later in the file (often in another batch), serialised another way: the
        # derived event_id hashes the canonical JSON of the value, so it is a duplicate all the same
        again = dumps({"key": key, "value": value, "topic": topic}, rng.randrange(3))
        lines.append((len(lines) + rng.uniform(1, 6000), again))
        add_count("duplicate")


def add(text, kind):
    lines.append((len(lines), text))
    add_count(kind)


def add_count(kind):
    """Counts a line as what the ledger should make of it: good (applied), duplicate, dead (a dead letter) or
    unreadable (a dead letter that is not even a {"topic",...} line)."""
    expected["read"] += 1
    if kind == "good":
        expected["applied"] += 1
    elif kind == "duplicate":
        expected["duplicates"] += 1
    elif kind == "dead":
        expected["dead_letters"] += 1
    elif kind == "unreadable":
        expected["dead_letters"] += 1
        expected["unreadable_lines"] += 1


def at(t, tz):
    return t.astimezone(tz).isoformat()  # 2026-03-02T15:00:00.123456+05:30


for i in range(signals):
    sid = f"py-{i:05d}" if i % 7 else f"py-ß-{i:05d}"
    tz = IST if i % 3 == 0 else UTC
    t = T0 + dt.timedelta(seconds=i)
    price = Decimal(rng.randrange(1_000, 100_000)) / 100  # Decimal('151.1'), Decimal('98.07')
    qty = Decimal(10)
    generated = {
        "signal_id": sid,
        "occurred_at": at(t, tz),
        "strategy_name": rng.choice(["momentum", "mean-révert", "β-arb", "日本株"]),
        "symbol": rng.choice(["AAPL", "MSFT", "7203.T", "BRK.B"]),
        "side": rng.choice(["buy", "sell"]),
        "confidence": round(rng.uniform(0.05, 0.99), 4),  # a Python float
        "sharpe_estimate": round(rng.uniform(-1, 3), 3),
        "entry_price": str(price) if i % 2 else float(price),
        "requested_quantity": int(qty),
        "metadata": {"source": "python", "note": "ünïcödé ✓ \"quoted\"", "tags": [1, 2.5, None, True], "nested": {"a": {"b": []}}},
    }
    if i % 2 == 0:
        generated["event_id"] = f"gen-{sid}"
    risk_pass = {"signal_id": sid, "occurred_at": at(t + dt.timedelta(seconds=1), tz), "passed": True, "checks": {"exposure": "ok", "limit": 0.25}}
    submitted = {"signal_id": sid, "occurred_at": at(t + dt.timedelta(seconds=2), UTC), "order_id": f"o-{i}", "quantity": str(qty)}
    fill_price = price + Decimal("0.05")
    kind = i % 6
    record = {"status": None, "executed_quantity": None}
    if kind == 5:
        # the fill first: topics replay independently
        line("orders.filled", sid, {"signal_id": sid, "occurred_at": at(t + dt.timedelta(seconds=3), UTC), "order_id": f"o-{i}", "fill_id": f"f-{i}", "price": str(fill_price), "quantity": "10.000"})
    if i == 11:
        line("signals.generated", sid, json.dumps(generated))  # the value as a JSON string
    else:
        line("signals.generated", None if i % 5 == 0 else sid, generated)
    if kind == 0:
        record["status"] = "generated"
    elif kind == 1:
        line("signals.risk", sid, {"signal_id": sid, "occurred_at": at(t + dt.timedelta(seconds=1), tz), "passed": False, "rejection_reason": "exposure ✗ over limit", "checks": {"exposure": False}})
        record["status"] = "rejected"
    elif kind == 4:
        line("signals.risk", sid, risk_pass)
        record["status"] = "passed_risk"
    else:
        line("signals.risk", sid, risk_pass)
        line("orders.submitted", sid, submitted)
        if kind == 2:
            line("orders.filled", sid, {"signal_id": sid, "occurred_at": at(t + dt.timedelta(seconds=3), tz), "order_id": f"o-{i}", "price": float(fill_price), "quantity": 10, "leaves_quantity": 0, "fee": "0.35"})
            record = {"status": "executed", "executed_quantity": "10"}
        elif kind == 3:
            line("orders.filled", sid, {"signal_id": sid, "occurred_at": at(t + dt.timedelta(seconds=3), UTC), "order_id": f"o-{i}", "fill_id": f"f-{i}-1", "price": str(fill_price), "quantity": "4", "leaves_quantity": "6"})
            line("orders.filled", sid, {"signal_id": sid, "occurred_at": at(t + dt.timedelta(seconds=4), UTC), "order_id": f"o-{i}", "fill_id": f"f-{i}-2", "price": str(price), "quantity": "3.5", "leaves_quantity": "2.5"})
            line("signals.outcome", sid, {"signal_id": sid, "occurred_at": at(t + dt.timedelta(seconds=5), IST), "outcome": "cancelled", "reason": "end of day", "order_id": f"o-{i}"})
            record = {"status": "cancelled", "executed_quantity": "7.5"}
        else:
            record = {"status": "executed", "executed_quantity": "10"}
    # a price is kept as written: the string's text, or the float as Python's json wrote it (151.1, 1000.0)
    record["signal_price"] = json.dumps(generated["entry_price"]).strip('"')
    expected["records"][sid] = record

# Hostile lines, each a dead letter that changes no record: new signal ids, or (the reused event_ids, the line cut
# short) a signal's id with an event_id or text the ledger refuses, so no record gets them.
bad = lambda n: {"signal_id": f"bad-{n}", "occurred_at": at(T0, UTC), "strategy_name": "s", "symbol": "X", "side": "buy", "confidence": 0.5, "sharpe_estimate": 1, "entry_price": "10"}
hostile = [
    dumps({"topic": "signals.generated", "key": "bad-1", "value": {k: v for k, v in bad(1).items() if k != "signal_id"}}, 0),
    dumps({"topic": "signals.generated", "key": "bad-2", "value": {**bad(2), "confidence": 1.5}}, 1),
    dumps({"topic": "signals.generated", "key": "bad-3", "value": {**bad(3), "entry_price": "-3"}}, 2),
    dumps({"topic": "signals.generated", "key": "bad-4", "value": {**bad(4), "entry_price": 0}}, 0).replace('"entry_price": 0', '"entry_price": 1e400'),
    dumps({"topic": "signals.generated", "key": "bad-5", "value": {**bad(5), "strategy_name": "nul\x00here"}}, 0),
    dumps({"topic": "signals.generated", "key": "bad-6", "value": {**bad(6), "symbol": "lone\ud800"}}, 0),
    dumps({"topic": "signals.generated", "key": "bad-7", "value": {**bad(7), "occurred_at": dt.datetime(2026, 3, 2, 9, 30, 0, 654321).isoformat()}}, 1),  # utcnow(): no offset
    dumps({"topic": "signals.unknown", "key": "bad-8", "value": bad(8)}, 2),
    dumps({"topic": "signals.generated", "key": "bad-9", "value": {**bad(9), "metadata": {"deep": json.loads("[" * 100 + "]" * 100)}}}, 1),
    dumps({"topic": "signals.risk", "key": "py-00010", "value": {"signal_id": "py-00010", "event_id": "gen-py-00002", "occurred_at": at(T0, UTC), "passed": True}}, 0),  # another signal's event_id
    dumps({"topic": "signals.generated", "key": "py-00002", "value": {**bad(0), "signal_id": "py-00002", "event_id": "gen-py-00002", "entry_price": "1"}}, 0),  # its event_id, other content
    dumps({"topic": "signals.generated", "key": "bad-12", "value": {**bad(12), "metadata": {"blob": "x" * 3_000_000}}}, 1),  # over --max-line-bytes
]
kinds = ["unreadable" if len(text) > 2_097_152 else "dead" for text in hostile]
hostile.append(hostile[1])  # the same bad line twice: counted twice, one row
kinds.append("dead")
hostile.append(dumps({"topic": "signals.risk", "key": "py-00001", "value": {"signal_id": "py-00001"}}, 0)[:-9])  # cut short: not JSON
kinds.append("unreadable")
hostile.append('{"topic": "signals.generated", "key": "bad-utf8", "value": {"signal_id": "bad-\udcff\udcfe"}}')  # bytes 0xff 0xfe
kinds.append("unreadable")

# the good lines in order (each duplicate after its original), then the hostile ones spread over the second
# half of the file, after the signals whose event_ids they reuse
texts = [text for _, text in sorted(lines, key=lambda kv: kv[0])]
for n, (text, kind) in enumerate(zip(hostile, kinds)):
    texts.insert(len(texts) // 2 + n * 97, text)
    add_count(kind)
with open(path, "w", encoding="utf-8-sig", errors="surrogateescape", newline="") as f:
    for n, text in enumerate(texts):
        f.write(text + ("\r\n" if n % 10 == 3 else "\n"))
json.dump(expected, sys.stdout, ensure_ascii=False)
