"""Spreadsheet readers: xlsx (openpyxl, read-only, cached values) and CSV.

Both share the header search: the header row is looked for among the first rows of each sheet
(title rows, an empty first column and notes above it are normal in WPS/Excel exports) and its
columns are given roles by meaning (:mod:`.headers`).  Unknown columns (序号, 备注 …) are ignored.
A sheet without a question header is skipped and listed in the report, not an error for the file.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterable, Iterator
from typing import Any

from ..errors import RowError
from ..limits import DEFAULT_LIMITS, Limits
from ..normalise import normalise_label
from ..registry import TYPE_ALIASES
from ..report import SheetLayout, SkippedSheet
from .common import ImportResult, QuestionBuilder, cell_text, packing_style, split_options
from .headers import HEADER_ALIASES, column_letter, map_header

#: Look this far down for the header row (WPS exports often put a title row or notes above it).
_HEADER_SEARCH_ROWS = 20

__all__ = ["HEADER_ALIASES", "decode_text", "read_csv", "read_rows", "read_xlsx"]


class _RowBudget:
    """Rows examined so far across a file, against ``Limits.max_rows``."""

    def __init__(self, limits: Limits):
        self.left = limits.max_rows

    def take(self, rows: Iterable[tuple[int, list[Any]]], builder: QuestionBuilder) -> Iterator[tuple[int, list[Any]]]:
        for number, cells in rows:
            if self.left <= 0:
                builder.report.truncated = "row_limit"
                builder.report.truncated_at = number
                return
            self.left -= 1
            yield number, cells


def _blank(cells: list[Any]) -> bool:
    """No text in the row (``count(None)`` first: padded empty rows are the common case and cost nothing)."""
    return cells.count(None) == len(cells) or not any(cell_text(c).strip() for c in cells)


def _row_text(cells: list[Any]) -> str:
    return " | ".join(t for t in (cell_text(c).strip() for c in cells) if t)


def read_rows(
    rows: Iterable[tuple[int, list[Any]]], builder: QuestionBuilder, *, sheet: str = "", default_type=None
) -> SheetLayout | SkippedSheet:
    """Find the header among the first rows, then build one question per non-blank row.

    :return: the layout found, or why the sheet was skipped (nothing was read from it).
    """
    mapping = None
    header_row = 0
    seen_content = False
    iterator: Iterator[tuple[int, list[Any]]] = iter(rows)
    for row_number, cells in iterator:
        seen_content = seen_content or not _blank(cells)
        mapping = map_header(cells)
        if mapping is not None:
            header_row = row_number
            break
        if row_number >= _HEADER_SEARCH_ROWS:
            break
    if mapping is None:
        if not seen_content:
            seen_content = any(not _blank(cells) for _, cells in iterator)
        return SkippedSheet(sheet, "no_question_header" if seen_content else "empty_sheet")
    option_cols = sorted((int(name.split(":")[1]), col) for col, name in mapping.items() if name.startswith("option:"))
    plain = [(col, name) for col, name in mapping.items() if not name.startswith("option:")]
    packing = ""
    for row_number, cells in iterator:
        if _blank(cells):
            continue  # blank rows are layout, not errors
        raw: dict[str, Any] = {"default_type": default_type}
        width = len(cells)
        for col, name in plain:
            raw[name] = cells[col] if col < width else None
        options: list[Any] = []
        for index, col in option_cols:
            value = cell_text(cells[col]) if col < width else ""
            while len(options) < index:
                options.append("")
            if value.strip():
                options.append(value)
        packed = cell_text(raw.get("options")).strip()
        if not any(cell_text(o).strip() for o in options) and packed:
            options = split_options(packed)
            packing = packing or packing_style(packed)
        raw["options"] = options
        builder.add(raw, row_number, sheet, text=_row_text(cells))
    columns = {column_letter(col): role for col, role in sorted(mapping.items())}
    return SheetLayout(sheet, header_row, columns, packing)


def _record(builder: QuestionBuilder, found: SheetLayout | SkippedSheet) -> bool:
    if isinstance(found, SheetLayout):
        builder.report.layouts.append(found)
        return True
    builder.report.skipped_sheets.append(found)
    return False


def read_xlsx(data: bytes, limits: Limits = DEFAULT_LIMITS) -> ImportResult:
    """Read every worksheet that has a question header.  A sheet named like a type (``判断题``) sets
    the type of rows whose type cell is empty.  At most ``limits.max_columns`` columns and
    ``limits.max_rows`` rows are examined, whatever dimension the file declares."""
    from openpyxl import load_workbook  # imported lazily: CSV/JSON users need not pay for it

    result = ImportResult(format="xlsx")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > limits.max_unpacked_bytes:
            result.errors.append(_file_error("file_too_large", size=unpacked, max=limits.max_unpacked_bytes))
            return result
        # read_only streams rows; data_only returns cached formula results and never evaluates.
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises assorted types (BadZipFile, InvalidFileException, lxml errors …)
        result.errors.append(_file_error("not_a_spreadsheet", detail=type(exc).__name__))
        return result
    builder = QuestionBuilder(result, limits=limits)
    budget = _RowBudget(limits)
    try:
        sheets = workbook.worksheets
        found = False
        for ws in sheets:
            if not hasattr(ws, "reset_dimensions"):
                builder.report.skipped_sheets.append(SkippedSheet(ws.title, "empty_sheet"))  # a chartsheet
                continue
            ws.reset_dimensions()  # ignore a declared A1:XFD1048576; rows are as wide as their cells
            cells = ws.iter_rows(max_col=limits.max_columns, values_only=True)
            rows = budget.take(((n, list(c)) for n, c in enumerate(cells, start=1)), builder)
            default_type = TYPE_ALIASES.get(normalise_label(ws.title))
            name = ws.title if len(sheets) > 1 else ""
            found |= _record(builder, read_rows(rows, builder, sheet=name, default_type=default_type))
            if budget.left <= 0 and builder.report.truncated:
                break
    finally:
        workbook.close()
    if not found:
        result.errors.append(_file_error("no_header"))
    return builder.finish()


def decode_text(data: bytes) -> str | None:
    """UTF-8 (with or without BOM), UTF-16 with BOM (Excel "Unicode text"), else GB18030 ⊇ GBK."""
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="strict") if _utf8(data[3:]) else None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            return None
    if _utf8(data):
        return data.decode("utf-8")
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        return None


def _utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _delimiter(text: str) -> str:
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: first.count(d) for d in (",", "\t", ";", "|", "，")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def read_csv(data: bytes, limits: Limits = DEFAULT_LIMITS) -> ImportResult:
    """Read a CSV/TSV export; rows are numbered by record (header = 1), as a spreadsheet shows them."""
    result = ImportResult(format="csv")
    text = decode_text(data)
    if text is None:
        result.errors.append(_file_error("bad_encoding"))
        return result
    if not text.strip():
        result.errors.append(_file_error("empty_file"))
        return result
    # The csv module refuses fields over 128 KiB by raising mid-file; lift the limit while we read
    # so an oversized stem becomes a row error ("stem_too_long") instead of aborting the import.
    old_limit = csv.field_size_limit()
    csv.field_size_limit(max(old_limit, len(text) + 1))
    builder = QuestionBuilder(result, limits=limits)
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
        records = ((n, row[: limits.max_columns]) for n, row in enumerate(reader, start=1))
        found = _record(builder, read_rows(_RowBudget(limits).take(records, builder), builder))
    except csv.Error as exc:
        result.errors.append(_file_error("bad_field", detail=str(exc)))
        return builder.finish()
    finally:
        csv.field_size_limit(old_limit)
    if not found:
        result.report.skipped_sheets.clear()  # a CSV has one "sheet": no header is a file error
        result.errors.append(_file_error("no_header"))
    return builder.finish()


def _file_error(code: str, **params: Any) -> RowError:
    return RowError(0, "", code, params)
