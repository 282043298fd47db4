#!/usr/bin/env bash
# Reads ocop-trace's ledger as a C2SP tlog-tiles log with Go's golang.org/x/mod/sumdb/tlog
# (tests/interop/tlog/main.go), hash tiles and entry bundles: a tree of 313 entries, then the same log grown past two full
# level-0 tiles, proven consistent with the first; a forged earlier tree must be refused.
#
#   tests/interop/tlog_tiles.sh            (BIN=path/to/ocop-trace, default target/debug)
#
# Needs: golang-go and golang-golang-x-mod-dev (Debian), curl, python3.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN="${BIN:-target/debug/ocop-trace}"
PORT="${PORT:-18093}"
WORK=$(mktemp -d)
cleanup() {
  kill "${SERVER:-}" 2>/dev/null || true; wait "${SERVER:-}" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

GO111MODULE=off GOPATH=/usr/share/gocode go build -o "$WORK/tlogcheck" ./tests/interop/tlog

export OCOP_DATA_DIR="$WORK/data" OCOP_LISTEN="127.0.0.1:$PORT" RUST_LOG=warn
export OCOP_PUBLIC_BASE_URL="http://127.0.0.1:$PORT"
TOKEN=$("$BIN" token create --admin --name interop 2>/dev/null)
"$BIN" >"$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done

. bench/lib/scan_world.sh
scan_world   # 11 entries

# Appends diary entries over one kept-alive connection, then waits for a checkpoint of the log.
grow() {
  python3 - "$PORT" "$TOKEN" "$BATCH" "$1" <<'PY'
import http.client, json, sys
port, token, batch, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
conn = http.client.HTTPConnection("127.0.0.1", int(port), timeout=30)
headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
for i in range(count):
    body = json.dumps({"kind": "fertilizing", "occurred_at": "2026-02-01T07:00:00Z",
                       "details": {"description": f"Bón phân lần {i}"}})
    conn.request("POST", f"/api/v1/batches/{batch}/events", body, headers)
    res = conn.getresponse(); res.read()
    if res.status != 201:
        sys.exit(f"append {i}: HTTP {res.status}")
PY
  for _ in $(seq 1 100); do
    size=$(curl -sf "http://127.0.0.1:$PORT/checkpoint" | sed -n 2p || true)
    [ "${size:-0}" -ge "$2" ] && return 0
    sleep 0.1
  done
  echo "no checkpoint of $2 entries" >&2; exit 1
}

grow 302 313
"$WORK/tlogcheck" "http://127.0.0.1:$PORT" "$WORK/state"
cp "$WORK/state" "$WORK/first"
grow 400 713
"$WORK/tlogcheck" "http://127.0.0.1:$PORT" "$WORK/state" | tee "$WORK/second.out"
grep -q "consistent with the 313 entries seen before" "$WORK/second.out"

# A tree of 313 entries with another root (a split view) must not pass as an earlier state.
python3 - "$WORK/first" <<'PY'
import base64, sys
lines = open(sys.argv[1]).read().split("\n")
root = bytearray(base64.b64decode(lines[2])); root[0] ^= 1
lines[2] = base64.b64encode(bytes(root)).decode()
open(sys.argv[1], "w").write("\n".join(lines))
PY
if "$WORK/tlogcheck" "http://127.0.0.1:$PORT" "$WORK/first" 2>"$WORK/forged.err"; then
  echo "a forged earlier tree was accepted" >&2; exit 1
fi
grep -q "not an extension" "$WORK/forged.err"
echo "tlog interop: OK (Go sumdb/tlog read 713 entries from tiles and bundles; forged earlier tree refused)"
