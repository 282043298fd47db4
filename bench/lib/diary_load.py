#!/usr/bin/env python3
"""Appends diary entries to one batch at a fixed rate until stopped (SIGTERM or SIGINT), over
one kept-alive connection, then prints how many the server accepted.

    diary_load.py PORT TOKEN BATCH PER_SECOND
"""
import http.client
import json
import signal
import sys
import time

port, token, batch, rate = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
stopped = False


def stop(*_):
    global stopped
    stopped = True


signal.signal(signal.SIGTERM, stop)
signal.signal(signal.SIGINT, stop)
conn = http.client.HTTPConnection("127.0.0.1", int(port), timeout=30)
headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
accepted = failed = sent = 0
start = time.monotonic()
while not stopped:
    body = json.dumps({
        "kind": "fertilizing",
        "occurred_at": "2026-02-01T07:00:00Z",
        "details": {"description": f"Bón phân lần {sent}"},
    })
    conn.request("POST", f"/api/v1/batches/{batch}/events", body, headers)
    res = conn.getresponse()
    res.read()
    if res.status == 201:
        accepted += 1
    else:
        failed += 1
    sent += 1
    wait = start + sent / rate - time.monotonic()
    if wait > 0 and not stopped:
        time.sleep(wait)
elapsed = time.monotonic() - start
print(f"diary entries written to another organization's batch: {accepted} "
      f"({accepted / elapsed:.1f}/s), refused: {failed}")
sys.exit(1 if failed else 0)
