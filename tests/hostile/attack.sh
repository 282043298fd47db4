#!/usr/bin/env bash
# Sends the hostile corpus (this directory, made by make.py) to a running ocop-trace the way an
# attacker would — through the console's import, the API's image uploads and the import
# command — several at once, and checks that the server stays up and that its peak resident
# memory (VmHWM) stays under a budget. Run by .ci/run; by hand:
#   tests/hostile/attack.sh [path to the ocop-trace binary] [budget in MB, default 300]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BIN=${1:-target/debug/ocop-trace}
BUDGET_MB=${2:-300}
WORK=$(mktemp -d)
PORT=$((20000 + RANDOM % 20000))
export OCOP_DATA_DIR="$WORK/data" OCOP_LISTEN="127.0.0.1:$PORT" RUST_LOG=warn DATABASE_URL="sqlite://$WORK/data/ocop.db?mode=rwc"
unset OCOP_BLOB_STORE RUST_BACKTRACE RUST_LIB_BACKTRACE
mkdir -p "$WORK/data"
"$BIN" >"$WORK/server.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
API="http://127.0.0.1:$PORT/api/v1"
TOKEN=$("$BIN" token create --admin --name attack)
H=(-H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json')
ORG=$(curl -sf "${H[@]}" "$API/organizations" -d '{"kind":"cooperative","name":"HTX Thử","address":"Ea Tul"}' | sed 's/.*"id":"\([^"]*\)".*/\1/')
PRODUCT=$(curl -sf "${H[@]}" "$API/organizations/$ORG/products" -d '{"name":"Mật ong","unit":"hũ"}' | sed 's/.*"id":"\([^"]*\)".*/\1/')
USER=$(curl -sf "${H[@]}" "$API/users" -d '{"phone":"0912345678","name":"Chị Lan","password":"mật khẩu an toàn"}' | sed 's/.*"id":"\([^"]*\)".*/\1/')
curl -sf "${H[@]}" "$API/organizations/$ORG/memberships" -d "{\"user_id\":\"$USER\",\"role\":\"owner\"}" >/dev/null

# The console: sign in, then every workbook through the import page.
JAR="$WORK/cookies"
curl -sf -c "$JAR" -o /dev/null "http://127.0.0.1:$PORT/console/sign-in" \
  --data-urlencode login=0912345678 --data-urlencode 'password=mật khẩu an toàn' || true
CSRF=$(curl -sf -b "$JAR" "http://127.0.0.1:$PORT/console/import" | grep -o 'name="csrf" value="[^"]*"' | head -1 | sed 's/.*value="//;s/"$//')
[ -n "$CSRF" ] || { echo "could not sign in to the console"; exit 1; }

fail=0
expect() { # name, got, wanted
  if [ "$2" != "$3" ]; then echo "FAIL $1: HTTP $2, expected $3"; fail=1; else echo "ok   $1: HTTP $2"; fi
}
import() {
  curl -s -o /dev/null -w '%{http_code}' -b "$JAR" "http://127.0.0.1:$PORT/console/import" \
    -F "csrf=$CSRF" -F kind=farms -F "file=@$HERE/$1"
}
upload() {
  curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
    "$API/products/$PRODUCT/images" -F "file=@$HERE/$1;type=$2"
}
declare -A want=(
  [xlsx-dimension-bomb.xlsx]=200 [xlsx-shared-strings-bomb.xlsx]=422 [xlsx-million-rows.xlsx]=422
  [xlsx-5000-rows.xlsx]=422 [xlsx-truncated.xlsx]=422 [mislabelled-png.xlsx]=422
)
declare -A want_img=(
  [png-iccp-bomb.png]=422 [png-huge-dimensions.png]=422 [png-truncated.png]=422
  [mislabelled-text.jpg]=422 [mislabelled-xlsx.png]=415
)
# Three rounds, each file of a round sent at once with the others.
for round in 1 2 3; do
  declare -A got=()
  for f in "${!want[@]}"; do import "$f" >"$WORK/got-$f" & done
  for f in "${!want_img[@]}"; do
    case $f in *.jpg) t=image/jpeg ;; *) t=image/png ;; esac
    upload "$f" "$t" >"$WORK/got-$f" &
  done
  wait $(jobs -p | grep -v "^$PID$") 2>/dev/null || true
  for f in "${!want[@]}"; do expect "round $round, import $f" "$(cat "$WORK/got-$f")" "${want[$f]}"; done
  for f in "${!want_img[@]}"; do expect "round $round, upload $f" "$(cat "$WORK/got-$f")" "${want_img[$f]}"; done
done

# The import command, a process of its own: it must refuse, not die.
for f in xlsx-shared-strings-bomb.xlsx xlsx-million-rows.xlsx xlsx-dimension-bomb.xlsx; do
  set +e
  /usr/bin/time -f '%M' -o "$WORK/rss" "$BIN" import --organization "$ORG" --kind farms --check "$HERE/$f" >/dev/null 2>"$WORK/err"
  code=$?
  set -e
  kb=$(tail -1 "$WORK/rss")
  if [ "$code" -gt 1 ] || [ "$kb" -gt $((BUDGET_MB * 1024)) ]; then
    echo "FAIL import command on $f: exit $code, peak $((kb / 1024)) MB"; fail=1
  else
    echo "ok   import command on $f: exit $code, peak $((kb / 1024)) MB"
  fi
done

kill -0 $PID || { echo "FAIL the server died"; cat "$WORK/server.log"; exit 1; }
curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null || { echo "FAIL the server stopped answering"; exit 1; }
PEAK_KB=$(awk '/VmHWM/ {print $2}' /proc/$PID/status)
echo "server peak resident memory: $((PEAK_KB / 1024)) MB (budget $BUDGET_MB MB)"
if [ "$PEAK_KB" -gt $((BUDGET_MB * 1024)) ]; then echo "FAIL over budget"; fail=1; fi
if grep -q "panicked" "$WORK/server.log"; then echo "FAIL a panic in the server log"; grep panicked "$WORK/server.log"; fail=1; fi
exit $fail
