#!/usr/bin/env bash
# Lighthouse (Google's own audit, from npm) on the pages people open on a phone: a stamp's scan
# page and the console's batch page with its diary form, mobile, on two links:
#  - "slow-4g": Lighthouse's default mobile throttling (150 ms RTT, 1.6 Mbps, CPU ×4);
#  - "2g": 300 ms RTT, 250 kbps, CPU ×4 (Chrome DevTools' "Regular 2G" link speeds).
# Prints, per page and link: performance score, first contentful paint, largest contentful
# paint, total bytes over the wire (compressed) and the number of requests; and the
# accessibility and best-practices scores once per page. Reports go to target/lighthouse/.
#
#   bench/lighthouse.sh            BENCH_BIN=path/to/ocop-trace  BENCH_PORT=p (default 18090)
#
# With LH_CHECK=1 (as .ci/run runs it) it fails when a page weighs more than 50 KB over the
# wire on its first load, or scores under 90 for accessibility or best practices (Lighthouse's
# checks of what a browser logs, its CSP, its markup; not timings, which this shared machine
# cannot promise).
#
# Needs: node/npm (installs lighthouse@12 into target/lighthouse/node), chromium, curl, python3.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${BENCH_PORT:-18090}"
BIN="${BENCH_BIN:-target/release/ocop-trace}"
[ -n "${BENCH_BIN:-}" ] || cargo build --release --quiet
OUT="$PWD/target/lighthouse"
mkdir -p "$OUT/node"
[ -x "$OUT/node/node_modules/.bin/lighthouse" ] || npm install --prefix "$OUT/node" --no-audit --no-fund --silent lighthouse@12 >/dev/null
LH="$OUT/node/node_modules/.bin/lighthouse"
. bench/lib/server.sh
start
. bench/lib/scan_world.sh
scan_world
RUN=$(api "/api/v1/batches/$BATCH/stamp-runs" '{"count":10}' | id)
STAMP=$(stamp_paths "$RUN" | sed -n 1p)  # sed reads it all: no broken pipe under pipefail
USER_ID=$(api /api/v1/users '{"phone":"0912345678","name":"Chị Hoa","password":"mật khẩu an toàn"}' | id)
api "/api/v1/organizations/$ORG/memberships" "{\"user_id\":\"$USER_ID\",\"role\":\"owner\"}" >/dev/null
curl -sf -c "$WORK/cookies" -o /dev/null -X POST "$BASE/console/sign-in" \
  -H "Origin: $BASE" --data-urlencode login=0912345678 --data-urlencode 'password=mật khẩu an toàn'
SESSION=$(awk '$6 == "ocop_session" {print $7}' "$WORK/cookies")
[ -n "$SESSION" ] || { echo "no session cookie" >&2; exit 1; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(date -u +%F); $("$LH" --version | sed 's/^/lighthouse /'); $(chromium --version 2>/dev/null)"
audit() { # name url link extra-args...
  local name=$1 url=$2 link=$3; shift 3
  local throttle=()
  if [ "$link" = 2g ]; then
    throttle=(--throttling.rttMs=300 --throttling.throughputKbps=250 --throttling.cpuSlowdownMultiplier=4)
  fi
  CHROME_PATH=/usr/bin/chromium "$LH" "$url" --quiet --output=json --output-path="$OUT/$name-$link.json" \
    --form-factor=mobile --screenEmulation.mobile --locale=vi \
    --only-categories=performance,accessibility,best-practices \
    --chrome-flags="--headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update --disable-sync" \
    "${throttle[@]}" "$@" >/dev/null 2>>"$WORK/lh.log"
  python3 - "$OUT/$name-$link.json" "$name" "$link" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
a, c = r["audits"], r["categories"]
items = a["network-requests"]["details"]["items"]
print(f'{sys.argv[2]:<14} {sys.argv[3]:<8} performance {round(c["performance"]["score"] * 100):>3}'
      f'  FCP {a["first-contentful-paint"]["numericValue"] / 1000:5.2f} s'
      f'  LCP {a["largest-contentful-paint"]["numericValue"] / 1000:5.2f} s'
      f'  bytes {a["total-byte-weight"]["numericValue"] / 1024:6.1f} KB in {len(items)} requests'
      f'  accessibility {round(c["accessibility"]["score"] * 100)}  best practices {round(c["best-practices"]["score"] * 100)}')
import os
if os.environ.get("LH_CHECK") == "1":
    bad = []
    if a["total-byte-weight"]["numericValue"] > 50 * 1024:
        bad.append("more than 50 KB")
    for cat in ("accessibility", "best-practices"):
        if c[cat]["score"] < 0.9:
            failing = [ref["id"] for ref in c[cat]["auditRefs"] if (r["audits"][ref["id"]].get("score") or 1) < 1]
            bad.append(f"{cat} {c[cat]['score']}: {failing}")
    if bad:
        sys.exit(f"{sys.argv[2]} ({sys.argv[3]}): " + "; ".join(bad))
PY
}
for link in slow-4g 2g; do
  audit scan-page "$BASE$STAMP" "$link"
  audit console-batch "$BASE/console/batches/$BATCH" "$link" --extra-headers="{\"Cookie\":\"ocop_session=$SESSION\"}"
done
