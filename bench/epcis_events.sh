#!/usr/bin/env bash
# The EPCIS query interface at scale (issue 19): `GET /epcis/events` and
# `GET /epcis/events/{eventID}` with EVENTS events in the index, on SQLite.
#  - a service is started on an empty data directory, a real lot registered (bench/lib/
#    scan_world.sh) and indexed, then the service is stopped;
#  - bench/lib/epcis_fill.py adds EVENTS synthetic rows as the index stores them (three years
#    of recordings, 50 events per lot, 10 lots per organization), timed;
#  - the service is started again on that database and each kind of query is timed over 200
#    requests with other values each time (bench/lib/epcis_queries.py): medians and p95 in ms.
#
#   bench/epcis_events.sh [events]      (default 10000000)
#   BENCH_BIN=path/to/ocop-trace  BENCH_PORT=p (default 18088)  REQUESTS=200
#
# Needs: curl, python3. 10,000,000 events take about 12 GB of disk.
set -euo pipefail
cd "$(dirname "$0")/.."
EVENTS="${1:-10000000}"
PORT="${BENCH_PORT:-18088}"
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
serve() {
  "$BIN" >>"$WORK/server.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 600); do curl -sf "$BASE/healthz" >/dev/null && break; sleep 0.1; done
}
serve
. bench/lib/scan_world.sh
scan_world
curl -sf -H "Authorization: Bearer $TOKEN" "$BASE/epcis/events?perPage=1" >/dev/null
stop

echo "filling the index with $EVENTS events:"
start=$(date +%s)
python3 bench/lib/epcis_fill.py "$WORK/data/ocop-trace.db" "$BASE" "$EVENTS" >"$WORK/samples.json"
echo "filled in $(( $(date +%s) - start )) s; database $(du -sh "$WORK/data" | cut -f1)"

serve
python3 bench/lib/epcis_queries.py "$BASE" "$TOKEN" "$WORK/samples.json" "${REQUESTS:-200}"
echo "server peak memory: $(awk '$1 == "VmHWM:" { print int($2 / 1024) }' "/proc/$SERVER/status") MB"
