#!/usr/bin/env bash
# QR throughput of the service's encoders side by side with libqrencode (C), same 10,000
# URIs, same outputs (matrix, SVG path, 1-bit PNG at 4 px/module). Rounds alternate the two
# programs so machine noise hits both; paste the table into bench/RESULTS.md.
#
# Needs: apt-get install libqrencode-dev libpng-dev (gcc is on the machine).
# Knob: ROUNDS (default 3).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS="${ROUNDS:-3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
gcc -O2 -o "$work/qrencode_bench" bench/qrencode_bench.c -lqrencode -lpng
cargo bench --bench qr --no-run >/dev/null 2>&1
rust_bench=$(cargo bench --bench qr --no-run --message-format=json 2>/dev/null \
  | grep -o '"executable":"[^"]*qr-[^"]*"' | head -n1 | cut -d'"' -f4)
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(date -u +%F)"
echo
echo "| implementation | what | codes/s | µs/code |"
echo "|---|---|---:|---:|"
for round in $(seq 1 "$ROUNDS"); do
  "$work/qrencode_bench" 2>/dev/null
  "$rust_bench" 2>/dev/null
done
