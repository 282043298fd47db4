#!/usr/bin/env bash
# Scans as real traffic makes them: every request a stamp the server has not seen since it
# started, side by side with one stamp scanned again and again, in one run on one server.
# Each stamp is scanned a few times in its life, so the distinct figure is the one shoppers get;
# the one-stamp figure measures the caches.
#
#   bench/scan_distinct.sh [stamps] [duration-seconds] [connections]
#   BENCH_BIN=path/to/ocop-trace  BENCH_PORT=p (default 18084)
#   BENCH_POSTGRES=postgres://user@host:port  runs on a fresh PostgreSQL database made there
#                   (dropped at the end) instead of SQLite
#   BENCH_WRITES=n  diary entries a second another organization writes in the busy rounds
#                   (default 20; 0 leaves them out)
#   BENCH_BATCHES=n the stamps are issued in n batches of the product (default 1), each its
#                   own lot, e.g. 10000000 stamps in 100 batches
#   BENCH_WALK=n    stamps walked by the distinct rounds (default: all), taken from the first
#                   batches' runs
#   BENCH_PERF=prefix  record the server with `perf record` through the distinct rounds
#                   (prefix.distinct, prefix.distinct_busy) and the one-stamp round
#                   (prefix.one); use a build
#                   with symbols (`cargo build --profile profiling`)
#   BENCH_PERF_CALLS=dwarf  how perf unwinds the stacks (default fp; the release profiles keep no
#                   frame pointers, so `dwarf` is what shows who called a libc or SQLite symbol)
#   BENCH_PERF_HZ=n  samples a second (default 999; fewer with dwarf, whose samples are large)
#   BENCH_ENCODING='gzip, deflate, br, zstd'  send this Accept-Encoding in every round, as
#                   phones' browsers do
#   BENCH_PG_SQL='…'  with BENCH_POSTGRES, SQL run on the database once it is filled, before
#                   the rounds' server starts (an A/B of a schema change on one binary, e.g.
#                   migration 38's foreign keys put back)
#   BENCH_ROUNDS=n  pairs of quiet and busy rounds (default 1), in the order quiet-busy,
#                   busy-quiet, quiet-busy … so that the database's growth through the run
#                   weighs on both sides alike; each distinct round walks stamps of its own,
#                   and the ratios are printed per pair and as medians (one round each cannot
#                   tell a 10 % difference from a shared machine's noise)
#   BENCH_PG_STATEMENTS=1  with BENCH_POSTGRES, print the statements that took the most of
#                   PostgreSQL's time in the distinct first passes (needs pg_stat_statements in
#                   shared_preload_libraries)
#
# Rounds, in order: distinct stamps (first pass: none seen before), one stamp; then the same
# two while another organization keeps its diary (BENCH_WRITES entries a second, on stamps of
# another part of the walk, also never seen); BENCH_ROUNDS pairs of these; then distinct
# stamps again (second pass: the first round's stamps, seen before). A write must drop only the pages that show it, so the busy rounds should be
# close to the quiet ones. wrk's threads each walk their own share of the stamps, so no stamp
# is requested twice in a first pass unless the round outlasts them (the script says so).
# Memory of the server is read at the end.
#
# Needs: wrk, curl, python3 (and psql for BENCH_POSTGRES).
set -euo pipefail
cd "$(dirname "$0")/.."
STAMPS="${1:-100000}"
DURATION="${2:-20}"
CONNECTIONS="${3:-64}"
PORT="${BENCH_PORT:-18084}"
WRITES="${BENCH_WRITES:-20}"
BIN="${BENCH_BIN:-target/release/ocop-trace}"

[ -n "${BENCH_BIN:-}" ] || cargo build --release --quiet
WORK=$(mktemp -d)
cleanup() {
  [ -z "${WRITER:-}" ] || kill "$WRITER" 2>/dev/null || true
  kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true
  rm -rf "$WORK"
  [ -z "${BENCH_POSTGRES:-}" ] || psql -q "$BENCH_POSTGRES/postgres" -c "DROP DATABASE IF EXISTS $DB_NAME" || true
}
trap cleanup EXIT

