#!/usr/bin/env bash
# Two service nodes on one PostgreSQL behind HAProxy, under distinct-stamp traffic, and one of
# them killed with SIGKILL mid-run: no scan a node answered 2xx may be lost.
#
#   bench/scan_nodes.sh [stamps] [duration-seconds] [connections]
#   BENCH_BIN=path/to/ocop-trace  BENCH_PORT=p (HAProxy on p and p+3, nodes on p+1 and p+2;
#                   default 18090)
#   BENCH_POSTGRES=postgres://user@host:port (default postgres://postgres@127.0.0.1:5432); a
#                   fresh database is made there and dropped at the end
#
# Rounds, each over stamps never scanned before (wrk's threads walk their own shares):
#   1. one node behind HAProxy (the second frontend, node A only);
#   2. both nodes behind HAProxy (round robin);
#   3. both nodes, node A killed with SIGKILL a third of the way in and started again at two
#      thirds (it stores what its scan journal holds before it answers). wrk counts every 2xx
#      answer; after the round both nodes stop cleanly and the scans in the database are
#      counted: the script fails if fewer scans were stored than answered 2xx (a lost scan),
#      or more than were sent (an invented one).
# The nodes share the data directory (keys) and each has its own scan journal, as replicas do.
# Nothing is pinned: on a 2-core machine wrk, HAProxy, PostgreSQL and the nodes share the cores,
# so the second node cannot add throughput here (bench/RESULTS.md has the model).
#
# Needs: wrk, haproxy, curl, psql, python3.
set -euo pipefail
cd "$(dirname "$0")/.."
STAMPS="${1:-60000}"
DURATION="${2:-15}"
CONNECTIONS="${3:-64}"
PORT="${BENCH_PORT:-18090}"
PG="${BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432}"
BIN="${BENCH_BIN:-target/release/ocop-trace}"
A_PORT=$((PORT + 1)) B_PORT=$((PORT + 2)) ONE_PORT=$((PORT + 3))

[ -n "${BENCH_BIN:-}" ] || cargo build --release --quiet
WORK=$(mktemp -d)
DB_NAME="ocop_nodes_$$"
NODE_A= NODE_B= PROXY=
cleanup() {
  for p in $NODE_A $NODE_B $PROXY; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
  psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS $DB_NAME" || true
}
trap cleanup EXIT

psql -q "$PG/postgres" -c "CREATE DATABASE $DB_NAME"
export DATABASE_URL="$PG/$DB_NAME" OCOP_DATA_DIR="$WORK/data" RUST_LOG=warn OCOP_LOG_FORMAT=json
export OCOP_PUBLIC_BASE_URL="http://127.0.0.1:$PORT" OCOP_SCAN_RATE_PER_MINUTE=0
sql() { psql -qtA "$DATABASE_URL" -c "$1"; }
TOKEN=$("$BIN" token create --admin --name bench 2>/dev/null)

# start_node NAME PORT: starts a node with its own journal; sets NODE_<NAME>.
start_node() {
  OCOP_LISTEN="127.0.0.1:$2" OCOP_SCAN_JOURNAL_DIR="$WORK/journal-$1" "$BIN" >>"$WORK/node-$1.log" 2>&1 &
  eval "NODE_$1=$!"
  for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$2/healthz" >/dev/null && return; sleep 0.05; done
  echo "node $1 did not start" >&2; cat "$WORK/node-$1.log" >&2; exit 1
}
start_node A "$A_PORT"
start_node B "$B_PORT"

cat >"$WORK/haproxy.cfg" <<CFG
global
  maxconn 4096
defaults
  mode http
  timeout connect 2s
  timeout client 30s
  timeout server 30s
  option redispatch
  retries 2
frontend both
  bind 127.0.0.1:$PORT
  default_backend nodes
frontend one
  bind 127.0.0.1:$ONE_PORT
  default_backend node_a
backend nodes
  balance roundrobin
  option httpchk GET /healthz
  server a 127.0.0.1:$A_PORT check inter 200ms fall 2 rise 2
  server b 127.0.0.1:$B_PORT check inter 200ms fall 2 rise 2
backend node_a
  option httpchk GET /healthz
  server a 127.0.0.1:$A_PORT check inter 200ms fall 2 rise 2
CFG
haproxy -f "$WORK/haproxy.cfg" -db >"$WORK/haproxy.log" 2>&1 &
PROXY=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.05; done

. bench/lib/scan_world.sh
PORT_SAVED=$PORT PORT=$A_PORT
scan_world
RUN=$(api "/api/v1/batches/$BATCH/stamp-runs" "{\"count\":$STAMPS}" | id)
stamp_paths "$RUN" >"$WORK/paths.txt"
PORT=$PORT_SAVED
THIRD=$(($(wc -l <"$WORK/paths.txt") / 3))
split -d -l "$THIRD" "$WORK/paths.txt" "$WORK/part."

