"""EPCIS 2.0 documents checked by GS1's own tools (issue 19).

Adds diary events of every kind to the batches the generated client made (inputs with their
pre-harvest interval, a harvest and its correction, shipping, a recall), voids a stamp, then
for each batch and for a stamp reads the EPCIS documents (as a member and as the public) and
the query interface, and checks that:

1. every document and query document validates against GS1's EPCIS 2.0 JSON schema
   (tests/contract/gs1/EPCIS-JSON-Schema.json, formats checked);
2. every event's `eventID` is what GS1's reference implementation of the CBV 2.0 event hash
   (epcis-event-hash-generator) computes for that event;
3. following `Link: <…>; rel="next"` through `GET /epcis/events` reads each event once;
4. the public sees no stamp serial;
5. round trip: the first batch's public document, captured (`POST /epcis/capture`, a job
   followed through its `Location`) into a second organization's lot, comes back in that
   lot's own document, again valid by GS1's schema and GS1's hash, each event naming the
   supplier's event ID; sending it again records nothing twice;
6. the Circular 02 data set's workbook opens in openpyxl and agrees with its JSON;
7. a document made by a partner's SDK, epcis2.js (tests/contract/epcis2_document.js, with its
   own event hash ID on one event), is captured: its events become diary entries keeping the
   SDK's eventID and the fields we do not map; sent again, nothing twice.

8. the first batch pushed to the traceability portal (`POST /api/v1/batches/{id}/portal-pushes`):
   this script plays the portal at PORTAL_PORT — 503 for the first request, then 202 — and
   every document it receives validates against GS1's schema and hash; together they hold
   every event of the batch's own document, each once per accepted document.

Usage: epcis.py BASE TOKEN SCHEMA BATCH_ID... (the first batch's first run is voided into)
Environment: NODE_CLIENTS, the folder where check.sh installed the npm clients; PORTAL_PORT
and PORTAL_TOKEN, the portal the service was started with (OCOP_PORTAL_CAPTURE_URL).
"""

import http.server
import io
import threading
import json
import os
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import jsonschema
import openpyxl
from epcis_event_hash_generator import hash_generator, json_to_py

base, token, schema_path, *batches = sys.argv[1:]


def call(method, path, body=None, auth=True, bearer=None):
    req = urllib.request.Request(base + path, method=method)
    if auth:
        req.add_header("Authorization", "Bearer " + (bearer or token))
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, data) as res:
            return res.status, {k.lower(): v for k, v in res.headers.items()}, json.loads(res.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, json.loads(e.read() or b"null")


def ok(status, body, what):
    if status >= 300:
        sys.exit(f"{what}: {status} {body}")
    return body


with open(schema_path) as f:
    schema = json.load(f)
validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)


def check(doc, what):
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    if errors:
        for e in errors[:5]:
            print(f"{what}: {list(e.path)}: {e.message}")
        sys.exit(f"{what}: not valid against the GS1 EPCIS 2.0 JSON schema")
    body = doc["epcisBody"]
    events = body["eventList"] if "eventList" in body else body["queryResults"]["resultsBody"]["eventList"]
    if events:
        # Version 1.9.3 reads event lists of documents, not of query documents.
        plain = {**doc, "type": "EPCISDocument", "epcisBody": {"eventList": events}}
        hashed = hash_generator.epcis_hashes_from_events(json_to_py.event_list_from_epcis_document_json(json.loads(json.dumps(plain))))
        ours = [e["eventID"] for e in events]
        if hashed != ours:
            for a, b, e in zip(hashed, ours, events):
                if a != b:
                    print(f"{what}: GS1 {a} ≠ ours {b} for\n{json.dumps(e, ensure_ascii=False)}")
                    print("GS1 pre-hash:", hash_generator.derive_prehashes_from_events(
                        json_to_py.event_list_from_epcis_document_json(json.loads(json.dumps({**doc, "epcisBody": {"eventList": [e]}})))))
            sys.exit(f"{what}: event hash IDs differ from GS1's reference implementation")
    return events


