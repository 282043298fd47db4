#!/usr/bin/env bash
# The ledger as C2SP tiles, on a log of ENTRIES farm registrations built once by
# `cargo bench --bench ledger` (target/bench-data/ledger-ENTRIES):
# 1. `ocop-trace monitor` catches up on the whole log from its entry bundles, checking every
#    entry: time, entries/s and peak memory (GNU time);
# 2. wrk walks TILES distinct tiles (half hash tiles of level 0, half entry bundles, random
#    places in the log) on ocop-trace, then the same bytes as files on nginx, alternating
#    rounds. Tiles are immutable, so a CDN or nginx in front would serve them the same way.
#
#   bench/tiles.sh [entries] [seconds] [rounds] [tiles]
#   BENCH_BIN=path/to/ocop-trace  BENCH_PORT=p (default 18086; nginx uses p+1)
#
# Needs: wrk, nginx (Debian nginx-light), GNU time, curl, python3.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib/nginx.sh
ENTRIES="${1:-1000000}"; DURATION="${2:-20}"; ROUNDS="${3:-2}"; TILES="${4:-2000}"
PORT="${BENCH_PORT:-18086}"; NGINX_PORT=$((PORT + 1))
BIN="${BENCH_BIN:-target/release/ocop-trace}"
DATA="target/bench-data/ledger-$ENTRIES"
[ -n "${BENCH_BIN:-}" ] || cargo build --release --quiet
if [ ! -f "$DATA/ready" ]; then
  echo "building a log of $ENTRIES entries (once) ..."
  OCOP_BENCH_ENTRIES="$ENTRIES" cargo bench --bench ledger -- --test >/dev/null 2>&1
fi
WORK=$(mktemp -d)
cleanup() {
  kill "${SERVER:-}" 2>/dev/null || true; wait "${SERVER:-}" 2>/dev/null || true
  stop_nginx "$WORK"
  rm -rf "$WORK"
}
trap cleanup EXIT

export OCOP_DATA_DIR="$DATA" OCOP_LISTEN="127.0.0.1:$PORT" RUST_LOG=warn
export OCOP_PUBLIC_BASE_URL="https://bench.ocop-trace.test" OCOP_SCAN_RATE_PER_MINUTE=0
"$BIN" >"$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
SIZE=$(curl -sf "http://127.0.0.1:$PORT/checkpoint" | sed -n 2p)

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(date -u +%F)"
echo "log: $SIZE entries ($DATA)"
echo "--- ocop-trace monitor catching up from nothing"
/usr/bin/time -f "elapsed %e s, max RSS %M KB" -o "$WORK/monitor.time" \
  "$BIN" monitor "http://127.0.0.1:$PORT" --state "$WORK/monitor.json" | tail -1
python3 - "$WORK/monitor.time" "$SIZE" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
secs = float(re.search(r"elapsed ([\d.]+) s", text).group(1))
rss = int(re.search(r"max RSS (\d+) KB", text).group(1))
n = int(sys.argv[2])
print(f"monitor: {n:,} entries in {secs:.1f} s = {n / secs:,.0f} entries/s, peak RSS {rss / 1024:.0f} MB")
PY

# The tiles wrk will walk, fetched once to give nginx the same bytes.
python3 - "$PORT" "$SIZE" "$TILES" "$WORK" <<'PY'
import http.client, os, random, sys
port, size, count, work = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
def path(n):
    s = "%03d" % (n % 1000); n //= 1000
    while n:
        s = "x%03d/%s" % (n % 1000, s); n //= 1000
    return s
full = size // 256
random.seed(7)
picked = random.sample(range(full), min(full, count // 2))
paths = [f"/tile/0/{path(n)}" for n in picked] + [f"/tile/entries/{path(n)}" for n in picked]
random.shuffle(paths)
conn = http.client.HTTPConnection("127.0.0.1", port)
for p in paths:
    conn.request("GET", p)
    res = conn.getresponse(); body = res.read()
    assert res.status == 200, (p, res.status)
    f = os.path.join(work, "www") + p
    os.makedirs(os.path.dirname(f), exist_ok=True)
    open(f, "wb").write(body)
open(os.path.join(work, "paths"), "w").write("\n".join(paths) + "\n")
print(f"tiles: {len(paths)} distinct ({len(picked)} hash tiles, {len(picked)} entry bundles)")
PY
start_nginx "$WORK" "$NGINX_PORT"
export PATHS="$WORK/paths" THREADS=2 COUNT="$TILES"
echo "command: wrk -t2 -c64 -d${DURATION}s --latency -s bench/lib/walk.lua, $ROUNDS alternating rounds"
for round in $(seq 1 "$ROUNDS"); do
  echo "--- round $round: ocop-trace /tile/…"
  wrk -t2 -c64 -d"${DURATION}s" --latency -s bench/lib/walk.lua "http://127.0.0.1:$PORT" | grep -E "Requests/sec|50%|99%|Non-2xx|Socket errors"
  echo "--- round $round: nginx, the same files"
  wrk -t2 -c64 -d"${DURATION}s" --latency -s bench/lib/walk.lua "http://127.0.0.1:$NGINX_PORT" | grep -E "Requests/sec|50%|99%|Non-2xx|Socket errors"
done
grep -c ' ERROR ' "$WORK/server.log" | xargs echo "server errors logged:" || true
