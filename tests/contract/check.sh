#!/usr/bin/env bash
# The API contract checked by clients this project did not write (issue 18, part 1):
#  1. openapi-spec-validator: /api/openapi.json is a valid OpenAPI 3.1 document;
#  2. openapi-python-client generates a client from it, and that client registers an
#     organization, a farm, a growing area, a product and its OCOP certificate, a batch and
#     a diary event, issues a stamp run, reads its stamps and a stamp's proof;
#  3. GS1's digital-link.js (from npm) parses every URI issued in 2, two lots, one of them
#     percent-encoded, to its GTIN, lot and serial;
#  4. Zebrash (zpl-renderer-js, from npm) renders labels.zpl of both runs at 203 and 300 dpi,
#     with and without PINs, as a printer would: ZBar must read every QR code back, and the
#     Vietnamese text must stay inside its label in separate lines (check_labels.py);
#  5. GS1's resolver description file schema 1.2.0 and linkset schema (tests/contract/gs1)
#     validate /.well-known/gs1resolver and the linkset of every stamp, lot and product made
#     in 2, and every stamp URI compressed by GS1's compression prototype (gs1-compression)
#     is sent to its uncompressed URI (gs1_resolver.py);
#  6. GS1's EPCIS 2.0 JSON schema validates every EPCIS document of the batches made in 2, and
#     GS1's reference implementation of the CBV 2.0 event hash (epcis-event-hash-generator)
#     gives every event the eventID the service gave it; a lot's document captured into a
#     second organization's lot comes back valid; a document made by epcis2.js (the EPCIS 2.0
#     SDK of EVRYTHNG and Zebra) is captured; the Circular 02 workbook opens in openpyxl; a
#     batch pushed to a traceability portal (played by epcis.py, down for its first request)
#     arrives whole, each document valid by GS1's schema and hash (epcis.py);
#  7. schemathesis fuzzes every operation — with the records made in 2 as path parameters, so
#     requests reach real records — and fails on any 5xx, any status, content type, header or
#     body the document does not declare, on an operation that ignores its auth, on a method
#     the path does not have answered other than 405, and on use-after-delete.
#  8. prometheus-client (the Prometheus project's Python client) parses /metrics as OpenMetrics
#     and finds the scan path's counters README documents, with the stamps resolved in 5
#     counted (metrics.py; run after 5).
#
# Usage: tests/contract/check.sh path/to/ocop-trace [venv dir]
# Needs python3 and node/npm; installs the pinned clients of requirements.txt into the venv
# and those of package.json into a node_modules beside it.
set -euo pipefail

