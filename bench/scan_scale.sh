#!/usr/bin/env bash
# Scans at scale, on SQLite: a database whose STAMPS stamps (in BATCHES batches) were each
# scanned PER_STAMP times over the last 500 days (1,000,000 × 100 = 100,000,000 scans), then:
#  - the day counts filled from the scans, as migration 28 does on an existing database, and
#    the copy warnings, as migration 36 does;
#  - the console's chart for the first batch, counted the old way (30 range counts over the
#    batch's scans, in the `sqlite3` shell) and the new way (its 30 rows of `scan_days`);
#  - the signed-in batch page and dashboard (median of RUNS loads), cold server;
#  - the scan page for the first batch's stamps, every one scanned before but not since the
#    start (wrk, DURATION seconds; the writer reads each stamp's recent scans);
#  - `ocop-trace scans prune --keep-days 400` (the daily sweep) with the server stopped.
# Run it with PER_STAMP=1 and PER_STAMP=100 for the same figures on a small scans table.
#
#   bench/scan_scale.sh [stamps] [per-stamp] [batches] [duration-seconds]
#   BENCH_BIN=path/to/ocop-trace  BENCH_PORT=p (default 18086)  RUNS=7
#
# Needs: wrk, curl, python3, sqlite3.
set -euo pipefail
cd "$(dirname "$0")/.."
STAMPS="${1:-1000000}"
PER_STAMP="${2:-100}"
BATCHES="${3:-10}"
DURATION="${4:-20}"
RUNS="${RUNS:-7}"
PORT="${BENCH_PORT:-18086}"
BIN="${BENCH_BIN:-target/release/ocop-trace}"
[ -n "${BENCH_BIN:-}" ] || cargo build --release --quiet
WORK=$(mktemp -d)
SERVER=""
stop() { [ -z "$SERVER" ] || { kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; }; SERVER=""; }
trap 'stop; rm -rf "$WORK"' EXIT
export OCOP_DATA_DIR="$WORK/data" OCOP_LISTEN="127.0.0.1:$PORT" RUST_LOG=warn
export OCOP_PUBLIC_BASE_URL="http://127.0.0.1:$PORT" OCOP_SCAN_RATE_PER_MINUTE=0
BASE="http://127.0.0.1:$PORT"
DB="$OCOP_DATA_DIR/ocop-trace.db"
TOKEN=$("$BIN" token create --admin --name bench 2>/dev/null)
start() {
  "$BIN" >>"$WORK/server.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 600); do curl -sf "$BASE/healthz" >/dev/null && return; sleep 0.1; done
  echo "the server did not start" >&2; exit 1
}
seconds() { python3 -c "import time; print(f'{time.time() - $1:.1f}')"; }
median() { python3 -c 'import statistics, sys; print(statistics.median(float(l) for l in sys.stdin))'; }

start
. bench/lib/scan_world.sh
scan_world
FIRST_BATCH=$BATCH
# How SQLite holds the batch's id (sqlx binds a UUID as 16 bytes).
BATCH_KEY="X'$(echo "$BATCH" | tr -d -)'"
PER=$((STAMPS / BATCHES))
for i in $(seq 1 "$BATCHES"); do
  [ "$i" -eq 1 ] || BATCH=$(api "/api/v1/products/$PRODUCT/batches" "{\"lot_code\":\"CF2026-$i\",\"quantity\":500,\"unit\":\"kg\",\"growing_area_id\":\"$AREA\"}" | id)
  RUN=$(api "/api/v1/batches/$BATCH/stamp-runs" "{\"count\":$PER}" | id)
  [ "$i" -ne 1 ] || stamp_paths "$RUN" >"$WORK/paths.txt"