export OCOP_DATA_DIR="$WORK/data" OCOP_LISTEN="127.0.0.1:$PORT" RUST_LOG=warn
export OCOP_PUBLIC_BASE_URL="http://127.0.0.1:$PORT" OCOP_SCAN_RATE_PER_MINUTE=0
export OCOP_METRICS_TOKEN=bench-metrics
DB_KIND=SQLite
if [ -n "${BENCH_POSTGRES:-}" ]; then
  DB_NAME="ocop_bench_$$" DB_KIND=PostgreSQL
  psql -q "$BENCH_POSTGRES/postgres" -c "CREATE DATABASE $DB_NAME"
  export DATABASE_URL="$BENCH_POSTGRES/$DB_NAME"
fi
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
BATCHES="${BENCH_BATCHES:-1}"
PER=$((STAMPS / BATCHES))
WALK="${BENCH_WALK:-$STAMPS}"
ISSUE_START=$(date +%s)
: >"$WORK/paths.txt"
for i in $(seq 1 "$BATCHES"); do
  if [ "$i" -gt 1 ]; then
    BATCH=$(api "/api/v1/products/$PRODUCT/batches" "{\"lot_code\":\"CF2026-$i\",\"quantity\":500,\"unit\":\"kg\",\"growing_area_id\":\"$AREA\"}" | id)
  fi
  RUN=$(api "/api/v1/batches/$BATCH/stamp-runs" "{\"count\":$PER}" | id)
  if [ "$(wc -l <"$WORK/paths.txt")" -lt "$WALK" ]; then
    stamp_paths "$RUN" >>"$WORK/paths.txt"
  fi
  [ "$BATCHES" -eq 1 ] || [ $((i % 10)) -ne 0 ] || echo "issued $((i * PER)) stamps in $i batches ($(($(date +%s) - ISSUE_START)) s)" >&2
done
head -n "$WALK" "$WORK/paths.txt" >"$WORK/walk.txt" && mv "$WORK/walk.txt" "$WORK/paths.txt"
COUNT=$(wc -l <"$WORK/paths.txt")
ONE=$(head -1 "$WORK/paths.txt")
ROUNDS="${BENCH_ROUNDS:-1}"
# Each distinct round walks a part of its own: quiet round k part 2k-1, busy round k part 2k
# (without writes, round k part k). The second pass walks part 1 again.
PARTS=$((WRITES > 0 ? 2 * ROUNDS : ROUNDS))
COUNT=$((COUNT / PARTS))
[ "$COUNT" -gt 0 ] || { echo "$STAMPS stamps are too few for $PARTS walks of their own" >&2; exit 2; }
split -d -a 3 -l "$COUNT" "$WORK/paths.txt" "$WORK/part."
part() { printf '%s/part.%03d' "$WORK" "$(($1 - 1))"; }
if [ "$WRITES" -gt 0 ]; then
  OTHER_ORG=$(api /api/v1/organizations '{"kind":"cooperative","name":"HTX Chè Tân Cương","address":"Thái Nguyên"}' | id)
  OTHER_PRODUCT=$(api "/api/v1/organizations/$OTHER_ORG/products" '{"name":"Chè Tân Cương","unit":"gói"}' | id)
  OTHER_BATCH=$(api "/api/v1/products/$OTHER_PRODUCT/batches" '{"lot_code":"TC2026A","quantity":100,"unit":"kg"}' | id)
fi
# The EPCIS index turns each stamp run into commissioning events in the background (one per
# 1,000 stamps); an EPCIS query waits for it to catch up, so that its work on millions of
# stamps just issued does not share the cores with the rounds.
INDEX_START=$(date +%s)
# A query that outlasts the request timeout is answered 503 while the index goes on.
until curl -sf -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/epcis/events?perPage=1" >/dev/null; do
  [ $(($(date +%s) - INDEX_START)) -lt 3600 ] || { echo "the EPCIS index did not catch up in an hour" >&2; exit 1; }
  sleep 1
