"""Checks labels rendered by Zebrash from our ZPL, as a printer would print them:

- every label's QR code decodes with ZBar to one of the run's stamp URIs, each URI once;
- no ink within 1.5 mm of the label's edges (text that ran over its box would reach them);
- the text column holds at least `min_bands` separate bands of ink (name, stars, lot, serial,
  PIN...), none taller than `max_band_mm`: lines that ran into each other would merge.

Usage: check_labels.py PNG_DIR URIS_FILE DOTS_PER_MM MIN_BANDS
"""

import glob
import subprocess
import sys

from PIL import Image

png_dir, uris_file, dpmm, min_bands = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
expected = set(open(uris_file).read().split())
pngs = sorted(glob.glob(f"{png_dir}/*.png"))
problems = []
seen = []
for png in pngs:
    out = subprocess.run(["zbarimg", "-q", "--raw", png], capture_output=True, text=True)
    found = out.stdout.split()
    if len(found) != 1 or found[0] not in expected:
        problems.append(f"{png}: ZBar read {found!r}")
    seen.extend(found)
    img = Image.open(png).convert("1")
    w, h = img.size
    px = img.load()
    ink = lambda x, y: px[x, y] == 0
    edge = int(1.5 * dpmm)
    for x in range(w):
        for y in list(range(edge)) + list(range(h - edge, h)):
            if ink(x, y):
                problems.append(f"{png}: ink at ({x}, {y}), within 1.5 mm of the top or bottom edge")
                break
    for y in range(h):
        if any(ink(x, y) for x in range(w - edge, w)):
            problems.append(f"{png}: ink in row {y} within 1.5 mm of the right edge")
            break
    # The QR code is the first run of inked columns from the left; it ends at the first gap of
    # 1.5 mm without ink (its quiet zone is at least 1.6 mm); the text column starts there.
    columns = [any(ink(x, y) for y in range(h)) for x in range(w)]
    first = columns.index(True) if True in columns else 0
    qr_right, gap = first, 0
    for x in range(first, w):
        if columns[x]:
            qr_right, gap = x, 0
        else:
            gap += 1
            if gap >= edge:
                break
    rows = [any(ink(x, y) for x in range(qr_right + 1, w)) for y in range(h)]
    bands, tallest, run = 0, 0, 0
    for r in rows + [False]:
        if r:
            run += 1
        elif run:
            bands, tallest, run = bands + 1, max(tallest, run), 0
    if bands < min_bands:
        problems.append(f"{png}: {bands} separate lines of text, expected at least {min_bands}")
    if tallest > 9 * dpmm:
        problems.append(f"{png}: a band of text {tallest / dpmm:.1f} mm tall: lines run into each other")
if sorted(seen) != sorted(set(seen)) or set(seen) != expected:
    problems.append(f"decoded {len(set(seen))} distinct URIs of {len(expected)}, {len(seen)} in all")
for p in problems[:20]:
    print(p)
print(f"labels: {len(pngs)} rendered labels, {len(problems)} problems")
sys.exit(1 if problems or not pngs else 0)
