#!/usr/bin/env python3
"""Makes the hostile-file corpus in this directory: files a tester or an attacker sends to
the import and upload paths. Deterministic; run it again to regenerate (`python3 make.py`).
Each file's name says what it attacks; tests/api/hostile.rs sends every one through the real
HTTP stack and `.ci/run` watches the server's memory while it does."""

import io
import os
import struct
import zipfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>
</Types>"""
RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""
WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"""
WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>
</Relationships>"""
SHEET_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'


def inline(ref, text):
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def workbook(path, sheet_chunks, shared_chunks=None):
    """Writes an .xlsx whose sheet (and shared strings) are streamed from generators."""
    def part(name):
        info = zipfile.ZipInfo(name, date_time=(2026, 12, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        return info

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr(part("[Content_Types].xml"), CONTENT_TYPES)
        z.writestr(part("_rels/.rels"), RELS)
        z.writestr(part("xl/workbook.xml"), WORKBOOK)
        z.writestr(part("xl/_rels/workbook.xml.rels"), WORKBOOK_RELS)
        with z.open(part("xl/sharedStrings.xml"), "w", force_zip64=True) as f:
            f.write(b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
            for chunk in shared_chunks or []:
                f.write(chunk)
            f.write(b"</sst>")
        with z.open(part("xl/worksheets/sheet1.xml"), "w", force_zip64=True) as f:
            for chunk in sheet_chunks:
                f.write(chunk.encode() if isinstance(chunk, str) else chunk)


HEADER_ROW = '<row r="1">' + inline("A1", "Tên trang trại") + inline("B1", "Địa chỉ") + "</row>"


def dimension_bomb():
    """2 KB: declares A1:XFD1048576 and holds a cell at XFD1048576."""
    yield SHEET_HEAD + '<dimension ref="A1:XFD1048576"/><sheetData>' + HEADER_ROW
    yield '<row r="1048576">' + inline("XFD1048576", "x") + inline("A1048576", "Vườn xa") + inline("B1048576", "Ea Tul") + "</row>"
    yield "</sheetData></worksheet>"


def shared_strings_bomb():
    """Shared strings that inflate to 600 MB from about 600 KB."""
    block = b"<si><t>" + b"A" * 65536 + b"</t></si>"
    for _ in range(600 * 1024 * 1024 // len(block)):
        yield block


def sheet_with_rows(n):
    """A header and n - 1 rows, without positions (a reader counts them), so that they compress."""
    yield SHEET_HEAD + "<sheetData>" + HEADER_ROW
    row = '<row><c t="inlineStr"><is><t>Vườn</t></is></c><c><v>7</v></c></row>'.encode()
    for _ in range(n - 1):
        yield row
    yield "</sheetData></worksheet>"


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png(width, height, extra=b"", idat=None):
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    if idat is None:
        raw = b"".join(b"\x00" + b"\x80" * (width * 3) for _ in range(height))
        idat = zlib.compress(raw, 9)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + extra + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


def deflate_stream(total, chunk=1 << 20):
    c = zlib.compressobj(9)
    out = io.BytesIO()
    zero = bytes(chunk)
    for _ in range(total // chunk):
        out.write(c.compress(zero))
    out.write(c.flush())
    return out.getvalue()


def main():
    out = lambda name: os.path.join(HERE, name)
    workbook(out("xlsx-dimension-bomb.xlsx"), dimension_bomb())
    workbook(out("xlsx-shared-strings-bomb.xlsx"), sheet_with_rows(2), shared_strings_bomb())
    workbook(out("xlsx-million-rows.xlsx"), sheet_with_rows(1_048_576))
    workbook(out("xlsx-5000-rows.xlsx"), sheet_with_rows(5000))
    whole = open(out("xlsx-5000-rows.xlsx"), "rb").read()
    open(out("xlsx-truncated.xlsx"), "wb").write(whole[: len(whole) // 2])
    # A 64×64 PNG whose iCCP profile inflates to 256 MB.
    iccp = png_chunk(b"iCCP", b"icc\x00\x00" + deflate_stream(256 << 20))
    open(out("png-iccp-bomb.png"), "wb").write(png(64, 64, extra=iccp))
    # A PNG that declares 100,000 × 100,000 pixels and holds a few bytes of them.
    open(out("png-huge-dimensions.png"), "wb").write(png(100_000, 100_000, idat=zlib.compress(b"\x00" * 64)))
    # A 64×64 PNG whose zTXt text chunk inflates to 256 MB.
    ztxt = png_chunk(b"zTXt", b"Comment\x00\x00" + deflate_stream(256 << 20))
    open(out("png-ztxt-bomb.png"), "wb").write(png(64, 64, extra=ztxt))
    good = png(64, 64)
    open(out("png-truncated.png"), "wb").write(good[: len(good) - 30])
    # Mislabelled: a PNG sent as a spreadsheet, a spreadsheet sent as a photo, a JPEG header on text.
    open(out("mislabelled-png.xlsx"), "wb").write(good)
    open(out("mislabelled-xlsx.png"), "wb").write(open(out("xlsx-dimension-bomb.xlsx"), "rb").read())
    open(out("mislabelled-text.jpg"), "wb").write(b"\xff\xd8\xff\xe0" + b"not a jpeg " * 100)


if __name__ == "__main__":
    main()