first = batches[0]
diary = f"/api/v1/batches/{first}/events"
made = []
for body in [
    {"kind": "planting", "occurred_at": "2026-01-02T07:00:00+07:00", "details": {"description": "Xuống giống 500 cây"}},
    {"kind": "fertilizing", "occurred_at": "2026-01-20T07:00:00+07:00", "details": {"inputs": [{"product": "NPK 16-16-8", "dose": 200, "dose_unit": "kg/ha"}]}},
    {"kind": "spraying", "occurred_at": "2026-02-10T06:30:00.123456+07:00", "details": {"inputs": [
        {"product": "Anvil 5SC", "active_ingredient": "Hexaconazole", "dose": 1.5, "dose_unit": "ml/l", "phi_days": 7},
        {"product": "Regent 800WG", "phi_days": 14}]}},
    {"kind": "irrigating", "occurred_at": "2026-02-12T17:00:00+07:00", "details": {"quantity": 12.5, "unit": "m3"}},
    {"kind": "harvesting", "occurred_at": "2026-03-01T06:00:00+07:00", "details": {"quantity": 820, "unit": "kg", "location": "Lô 3, đồi phía đông"}},
    {"kind": "processing", "occurred_at": "2026-03-02T08:00:00+07:00", "details": {"description": "Phơi, xát vỏ"}},
    {"kind": "inspection", "occurred_at": "2026-03-03T08:00:00+07:00", "details": {"description": "Kiểm tra dư lượng: đạt"}},
    {"kind": "note", "occurred_at": "2026-03-03T09:00:00+07:00", "details": {"description": "0070"}},
]:
    status, _, e = call("POST", diary, body)
    made.append(ok(status, e, f"append {body['kind']}"))
status, _, e = call("POST", diary, {"kind": "harvesting", "occurred_at": "2026-03-01T06:00:00+07:00",
                                     "corrects": made[4]["id"], "details": {"quantity": 800, "unit": "kg", "reason": "cân lại"}})
ok(status, e, "correction")
status, _, runs = call("GET", f"/api/v1/batches/{first}/stamp-runs")
run = ok(status, runs, "runs")["items"][0]["id"]
status, _, stamps = call("GET", f"/api/v1/stamp-runs/{run}/stamps?limit=3")
serials = [s["serial"] for s in ok(status, stamps, "stamps")["items"]]
ok(*call("POST", f"/api/v1/stamp-runs/{run}/voids", {"reason": "misprint", "serials": [serials[0]]})[::2], "void")

checked = 0
for batch in batches:
    status, headers, doc = call("GET", f"/epcis/documents/batches/{batch}")
    events = check(ok(status, doc, "batch document"), f"batch {batch}")
    assert headers.get("gs1-epcis-version") == "2.0.0", headers
    checked += len(events)
    status, _, public = call("GET", f"/epcis/documents/batches/{batch}", auth=False)
    if status == 200:
        shown = check(public, f"public document of {batch}")
        text = json.dumps(shown)
        assert not any(s in text for s in serials), "a stamp serial in a public document"
    # The same events through the query interface, a page of 3 at a time, by lot.
    lots = {q["epcClass"] for e in events for q in e.get("quantityList", []) if "/10/" in q["epcClass"] or "/id/lot/" in q["epcClass"]}
    for lot in lots:
        path = "/epcis/events?" + urllib.parse.urlencode({"MATCH_epcClass": lot, "perPage": 3})
        seen = []
        while path:
            status, headers, page = call("GET", path)
            seen += [e["eventID"] for e in check(ok(status, page, "query"), f"query {path}")]
            link = headers.get("link")
            path = link[len("<" + base):link.index(">")] if link else None
        expected = [e["eventID"] for e in events if any(q.get("epcClass") == lot for q in e.get("quantityList", []))]
        expected += [e["eventID"] for e in events if e.get("ocop:lot") == lot]
        assert sorted(seen) == sorted(expected), (seen, expected)