bin=$(realpath "$1")
venv=${2:-${TMPDIR:-/tmp}/ocop-contract-venv}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port)
# The traceability portal epcis.py plays (GS1's schema and hash check what it receives).
export PORTAL_PORT=$(free_port) PORTAL_TOKEN=contract-portal-token
base="http://127.0.0.1:$port"
server=""
cleanup() {
  status=$?
  if [ "$status" != 0 ] && [ -f "$work/server.log" ]; then
    echo "check failed ($status); the server's last log lines:"
    tail -${LOG_LINES:-30} "$work/server.log"
  fi
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

if ! cmp -s "$here/requirements.txt" "$venv/requirements.txt"; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q -r "$here/requirements.txt"
  cp "$here/requirements.txt" "$venv/requirements.txt"
fi
if ! cmp -s "$here/package.json" "$venv/node/package.json"; then
  mkdir -p "$venv/node"
  cp "$here/package.json" "$venv/node/"
  cp -r "$here/empty-fs" "$venv/node/"
  (cd "$venv/node" && npm install --no-audit --no-fund --silent)
fi
# Node resolves modules from the script's own place (ES modules ignore NODE_PATH).
cp "$here/digital_link.js" "$here/render_zpl.mjs" "$here/epcis2_document.js" "$venv/node/"

unset DATABASE_URL OCOP_DATABASE_URL
OCOP_PORTAL_CAPTURE_URL="http://127.0.0.1:$PORTAL_PORT/capture" OCOP_PORTAL_TOKEN="$PORTAL_TOKEN" \
  OCOP_OUTBOX_RETRY_BASE_MS=300 OCOP_METRICS_TOKEN=contract-metrics \
  "$bin" serve --data-dir "$work/data" --listen "127.0.0.1:$port" >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do
  curl -fsS "$base/readyz" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fsS "$base/readyz" >/dev/null || { cat "$work/server.log"; exit 1; }
token=$("$bin" --data-dir "$work/data" token create --admin --name contract)

echo "== openapi-spec-validator"
curl -fsS "$base/api/openapi.json" -o "$work/openapi.json"
"$venv/bin/openapi-spec-validator" --schema 3.1 "$work/openapi.json"

echo "== openapi-python-client: generate, then register a batch and issue stamps with it"
(cd "$work" && "$venv/bin/openapi-python-client" generate --path openapi.json --meta none \
  --output-path ocop_client --config "$here/client-config.yaml" >generate.log 2>&1) \
  || { cat "$work/generate.log"; exit 1; }
if grep -q "WARNING" "$work/generate.log"; then
  echo "openapi-python-client could not generate every operation:"; cat "$work/generate.log"; exit 1
fi
PYTHONPATH="$work" "$venv/bin/python" "$here/generated_client.py" "$base" "$token" "$work/records.toml"

echo "== digital-link.js (GS1): every issued stamp URI"
node "$venv/node/digital_link.js" "$work/records.toml.uris.jsonl"

echo "== Zebrash renders labels.zpl; ZBar reads every code; the text stays in its lines"
while read -r run uris with_pins; do
  # A thermal 50 x 30 mm label at 203 dpi, and a 60 x 40 mm one at 300 dpi with the PINs of
  # the run that has them (shown once: this is their one print).
  for variant in "203 50 30 8 0" "300 60 40 12 $with_pins"; do
    read -r dpi width height dpmm pins <<<"$variant"
    dir="$work/labels-$run-$dpi"
    mkdir -p "$dir"
    query="dpi=$dpi&width_mm=$width&height_mm=$height"
    [ "$pins" = 1 ] && query="$query&pins=true"
    curl -fsS -H "Authorization: Bearer $token" -o "$dir/labels.zpl" "$base/api/v1/stamp-runs/$run/labels.zpl?$query"
    node "$venv/node/render_zpl.mjs" "$dir/labels.zpl" "$dir/label" "$width" "$height" "$dpmm" 2>/dev/null
    # Name (two lines), stars, lot and serial, and the PIN when printed.
    "$venv/bin/python" "$here/check_labels.py" "$dir" "$uris" "$dpmm" $((5 + pins))
  done
done <"$work/records.toml.runs"

echo "== GS1: description file and linkset schemas, compressed URIs"
"$venv/bin/python" "$here/gs1_resolver.py" "$base" "$work/records.toml.uris.jsonl" "$here/gs1"

echo "== /metrics parsed by prometheus-client (OpenMetrics)"
curl -fsS -H "Authorization: Bearer contract-metrics" "$base/metrics" -o "$work/metrics.txt"
"$venv/bin/python" "$here/metrics.py" "$work/metrics.txt"

echo "== GS1 EPCIS 2.0: JSON schema and the reference event hash (epcis-event-hash-generator)"
NODE_CLIENTS="$venv/node" "$venv/bin/python" "$here/epcis.py" "$base" "$token" "$here/gs1/EPCIS-JSON-Schema.json" $(cat "$work/records.toml.batches")

echo "== schemathesis"
# One worker: with two, CPython 3.11 once failed inside schemathesis ("SystemError: AST
# constructor recursion depth mismatch", compiling in two threads at once) — a tool error, not
# a finding.
# Left out, with the reason: positive_data_acceptance and negative_data_rejection judge the
# domain's rules (check digits, administrative codes, dates in order) against what JSON Schema
# can say about them, and the latter reported optional PATCH fields as "required" (a
# schemathesis false positive seen with 4.32.5).
checks=not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance,missing_required_header,unsupported_method,allow_header_conformance,use_after_free,ensure_resource_availability,ignored_auth
"$venv/bin/schemathesis" --no-color --config-file "$work/records.toml" run "$base/api/openapi.json" \
  -H "Authorization: Bearer $token" --checks "$checks" \
  --max-examples "${CONTRACT_EXAMPLES:-25}" --workers 1 --seed "${CONTRACT_SEED:-20261203}" \
  --generation-deterministic \
  || { echo "schemathesis failed; server log:"; tail -50 "$work/server.log"; exit 1; }
echo "contract: every outside client passed"
