"""A client generated from /api/openapi.json by openapi-python-client registers a product's
batch and issues a stamp run, as a cooperative's own software would; then it writes, for
schemathesis, the ids of the records it made, so that fuzzed requests reach real records.

Usage: generated_client.py BASE_URL TOKEN OUT_TOML   (with the generated `ocop_client`
package on PYTHONPATH)
"""

import hashlib
import json
import sys
import time
import uuid

from ocop_client import AuthenticatedClient
from ocop_client.api.accounts import create_token
from ocop_client.api.diary import append_batch_event
from ocop_client.api.marketplaces import create_listing
from ocop_client.api.registry import (
    create_batch,
    create_farm,
    create_growing_area,
    create_ocop_certification,
    create_organization,
    create_product,
)
from ocop_client.api.stamps import get_stamp_proof, issue_stamp_run, list_stamps
from ocop_client.models import (
    AppendEvent,
    CreateBatch,
    CreateFarm,
    CreateGrowingArea,
    CreateListing,
    CreateCertification,
    CreateOrganization,
    CreateProduct,
    CreateToken,
    IssueRun,
    Problem,
)


def made(response, what):
    """The parsed body of a 2xx answer; anything else stops the script with the problem."""
    if isinstance(response, Problem) or response is None:
        detail = response.to_dict() if response is not None else "no body"
        sys.exit(f"{what}: {detail}")
    return response


base, token, out = sys.argv[1], sys.argv[2], sys.argv[3]
client = AuthenticatedClient(base_url=base, token=token)

org = made(
    create_organization.sync(
        client=client,
        body=CreateOrganization.from_dict(
            {"kind": "cooperative", "name": "HTX Mật ong Cư M'gar", "address": "Cư M'gar, Đắk Lắk", "province_code": "66"}
        ),
    ),
    "create organization",
)
farm = made(
    create_farm.sync(
        org.id,
        client=client,
        body=CreateFarm.from_dict(
            {"name": "Vườn ông Ba", "address": "Ea Tul", "commune_code": "24277", "latitude": 12.79, "longitude": 108.12}
        ),
    ),
    "create farm",
)
area = made(
    create_growing_area.sync(
        farm.id,
        client=client,
        body=CreateGrowingArea.from_dict(
            {"code": "VN-66-650-24370-01-21", "scope": "domestic", "crop": "cà phê", "area_ha": 2.5}
        ),
    ),
    "create growing area",
)
product = made(
    create_product.sync(
        org.id,
        client=client,
        body=CreateProduct.from_dict(
            {"name": "Mật ong hoa cà phê Cư M'gar nguyên chất thượng hạng đặc biệt", "unit": "hũ", "gtin": "8934588012228", "net_weight_g": 500.0,
             "ocop_group": "food", "description": "Mật ong nguyên chất, thu hoạch mùa hoa cà phê."}
        ),
    ),
    "create product",
)
cert = made(
    create_ocop_certification.sync(
        product.id,
        client=client,
        body=CreateCertification.from_dict(
            {"stars": 4, "decision_number": "1234/QĐ-UBND", "decision_date": "2026-01-15",
             "issuing_body": "UBND tỉnh Đắk Lắk", "level": "province"}
        ),
    ),
    "create OCOP certification",
)
batch = made(
    create_batch.sync(
        product.id,
        client=client,
        body=CreateBatch.from_dict({"lot_code": "MO2026A", "quantity": 120.0, "unit": "kg", "harvested_on": "2026-03-01"}),
    ),
    "create batch",
)
event = made(
    append_batch_event.sync(
        batch.id,
        client=client,
        body=AppendEvent.from_dict(
            {"kind": "harvesting", "occurred_at": "2026-04-02T06:30:00+07:00", "details": {"quantity": 800, "unit": "kg"}}
        ),
    ),
    "append event",
)
run = made(
    issue_stamp_run.sync(batch.id, client=client, body=IssueRun(count=25, with_pin=False)),
    "issue stamp run",
)
assert run.count == 25, run
stamps = made(list_stamps.sync(run.id, client=client), "list stamps")
assert len(stamps.items) == 25, stamps
serial = stamps.items[0].serial

# docs/LEDGER.md's stamp hash, recomputed here from its text alone (hashlib, not our code):
# hash[i] = SHA-256(hash[i-1] || serial as ASCII || batch UUID's 16 bytes || i as u64 BE),
# from the run's prev_head; the run's root is RFC 6962's Merkle tree hash over them.
def rfc6962_root(leaves):
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + rfc6962_root(leaves[:k]) + rfc6962_root(leaves[k:])).digest()