status, _, doc = call("GET", f"/epcis/documents/stamps/{serials[0]}")
events = check(ok(status, doc, "stamp document"), "stamp document")
assert any(e.get("action") == "DELETE" for e in events), "the void is in the stamp's document"
# 5. Round trip into a second organization's lot (one step forward in the chain).
status, _, published = call("GET", f"/epcis/documents/batches/{first}", auth=False)
sent = check(ok(status, published, "public document"), "public document")
status, _, org = call("POST", "/api/v1/organizations", {"kind": "enterprise", "name": "Công ty Chế biến Nông sản Tây Nguyên",
                                                         "address": "Buôn Ma Thuột, Đắk Lắk", "province_code": "66"})
org = ok(status, org, "second organization")["id"]
status, _, product = call("POST", f"/api/v1/organizations/{org}/products", {"name": "Cà phê rang xay", "unit": "gói"})
product = ok(status, product, "second product")["id"]
status, _, lot = call("POST", f"/api/v1/products/{product}/batches", {"lot_code": "RANG26", "quantity": 300, "unit": "kg"})
lot = ok(status, lot, "second batch")["id"]
status, _, grant = call("POST", f"/api/v1/organizations/{org}/tokens", {"name": "Hệ thống ERP nhà máy rang", "role": "manager"})
processor = ok(status, grant, "processor token")["token"]


def capture(doc):
    status, headers, job = call("POST", f"/epcis/capture?intoBatch={lot}", doc, bearer=processor)
    assert status == 202, (status, job)
    assert headers.get("gs1-epcis-capture-limit") == "500", headers
    location = urllib.parse.urlparse(headers["location"]).path
    for _ in range(200):
        status, _, job = call("GET", location, bearer=processor)
        ok(status, job, "capture job")
        if not job["running"]:
            return job
        time.sleep(0.05)
    sys.exit(f"capture job {location} still running")


job = capture(published)
assert job["success"] and job["recorded"] == len(sent), job
status, _, mine = call("GET", f"/epcis/documents/batches/{lot}", bearer=processor)
back = check(ok(status, mine, "processor's document"), "processor's document")
assert sorted(e["ocop:sourceEventID"] for e in back) == sorted(e["eventID"] for e in sent), "source event IDs"
assert all(e["ocop:capturedFrom"] == "Hệ thống ERP nhà máy rang" for e in back)
again = capture(published)
assert again["success"], again
status, _, diary_page = call("GET", f"/api/v1/batches/{lot}/events?limit=100", bearer=processor)
assert len(ok(status, diary_page, "processor's diary")["items"]) == len(sent), "captured twice"
print(f"epcis: {len(sent)} events captured into a second organization's lot and exported again, "
      f"valid by GS1's schema and hash; sent again, nothing recorded twice")

# 7. A document made by epcis2.js, the SDK a partner's system would use, into the processor's lot.
made = subprocess.run(["node", os.path.join(os.environ["NODE_CLIENTS"], "epcis2_document.js"),
                       f"{base}/epcis/voc/", f"{base}/id/lot/{lot}"], check=True, capture_output=True, text=True)
sdk_doc = json.loads(made.stdout)
before = len(sent)
for attempt in (1, 2):
    status, headers, job = call("POST", "/epcis/capture", sdk_doc, bearer=processor)
    assert status == 202, (status, job)
    location = urllib.parse.urlparse(headers["location"]).path
    for _ in range(200):
        status, _, job = call("GET", location, bearer=processor)
        if not ok(status, job, "capture job")["running"]:
            break
        time.sleep(0.05)
    assert job["success"], job
    status, _, diary_page = call("GET", f"/api/v1/batches/{lot}/events?limit=100", bearer=processor)
    entries = ok(status, diary_page, "processor's diary")["items"]
    assert len(entries) == before + 2, (attempt, len(entries))
