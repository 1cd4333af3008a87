"""Spreadsheet readers: xlsx (openpyxl, read-only, cached values) and CSV.

Both share the header search: the header row is looked for among the first rows of each sheet
(title rows, an empty first column and notes above it are normal in WPS/Excel exports) and its
columns are given roles by meaning (:mod:`.headers`).  Unknown columns (序号, 备注 …) are ignored.
A sheet without a question header is skipped and listed in the report, not an error for the file.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from ..errors import RowError
from ..limits import DEFAULT_LIMITS, Limits
from ..normalise import normalise_label
from ..registry import TYPE_ALIASES
from ..report import ImportReport, SheetLayout, SkippedSheet
from ..tabular import TableReader, TableRefused, decode_text
from .cells import cell_text, packing_style, split_options
from .common import ImportResult, QuestionBuilder
from .headers import HEADER_ALIASES, column_letter, map_header

#: Look this far down for the header row (WPS exports often put a title row or notes above it).
_HEADER_SEARCH_ROWS = 20

__all__ = ["HEADER_ALIASES", "decode_text", "read_csv", "read_rows", "read_xlsx"]


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
    ``limits.max_rows`` rows are read and ``limits.max_cells`` cells parsed (:mod:`question_bank.tabular`),
    whatever dimension the file declares."""
    result = ImportResult(format="xlsx")
    builder = QuestionBuilder(result, limits=limits)
    table = TableReader(limits)
    found = False
    try:
        # cached formula results, never evaluated
        with table.xlsx(data) as sheets:
            for sheet in sheets:
                if sheet.rows is None:
                    builder.report.skipped_sheets.append(SkippedSheet(sheet.title, "empty_sheet"))  # a chartsheet
                    continue
                default_type = TYPE_ALIASES.get(normalise_label(sheet.title))
                name = sheet.title if len(sheets) > 1 else ""
                found |= _record(builder, read_rows(sheet.rows, builder, sheet=name, default_type=default_type))
                if table.truncated_at is not None:
                    break
    except TableRefused as exc:
        return _refused(result, builder, exc)
    _truncated(builder, table)
    if not found:
        result.errors.append(_file_error("no_header"))
    return builder.finish()


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
    builder = QuestionBuilder(result, limits=limits)
    table = TableReader(limits)
    try:
        found = _record(builder, read_rows(table.csv(data), builder))
    except TableRefused as exc:
        return _refused(result, builder, exc)
    _truncated(builder, table)
    if not found:
        result.report.skipped_sheets.clear()  # a CSV has one "sheet": no header is a file error
        result.errors.append(_file_error("no_header"))
    return builder.finish()


def _truncated(builder: QuestionBuilder, table: TableReader) -> None:
    if table.truncated_at is not None:
        builder.report.truncated = "row_limit"
        builder.report.truncated_at = table.truncated_at


def _refused(result: ImportResult, builder: QuestionBuilder, exc: TableRefused) -> ImportResult:
    """A file past a limit is refused whole: nothing read from it is kept."""
    result.questions.clear()
    result.errors[:] = [_file_error(exc.code, **exc.params)]
    result.errors_more = 0
    result.report = ImportReport()
    return result


def _file_error(code: str, **params: Any) -> RowError:
    return RowError(0, "", code, params)
