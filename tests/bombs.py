"""Hostile upload shapes, generated: real workbooks whose sheet XML is replaced by hand-made rows, a zip bomb, a CSV
with one enormous line. Shared by the tests and ``bench/upload_bombs.py``."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

SHEET = "xl/worksheets/sheet1.xml"
#: Every column letter of a sheet, A … XFD.
ALL_COLUMNS = [get_column_letter(i) for i in range(1, 16_385)]


def workbook(rows: list[list[object]]) -> bytes:
    """A plain .xlsx of ``rows`` (first sheet), as Excel would save it."""
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def with_rows(base: bytes, extra_rows: Iterable[bytes], *, dimension: str | None = "A1:XFD1048576") -> bytes:
    """``base`` with ``extra_rows`` (sheet XML) appended to its first sheet's rows, and its dimension replaced."""
    source = zipfile.ZipFile(io.BytesIO(base))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as package:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == SHEET:
                if dimension:
                    data = re.sub(rb'<dimension ref="[^"]*" ?/>', f'<dimension ref="{dimension}"/>'.encode(), data)
                head, tail = data.split(b"</sheetData>")
                with package.open(item.filename, "w", force_zip64=True) as sheet:
                    sheet.write(head)
                    for chunk in extra_rows:
                        sheet.write(chunk)
                    sheet.write(b"</sheetData>" + tail)
                continue
            package.writestr(item, data)
    return out.getvalue()


def wide_rows(header: list[str], rows: int) -> bytes:
    """Under a real header, ``rows`` rows each holding a cell in every column A … XFD (16,384 a row): the shape
    of the 972 KB question file that took 205 s of CPU."""
    template = "".join(f'<c r="{letter}#"/>' for letter in ALL_COLUMNS)

    def chunks():
        for n in range(2, rows + 2):
            yield f'<row r="{n}" spans="1:16384">{template.replace("#", str(n))}</row>'.encode()

    return with_rows(workbook([header]), chunks())


def empty_rows(header: list[str], rows: int = 1_000_000) -> bytes:
    """Under a real header, a million numbered empty rows (about 20 MB of XML in a few tens of KB)."""
    return with_rows(workbook([header]), (b'<row r="%d"/>' % n for n in range(2, rows + 2)))


def zip_bomb(header: list[str], unpacked_bytes: int) -> bytes:
    """A workbook whose sheet XML is padded with whitespace to ``unpacked_bytes`` (it compresses ~1000:1)."""
    chunk = b" " * (1024 * 1024)
    return with_rows(workbook([header]), (chunk for _ in range(unpacked_bytes // len(chunk) + 1)), dimension=None)


def long_line_csv(header: list[str], line_bytes: int = 10 * 1024 * 1024) -> bytes:
    """A CSV whose second line is ``line_bytes`` of commas: millions of empty fields in one record."""
    return (",".join(header) + "\n").encode() + b"," * line_bytes + b"\n"
