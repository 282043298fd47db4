"""Fills a service's SQLite database with synthetic EPCIS index rows, for bench/epcis_events.sh.

    epcis_fill.py DB BASE_URL N

N events in `epcis_events`, as the index stores them (the JSON its ID hashes, and the columns
queries filter on), written the way a busy service records them: ids (UUIDv7) in recording
order over three years, each event's time up to a week before its recording; 50 events per lot,
1,000 lots under way at a time (N/50 lots), 10 lots per organization and product, one growing
area per organization; the diary's business steps in turn, every 25th event a commissioning
(not public). Rows are inserted in id order in transactions of 100,000, the table's secondary
indexes dropped first and built again after (as a bulk load would), the unique ones kept; no
ANALYZE (the service runs none), so the planner sees what it sees in production.
Prints the lots, steps and time span the benchmark queries draw from, as JSON.
"""
import datetime
import hashlib
import json
import sqlite3
import struct
import sys
import time

db_path, base, n = sys.argv[1], sys.argv[2].rstrip("/"), int(sys.argv[3])
T0 = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
SPAN = datetime.timedelta(days=3 * 365)
LOTS_ACTIVE, PER_LOT = 1000, 50
voc = f"{base}/epcis/voc/BizStep-"
cbv = "https://ref.gs1.org/cbv/BizStep-"
steps = [voc + "planting", voc + "fertilizing", voc + "spraying", voc + "irrigating", voc + "harvesting",
         voc + "processing", cbv + "packing", cbv + "inspecting", cbv + "shipping"]


def uuid7(ms, counter):
    """A UUIDv7 from a millisecond time and a counter (deterministic, ordered)."""
    rand = hashlib.sha256(struct.pack(">Q", counter)).digest()
    b = bytearray(struct.pack(">Q", ms)[2:] + rand[:10])
    b[6] = 0x70 | (b[6] & 0x0F)
    b[8] = 0x80 | (b[8] & 0x3F)
    return bytes(b)


def uuid_of(kind, k):
    d = hashlib.sha256(f"{kind}{k}".encode()).digest()
    b = bytearray(d[:16])
    b[6] = 0x70 | (b[6] & 0x0F)
    b[8] = 0x80 | (b[8] & 0x3F)
    return bytes(b)


def hexid(b):
    h = b.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def ts(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def lot_of(i):
    group, slot = divmod(i, LOTS_ACTIVE * PER_LOT)
    return group * LOTS_ACTIVE + slot % LOTS_ACTIVE, slot // LOTS_ACTIVE


def gtin(org):
    body = f"893{org:09d}"[:12]
    s = sum(int(c) * (3 if k % 2 == 0 else 1) for k, c in enumerate(reversed(body)))
    return body + str((10 - s % 10) % 10)


con = sqlite3.connect(db_path)
con.execute("PRAGMA journal_mode=OFF")
con.execute("PRAGMA synchronous=OFF")
con.execute("PRAGMA cache_size=-4000000")
indexes = con.execute("SELECT name, sql FROM sqlite_master WHERE type='index' AND tbl_name='epcis_events' AND sql IS NOT NULL").fetchall()
for name, _ in indexes:
    con.execute(f'DROP INDEX "{name}"')
start = time.time()
rows = []
step_us = SPAN / n
for i in range(n):
    recorded = T0 + step_us * i
    occurred = recorded - datetime.timedelta(seconds=(i * 7919) % (7 * 86400))
    lot, j = lot_of(i)
    org = lot // 10
    step = steps[j % len(steps)]
    commissioning = j % 25 == 24
    cls = f"https://id.gs1.org/01/0{gtin(org)}/10/L{lot}"
    place = f"{base}/id/growing-area/{hexid(uuid_of('area', org))}"
    event_id = "ni:///sha-256;" + hashlib.sha256(struct.pack(">Q", i)).hexdigest() + "?ver=CBV2.0"
    if commissioning:
        step = cbv + "commissioning"
    body = json.dumps({
        "action": "ADD", "bizLocation": {"id": place}, "bizStep": step, "eventID": event_id,
        "eventTime": occurred.strftime("%Y-%m-%dT%H:%M:%S.000Z"), "eventTimeZoneOffset": "+07:00",
        "ocop:description": f"Ghi chép số {j} của lô L{lot}",
        "quantityList": [{"epcClass": cls}], "recordTime": recorded.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "type": "ObjectEvent"}, ensure_ascii=False, separators=(",", ":"))
    ms = int(recorded.timestamp() * 1000)
    rows.append((uuid7(ms, i), event_id, uuid_of("org", org), uuid_of("lot", lot), uuid_of("org", org),
                 "commissioning" if commissioning else "diary", uuid_of("src", i), 0, "ObjectEvent", step,
                 ts(occurred), ts(recorded), place, cls, 0 if commissioning else 1, body))
    if len(rows) == 100_000:
        con.executemany("INSERT INTO epcis_events (id, event_id, organization_id, batch_id, product_id, source, source_id, part, event_type, biz_step, event_time, record_time, biz_location, epc_class, public, body) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
        con.commit()
        rows = []
        if (i + 1) % 1_000_000 == 0:
            print(f"  {i + 1} rows, {time.time() - start:.0f} s", file=sys.stderr)
if rows:
    con.executemany("INSERT INTO epcis_events (id, event_id, organization_id, batch_id, product_id, source, source_id, part, event_type, biz_step, event_time, record_time, biz_location, epc_class, public, body) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    con.commit()
print(f"  rows written in {time.time() - start:.0f} s", file=sys.stderr)
start = time.time()
for name, sql in indexes:
    con.execute(sql)
    con.commit()
print(f"  indexes built in {time.time() - start:.0f} s", file=sys.stderr)
lots = n // PER_LOT
print(json.dumps({"lots": lots, "orgs": lots // 10, "t0": T0.isoformat(), "days": SPAN.days,
                  "steps": steps, "gtin_of_org": {str(o): gtin(o) for o in (0, 1)},
                  "sample_lots": [f"https://id.gs1.org/01/0{gtin(l // 10)}/10/L{l}" for l in range(0, lots, max(1, lots // 400))],
                  "sample_places": [f"{base}/id/growing-area/{hexid(uuid_of('area', o))}" for o in range(0, lots // 10, max(1, lots // 10 // 200))],
                  "sample_ids": ["ni:///sha-256;" + hashlib.sha256(struct.pack(">Q", k)).hexdigest() + "?ver=CBV2.0"
                                 for k in range(0, n, max(1, n // 400)) if lot_of(k)[1] % 25 != 24]}))