previous = bytes.fromhex(run.prev_head)
hashes = []
for s in sorted(stamps.items, key=lambda s: s.index_in_batch):
    previous = hashlib.sha256(
        previous + s.serial.encode("ascii") + uuid.UUID(str(batch.id)).bytes + s.index_in_batch.to_bytes(8, "big")
    ).digest()
    if previous.hex() != s.hash_:
        sys.exit(f"stamp {s.serial}: LEDGER.md's encoding gives {previous.hex()}, the service {s.hash_}")
    hashes.append(previous)
if previous.hex() != run.last_hash or rfc6962_root(hashes).hex() != run.root:
    sys.exit("the run's last hash or Merkle root differs from LEDGER.md's recipe")
print(f"LEDGER.md recipe: {len(hashes)} stamp hashes and the run's root recomputed independently")

# A second lot whose code needs percent-encoding in the URI (GS1 allows `/` and `&` in AI 10).
odd = made(
    create_batch.sync(
        product.id,
        client=client,
        body=CreateBatch.from_dict({"lot_code": "MO-26/B&C", "quantity": 10.0, "unit": "kg", "harvested_on": "2026-03-02"}),
    ),
    "create batch with an odd lot code",
)
odd_run = made(issue_stamp_run.sync(odd.id, client=client, body=IssueRun(count=5, with_pin=True)), "issue odd run")
odd_stamps = made(list_stamps.sync(odd_run.id, client=client), "list odd stamps")

# The runs, for the label checks: "RUN_ID URIS_FILE WITH_PINS" per line.
for name, page, r in (("first", stamps, run), ("odd", odd_stamps, odd_run)):
    with open(f"{out}.{name}.uris", "w") as f:
        f.write("\n".join(s.uri for s in page.items) + "\n")
with open(out + ".runs", "w") as f:
    f.write(f"{run.id} {out}.first.uris 0\n{odd_run.id} {out}.odd.uris 1\n")

# Every issued URI, with what it must parse to, for GS1's digital-link.js (digital_link.js).
with open(out + ".uris.jsonl", "w") as f:
    for lot, page in (("MO2026A", stamps), ("MO-26/B&C", odd_stamps)):
        for s in page.items:
            f.write(json.dumps({"uri": s.uri, "gtin": "08934588012228", "lot": lot, "serial": s.serial}) + "\n")
# A new run is in a signed checkpoint within a second; until then the proof is a 503.
for _ in range(20):
    proof = get_stamp_proof.sync(serial, client=client)
    if not (isinstance(proof, Problem) and proof.status == 503):
        break
    time.sleep(0.25)
made(proof, "stamp proof")
listing = made(
    create_listing.sync(
        product.id,
        client=client,
        body=CreateListing.from_dict({"marketplace": "postmart", "price_vnd": 180000, "stock": 40}),
    ),
    "create listing",
)
spare = made(
    create_token.sync(org.id, client=client, body=CreateToken.from_dict({"name": "revoked by schemathesis", "role": "inspector"})),
    "create token",
)
print(f"generated client: organization {org.id}, batch {batch.id}, run {run.id} of {run.count} stamps, first {serial}")

# Path parameters for schemathesis: the records made above, by the path's first segment.
ids = {
    "organizations": org.id, "farms": farm.id, "growing-areas": area.id, "products": product.id,
    "ocop-certifications": cert.id, "batches": batch.id, "events": event.id, "stamp-runs": run.id,
    "listings": listing.id, "tokens": spare.id,
}
with open(out, "w") as f:
    for segment, value in ids.items():
        f.write(f'[[operations]]\ninclude-path-regex = "^/api/v1/{segment}/"\n')
        f.write(f'parameters = {{ "path.id" = "{value}" }}\n\n')
    f.write('[[operations]]\ninclude-path-regex = "^/api/v1/stamps/"\n')
    f.write(f'parameters = {{ "path.serial" = "{serial}" }}\n\n')
    f.write('[[operations]]\ninclude-path-regex = "^/api/v1/log/entries/"\n')
    f.write('parameters = { "path.index" = 1 }\n\n')
    f.write('[[operations]]\ninclude-path-regex = "^/epcis/documents/batches/"\n')
    f.write(f'parameters = {{ "path.id" = "{batch.id}" }}\n\n')
    f.write('[[operations]]\ninclude-path-regex = "^/epcis/documents/stamps/"\n')
    f.write(f'parameters = {{ "path.serial" = "{serial}" }}\n')
# The batches, for the EPCIS check (tests/contract/epcis.py).
with open(f"{out}.batches", "w") as f:
    f.write(f"{batch.id} {odd.id}\n")
