#!/usr/bin/env python3
"""Derives the compact CSVs of this folder from thanglequoc/vietnamese-provinces-database (MIT),
which is built from the statistics office's list (danhmuchanhchinh.nso.gov.vn).

    python3 assets/admin_units/derive.py <git dir of that repository>

Two editions: the 2-level list of Decision 19/2025/QĐ-TTg (34 provinces, communes; tag v4.2.0,
in force from 2025-07-01) and the 3-level list before it (63 provinces, districts, communes;
tag v2.4.1). Each CSV starts with comment lines naming its source, tag, file, retrieval date and
the date its edition took effect; rows are `level,code,name,name_en,parent`.
"""
import csv, io, json, subprocess, sys, datetime

GIT = sys.argv[1]
EDITIONS = [
    ("vn-2025-07-01.csv", "v4.2.0", "json/simplified_json_generated_data_vn_units_2026-07-25__20_49_07.json", "2025-07-01", None),
    ("vn-before-2025-07-01.csv", "v2.4.1", "json/simplified_json_generated_data_vn_units.json", None, "2025-06-30"),
]

def show(tag, path):
    return json.loads(subprocess.check_output(["git", "--git-dir", GIT, "show", f"{tag}:{path}"]))

for out, tag, path, since, until in EDITIONS:
    rows = []
    for p in show(tag, path):
        rows.append(("province", p["Code"], p["FullName"], p["FullNameEn"], ""))
        for d in p.get("District") or []:
            rows.append(("district", d["Code"], d["FullName"], d["FullNameEn"], p["Code"]))
            for w in d.get("Ward") or []:
                rows.append(("commune", w["Code"], w["FullName"], w["FullNameEn"], d["Code"]))
        for w in p.get("Wards") or []:
            rows.append(("commune", w["Code"], w["FullName"], w["FullNameEn"], p["Code"]))
    commit = subprocess.check_output(["git", "--git-dir", GIT, "rev-list", "-n1", tag]).decode().strip()
    buf = io.StringIO()
    buf.write("# Vietnamese administrative units, from github.com/thanglequoc/vietnamese-provinces-database (MIT License, Copyright (c) 2021 Thang Le Quoc)\n")
    buf.write(f"# tag {tag} (commit {commit}), file {path}; built from the statistics office's list (danhmuchanhchinh.nso.gov.vn)\n")
    span = (f"effective_from {since}" if since else "the list as it stood") + (f"; effective_until {until}" if until else "")
    buf.write(f"# retrieved {datetime.date.today().isoformat()}; {span}\n")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["level", "code", "name", "name_en", "parent"])
    w.writerows(rows)
    open(f"{sys.path[0]}/{out}", "w", encoding="utf-8").write(buf.getvalue())
    counts = {}
    for r in rows:
        counts[r[0]] = counts.get(r[0], 0) + 1
    print(out, counts)
