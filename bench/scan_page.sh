#!/usr/bin/env bash
# The scan page under load, side by side with nginx serving a static file of the same size
# on the same machine: wrk at 64 connections for 30 s each, rounds alternating the two.
# Every request to ocop-trace is a browser scan (Accept: text/html), so each one is recorded.
# Also prints the page's weight (HTML + CSS + JS, gzip-compressed) against the 30 KB budget.
#
#   bench/scan_page.sh [duration-seconds] [connections] [rounds]
#   BENCH_BIN=path/to/ocop-trace  BENCH_PORT=p (default 18082; nginx uses p+1)
#   BENCH_PERF=file: record the server with `perf record` during the first round
#                      (BENCH_PERF_CALLS=dwarf, BENCH_PERF_HZ=n as in bench/scan_distinct.sh)
#   BENCH_SERVER_CPUS=0 BENCH_LOAD_CPUS=1: pin both servers to the first list of CPUs and wrk to
#                      the second (taskset), so that the load generator never takes a server's core
#   BENCH_ENCODING="gzip, deflate, br, zstd": send this Accept-Encoding as phones' browsers do;
#                      nginx then compresses the page itself (gzip on, level 6 as ours), so
#                      both servers pay for compression on every response
#   BENCH_NGINX_GZIP=static: with BENCH_ENCODING, nginx serves the page compressed beforehand
#                      (gzip -6 into page.html.gz, `gzip_static on`) instead of on the fly: a
#                      static file as phones get it, nginx's best case
#   BENCH_LOT=1: each round also loads the stamp's lot page (`/01/{gtin}/10/{lot}`, the QR code
#                      a lot that prints no stamps carries on every package), which is no scan
#   BENCH_PERF_STAT=1: count system calls and context switches a response, for both servers,
#                      with `perf stat` through each round (software events: no PMU needed)
#
# Whatever the figures, it fails (exit 1) when a response of either server was not 2xx, when
# the server logged an error, or when the stamp's scan count is not the scans wrk saw
# answered (each 2xx page is a recorded scan). `.ci/run` runs it briefly on the debug build for
# these checks.
#
# Needs: wrk, nginx (Debian nginx-light or nginx), curl, python3, gzip.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib/nginx.sh
DURATION="${1:-30}"
CONNECTIONS="${2:-64}"
ROUNDS="${3:-2}"
PORT="${BENCH_PORT:-18082}"
NGINX_PORT=$((PORT + 1))
# perf needs symbols and line tables: the `profiling` profile keeps them, `release` strips them.
PROFILE=release
[ -n "${BENCH_PERF:-}" ] && PROFILE=profiling
case "${BENCH_NGINX_GZIP:-fly}" in
  fly) ;;
  static) [ -n "${BENCH_ENCODING:-}" ] || { echo "BENCH_NGINX_GZIP=static needs BENCH_ENCODING" >&2; exit 2; } ;;
  *) echo "BENCH_NGINX_GZIP is fly or static, not '$BENCH_NGINX_GZIP'" >&2; exit 2 ;;
esac
BIN="${BENCH_BIN:-target/$PROFILE/ocop-trace}"

[ -n "${BENCH_BIN:-}" ] || cargo build --profile "$PROFILE" --quiet
WORK=$(mktemp -d)
cleanup() {
  kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true
  stop_nginx "$WORK"
  rm -rf "$WORK"
}
trap cleanup EXIT

export OCOP_DATA_DIR="$WORK/data" OCOP_LISTEN="127.0.0.1:$PORT" RUST_LOG=warn
export OCOP_PUBLIC_BASE_URL="http://127.0.0.1:$PORT" OCOP_SCAN_RATE_PER_MINUTE=0
TOKEN=$("$BIN" token create --admin --name bench 2>/dev/null)
${BENCH_SERVER_CPUS:+taskset -c "$BENCH_SERVER_CPUS"} "$BIN" >"$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done

