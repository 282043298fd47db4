#!/usr/bin/env bash
# Three `ocop-trace witness` processes and `ocop-trace monitor`, all real processes, around a
# log server: the witnesses cosign its checkpoints; the monitor checks every entry and a 2-of-3
# quorum; with one witness killed the quorum still holds; a second server holding the same log
# key but another history (a split view) is refused by every witness, which keeps the
# evidence, and the monitor that followed the first server reports it.
#
#   tests/interop/witnesses.sh            (BIN=path/to/ocop-trace, default target/debug)
#
# Needs: curl, python3.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN="${BIN:-target/debug/ocop-trace}"
PORT="${PORT:-18095}"          # the log; the second log on PORT+1; witnesses on PORT+2..+4
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
wait_http() { for _ in $(seq 1 100); do curl -sf "$1" >/dev/null && return 0; sleep 0.1; done; echo "no answer from $1" >&2; exit 1; }

export RUST_LOG=warn OCOP_PUBLIC_BASE_URL="http://trace.test"
LOG_KEY=$(OCOP_DATA_DIR="$WORK/log" "$BIN" keygen)
mkdir -p "$WORK/log2" && cp "$WORK/log/log-signing.key" "$WORK/log2/"

WITNESSES=""
for i in 1 2 3; do
  dir="$WORK/w$i"; port=$((PORT + 1 + i))
  key=$("$BIN" witness --name "witness$i.test/w" --dir "$dir" --log "$LOG_KEY" --print-key)
  "$BIN" witness --name "witness$i.test/w" --dir "$dir" --log "$LOG_KEY" --address "127.0.0.1:$port" >"$WORK/w$i.log" 2>&1 &
  PIDS+=($!); eval "W${i}_PID=$!"
  eval "W${i}_KEY='$key'"
  WITNESSES="${WITNESSES:+$WITNESSES,}$key http://127.0.0.1:$port/"
done
export OCOP_WITNESSES="$WITNESSES" OCOP_WITNESS_QUORUM=2

start_log() { # data dir, port
  OCOP_DATA_DIR="$1" OCOP_LISTEN="127.0.0.1:$2" "$BIN" >"$1.log" 2>&1 &
  PIDS+=($!)
  wait_http "http://127.0.0.1:$2/healthz"
}
start_log "$WORK/log" "$PORT"
# Witnesses answer 404 for a log they hold nothing of yet: any answer means listening.
for i in 1 2 3; do
  for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$((PORT + 1 + i))/0/checkpoint" && break; sleep 0.1; done
done

organizations() { # port, count, prefix
  local token; token=$(OCOP_DATA_DIR="$WORK/$4" OCOP_LISTEN="127.0.0.1:$1" "$BIN" token create --admin --name interop 2>/dev/null)
  for i in $(seq 1 "$2"); do
    curl -sf -X POST "http://127.0.0.1:$1/api/v1/organizations" -H "Authorization: Bearer $token" \
      -H 'Content-Type: application/json' \
      -d "{\"kind\":\"cooperative\",\"name\":\"$3 $i\",\"address\":\"Thái Nguyên\"}" >/dev/null
  done
}
# Waits until /checkpoint covers $2 entries with at least $3 cosignatures.
cosigned() {
  for _ in $(seq 1 200); do
    note=$(curl -sf "http://127.0.0.1:$1/checkpoint" || true)
    size=$(printf '%s\n' "$note" | sed -n 2p)
    sigs=$(printf '%s\n' "$note" | grep -c '^—' || true)
    if [ "${size:-0}" -ge "$2" ] && [ "$sigs" -ge $(($3 + 1)) ]; then return 0; fi
    sleep 0.1
  done
  echo "no checkpoint of $2 entries with $3 cosignatures on port $1:"; printf '%s\n' "$note"; exit 1
}

organizations "$PORT" 300 "HTX Chè" log
cosigned "$PORT" 300 3
monitor() { "$BIN" monitor "http://127.0.0.1:$1" --state "$2" --witness-key "$W1_KEY" --witness-key "$W2_KEY" --witness-key "$W3_KEY" --quorum 2; }
monitor "$PORT" "$WORK/monitor.json" | tee "$WORK/m1.out"
grep -q "^OK: 300 entries verified (300 new), 3 witness cosignature(s)" "$WORK/m1.out"

# One witness down: appends go on, two cosign, the quorum holds.
kill "$W3_PID"
organizations "$PORT" 20 "HTX Mật ong" log
cosigned "$PORT" 320 2
monitor "$PORT" "$WORK/monitor.json" | tee "$WORK/m2.out"
grep -q "^OK: 320 entries verified (20 new), 2 witness cosignature(s)" "$WORK/m2.out"

# A split view: another server with the same key and another history of more entries. Its
# own witnessing submits to the witnesses, whose held tree it does not extend.
start_log "$WORK/log2" $((PORT + 1))
organizations $((PORT + 1)) 330 "HTX Khác" log2
cosigned $((PORT + 1)) 330 0
for _ in $(seq 1 100); do
  n=$(ls "$WORK"/w1/evidence "$WORK"/w2/evidence 2>/dev/null | grep -c '\.txt$' || true)
  [ "$n" -ge 2 ] && break; sleep 0.1
done
for i in 1 2; do
  f=$(ls "$WORK/w$i/evidence/"*.txt | head -1)
  grep -q "does not extend the one of 320 held" "$f"
  echo "witness $i kept evidence: $(head -3 "$f" | tail -1)"
done
if grep -q '^— witness1' <(curl -sf "http://127.0.0.1:$((PORT + 1))/checkpoint"); then
  echo "a witness cosigned the second history" >&2; exit 1
fi
set +e
monitor $((PORT + 1)) "$WORK/monitor.json" >"$WORK/m3.out" 2>&1
status=$?
set -e
cat "$WORK/m3.out" | head -3
# Not even two cosignatures exist for the second server's checkpoint (2), or the history
# does not extend the one seen (1); either way the monitor does not pass it.
[ "$status" -ne 0 ] || { echo "the monitor passed a split view" >&2; exit 1; }
"$BIN" monitor "http://127.0.0.1:$((PORT + 1))" --state "$WORK/monitor.json" >"$WORK/m4.out" || status=$?
grep -Eq "^FAILED: the tree of 330 entries does not extend the one of 320 seen before" "$WORK/m4.out" || { cat "$WORK/m4.out" >&2; exit 1; }
echo "witness interop: OK (3 witnesses cosigned, quorum held with one down, split view refused by the witnesses with evidence and reported by the monitor)"
