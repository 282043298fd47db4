# Sourced by the scan benchmarks: `api` and `id` against the server on $PORT with $TOKEN, and
# `scan_world`, which registers a coffee cooperative with its farm, growing area, a 4-star
# product and batch CF2026A with five diary entries, and sets ORG, FARM, AREA, PRODUCT, BATCH;
# and `stamp_paths RUN`, which prints the path of each stamp of a run (from its CSV export).
api() { curl -sf -X POST "http://127.0.0.1:$PORT$1" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d "$2"; }
id() { python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'; }
scan_world() {
  ORG=$(api /api/v1/organizations '{"kind":"cooperative","name":"HTX Cà phê Ea Tul","address":"Cư M'"'"'gar, Đắk Lắk"}' | id)
  FARM=$(api "/api/v1/organizations/$ORG/farms" '{"name":"Vườn ông Ba","address":"Ea Tul","latitude":12.79,"longitude":108.12}' | id)
  AREA=$(api "/api/v1/farms/$FARM/growing-areas" '{"code":"VN-66-650-24370-94-21","scope":"domestic","crop":"cà phê"}' | id)
  PRODUCT=$(api "/api/v1/organizations/$ORG/products" '{"name":"Cà phê Robusta rang xay Ea Tul","unit":"gói","gtin":"8934588012228"}' | id)
  api "/api/v1/products/$PRODUCT/ocop-certifications" '{"stars":4,"decision_number":"1234/QĐ-UBND","decision_date":"2025-06-01","issuing_body":"UBND tỉnh Đắk Lắk","level":"province"}' >/dev/null
  BATCH=$(api "/api/v1/products/$PRODUCT/batches" "{\"lot_code\":\"CF2026A\",\"quantity\":500,\"unit\":\"kg\",\"growing_area_id\":\"$AREA\"}" | id)
  for kind in planting fertilizing spraying harvesting packing; do
    api "/api/v1/batches/$BATCH/events" "{\"kind\":\"$kind\",\"occurred_at\":\"2026-02-01T07:00:00Z\",\"details\":{\"description\":\"Ghi chép $kind\"}}" >/dev/null
  done
}
stamp_paths() {
  curl -sf -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/v1/stamp-runs/$1/stamps.csv" \
  | python3 -c '
import csv, sys
for row in csv.reader(sys.stdin):
    for cell in row:
        if cell.startswith("http://"):
            print("/" + cell.split("/", 3)[3]); break
'
}