# Each wrk thread walks its own share of the stamps and counts the answers by kind.
cat >"$WORK/count.lua" <<'LUA'
local threads = {}
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
function init(args)
  ok, refused = 0, 0
  paths = {}
  for line in io.lines(os.getenv("PATHS")) do paths[#paths + 1] = line end
  span = math.floor(#paths / 2)
  first, i = id * span, 0
end
function request()
  local p = paths[first + (i % span) + 1]
  i = i + 1
  return wrk.format("GET", p, { ["Accept"] = "text/html" })
end
function response(status, headers, body)
  if status >= 200 and status < 300 then ok = ok + 1 else refused = refused + 1 end
end
function done(summary, latency, requests)
  local ok, refused, stamps = 0, 0, 0
  for _, t in ipairs(threads) do
    ok = ok + t:get("ok"); refused = refused + t:get("refused"); stamps = stamps + t:get("span")
  end
  local e = summary.errors
  io.write(string.format("answered 2xx: %d\nanswered otherwise: %d\nsocket errors: %d\n",
    ok, refused, e.connect + e.read + e.write + e.timeout))
  if summary.requests > stamps then io.write("note: the round outlasted its stamps\n") end
end
LUA
round() { # round PATHS PORT
  PATHS="$1" wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$WORK/count.lua" "http://127.0.0.1:$2" >"$WORK/round.txt"
  grep -E "Requests/sec|50%|99%|answered|socket errors|note:" "$WORK/round.txt"
}
scans() { sql "SELECT COUNT(*) FROM scans"; }
settle() { sleep 1; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(date -u +%F)"
echo "stamps: $STAMPS of one batch (PostgreSQL), $THIRD a round; command: wrk -t2 -c$CONNECTIONS -d${DURATION}s through HAProxy $(haproxy -v | head -1 | awk '{print $3}')"
echo "--- one node (A), distinct stamps"
round "$WORK/part.00" "$ONE_PORT"
echo "--- two nodes, round robin, distinct stamps"
round "$WORK/part.01" "$PORT"
settle
BEFORE=$(scans)

echo "--- two nodes, node A killed (SIGKILL) at $((DURATION / 3)) s and started again at $((2 * DURATION / 3)) s"
(
  sleep $((DURATION / 3)); kill -KILL "$NODE_A"
  echo "node A killed; its journal's segments held $(cat "$WORK"/journal-A/scans-*.log 2>/dev/null | wc -l) lines (committed or not)" >"$WORK/kill.txt"
) &
KILLER=$!
(sleep $((2 * DURATION / 3)); OCOP_LISTEN="127.0.0.1:$A_PORT" OCOP_SCAN_JOURNAL_DIR="$WORK/journal-A" "$BIN" >>"$WORK/node-A.log" 2>&1 & echo $! >"$WORK/a2.pid") &
RESTARTER=$!
round "$WORK/part.02" "$PORT"
wait "$KILLER" "$RESTARTER"
cat "$WORK/kill.txt"
wait "$NODE_A" 2>/dev/null || true
NODE_A=$(cat "$WORK/a2.pid")
for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$A_PORT/healthz" >/dev/null && break; sleep 0.05; done
# Clean stops: each node commits what it answered. (The restarted A is not this shell's child.)
kill "$NODE_A" "$NODE_B"
for p in $NODE_A $NODE_B; do while kill -0 "$p" 2>/dev/null; do sleep 0.05; done; done
NODE_A= NODE_B=
STORED=$(($(scans) - BEFORE))
OK=$(awk '/answered 2xx:/ {print $3}' "$WORK/round.txt")
OTHER=$(awk '/answered otherwise:/ {print $3}' "$WORK/round.txt")
ERRS=$(awk '/socket errors:/ {print $3}' "$WORK/round.txt")
echo "scans answered 2xx: $OK; stored in the database: $STORED; not answered 2xx: $OTHER, socket errors: $ERRS"
RESTORED=$(grep 'stored scans the last process answered' "$WORK/node-A.log" | grep -o '"scans":[0-9]*' | cut -d: -f2 || true)
echo "scans node A answered and had not committed when killed, stored from its journal at its restart: ${RESTORED:-0}"
if [ "$STORED" -lt "$OK" ]; then echo "LOST $((OK - STORED)) scans answered 2xx" >&2; exit 1; fi
# Sent: every answer, every request cut off, and those in flight when wrk stopped (one a
# connection at most).
if [ "$STORED" -gt $((OK + OTHER + ERRS + CONNECTIONS)) ]; then echo "stored $STORED scans, more than were sent" >&2; exit 1; fi
echo "lost scans: 0"
ERRORS=$(cat "$WORK"/node-*.log | grep -c '"level":"ERROR"' || true)
echo "errors logged by the nodes: $ERRORS"
