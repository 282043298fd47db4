#!/usr/bin/env bash
# Issue → print on the release build with the embedded SQLite database: issues runs of
# 10,000 and 100,000 stamps with `ocop-trace issue`, then writes each run's label PDF (A4,
# 65-up) with `ocop-trace print` and downloads the 10,000-label PDF over HTTP, recording
# time, peak memory (/usr/bin/time -v) and file size.
#
#   bench/print_labels.sh               COUNTS="10000 100000" by default
#   BENCH_BIN=path/to/ocop-trace  BENCH_PORT=p (default 18081)
#
# Needs: curl, python3, /usr/bin/time (Debian package `time`).
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${BENCH_PORT:-18081}"
BIN="${BENCH_BIN:-target/release/ocop-trace}"
COUNTS="${COUNTS:-10000 100000}"

[ -n "${BENCH_BIN:-}" ] || cargo build --release --quiet
WORK=$(mktemp -d)
trap 'kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; rm -rf "$WORK"' EXIT

export OCOP_DATA_DIR="$WORK/data" OCOP_LISTEN="127.0.0.1:$PORT" RUST_LOG=warn
export OCOP_PUBLIC_BASE_URL="https://trace.example.vn"
TOKEN=$("$BIN" token create --admin --name bench 2>/dev/null)
"$BIN" >"$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done

api() { curl -sf -X POST "http://127.0.0.1:$PORT$1" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d "$2"; }
id() { python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'; }
ORG=$(api /api/v1/organizations '{"kind":"cooperative","name":"HTX Mật ong Mộc Châu","address":"Mộc Châu, Sơn La"}' | id)
PRODUCT=$(api "/api/v1/organizations/$ORG/products" '{"name":"Mật ong hoa nhãn Mộc Châu","unit":"hũ","gtin":"8934588012228"}' | id)
api "/api/v1/products/$PRODUCT/ocop-certifications" '{"stars":4,"decision_number":"1234/QĐ-UBND","decision_date":"2025-06-01","issuing_body":"UBND tỉnh Sơn La","level":"province"}' >/dev/null

measure() { # label, command...
  /usr/bin/time -f "%e %M" -o "$WORK/time" "${@:2}" >"$WORK/out" 2>"$WORK/err" || { cat "$WORK/err"; exit 1; }
  read -r secs kb <"$WORK/time"
  printf '| %s | %s s | %.0f MB |' "$1" "$secs" "$(echo "$kb / 1024" | bc -l)"
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(date -u +%F)"
echo
echo "| step | time | peak memory | file size |"
echo "|---|---:|---:|---:|"
for n in $COUNTS; do
  LOT="B$n"
  api "/api/v1/products/$PRODUCT/batches" "{\"lot_code\":\"$LOT\",\"quantity\":$n,\"unit\":\"hũ\"}" >/dev/null
  measure "issue $n stamps (\`ocop-trace issue\`)" "$BIN" issue --batch "$LOT" --count "$n"
  echo " |"
  RUN=$(tr -d '[:space:]' <"$WORK/out")
  measure "$n-label PDF, A4 65-up (\`ocop-trace print\`)" "$BIN" print --run "$RUN" --out "$WORK/labels-$n.pdf"
  printf ' %.1f MB |\n' "$(echo "$(stat -c %s "$WORK/labels-$n.pdf") / 1048576" | bc -l)"
  if [ "$n" = "10000" ]; then
    curl -sf -o "$WORK/http.pdf" -H "Authorization: Bearer $TOKEN" \
      -w "| $n-label PDF over HTTP (streamed download) | %{time_total} s | (server) | %{size_download} B |\n" \
      "http://127.0.0.1:$PORT/api/v1/stamp-runs/$RUN/labels.pdf"
  fi
done