done
echo "EPCIS index caught up with the stamp runs ($(($(date +%s) - INDEX_START)) s)" >&2
# A fresh process: no stamp is in any cache when the first round starts.
kill "$SERVER"; wait "$SERVER" 2>/dev/null || true
if [ -n "${BENCH_PG_SQL:-}" ]; then
  psql -q -v ON_ERROR_STOP=1 "$DATABASE_URL" -c "$BENCH_PG_SQL"
  echo "ran on the database: $BENCH_PG_SQL" >&2
fi
start_server


# CPU time (user + system, in clock ticks) used so far by the server, and by PostgreSQL's
# processes when the database is PostgreSQL (0 on SQLite, which runs in the server): with
# their reaped children's, so that a connection closed meanwhile still counts (the postmaster
# reaps its backends).
TICKS=$(getconf CLK_TCK)
server_ticks() { awk '{print $14 + $15}' "/proc/$SERVER/stat"; }
db_ticks() {
  [ -n "${BENCH_POSTGRES:-}" ] || { echo 0; return; }
  # A process that exits meanwhile is skipped; a PostgreSQL on another machine counts 0.
  { pgrep -x postgres || true; } | while read -r pid; do cat "/proc/$pid/stat" 2>/dev/null || true; done |
    awk '{t += $14 + $15 + $16 + $17} END {print t + 0}'
}

# The server's counters of the scan path (services/scans.rs, stamp_reads.rs, log_size.rs), as
# `name value` lines; a round prints what it did between two readings.
counters() {
  curl -sf -H "Authorization: Bearer $OCOP_METRICS_TOKEN" "http://127.0.0.1:$PORT/metrics" |
    awk '/^ocop_(scans_committed_total|scan_commit_duration_seconds_(count|sum)|scan_queue_full_total|resolver_[a-z_]+_total) / {print $1, $2}'
}
round_counters() {
  python3 - "$WORK/counters.0" "$WORK/counters.1" <<'PY'
import sys
def read(path):
    return {k: float(v) for k, v in (line.split() for line in open(path))}
a, b = read(sys.argv[1]), read(sys.argv[2])
d = {k.removeprefix("ocop_").removesuffix("_total"): b[k] - a.get(k, 0) for k in b}
scans, commits = d.get("scans_committed", 0), d.get("scan_commit_duration_seconds_count", 0)
stamps, statements = d.get("resolver_stamps_read", 0), d.get("resolver_stamp_statements", 0)
print(f"  scan writer: {scans:.0f} scans in {commits:.0f} commits ({scans / max(commits, 1):.0f} a commit, "
      f"{d.get('scan_commit_duration_seconds_sum', 0):.1f} s committing), "
      f"{d.get('scan_queue_full', 0):.0f} found the queue full; stamps read: {stamps:.0f} "
      f"in {statements:.0f} statements ({stamps / max(statements, 1):.1f} a statement); "
      f"log size reads: {d.get('resolver_log_size_reads', 0):.0f}; "
      f"ledger entries applied: {d.get('resolver_ledger_entries_applied', 0):.0f}")
PY
}