packed = [e for e in entries if e["kind"] == "packing"]
assert packed and packed[0]["details"]["captured"]["event_id"] == sdk_doc["epcisBody"]["eventList"][0]["eventID"], packed
assert packed[0]["details"]["captured"]["original"]["readPoint"]["id"] == "urn:epc:id:sgln:8934588.00002.0"
assert packed[0]["details"]["description"] == "Đóng túi 5 kg"
print("epcis2.js: its document captured, 2 diary entries keeping the SDK's eventID and readPoint; "
      "sent again, nothing twice")

# 6. The Circular 02 data set of the first batch, opened by openpyxl as an official's
#    spreadsheet program would, agrees with the JSON.
status, _, dataset = call("GET", f"/api/v1/batches/{first}/traceability")
ok(status, dataset, "data set")
req = urllib.request.Request(f"{base}/api/v1/batches/{first}/traceability.xlsx", headers={"Authorization": "Bearer " + token})
with urllib.request.urlopen(req) as res:
    book = openpyxl.load_workbook(io.BytesIO(res.read()), read_only=True)
general = {row[1]: row[2] for row in book["Thong tin chung"].iter_rows(min_row=2, values_only=True)}
assert general["Lot trace code"] == dataset["lot"]["trace_code"], general
stage_rows = list(book["Cong doan"].iter_rows(min_row=2, values_only=True))
assert len(stage_rows) == len(dataset["stages"]), (len(stage_rows), len(dataset["stages"]))
assert [r[3] for r in stage_rows] == [s["product_trace_code"] for s in dataset["stages"]]
print(f"circular 02: the workbook of {dataset['lot']['lot_code']} opens in openpyxl, "
      f"{len(stage_rows)} stages as in the JSON")

print(f"epcis: {checked} events of {len(batches)} batches valid against GS1's schema, "
      f"each eventID equal to GS1's reference hash; query pages and the public view checked")

# 8. The first batch pushed to the traceability portal, played here: down for the first
#    request, then accepting; what it receives is checked by GS1's schema and hash.
portal = {"requests": 0, "documents": [], "faults": []}


class Portal(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        portal["requests"] += 1
        if self.headers.get("Authorization") != "Bearer " + os.environ["PORTAL_TOKEN"]:
            portal["faults"].append("no or wrong bearer token")
            return self.answer(401)
        if self.headers.get("Content-Type") != "application/ld+json" or self.headers.get("GS1-EPCIS-Version") != "2.0.0":
            portal["faults"].append(f"headers: {dict(self.headers)}")
        if portal["requests"] == 1:
            return self.answer(503)
        portal["documents"].append(json.loads(body))
        self.answer(202, {"Location": f"/capture/{len(portal['documents'])}"})

    def answer(self, status, headers=None):
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORTAL_PORT"])), Portal)
threading.Thread(target=server.serve_forever, daemon=True).start()
status, _, push = call("POST", f"/api/v1/batches/{first}/portal-pushes", {})
assert status == 202, (status, push)
for _ in range(600):
    status, _, pushes = call("GET", f"/api/v1/batches/{first}/portal-pushes")
    latest = ok(status, pushes, "portal pushes")[0]
    if latest["status"] in ("done", "failed"):
        break
    time.sleep(0.1)
server.shutdown()
assert latest["status"] == "done", latest
assert [a["outcome"] for a in latest["history"]] == ["retry", "ok"], latest
assert not portal["faults"], portal["faults"]
received = []
for i, doc in enumerate(portal["documents"]):
    received += [e["eventID"] for e in check(doc, f"document {i} pushed to the portal")]
status, _, own = call("GET", f"/epcis/documents/batches/{first}")
expected = [e["eventID"] for e in ok(status, own, "batch document")["epcisBody"]["eventList"]]
assert sorted(received) == sorted(expected), (len(received), len(expected))
assert latest["events_sent"] == len(expected), latest
print(f"portal: the first batch's {len(expected)} events pushed through a 503 in "
      f"{len(portal['documents'])} document(s), each valid by GS1's schema and hash")