done
USER_ID=$(api /api/v1/users '{"phone":"0912345678","name":"Chị Hoa","password":"mật khẩu an toàn"}' | id)
api "/api/v1/organizations/$ORG/memberships" "{\"user_id\":\"$USER_ID\",\"role\":\"owner\"}" >/dev/null
stop

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(date -u +%F); SQLite $(sqlite3 --version | cut -d' ' -f1)"
# PER_STAMP scans a stamp, evenly spread over the last 500 days (a random moment in each
# slice), written in the key's order as the server's rows are (time, then id): RFC 3339 text,
# UTC, µs. Then each stamp's counters and latest 10 times (Unix seconds, newest first), as the
# scan writer keeps them in `stamp_scans` (migration 37).
SPAN=$((500 * 86400 / PER_STAMP))
T0=$(date +%s.%N)
sqlite3 "$DB" >/dev/null <<SQL
CREATE TEMP TABLE n (j INTEGER PRIMARY KEY);
WITH RECURSIVE c(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM c WHERE j < $PER_STAMP - 1) INSERT INTO n SELECT j FROM c;
INSERT INTO scans (serial, scanned_at, id, client_hash, language)
SELECT * FROM (SELECT s.serial,
       strftime('%Y-%m-%dT%H:%M:%f', 'now', '-' || (($PER_STAMP - n.j) * $SPAN - abs(random()) % $SPAN) || ' seconds') || '000+00:00' AS at,
       randomblob(16), randomblob(32), 'vi'
FROM stamps s CROSS JOIN n) ORDER BY at;
INSERT INTO stamp_scans (serial, batch_id, scan_count, first_scanned_at, recent)
SELECT r.serial, st.batch_id, $PER_STAMP, r.first, r.recent FROM (
  SELECT serial, MIN(first) AS first, group_concat(t, '') AS recent FROM (
    SELECT serial, MIN(scanned_at) OVER (PARTITION BY serial) AS first,
           printf('%010d', CAST(strftime('%s', scanned_at) AS INTEGER)) AS t,
           row_number() OVER (PARTITION BY serial ORDER BY scanned_at DESC) AS k
    FROM scans) WHERE k <= 10 GROUP BY serial) AS r JOIN stamps st ON st.serial = r.serial;
SQL
echo "scans: $(sqlite3 "$DB" 'SELECT COUNT(*) FROM scans') ($PER_STAMP a stamp, $STAMPS stamps in $BATCHES batches), written in $(seconds "$T0") s; database $(du -sh "$DB" | cut -f1)"
T0=$(date +%s.%N)
sqlite3 "$DB" <<'SQL'
DELETE FROM scan_days;
INSERT INTO "scan_days" ("batch_id", "day", "scans") SELECT st."batch_id", date(substr(s."scanned_at", 1, 19), '+7 hours'), COUNT(*) FROM "scans" s JOIN "stamps" st ON st."serial" = s."serial" GROUP BY 1, 2;
SQL
echo "day counts filled from the scans (what migration 28 does once): $(seconds "$T0") s, $(sqlite3 "$DB" 'SELECT COUNT(*) FROM scan_days') rows"

# What migration 36 does once (the stamps that look copied this week: 10 scans or more), as
# one pass over the rows, which are now kept by time.
T0=$(date +%s.%N)
sqlite3 "$DB" <<'SQL'
DELETE FROM scan_alerts;
INSERT INTO "scan_alerts" ("serial", "batch_id", "warned_at", "day_scans", "week_scans") SELECT s."serial", st."batch_id", MAX(s."scanned_at"), 0, COUNT(*) FROM "scans" s JOIN "stamps" st ON st."serial" = s."serial" WHERE s."scanned_at" >= strftime('%Y-%m-%dT%H:%M:%f', 'now', '-7 days') GROUP BY s."serial" HAVING COUNT(*) >= 10;
SQL
echo "copy warnings filled from the scans (what migration 36 does once): $(seconds "$T0") s, $(sqlite3 "$DB" 'SELECT COUNT(*) FROM scan_alerts') rows"

