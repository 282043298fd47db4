#!/usr/bin/env bash
# The console's batch page (with its 30-day scans-per-day chart) for a batch whose stamps
# were scanned SCANS times over the last 30 days, on SQLite: the median of RUNS page loads,
# for each binary given, one after another on the same database (give the older build first:
# a newer one may add migrations that an older one would refuse).
#
#   bench/scan_chart.sh <binary>... (env: SCANS=1000000 RUNS=7 BENCH_PORT=18090)
#
# Needs: curl, python3, sqlite3.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 1 ] || { echo "usage: $0 <ocop-trace binary>..." >&2; exit 2; }
SCANS="${SCANS:-1000000}"
RUNS="${RUNS:-7}"
PORT="${BENCH_PORT:-18090}"
WORK=$(mktemp -d)
SERVER=""
stop() { [ -n "$SERVER" ] && { kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; }; SERVER=""; }
trap 'stop; rm -rf "$WORK"' EXIT
export OCOP_DATA_DIR="$WORK/data" OCOP_LISTEN="127.0.0.1:$PORT" RUST_LOG=warn
export OCOP_PUBLIC_BASE_URL="http://127.0.0.1:$PORT"
BASE="http://127.0.0.1:$PORT"
start() {
  "$1" >>"$WORK/server.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 100); do curl -sf "$BASE/healthz" >/dev/null && return; sleep 0.1; done
  echo "the server did not start" >&2; exit 1
}

FIRST="$1"
TOKEN=$("$FIRST" token create --admin --name bench 2>/dev/null)
start "$FIRST"
api() { curl -sf -X POST "$BASE$1" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d "$2"; }
id() { python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'; }
ORG=$(api /api/v1/organizations '{"kind":"cooperative","name":"HTX Mật ong Cư M'"'"'gar","address":"Cư M'"'"'gar, Đắk Lắk"}' | id)
PRODUCT=$(api "/api/v1/organizations/$ORG/products" '{"name":"Mật ong hoa cà phê","unit":"chai"}' | id)
BATCH=$(api "/api/v1/products/$PRODUCT/batches" '{"lot_code":"MO2026","quantity":1000,"unit":"chai"}' | id)
api "/api/v1/batches/$BATCH/stamp-runs" '{"count":1000}' >/dev/null
USER=$(api /api/v1/users '{"phone":"0912345678","name":"Chị Hoa","password":"mật khẩu an toàn"}' | id)
api "/api/v1/organizations/$ORG/memberships" "{\"user_id\":\"$USER\",\"role\":\"owner\"}" >/dev/null
stop
DB="$OCOP_DATA_DIR/ocop-trace.db"
# SCANS rows spread over the batch's stamps and the last 30 days, written as the server
# writes them (RFC 3339 text, UTC, microseconds).
sqlite3 "$DB" <<SQL
CREATE TEMP TABLE s AS SELECT serial, row_number() OVER () - 1 AS k FROM stamps;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $SCANS - 1)
INSERT INTO scans (serial, scanned_at, id, client_hash, language)
SELECT (SELECT serial FROM s WHERE k = i % 1000),
       strftime('%Y-%m-%dT%H:%M:%f', 'now', '-' || (i % 2592000) || ' seconds') || '000+00:00',
       randomblob(16), randomblob(32), 'vi'
FROM n;
SQL
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(date -u +%F)"
echo "scans of the batch in the last 30 days: $(sqlite3 "$DB" 'SELECT COUNT(*) FROM scans')"
for bin in "$@"; do
  start "$bin"
  rm -f "$WORK/cookies"
  curl -sf -c "$WORK/cookies" -o /dev/null -X POST "$BASE/console/sign-in" \
    -H "Origin: $BASE" --data-urlencode login=0912345678 --data-urlencode 'password=mật khẩu an toàn'
  PAGE="$BASE/console/batches/$BATCH"
  curl -sf -b "$WORK/cookies" "$PAGE" | grep -o 'Tổng: <strong>[0-9.,]*</strong>' | head -1 | sed 's/^/chart: /'
  times=()
  for _ in $(seq 1 "$RUNS"); do
    times+=("$(curl -sf -b "$WORK/cookies" -o /dev/null -w '%{time_total}' "$PAGE")")
  done
  rss=$(grep VmHWM "/proc/$SERVER/status" | awk '{print $2 " " $3}')
  median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((RUNS + 1) / 2))p")
  echo "$bin: median ${median}s of $RUNS page loads (all: ${times[*]}); server peak RSS $rss"
  stop
done
