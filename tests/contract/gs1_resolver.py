"""The resolver checked with GS1's own artefacts (issue 18, part 2):

- /.well-known/gs1resolver validates against GS1's resolver description file schema 1.2.0;
- the linkset of every issued stamp, of its lot and of its product validates against GS1's
  linkset JSON schema, with anchors only at those URIs, and the Link to the JSON-LD context;
- every issued stamp URI, compressed by GS1's compression prototype (its Python port,
  gs1-compression), is sent by a 307 to the stamp's uncompressed URI, which the Link header
  names with rel="owl:sameAs".

The schemas are shipped in tests/contract/gs1/ (see SOURCE.md there).
Usage: python gs1_resolver.py BASE_URL URIS.jsonl SCHEMA_DIR
"""

import json
import sys
import urllib.error
import urllib.parse
import urllib.request

from gs1.compress.core_functions import compress_gs1_digital_link
from jsonschema import Draft7Validator, FormatChecker

base, uris_file, schema_dir = sys.argv[1:4]
failures = []


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


opener = urllib.request.build_opener(NoRedirect)


def get(url, accept="application/json"):
    req = urllib.request.Request(url, headers={"Accept": accept})
    try:
        with opener.open(req) as res:
            return res.status, res.headers, res.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def validator(name):
    with open(f"{schema_dir}/{name}") as f:
        return Draft7Validator(json.load(f), format_checker=FormatChecker())


def check(what, schema, document):
    errors = sorted(schema.iter_errors(document), key=lambda e: list(e.path))
    for e in errors:
        failures.append(f"{what}: {'/'.join(map(str, e.path))}: {e.message}")
    return not errors


description = validator("description-file-schema.json")
linkset = validator("gs1-linkset-schema.json")

status, _, body = get(f"{base}/.well-known/gs1resolver")
assert status == 200, status
check("/.well-known/gs1resolver", description, json.loads(body))

stamps = [json.loads(line) for line in open(uris_file) if line.strip()]
paths = set()
for s in stamps:
    path = urllib.parse.urlsplit(s["uri"]).path
    lot = path.rsplit("/21/", 1)[0]
    paths.update([path, lot, lot.rsplit("/10/", 1)[0]])

anchors = set()
for path in sorted(paths):
    status, headers, body = get(base + path, "application/linkset+json")
    if status != 200 or headers.get("Content-Type") != "application/linkset+json":
        failures.append(f"{path}: linkset answered {status} {headers.get('Content-Type')}")
        continue
    document = json.loads(body)
    if check(f"linkset of {path}", linkset, document):
        anchors.update(a["anchor"] for a in document["linkset"])
    links = headers.get_all("Link") or []
    if not any('rel="http://www.w3.org/ns/json-ld#context"' in l for l in links):
        failures.append(f"{path}: no Link to the JSON-LD context: {links}")
# Every anchor is a URI asked for above (the scan routes are rate-limited per client, so
# they are not asked again).
for anchor in sorted(anchors - {base + p for p in paths}):
    failures.append(f"anchor {anchor} is none of the stamp, lot and product URIs")

for s in stamps:
    parts = urllib.parse.urlsplit(s["uri"])
    uncompressed = base + parts.path
    compressed = compress_gs1_digital_link(uncompressed)
    status, headers, _ = get(compressed, "text/html")
    location = headers.get("Location")
    same_as = f'<{uncompressed}>; rel="owl:sameAs"'
    if status != 307 or location != uncompressed or headers.get("Link") != same_as:
        failures.append(
            f"{compressed} ({s['uri']}): {status}, Location {location}, Link {headers.get('Link')}"
        )

print(
    f"GS1: description file, {len(paths)} linksets ({len(anchors)} anchors) and "
    f"{len(stamps)} compressed URIs checked"
)
if failures:
    print("\n".join(failures[:40]))
    sys.exit(f"{len(failures)} failures")