# The chart of the first batch, both ways, three times each in the shell (the last is quoted).
OLD_SQL=$(python3 - "$BATCH_KEY" <<'PY'
import datetime, sys
vn = datetime.timezone(datetime.timedelta(hours=7))
today = datetime.datetime.now(vn).date()
def start(d):
    return datetime.datetime(d.year, d.month, d.day, tzinfo=vn).astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+00:00")
days = [today - datetime.timedelta(days=29 - i) for i in range(30)]
parts = [f"(SELECT COUNT(serial) FROM scans WHERE serial IN (SELECT serial FROM stamps WHERE batch_id = {sys.argv[1]}) AND scanned_at >= '{start(d)}' AND scanned_at < '{start(d + datetime.timedelta(days=1))}') AS d{i}" for i, d in enumerate(days)]
print("SELECT " + ", ".join(parts) + ";")
PY
)
NEW_SQL="SELECT day, scans FROM scan_days WHERE batch_id = $BATCH_KEY AND day >= date('now', '+7 hours', '-29 days') AND day <= date('now', '+7 hours');"
shell_time() { for _ in 1 2 3; do printf '.timer on\n%s\n' "$1" | sqlite3 "$DB" | grep '^Run Time' | tail -1; done | tail -1; }
echo "chart, 30 range counts over the batch's scans (before): $(shell_time "$OLD_SQL")"
echo "chart, 30 rows of scan_days (now):                      $(shell_time "$NEW_SQL")"
echo "first batch's scans in the last 30 days: $(sqlite3 "$DB" "SELECT SUM(scans) FROM scan_days WHERE batch_id = $BATCH_KEY AND day >= date('now', '+7 hours', '-29 days')")"

start
curl -sf -c "$WORK/cookies" -o /dev/null -X POST "$BASE/console/sign-in" \
  -H "Origin: $BASE" --data-urlencode login=0912345678 --data-urlencode 'password=mật khẩu an toàn'
page() {
  STATUS=$(curl -s -b "$WORK/cookies" -o /dev/null -w '%{http_code}' "$BASE$1")
  [ "$STATUS" = 200 ] || { echo "$1 answered $STATUS, not 200" >&2; exit 1; }
  for _ in $(seq 1 "$RUNS"); do curl -sf -b "$WORK/cookies" -o /dev/null -w '%{time_total}\n' "$BASE$1"; done | median
}
echo "batch page (chart) median of $RUNS: $(page "/console/batches/$FIRST_BATCH") s"
echo "dashboard median of $RUNS: $(page "/console") s"

echo "--- scan page, stamps of the first batch ($(wc -l <"$WORK/paths.txt")), each scanned $PER_STAMP times before, none since the start: wrk -t2 -c64 -d${DURATION}s"
COUNT=$(wc -l <"$WORK/paths.txt") PATHS="$WORK/paths.txt" THREADS=2 wrk -t2 -c64 -d"${DURATION}s" --latency -s bench/lib/walk.lua "$BASE" >"$WORK/round.txt"
grep -E "Requests/sec|99%|50%|Non-2xx|Socket errors" "$WORK/round.txt"
if grep -q "Non-2xx" "$WORK/round.txt"; then echo "a scan was not answered 2xx" >&2; exit 1; fi
echo "server memory (RSS) at the end: $(($(awk '/VmRSS/ {print $2}' "/proc/$SERVER/status") / 1024)) MB"
stop
# The day counts the scan writer kept under that traffic, against the scan rows counted by
# the sqlite3 shell itself: the first batch's scans since the first of its 30 chart days.
ROWS=$(sqlite3 "$DB" "SELECT COUNT(*) FROM scans WHERE serial IN (SELECT serial FROM stamps WHERE batch_id = $BATCH_KEY) AND date(substr(scanned_at, 1, 19), '+7 hours') >= date('now', '+7 hours', '-29 days')")
KEPT=$(sqlite3 "$DB" "SELECT SUM(scans) FROM scan_days WHERE batch_id = $BATCH_KEY AND day >= date('now', '+7 hours', '-29 days')")
echo "first batch, last 30 days: $ROWS scan rows, $KEPT in the day counts"
[ "$ROWS" = "$KEPT" ] || { echo "the day counts disagree with the scan rows" >&2; exit 1; }

T0=$(date +%s.%N)
"$BIN" scans prune --keep-days 400 2>/dev/null
echo "prune took $(seconds "$T0") s; scans left: $(sqlite3 "$DB" 'SELECT COUNT(*) FROM scans')"
ERRORS=$(grep -c ' ERROR ' "$WORK/server.log" || true)
echo "server errors logged: $ERRORS"
[ "$ERRORS" = 0 ]
