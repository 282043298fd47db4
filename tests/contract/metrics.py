"""/metrics as Prometheus reads it: parsed by the Prometheus project's own Python client
(prometheus-client's OpenMetrics parser, which refuses a malformed exposition), with the
counters README documents for the scan path present, and the stamps scanned by the checks
before this one counted.

    metrics.py METRICS_FILE
"""
import sys

from prometheus_client.openmetrics.parser import text_string_to_metric_families

text = open(sys.argv[1], encoding="utf-8").read()
families = {f.name: f for f in text_string_to_metric_families(text)}


def total(name):
    family = families.get(name)
    if family is None:
        sys.exit(f"/metrics has no {name}: {sorted(families)}")
    if family.type != "counter":
        sys.exit(f"{name} is a {family.type}, README says a counter")
    return sum(s.value for s in family.samples if s.name == name + "_total")


# README, "Scans": what the resolver read and what the scan writer did.
for name in [
    "ocop_resolver_lots_read",
    "ocop_resolver_stamps_read",
    "ocop_resolver_stamp_statements",
    "ocop_resolver_log_size_reads",
    "ocop_resolver_lots_dropped",
    "ocop_scans_committed",
    "ocop_scan_queue_full",
    "ocop_http_requests",
]:
    total(name)
stamps, statements = total("ocop_resolver_stamps_read"), total("ocop_resolver_stamp_statements")
if stamps < 1 or statements < 1 or statements > stamps:
    sys.exit(f"stamps read {stamps} in {statements} statements: the stamps scanned were not counted")
if "ocop_scan_commit_duration_seconds" not in families:
    sys.exit("/metrics has no ocop_scan_commit_duration_seconds")
print(f"/metrics: {len(families)} families parsed; {stamps:.0f} stamps read in "
      f"{statements:.0f} statements, {total('ocop_scans_committed'):.0f} scans committed")