. bench/lib/scan_world.sh
scan_world
RUN=$(api "/api/v1/batches/$BATCH/stamp-runs" '{"count":10}' | id)
URI=$(curl -sf -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/v1/stamp-runs/$RUN/stamps?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["uri"])')
PAGE_PATH="/${URI#*://*/}"
URL="http://127.0.0.1:$PORT$PAGE_PATH"
LOT_URL="http://127.0.0.1:$PORT${PAGE_PATH%/21/*}"

curl -sf -H 'Accept: text/html' "$URL" >"$WORK/page.html"
html_gz=$(gzip -9c "$WORK/page.html" | wc -c)
css_gz=$(curl -sf "http://127.0.0.1:$PORT/static/scan.css" | gzip -9c | wc -c)
js_gz=$(curl -sf "http://127.0.0.1:$PORT/static/verify.js" | gzip -9c | wc -c)

mkdir -p "$WORK/www"
chmod 755 "$WORK"
if [ -n "${BENCH_ENCODING:-}" ]; then
  # What compresses is the page itself; nginx as it would serve it behind a proxy cache.
  cp "$WORK/page.html" "$WORK/www/page.html"
  [ "${BENCH_NGINX_GZIP:-fly}" != static ] || gzip -6 -c "$WORK/page.html" >"$WORK/www/page.html.gz"
else
  head -c "$(wc -c <"$WORK/page.html")" /dev/urandom | base64 -w 0 | head -c "$(wc -c <"$WORK/page.html")" >"$WORK/www/page.html"
fi
NGINX_GZIP="gzip on; gzip_comp_level 6; gzip_types text/html;"
[ "${BENCH_NGINX_GZIP:-fly}" != static ] || NGINX_GZIP="gzip_static on;"
NGINX_HTTP_EXTRA="${BENCH_ENCODING:+$NGINX_GZIP}" start_nginx "$WORK" "$NGINX_PORT"

if [ -n "${BENCH_ENCODING:-}" ]; then
  for u in "$URL" ${BENCH_LOT:+"$LOT_URL"} "http://127.0.0.1:$NGINX_PORT/page.html"; do
    enc=$(curl -s -o /dev/null -D - -H 'Accept: text/html' -H "Accept-Encoding: $BENCH_ENCODING" "$u" |
      tr -d '\r' | awk -F': ' 'tolower($1) == "content-encoding" {print $2}')
    bytes=$(curl -s -o /dev/null -w '%{size_download}' -H 'Accept: text/html' -H "Accept-Encoding: $BENCH_ENCODING" "$u")
    echo "$u answers with Content-Encoding: ${enc:-none}, $bytes bytes"
  done
  # nginx must send the file compressed beforehand, byte for byte, not compress it itself: only
  # the file sent as it is has a Content-Length (on the fly, nginx sends it chunked).
  if [ "${BENCH_NGINX_GZIP:-fly}" = static ]; then
    length=$(curl -s -o /dev/null -D - -H 'Accept: text/html' -H "Accept-Encoding: $BENCH_ENCODING" \
      "http://127.0.0.1:$NGINX_PORT/page.html" | tr -d '\r' | awk -F': ' 'tolower($1) == "content-length" {print $2}')
    if [ "$length" != "$(wc -c <"$WORK/www/page.html.gz")" ]; then
      echo "nginx did not send page.html.gz as it is (Content-Length: ${length:-none})" >&2
      exit 1
    fi
  fi
