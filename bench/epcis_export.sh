#!/usr/bin/env bash
# EPCIS export of a big batch (issue 19): a batch with DIARY diary entries and one run of STAMPS
# stamps, on SQLite, then:
#  - indexing: the first query catches the EPCIS index up with the ledger (the diary entries,
#    STAMPS/1000 commissioning events), timed;
#  - the batch's EPCIS document (GET /epcis/documents/batches/{id}, streamed), timed RUNS
#    times, with its size and number of events, and the server's peak resident memory while
#    it streams (the kernel's high-water mark, reset just before: /proc/PID/clear_refs);
#  - GET /epcis/events by lot, a page of 30, median of 200 requests.
#
#   bench/epcis_export.sh [stamps] [diary-entries]
#   BENCH_BIN=path/to/ocop-trace  BENCH_PORT=p (default 18087)  RUNS=3
#
# Needs: curl, python3.
set -euo pipefail
cd "$(dirname "$0")/.."
STAMPS="${1:-1000000}"
DIARY="${2:-1000}"
RUNS="${RUNS:-3}"
PORT="${BENCH_PORT:-18087}"
BIN="${BENCH_BIN:-target/release/ocop-trace}"
[ -n "${BENCH_BIN:-}" ] || cargo build --release --quiet
WORK=$(mktemp -d)
SERVER=""
stop() { [ -z "$SERVER" ] || { kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; }; SERVER=""; }
trap 'stop; rm -rf "$WORK"' EXIT
export OCOP_DATA_DIR="$WORK/data" OCOP_LISTEN="127.0.0.1:$PORT" RUST_LOG=warn
export OCOP_PUBLIC_BASE_URL="http://127.0.0.1:$PORT"
BASE="http://127.0.0.1:$PORT"
TOKEN=$("$BIN" token create --admin --name bench 2>/dev/null)
"$BIN" >>"$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 600); do curl -sf "$BASE/healthz" >/dev/null && break; sleep 0.1; done
rss() { awk -v k="$1:" '$1 == k { print int($2 / 1024) }' "/proc/$SERVER/status"; }
now() { python3 -c 'import time; print(time.time())'; }
since() { python3 -c "import time; print(f'{time.time() - $1:.2f}')"; }

. bench/lib/scan_world.sh
scan_world
start=$(now)
python3 - "$BASE" "$TOKEN" "$BATCH" "$DIARY" <<'EOF'
import json, sys, urllib.request
base, token, batch, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
kinds = ["irrigating", "fertilizing", "spraying", "inspection", "note"]
for i in range(n):
    kind = kinds[i % len(kinds)]
    details = {"description": f"Ghi chép số {i}"}
    if kind in ("fertilizing", "spraying"):
        details["inputs"] = [{"product": "Anvil 5SC", "dose": 1.5, "dose_unit": "ml/l", "phi_days": 7}]
    body = {"kind": kind, "occurred_at": f"2026-02-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:00+07:00", "details": details}
    req = urllib.request.Request(f"{base}/api/v1/batches/{batch}/events", data=json.dumps(body).encode(),
                                 headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    urllib.request.urlopen(req).read()
EOF
echo "diary: $DIARY entries in $(since "$start") s"
start=$(now)
api "/api/v1/batches/$BATCH/stamp-runs" "{\"count\":$STAMPS}" >/dev/null
echo "stamps: a run of $STAMPS issued in $(since "$start") s"

start=$(now)
curl -sf -H "Authorization: Bearer $TOKEN" "$BASE/epcis/events?perPage=1" >/dev/null
echo "index: caught up with the ledger in $(since "$start") s (first query)"
echo "server memory before the exports: $(rss VmRSS) MB resident"

for i in $(seq 1 "$RUNS"); do
  echo 5 >"/proc/$SERVER/clear_refs"
  start=$(now)
  curl -sf -H "Authorization: Bearer $TOKEN" -o "$WORK/doc.json" "$BASE/epcis/documents/batches/$BATCH"
  took=$(since "$start")
  size=$(stat -c %s "$WORK/doc.json")
  echo "export $i: $took s, $((size / 1024 / 1024)) MB, server peak while streaming $(rss VmHWM) MB"
done
python3 - "$WORK/doc.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
events = d["epcisBody"]["eventList"]
stamps = sum(len(e.get("epcList", [])) for e in events)
print(f"document: {len(events)} events, {stamps} stamp URIs, valid JSON")
EOF

LOT=$(python3 -c 'import urllib.parse; print(urllib.parse.quote("https://id.gs1.org/01/08934588012228/10/CF2026A", safe=""))')
for _ in $(seq 1 200); do
  curl -sf -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $TOKEN" "$BASE/epcis/events?MATCH_epcClass=$LOT&perPage=30"
done | python3 -c 'import statistics, sys; v = sorted(float(l) * 1000 for l in sys.stdin); print(f"GET /epcis/events by lot, page of 30: median {statistics.median(v):.1f} ms, p95 {v[int(len(v) * 0.95)]:.1f} ms")'
echo "database: $(du -sh "$OCOP_DATA_DIR" | cut -f1)"
