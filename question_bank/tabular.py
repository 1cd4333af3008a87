"""One hardened reader for uploaded tables (.xlsx and CSV), bounded by the work a file causes, not only its bytes.

Used by the question readers (:mod:`question_bank.readers.spreadsheet`) and by the app's 花名册 import. The caps
are a :class:`~question_bank.limits.Limits`; a file past one is refused with a :class:`TableRefused` naming it.

* **Bytes.** The upload (``max_file_bytes``) and, for an xlsx, the parts' uncompressed sizes as the zip declares
  them (``max_unpacked_bytes``), checked before anything is unpacked. A part that lies about its size fails
  zipfile's own check while it is read.
* **Cells.** openpyxl's read-only rows parse every cell a row holds before ``max_col`` drops the extra ones (a
  972 KB workbook whose rows each hold 16,384 cells took 205 s). Here a sheet's cells are first counted in its
  unpacked XML (a byte count, no parsing) against ``max_cells``; then the sheet XML is streamed, the cells right of
  ``max_columns`` are dropped as they end, unparsed, and every cell (and other sheet element) counts against
  ``max_cells``: past it the file is refused. ``load_workbook``'s sheet sizing (a whole-sheet scan when the sheet
  declares no dimension) is not used; the declared ``<dimension>`` and ``spans`` are ignored.
* **Rows.** Counted by row number, as a spreadsheet shows them (``max_rows``): reading stops, and
  :attr:`TableReader.truncated_at` says where; the caller reports it or refuses the file.
* **CSV.** UTF-8 (BOM or not), UTF-16 with BOM, else GB18030 ⊇ GBK; a physical line longer than
  ``max_line_chars`` or a record of more than :data:`~question_bank.limits.MAX_ROW_CELLS` fields is refused
  before it is split.

Pure: openpyxl and the standard library only.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from .limits import DEFAULT_LIMITS, MAX_ROW_CELLS, Limits

__all__ = ["Sheet", "TableReader", "TableRefused", "check_package", "decode_text"]


class TableRefused(ValueError):
    """A file past a limit, or unreadable. ``code`` is one of ``file_too_large`` (size, max),
    ``unpacked_too_large`` (size, max), ``too_many_cells`` (max), ``line_too_long`` (max),
    ``row_too_wide`` (max), ``not_a_spreadsheet`` (detail), ``bad_encoding``, ``bad_field`` (detail)."""

    def __init__(self, code: str, /, **params: Any):
        super().__init__(code)
        self.code, self.params = code, params


@dataclass
class Sheet:
    """One sheet of a workbook: ``rows`` yields (row number, values of at most ``max_columns`` cells, trailing
    empty cells left off); ``None`` for a chartsheet (nothing to read)."""

    title: str
    rows: Iterator[tuple[int, list[Any]]] | None


def check_package(data: bytes, limits: Limits = DEFAULT_LIMITS) -> None:
    """Refuse a zip whose parts would unpack beyond ``max_unpacked_bytes``, before anything unpacks them.

    :raises TableRefused: ``unpacked_too_large``, or ``not_a_spreadsheet`` when it is no zip.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            unpacked = sum(info.file_size for info in package.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise TableRefused("not_a_spreadsheet", detail=type(exc).__name__) from None
    if unpacked > limits.max_unpacked_bytes:
        raise TableRefused("unpacked_too_large", size=unpacked, max=limits.max_unpacked_bytes)


def decode_text(data: bytes) -> str | None:
    """UTF-8 (with or without BOM), UTF-16 with BOM (Excel "Unicode text"), else GB18030 ⊇ GBK; ``None`` if none."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[3:]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            return None
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            pass
    return None


class TableReader:
    """Reads one file within ``limits``; the row and cell budgets are shared by all of its sheets."""

    def __init__(self, limits: Limits = DEFAULT_LIMITS):
        self.limits = limits
        self.rows_left = limits.max_rows
        self.cells_left = limits.max_cells
        self.nodes_left = 8 * limits.max_cells  # sheet XML elements other than cells
        #: The first row number not read because of ``max_rows``, else ``None``.
        self.truncated_at: int | None = None

    # ------------------------------------------------------------------ xlsx

    @contextmanager
    def xlsx(self, data: bytes, *, formulas: bool = False) -> Iterator[list[Sheet]]:
        """The workbook's sheets, in order, to be read inside the ``with`` block.

        :param formulas: formula cells as their text (``=SUM(A1:A3)``) instead of their cached values.
        :raises TableRefused: a byte limit, ``not_a_spreadsheet``; reading rows may raise ``too_many_cells``
            or ``not_a_spreadsheet``.
        """
        if len(data) > self.limits.max_file_bytes:
            raise TableRefused("file_too_large", size=len(data), max=self.limits.max_file_bytes)
        check_package(data, self.limits)
        from openpyxl.reader.excel import ExcelReader
        from openpyxl.styles.stylesheet import apply_stylesheet

        try:
            # What load_workbook(read_only=True) does, without its sizing scan of every sheet.
            reader = ExcelReader(io.BytesIO(data), read_only=True, data_only=not formulas)
            reader.read_manifest()
            reader.read_strings()
            reader.read_workbook()
            apply_stylesheet(reader.archive, reader.wb)
            found = list(reader.parser.find_sheets())
        except TableRefused:
            raise
        except Exception as exc:  # openpyxl raises assorted types (BadZipFile, KeyError, expat errors …)
            raise TableRefused("not_a_spreadsheet", detail=type(exc).__name__) from None
        try:
            sheets = []
            for sheet, rel in found:
                if rel.target not in reader.valid_files:
                    continue
                if "chartsheet" in rel.Type:
                    sheets.append(Sheet(sheet.name, None))
                else:
                    sheets.append(Sheet(sheet.name, self._sheet_rows(reader, rel.target, formulas)))
            yield sheets
        finally:
            reader.archive.close()

    def _sheet_rows(self, reader, path: str, formulas: bool) -> Iterator[tuple[int, list[Any]]]:
        try:
            yield from self._parse_sheet(reader, path, formulas)
        except TableRefused:
            raise
        except Exception as exc:
            raise TableRefused("not_a_spreadsheet", detail=type(exc).__name__) from None

    def _parse_sheet(self, reader, path: str, formulas: bool) -> Iterator[tuple[int, list[Any]]]:
        from openpyxl.utils.cell import column_index_from_string
        from openpyxl.worksheet._reader import CELL_TAG, ROW_TAG, WorkSheetParser
        from openpyxl.xml.functions import iterparse

        cells = _cells_in(reader.archive, path)
        if cells > self.cells_left:
            raise TableRefused("too_many_cells", max=self.limits.max_cells)
        data_tag = ROW_TAG[: -len("row")] + "sheetData"
        max_col = self.limits.max_columns
        wb = reader.wb
        with reader.archive.open(path) as src:
            parser = WorkSheetParser(
                src,
                reader.shared_strings,
                data_only=not formulas,
                epoch=wb.epoch,
                date_formats=wb._date_formats,
                timedelta_formats=wb._timedelta_formats,
            )
            root = sheet_data = row = None
            last_row = 0  # the row number of the last row read
            column = 0
            past = False  # this row's cells have passed max_col: the rest are dropped as they end
            for event, element in iterparse(src, events=("start", "end")):
                tag = element.tag
                if event == "start":
                    if tag == CELL_TAG:
                        self.cells_left -= 1
                        if self.cells_left < 0:
                            raise TableRefused("too_many_cells", max=self.limits.max_cells)
                        continue
                    self.nodes_left -= 1
                    if self.nodes_left < 0:  # values, rows, settings: a few per cell in a real sheet
                        raise TableRefused("too_many_cells", max=self.limits.max_cells)
                    if tag == ROW_TAG and sheet_data is not None:
                        number = int(element.get("r") or last_row + 1)
                        if number <= last_row:
                            raise TableRefused("not_a_spreadsheet", detail="row order")
                        if number - last_row > self.rows_left:
                            self.truncated_at = last_row + self.rows_left + 1
                            self.rows_left = 0
                            return
                        self.rows_left -= number - last_row
                        last_row, row, column, past = number, element, 0, False
                    elif root is None:
                        root = element
                    elif tag == data_tag:
                        sheet_data = element
                    continue
                if tag == CELL_TAG:
                    if row is None:
                        continue
                    if not past:
                        ref = element.get("r")
                        column = column_index_from_string(ref.rstrip("0123456789")) if ref else column + 1
                        past = column > max_col
                    if past:
                        del row[-1]  # the cell that just ended: never parsed, never kept
                elif tag == ROW_TAG and row is not None:
                    values: list[Any] = []
                    if len(row):  # an empty row (formatting only) needs no parsing
                        parser.row_counter = last_row - 1
                        _, cells = parser.parse_row(row)
                        parser.row_dimensions.clear()
                        values = [None] * cells[-1]["column"]
                        for cell in cells:
                            values[cell["column"] - 1] = cell["value"]
                    sheet_data.clear()
                    row = None
                    yield last_row, values
                elif tag == data_tag:
                    return  # what follows the rows (merged cells, links, print settings) is not needed
                elif root is not None and sheet_data is None:
                    root.clear()  # sheet settings before the rows: nothing kept

    # ------------------------------------------------------------------ CSV

    def csv(self, data: bytes) -> Iterator[tuple[int, list[str]]]:
        """(record number, fields of at most ``max_columns``) of a CSV/TSV; the delimiter is the first
        non-blank line's most frequent of ``, TAB ; | ，``.

        :raises TableRefused: ``file_too_large``, ``bad_encoding`` (at once); ``line_too_long``,
            ``row_too_wide``, ``too_many_cells``, ``bad_field`` while reading.
        """
        if len(data) > self.limits.max_file_bytes:
            raise TableRefused("file_too_large", size=len(data), max=self.limits.max_file_bytes)
        text = decode_text(data)
        if text is None:
            raise TableRefused("bad_encoding")
        return self._csv_records(text)

    def _csv_records(self, text: str) -> Iterator[tuple[int, list[str]]]:
        delimiter = _delimiter(text[:65_536])
        max_col = self.limits.max_columns
        # The csv module refuses fields over 128 KiB by raising mid-file; lift that limit while reading (a line
        # is bounded here) so an oversized stem becomes a row error instead of aborting the import.
        old_limit = csv.field_size_limit()
        csv.field_size_limit(max(old_limit, len(text) + 1))
        try:
            reader = csv.reader(self._lines(text, delimiter), delimiter=delimiter)
            number = 0
            try:
                for fields in reader:
                    number += 1
                    if self.rows_left <= 0:
                        self.truncated_at = number
                        return
                    self.rows_left -= 1
                    self.cells_left -= len(fields)
                    if self.cells_left < 0:
                        raise TableRefused("too_many_cells", max=self.limits.max_cells)
                    yield number, fields[:max_col]
            except csv.Error as exc:
                raise TableRefused("bad_field", detail=str(exc)) from None
        finally:
            csv.field_size_limit(old_limit)

    def _lines(self, text: str, delimiter: str) -> Iterator[str]:
        for line in io.StringIO(text, newline=""):
            if len(line) > self.limits.max_line_chars:
                raise TableRefused("line_too_long", max=self.limits.max_line_chars)
            if line.count(delimiter) >= MAX_ROW_CELLS:
                raise TableRefused("row_too_wide", max=MAX_ROW_CELLS)
            yield line


def _cells_in(archive: zipfile.ZipFile, path: str) -> int:
    """The cells a sheet's XML holds, counted at C speed in its unpacked bytes (18 ns a cell, where parsing one
    costs microseconds) so a sheet of millions of cells is refused before it is parsed. Cells written with a
    namespace prefix (``<x:c>``) are not seen here; the parse still counts them."""
    count, tail = 0, b""
    with archive.open(path) as src:
        while chunk := src.read(1 << 20):
            data = tail + chunk
            count += data.count(b"<c ") + data.count(b"<c>") + data.count(b"<c/")
            tail = data[-2:]
    return count


def _delimiter(text: str) -> str:
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: first.count(d) for d in (",", "\t", ";", "|", "，")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","
