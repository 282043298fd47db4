#!/usr/bin/env bash
# Scans as real traffic makes them: every request a stamp the server has not seen since it
# started, side by side with one stamp scanned again and again, in one run on one server.
# Each stamp is scanned a few times in its life, so the distinct figure is the one shoppers get;
# the one-stamp figure measures the caches.
#
#   bench/scan_distinct.sh [stamps] [duration-seconds] [connections]
#   BENCH_BIN=path/to/ocop-trace  BENCH_PORT=p (default 18084)
#
# Rounds, in order: distinct stamps (first pass: none seen before), one stamp, distinct stamps
# again (second pass: stamps already seen, while the ledger has not grown). wrk's threads each
# walk their own share of the stamps, so no stamp is requested twice in the first pass unless
# the round outlasts the stamps (the script says so). Memory of the server is read at the end.
#
# Needs: wrk, curl, python3.
set -euo pipefail
cd "$(dirname "$0")/.."
STAMPS="${1:-100000}"
DURATION="${2:-20}"
CONNECTIONS="${3:-64}"
PORT="${BENCH_PORT:-18084}"
BIN="${BENCH_BIN:-target/release/ocop-trace}"

[ -n "${BENCH_BIN:-}" ] || cargo build --release --quiet
WORK=$(mktemp -d)
cleanup() {
  kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

export OCOP_DATA_DIR="$WORK/data" OCOP_LISTEN="127.0.0.1:$PORT" RUST_LOG=warn
export OCOP_PUBLIC_BASE_URL="http://127.0.0.1:$PORT" OCOP_SCAN_RATE_PER_MINUTE=0
TOKEN=$("$BIN" token create --admin --name bench 2>/dev/null)
start_server() {
  "$BIN" >>"$WORK/server.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && return; sleep 0.1; done
  echo "the server did not start" >&2; exit 1
}
start_server

. bench/lib/scan_world.sh
scan_world
RUN=$(api "/api/v1/batches/$BATCH/stamp-runs" "{\"count\":$STAMPS}" | id)
curl -sf -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/v1/stamp-runs/$RUN/stamps.csv" \
  | python3 -c '
import csv, sys
for row in csv.reader(sys.stdin):
    for cell in row:
        if cell.startswith("http://"):
            print("/" + cell.split("/", 3)[3]); break
' >"$WORK/paths.txt"
COUNT=$(wc -l <"$WORK/paths.txt")
ONE=$(head -1 "$WORK/paths.txt")
# A fresh process: no stamp is in any cache when the first round starts.
kill "$SERVER"; wait "$SERVER" 2>/dev/null || true
start_server

# Each wrk thread walks its own share of the stamps (wrk numbers threads in `setup`).
cat >"$WORK/distinct.lua" <<'LUA'
local threads = 0
function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end
function init(args)
  paths = {}
  for line in io.lines(os.getenv("PATHS")) do paths[#paths + 1] = line end
  span = math.floor(#paths / tonumber(os.getenv("THREADS")))
  first, i = id * span, 0
end
function request()
  local p = paths[first + (i % span) + 1]
  i = i + 1
  return wrk.format("GET", p, { ["Accept"] = "text/html" })
end
function done(summary, latency, requests)
  io.write(string.format("requests: %d (stamps: %s)\n", summary.requests, os.getenv("COUNT")))
end
LUA

# A round that got any answer but 2xx fails the script: every stamp here is genuine.
run() {
  wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency "$@" >"$WORK/round.txt"
  grep -E "Requests/sec|99%|50%|Non-2xx|Socket errors|requests:" "$WORK/round.txt"
  if grep -q "Non-2xx" "$WORK/round.txt"; then echo "a scan was not answered 2xx" >&2; exit 1; fi
}
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(date -u +%F)"
echo "stamps: $COUNT of one batch (SQLite); command: wrk -t2 -c$CONNECTIONS -d${DURATION}s --latency, Accept: text/html"
echo "--- distinct stamps, first pass (none seen before)"
COUNT="$COUNT" PATHS="$WORK/paths.txt" THREADS=2 run -s "$WORK/distinct.lua" "http://127.0.0.1:$PORT"
echo "--- one stamp, repeated"
run -H 'Accept: text/html' "http://127.0.0.1:$PORT$ONE"
echo "--- distinct stamps, second pass"
COUNT="$COUNT" PATHS="$WORK/paths.txt" THREADS=2 run -s "$WORK/distinct.lua" "http://127.0.0.1:$PORT"
echo "server memory (RSS) at the end: $(($(awk '/VmRSS/ {print $2}' "/proc/$SERVER/status") / 1024)) MB"
ERRORS=$(grep -c ' ERROR ' "$WORK/server.log" || true)
echo "server errors logged: $ERRORS"
[ "$ERRORS" = 0 ]
