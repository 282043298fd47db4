"""The EPCIS query interface timed under traffic users make, for bench/epcis_events.sh.

    epcis_queries.py BASE TOKEN SAMPLES.json [REQUESTS]

Each kind of query REQUESTS times (default 200), each time with other values (another lot,
week, place, event), one request after another on one keep-alive connection; prints the
median and p95 in ms and the events a page held.
"""
import datetime
import http.client
import json
import random
import statistics
import sys
import time
import urllib.parse

base, token, samples_path = sys.argv[1], sys.argv[2], sys.argv[3]
n = int(sys.argv[4]) if len(sys.argv) > 4 else 200
samples = json.load(open(samples_path))
url = urllib.parse.urlparse(base)
conn = http.client.HTTPConnection(url.hostname, url.port, timeout=120)
rng = random.Random(20261205)
t0 = datetime.datetime.fromisoformat(samples["t0"])


def get(path, auth):
    headers = {"Authorization": "Bearer " + token} if auth else {}
    start = time.perf_counter()
    conn.request("GET", path, headers=headers)
    res = conn.getresponse()
    body = res.read()
    took = (time.perf_counter() - start) * 1000
    if res.status != 200:
        sys.exit(f"{path}: {res.status} {body[:300]!r}")
    doc = json.loads(body)
    events = doc["epcisBody"]["queryResults"]["resultsBody"]["eventList"] if "epcisBody" in doc else [doc]
    return took, len(events), res.getheader("link")


def day(k):
    return (t0 + datetime.timedelta(days=k)).strftime("%Y-%m-%dT%H:%M:%SZ")


def q(**params):
    return "/epcis/events?" + urllib.parse.urlencode(params)


def run(name, make, auth=False, follow=0):
    times, sizes = [], []
    for _ in range(n):
        took, size, link = get(make(), auth)
        times.append(took)
        sizes.append(size)
        path = link
        for _ in range(follow):
            if not path:
                break
            path = path[path.index("<") + 1:path.index(">")]
            path = urllib.parse.urlparse(path)
            path = path.path + "?" + path.query
            took, size, link = get(path, auth)
            times.append(took)
            sizes.append(size)
            path = link
    times.sort()
    print(f"| {name} | {statistics.median(times):.1f} | {times[int(len(times) * 0.95)]:.1f} | "
          f"{statistics.median(sizes):.0f} |", flush=True)


days = samples["days"]
harvest = samples["steps"][4]
print("| query (each request another value) | median ms | p95 ms | events per page (median) |")
print("|---|---|---|---|")
run("public: a lot's events (`MATCH_epcClass`, `perPage=30`)",
    lambda: q(MATCH_epcClass=rng.choice(samples["sample_lots"]), perPage=30))
run("public: one event by ID (`GET /epcis/events/{eventID}`)",
    lambda: "/epcis/events/" + urllib.parse.quote(rng.choice(samples["sample_ids"]), safe=""))
run("public: harvests in a week (`EQ_bizStep`, `GE_`/`LT_eventTime`, `perPage=30`)",
    lambda: (lambda k: q(EQ_bizStep=harvest, GE_eventTime=day(k), LT_eventTime=day(k + 7), perPage=30))(rng.randrange(7, days - 7)))
run("public: events of a day (`GE_`/`LT_eventTime`, `perPage=100`)",
    lambda: (lambda k: q(GE_eventTime=day(k), LT_eventTime=day(k + 1), perPage=100))(rng.randrange(7, days - 7)))
run("public: events recorded in an hour (`GE_`/`LT_recordTime`)",
    lambda: (lambda k: q(GE_recordTime=day(k), LT_recordTime=(t0 + datetime.timedelta(days=k, hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")))(rng.randrange(7, days - 7)))
run("public: a growing area's events (`EQ_bizLocation`, `perPage=30`)",
    lambda: q(EQ_bizLocation=rng.choice(samples["sample_places"]), perPage=30))
run("admin: every event, 10 pages deep by `nextPageToken` (`perPage=100`)",
    lambda: q(perPage=100, GE_eventTime=day(rng.randrange(7, days - 30))), auth=True, follow=9)
run("public: a step that never happened (`EQ_bizStep=destroying`)",
    lambda: q(EQ_bizStep="destroying", GE_eventTime=day(rng.randrange(7, days - 30))))
