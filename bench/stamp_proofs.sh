#!/usr/bin/env bash
# Stamp proofs for rotating serials of a big run, as an attacker sends them: each proof must
# cost a few indexed reads, whatever the run's size (issue 23, item 4). Starts the service on
# SQLite, issues one run of N stamps, and times K proofs of random serials of it with curl,
# then reports the server's CPU time and peak memory.
#   bench/stamp_proofs.sh [binary, default target/release/ocop-trace] [N, default 1000000] [K, default 200]
set -euo pipefail
BIN=${1:-target/release/ocop-trace}
N=${2:-1000000}
K=${3:-200}
WORK=$(mktemp -d)
PORT=$((20000 + RANDOM % 20000))
export OCOP_DATA_DIR="$WORK/data" OCOP_LISTEN="127.0.0.1:$PORT" RUST_LOG=${RUST_LOG:-warn} OCOP_SCAN_RATE_PER_MINUTE=0
unset RUST_BACKTRACE DATABASE_URL OCOP_BLOB_STORE
mkdir -p "$WORK/data"
TOKEN=$("$BIN" token create --admin --name bench)
API="http://127.0.0.1:$PORT/api/v1"
H=(-H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json')
"$BIN" >"$WORK/log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true; cp "$WORK/log" /tmp/proof-server.log; rm -rf "$WORK"' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
id() { sed 's/.*"id":"\([^"]*\)".*/\1/'; }
ORG=$(curl -sf "${H[@]}" "$API/organizations" -d '{"kind":"cooperative","name":"HTX","address":"x"}' | id)
PRODUCT=$(curl -sf "${H[@]}" "$API/organizations/$ORG/products" -d '{"name":"Mật ong","unit":"hũ","gtin":"8934588012228"}' | id)
BATCH=$(curl -sf "${H[@]}" "$API/products/$PRODUCT/batches" -d '{"lot_code":"BIG1","quantity":1,"unit":"kg","harvested_on":"2026-04-02"}' | id)
started=$(date +%s.%N)
RUN=$(curl -sf "${H[@]}" "$API/batches/$BATCH/stamp-runs" -d "{\"count\": $N}" | id)
echo "issued $N stamps in $(echo "$(date +%s.%N) - $started" | bc) s"
sleep 2  # a checkpoint is signed within a second
# K serials spread over the run.
step=$((N / K))
: >"$WORK/serials"
for i in $(seq 0 $((K - 1))); do
  curl -sf -H "Authorization: Bearer $TOKEN" "$API/stamp-runs/$RUN/stamps?limit=1&cursor=$((i * step - 1))" \
    | grep -o '"serial":"[^"]*"' | head -1 | cut -d'"' -f4 >>"$WORK/serials" || true
done
ticks() { awk '{print $14 + $15}' /proc/$PID/stat; }
hz=$(getconf CLK_TCK)
# Two rounds over different serials: the first right after the issuance (the database may
# still be folding the run's write-ahead log in), the second in steady state.
half=$(( $(wc -l <"$WORK/serials") / 2 ))
head -n "$half" "$WORK/serials" >"$WORK/round1"
tail -n +"$((half + 1))" "$WORK/serials" >"$WORK/round2"
for round in round1 round2; do
  cpu0=$(ticks); t0=$(date +%s.%N)
  while read -r s; do curl -sf -o /dev/null "$API/stamps/$s/proof"; done <"$WORK/$round"
  t1=$(date +%s.%N); cpu1=$(ticks)
  count=$(wc -l <"$WORK/$round")
  echo "$round: $count proofs of distinct serials: $(echo "scale=1; ($t1 - $t0) * 1000 / $count" | bc) ms each (wall, curl included), server CPU $(echo "scale=1; ($cpu1 - $cpu0) * 1000 / $hz / $count" | bc) ms each"
done
echo "server peak resident memory: $(awk '/VmHWM/ {print int($2 / 1024)}' /proc/$PID/status) MB"