fi
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(date -u +%F)"
echo "page: $(wc -c <"$WORK/page.html") bytes of HTML; compressed (gzip -9): HTML $html_gz + CSS $css_gz + JS $js_gz = $((html_gz + css_gz + js_gz)) bytes (budget 30,720)"
[ -z "${BENCH_SERVER_CPUS:-}${BENCH_LOAD_CPUS:-}" ] || echo "pinned: servers on CPUs ${BENCH_SERVER_CPUS:-any}, wrk on CPUs ${BENCH_LOAD_CPUS:-any}"
echo "command: wrk -t2 -c$CONNECTIONS -d${DURATION}s --latency -H 'Accept: text/html'${BENCH_ENCODING:+ -H 'Accept-Encoding: $BENCH_ENCODING'} <url>, $ROUNDS alternating rounds"
# load URL PIDS: one wrk round; with BENCH_PERF_STAT, also the servers' system calls and context
# switches a response, counted over the round's middle (from its second second, for DURATION-2 s).
load() {
  ${BENCH_LOAD_CPUS:+taskset -c "$BENCH_LOAD_CPUS"} wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -H 'Accept: text/html' ${BENCH_ENCODING:+-H "Accept-Encoding: $BENCH_ENCODING"} "$1" >"$WORK/wrk.out" &
  local wrk=$!
  if [ -n "${BENCH_PERF_STAT:-}" ]; then
    sleep 1
    perf stat -x, -e context-switches,raw_syscalls:sys_enter -p "$2" -- sleep "$((DURATION - 2))" 2>"$WORK/stat.out" >/dev/null || true
  fi
  wait "$wrk"
  grep -E "Requests/sec|99%|50%|Non-2xx|Socket errors" "$WORK/wrk.out"
  if grep -q "Non-2xx" "$WORK/wrk.out"; then echo "a response was not 2xx" >&2; exit 1; fi
  if [ -n "${BENCH_PERF_STAT:-}" ]; then
    python3 - "$WORK/wrk.out" "$WORK/stat.out" "$((DURATION - 2))" <<'PY2'
import re, sys
rate = float(re.search(r"Requests/sec:\s*([\d.]+)", open(sys.argv[1]).read()).group(1))
n = {l.split(",")[2]: float(l.split(",")[0]) for l in open(sys.argv[2]) if l.count(",") >= 2 and l[0].isdigit()}
responses = rate * float(sys.argv[3])
print(f"  a response: {n.get('raw_syscalls:sys_enter', 0) / responses:.2f} system calls, "
      f"{n.get('context-switches', 0) / responses:.2f} context switches")
PY2
  fi
}
# Scans of the stamp answered 2xx so far: the page saved above, and the two looks at its
# encoding.
ANSWERED=1
[ -z "${BENCH_ENCODING:-}" ] || ANSWERED=3
for round in $(seq 1 "$ROUNDS"); do
  echo "--- round $round: ocop-trace scan page"
  if [ -n "${BENCH_PERF:-}" ] && [ "$round" = 1 ]; then
    perf record -F "${BENCH_PERF_HZ:-999}" --call-graph "${BENCH_PERF_CALLS:-fp}" -p "$SERVER" -o "$BENCH_PERF" -- sleep "$((DURATION - 2))" >/dev/null 2>&1 &
  fi
  load "$URL" "$SERVER"
  ANSWERED=$((ANSWERED + $(awk '/requests in/ {print $1}' "$WORK/wrk.out")))
  if [ -n "${BENCH_LOT:-}" ]; then
    echo "--- round $round: ocop-trace lot page (${LOT_URL#http://*/})"
    load "$LOT_URL" "$SERVER"
  fi
  echo "--- round $round: nginx, static file of the same size${BENCH_ENCODING:+ (gzip ${BENCH_NGINX_GZIP:-on the fly})}"
  load "http://127.0.0.1:$NGINX_PORT/page.html" "$(pgrep -d, -P "$(cat "$WORK/nginx.pid")")"
done
SCANS=$(curl -sf -H 'Accept: application/json' "$URL" | python3 -c 'import json,sys; print(json.load(sys.stdin)["scan_count"])')
echo "scans recorded for the stamp: $SCANS (answered 2xx: $ANSWERED)"
# At most one request a connection was in flight when a round ended (answered, not seen by
# wrk), and the look that reads the count may count itself.
if [ "$SCANS" -lt "$ANSWERED" ] || [ "$SCANS" -gt $((ANSWERED + ROUNDS * CONNECTIONS + 1)) ]; then
  echo "the stamp's scan count is not the scans answered" >&2; exit 1
fi
ERRORS=$(grep -c ' ERROR ' "$WORK/server.log" || true)
echo "server errors logged: $ERRORS"
[ "$ERRORS" = 0 ]