# A round that got any answer but 2xx fails the script: every stamp here is genuine.
# Each round's requests a second are kept in $WORK/rate.<name> for the ratios at the end.
run() {
  local name=$1; shift
  local perf=
  if [ -n "${BENCH_PERF:-}" ] && { [ "$name" = distinct ] || [ "$name" = one ] || [ "$name" = distinct_busy ]; }; then
    perf record -F "${BENCH_PERF_HZ:-999}" --call-graph "${BENCH_PERF_CALLS:-fp}" -p "$SERVER" -o "$BENCH_PERF.$name" -- sleep "$((DURATION - 2))" >"$WORK/perf.log" 2>&1 &
    perf=$!
  fi
  local statements=
  if [ -n "${BENCH_PG_STATEMENTS:-}" ] && { [ "$name" = distinct ] || [ "$name" = distinct_busy ]; }; then
    statements=1
    psql -q "$DATABASE_URL" -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" -c "SELECT pg_stat_statements_reset()" >/dev/null
  fi
  local server0 db0; server0=$(server_ticks) db0=$(db_ticks)
  counters >"$WORK/counters.0"
  wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency "$@" >"$WORK/round.txt"
  local server1 db1; server1=$(server_ticks) db1=$(db_ticks)
  counters >"$WORK/counters.1"
  # A profile that failed (perf missing, not permitted) says so instead of leaving no file.
  [ -z "$perf" ] || wait "$perf" || { cat "$WORK/perf.log" >&2; echo "perf record failed" >&2; exit 1; }
  grep -E "Requests/sec|99%|90%|75%|50%|Latency|Non-2xx|Socket errors|requests:" "$WORK/round.txt"
  # Where a request's time goes: CPU of the server and of the database a request.
  local requests; requests=$(awk '/requests in/ {print $1}' "$WORK/round.txt")
  python3 -c "r = max(${requests:-0}, 1); k = 1e6 / $TICKS / r
print(f'  CPU a request: server {($server1 - $server0) * k:.0f} us' + ('' if not $db1 else f', PostgreSQL {($db1 - $db0) * k:.0f} us'))"
  round_counters
  [ -z "$statements" ] || psql -X "$DATABASE_URL" -c "SELECT calls, round(total_exec_time) AS total_ms,
      round(mean_exec_time::numeric, 3) AS mean_ms, round(max_exec_time::numeric, 1) AS max_ms,
      rows, left(regexp_replace(query, '\s+', ' ', 'g'), 110) AS query
    FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
    ORDER BY total_exec_time DESC LIMIT 10"
  if grep -q "Non-2xx" "$WORK/round.txt"; then echo "a scan was not answered 2xx" >&2; exit 1; fi
  awk '/Requests\/sec/ {print $2}' "$WORK/round.txt" >"$WORK/rate.$name"
}
ratio() { python3 -c "print(f'{$(cat "$WORK/rate.$1")/$(cat "$WORK/rate.$2"):.2f}')"; }
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(date -u +%F)"
echo "stamps: $STAMPS in $BATCHES batch(es) ($DB_KIND), $(wc -l <"$WORK/paths.txt") walked, $COUNT a walk; command: wrk -t2 -c$CONNECTIONS -d${DURATION}s --latency, Accept: text/html${BENCH_ENCODING:+, Accept-Encoding: $BENCH_ENCODING}"
export ENCODING="${BENCH_ENCODING:-}"
ENCODING_HEADER=(${BENCH_ENCODING:+-H "Accept-Encoding: $BENCH_ENCODING"})
distinct() { COUNT="$COUNT" PATHS="$2" THREADS=2 run "$1" -s bench/lib/walk.lua "http://127.0.0.1:$PORT"; }
# The one stamp is also asked through the walking script, so that the client's own cost (wrk
# runs Lua for every request of the distinct rounds, on the same two cores) is the same on
# both sides of that ratio.
printf '%s\n' "$ONE" "$ONE" >"$WORK/one.txt"
# Round k's names carry a suffix from the second pair on (distinct, distinct.2 …).
suffix() { [ "$1" -eq 1 ] || echo ".$1"; }
quiet() {
  local k=$1 s; s=$(suffix "$1")
  echo "--- distinct stamps, first pass (none seen before)${s:+, round $k}"
  distinct "distinct$s" "$(part $((WRITES > 0 ? 2 * k - 1 : k)))"
  echo "--- one stamp, repeated${s:+, round $k}"
  run "one$s" -H 'Accept: text/html' "${ENCODING_HEADER[@]}" "http://127.0.0.1:$PORT$ONE"
  if [ "$k" -eq 1 ]; then
    echo "--- one stamp, repeated, through the walking script"
    distinct one_script "$WORK/one.txt"
  fi
}
busy() {
  local k=$1 s; s=$(suffix "$1")
  python3 bench/lib/diary_load.py "$PORT" "$TOKEN" "$OTHER_BATCH" "$WRITES" >"$WORK/writer.txt" &
  WRITER=$!
  echo "--- distinct stamps, first pass, while another organization writes $WRITES diary entries/s${s:+, round $k}"
  distinct "distinct_busy$s" "$(part $((2 * k)))"
  echo "--- one stamp, repeated, while another organization writes $WRITES diary entries/s${s:+, round $k}"
  run "one_busy$s" -H 'Accept: text/html' "${ENCODING_HEADER[@]}" "http://127.0.0.1:$PORT$ONE"
  kill "$WRITER"; wait "$WRITER" || { cat "$WORK/writer.txt"; echo "a diary entry was refused" >&2; exit 1; }
  WRITER=
  cat "$WORK/writer.txt"
}
for k in $(seq 1 "$ROUNDS"); do
  if [ "$WRITES" -eq 0 ]; then quiet "$k"
  elif [ $((k % 2)) -eq 1 ]; then quiet "$k"; busy "$k"
  else busy "$k"; quiet "$k"
  fi
