#!/usr/bin/env bash
# Bytes on the wire of the scan page in gzip, as phones ask for it, for each kind of scan a
# shopper gets (first scan, second scan with its time and count, third with the copy warning,
# a stamp with a PIN before and after its claim, a first scan in English), against the same
# page compressed whole (`gzip -6`, the level of the compression middleware and of nginx's
# `gzip on` in bench/scan_page.sh). Each row fetches one stamp in gzip and its twin stamp
# (same lot, scanned alike) as it is.
#
#   bench/scan_bytes.sh
#   BENCH_BIN=path/to/ocop-trace  BENCH_PORT=p (default 18094)
#
# Needs: curl, python3, gzip.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${BENCH_PORT:-18094}"
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
"$BIN" >"$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
. bench/lib/scan_world.sh
scan_world
U="http://127.0.0.1:$PORT"
RUN=$(api "/api/v1/batches/$BATCH/stamp-runs" '{"count":4}' | id)
mapfile -t P < <(stamp_paths "$RUN")
PINS=$(api "/api/v1/batches/$BATCH/stamp-runs" '{"count":2,"with_pin":true}' | id)
# Serial and PIN of each stamp of the PIN run, from the one file that shows the PINs.
mapfile -t PIN_ROWS < <(curl -sf -H "Authorization: Bearer $TOKEN" "$U/api/v1/stamp-runs/$PINS/stamps.csv?pins=true" \
  | python3 -c '
import csv, sys
for row in csv.reader(sys.stdin):
    uri = next((c for c in row if c.startswith("http://")), None)
    if uri:
        print("/" + uri.split("/", 3)[3], row[-1])
')
row() { # label, gzip path, twin path
  local ours whole
  ours=$(curl -sf -H 'Accept: text/html' -H 'Accept-Encoding: gzip, deflate, br, zstd' "$U$2" | wc -c)
  whole=$(curl -sf -H 'Accept: text/html' "$U$3" | gzip -6 | wc -c)
  python3 -c "import sys; o, w = int(sys.argv[2]), int(sys.argv[3]); print(f'| {sys.argv[1]} | {o:,} | {w:,} | {100 * (o - w) / w:+.1f} % |')" "$1" "$ours" "$whole"
}
claim() { curl -sf -o /dev/null -X POST -H 'Accept: text/html' -H 'Content-Type: application/x-www-form-urlencoded' --data "pin=$2" "$U$1?lang=vi"; }
echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -1); $(date -u +%F); $("$BIN" --version 2>/dev/null || echo ocop-trace)"
echo "| scan | gzip from the layouts (bytes) | the page compressed whole (gzip -6) | more |"
echo "|---|---:|---:|---:|"
row "first scan" "${P[1]}" "${P[0]}"
row "second scan (time, count)" "${P[1]}" "${P[0]}"
row "third scan (copy warning)" "${P[1]}" "${P[0]}"
row "first scan, English" "${P[3]}?lang=en" "${P[2]}?lang=en"
read -r pin_a code_a <<<"${PIN_ROWS[0]}"; read -r pin_b code_b <<<"${PIN_ROWS[1]}"
row "PIN form" "$pin_b" "$pin_a"
claim "$pin_a" "$code_a"; claim "$pin_b" "$code_b"
row "PIN form after the claim (its time)" "$pin_b" "$pin_a"
