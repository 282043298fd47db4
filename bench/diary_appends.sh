#!/usr/bin/env bash
# Measures appending production-diary events over HTTP (POST /api/v1/batches/{id}/events)
# against the release build on the embedded SQLite database, with wrk as the load generator.
#
#   bench/diary_appends.sh [duration-seconds] [connections]
#   BENCH_BIN=path/to/ocop-trace  compare another build side by side (skips cargo build)
#   WRK_THREADS=n  BENCH_PORT=p   load-generator threads (default 2), port (default 18080)
#
# Prints wrk's report, the number of events actually stored, and `ocop-trace verify`'s verdict
# on the resulting database. Needs: wrk, curl, python3.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${1:-20}"
CONNECTIONS="${2:-32}"
PORT="${BENCH_PORT:-18080}"
BIN="${BENCH_BIN:-target/release/ocop-trace}"

[ -n "${BENCH_BIN:-}" ] || cargo build --release --quiet
WORK=$(mktemp -d)
trap 'kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; rm -rf "$WORK"' EXIT

export OCOP_DATA_DIR="$WORK/data" OCOP_LISTEN="127.0.0.1:$PORT" RUST_LOG=warn OCOP_METRICS_TOKEN=bench-metrics
TOKEN=$("$BIN" token create --admin --name bench 2>/dev/null)
"$BIN" >"$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done

api() { curl -sf -X POST "http://127.0.0.1:$PORT$1" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d "$2"; }
id() { python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'; }
ORG=$(api /api/v1/organizations '{"kind":"cooperative","name":"HTX Bench","address":"Đắk Lắk"}' | id)
PRODUCT=$(api "/api/v1/organizations/$ORG/products" '{"name":"Mật ong","unit":"hũ"}' | id)
BATCH=$(api "/api/v1/products/$PRODUCT/batches" '{"lot_code":"BENCH1","quantity":1000,"unit":"kg"}' | id)

cat >"$WORK/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $TOKEN"
wrk.body = '{"kind":"spraying","occurred_at":"2026-05-01T07:00:00Z","details":{"description":"Phun thuốc sinh học","inputs":[{"product":"Ridomil Gold 68WG","active_ingredient":"Metalaxyl-M","dose":2.5,"dose_unit":"g/l","phi_days":7}]}}'
LUA

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "command: wrk -t${WRK_THREADS:-2} -c$CONNECTIONS -d${DURATION}s (POST diary event, SQLite WAL)"
wrk -t"${WRK_THREADS:-2}" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$WORK/post.lua" "http://127.0.0.1:$PORT/api/v1/batches/$BATCH/events"
STORED=$(curl -sf -H "Authorization: Bearer $OCOP_METRICS_TOKEN" "http://127.0.0.1:$PORT/metrics" | grep '^ocop_http_requests_total{method="POST",route="/api/v1/batches/{id}/events",status="201"}' | awk '{print $2}')
echo "events stored (201 responses counted by /metrics): $STORED"
grep -c ' ERROR ' "$WORK/server.log" | xargs echo "server errors logged:" || true
# Everything written under load must still verify.
"$BIN" verify 2>/dev/null | sed 's/^/verify: /'