done
echo "--- distinct stamps, second pass"
distinct second "$(part 1)"
echo "distinct (first pass) ÷ one stamp: $(ratio distinct one); ÷ one stamp through the same script: $(ratio distinct one_script)"
[ "$WRITES" -eq 0 ] || echo "while writing ÷ quiet: distinct $(ratio distinct_busy distinct), one stamp $(ratio one_busy one)"
if [ "$ROUNDS" -gt 1 ]; then
  python3 - "$WORK" "$ROUNDS" "$WRITES" <<'PY'
import statistics, sys
work, rounds, writes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def rate(name, k):
    return float(open(f"{work}/rate.{name}{'' if k == 1 else f'.{k}'}").read())
def line(label, num, den):
    ratios = [rate(num, k) / rate(den, k) for k in range(1, rounds + 1)]
    print(f"{label}: median {statistics.median(ratios):.2f} ({', '.join(f'{r:.2f}' for r in ratios)})")
line("distinct ÷ one stamp, quiet, by round", "distinct", "one")
if writes:
    line("distinct ÷ one stamp, busy, by round", "distinct_busy", "one_busy")
    line("distinct while writing ÷ quiet, by pair", "distinct_busy", "distinct")
    line("one stamp while writing ÷ quiet, by pair", "one_busy", "one")
PY
fi
echo "resolver and scan writer, since the restart (lots and stamps read from the database, lots dropped by writes; scans committed, commits and their time, scans that found the queue full):"
curl -sf -H "Authorization: Bearer $OCOP_METRICS_TOKEN" "http://127.0.0.1:$PORT/metrics" >"$WORK/metrics.txt"
grep -E '^ocop_(resolver_|scans_committed|scan_commit_duration_seconds_(sum|count)|scan_queue_full)' "$WORK/metrics.txt"
# The other organization's diary is on none of the pages scanned: a write that dropped one of
# their lots dropped too much.
DROPPED=$(awk '/^ocop_resolver_lots_dropped_total/ {print $2}' "$WORK/metrics.txt")
if [ "${DROPPED:-missing}" != 0 ]; then echo "writes elsewhere dropped $DROPPED cached lots" >&2; exit 1; fi
# Each walked batch's lot is read once; a lot read again and again while others write (a read
# thrown away because an unrelated entry landed meanwhile) fails here.
LOTS=$(awk '/^ocop_resolver_lots_read_total/ {print $2}' "$WORK/metrics.txt")
if [ "${LOTS:-missing}" = missing ] || [ "$LOTS" -gt $((2 * BATCHES + 4)) ]; then
  echo "lots were read $LOTS times for $BATCHES batch(es): the cache does not keep them" >&2; exit 1
fi
[ -n "${BENCH_POSTGRES:-}" ] || echo "database on disk: $(du -sh "$WORK/data" | cut -f1)"
rss() { echo $(($(awk -v k="$1:" '$1 == k {print $2}' "/proc/$SERVER/status") / 1024)); }
echo "server memory (RSS) at the end: $(rss VmRSS) MB ($(rss RssAnon) MB anonymous, $(rss RssFile) MB of mapped files)"
ERRORS=$(grep -c ' ERROR ' "$WORK/server.log" || true)
echo "server errors logged: $ERRORS"
[ "$ERRORS" = 0 ]
