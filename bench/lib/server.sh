# Sourced by benchmark scripts: a fresh service on $PORT with its data in a temporary
# directory ($WORK), stopped and removed on exit. Sets BASE and TOKEN (an administrator's);
# `start` runs $BIN and waits for /healthz, `stop` ends it. The caller sets PORT and BIN.
WORK=$(mktemp -d)
SERVER=""
stop() { [ -z "$SERVER" ] || { kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; }; SERVER=""; }
trap 'stop; rm -rf "$WORK"' EXIT
export OCOP_DATA_DIR="$WORK/data" OCOP_LISTEN="127.0.0.1:$PORT" RUST_LOG=warn
export OCOP_PUBLIC_BASE_URL="http://127.0.0.1:$PORT"
BASE="http://127.0.0.1:$PORT"
TOKEN=$("$BIN" token create --admin --name bench 2>/dev/null)
start() {
  "$BIN" >>"$WORK/server.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 600); do curl -sf "$BASE/healthz" >/dev/null && return; sleep 0.1; done
  echo "the server did not start" >&2; exit 1
}
