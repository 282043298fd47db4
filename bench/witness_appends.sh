#!/usr/bin/env bash
# Diary appends with and without witnesses: bench/diary_appends.sh run in alternating rounds,
# plain and with three `ocop-trace witness` processes configured (OCOP_WITNESSES, quorum 2),
# fresh witnesses each round. Cosigning runs beside the appends, not in their path, so the
# figures should match; each round with witnesses also prints the size of the checkpoint each
# witness holds at the end (how far it kept up under the load).
#
#   bench/witness_appends.sh [duration-seconds] [connections] [rounds]
#
# Needs: wrk, curl, python3 (as bench/diary_appends.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${1:-15}"; CONNECTIONS="${2:-32}"; ROUNDS="${3:-2}"
BIN="${BENCH_BIN:-target/release/ocop-trace}"
[ -n "${BENCH_BIN:-}" ] || cargo build --release --quiet
export BENCH_BIN="$BIN"
WORK=$(mktemp -d)
PIDS=()
stop_witnesses() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; PIDS=(); }
trap 'stop_witnesses; rm -rf "$WORK"' EXIT

export OCOP_LOG_KEY_FILE="$WORK/log.key"
LOG_KEY=$("$BIN" keygen)
for round in $(seq 1 "$ROUNDS"); do
  echo "=== round $round: no witnesses"
  OCOP_WITNESSES= BENCH_PORT=18080 bench/diary_appends.sh "$DURATION" "$CONNECTIONS" | grep -E "Requests/sec|50%|99%|events stored|verify"
  echo "=== round $round: three witnesses, quorum 2"
  WITNESSES=""
  for i in 1 2 3; do
    rm -rf "$WORK/w$i"
    port=$((18090 + i))
    key=$("$BIN" witness --name "w$i.bench.test/w" --dir "$WORK/w$i" --log "$LOG_KEY" --print-key)
    "$BIN" witness --name "w$i.bench.test/w" --dir "$WORK/w$i" --log "$LOG_KEY" --address "127.0.0.1:$port" >"$WORK/w$i.log" 2>&1 &
    PIDS+=($!)
    WITNESSES="${WITNESSES:+$WITNESSES,}$key http://127.0.0.1:$port/"
  done
  OCOP_WITNESSES="$WITNESSES" OCOP_WITNESS_QUORUM=2 BENCH_PORT=18080 bench/diary_appends.sh "$DURATION" "$CONNECTIONS" | grep -E "Requests/sec|50%|99%|events stored|verify"
  for i in 1 2 3; do
    python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print("witness %s holds a checkpoint of %d entries" % (sys.argv[2], max(l["size"] for l in s["logs"].values())))' "$WORK/w$i/witness-state.json" "$i"
  done
  stop_witnesses
done
