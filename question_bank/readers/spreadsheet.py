"""Spreadsheet readers: xlsx (openpyxl, read-only, cached values) and CSV.

Both share the header mapping: column names are matched after normalisation against the
Chinese/English spellings in :data:`HEADER_ALIASES`; unknown columns (章节, 备注 …) are ignored.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterable, Iterator
from typing import Any

from ..normalise import normalise_label
from ..registry import OPTION_LETTERS, TYPE_ALIASES
from .common import ImportResult, QuestionBuilder, cell_text, split_options

_FIELD_NAMES: dict[str, list[str]] = {
    "key": ["编号", "id", "key", "试题编号", "题目编号", "题目id", "试题id"],
    "type": ["题型", "类型", "type", "试题类型", "题目类型", "question_type", "questiontype"],
    "stem": ["题干", "题目", "试题", "stem", "question", "试题内容", "题目内容", "题干内容", "问题"],
    "options": ["选项", "options", "备选项", "答案选项", "选项内容"],
    "answer": ["答案", "正确答案", "answer", "标准答案", "参考答案"],
    "explanation": ["解析", "答案解析", "explanation", "试题解析", "analysis", "解释"],
    "difficulty": ["难度", "difficulty", "难易程度", "难易度", "难度系数"],
    "topic": ["知识点", "主题", "topic", "考点"],
    "post": ["岗位", "post", "人员类别", "适用岗位", "适用人员"],
    "industry": ["行业", "industry", "适用行业", "行业类别"],
    "operation": ["作业类别", "操作项目", "operation", "作业项目"],
    "operation_soft": ["作业种类"],  # often free text; used only when it is a code or a known name
    "level": ["认知层次", "掌握程度", "level", "认知要求", "考核要求"],
    "source": ["来源", "出处", "source", "依据"],
    "extra": ["标签", "tags", "extra", "其他标签"],
    "version": ["版本", "version"],
}
HEADER_ALIASES: dict[str, str] = {normalise_label(a): f for f, names in _FIELD_NAMES.items() for a in names}
for _i, _letter in enumerate(OPTION_LETTERS):
    for _name in (
        f"选项{_letter}",
        _letter,
        f"option_{_letter}",
        f"option{_letter}",
        f"{_letter}选项",
        f"选项_{_letter}",
    ):
        HEADER_ALIASES[normalise_label(_name)] = f"option:{_i}"

#: Look this far down for the header row (WPS exports often put a title row above it).
_HEADER_SEARCH_ROWS = 10


def _map_header(cells: list[Any]) -> dict[int, str] | None:
    mapping: dict[int, str] = {}
    for col, value in enumerate(cells):
        name = HEADER_ALIASES.get(normalise_label(cell_text(value)))
        if name and name not in mapping.values():
            mapping[col] = name
    fields = set(mapping.values())
    if "stem" in fields and (fields & {"type", "answer"}):
        return mapping
    return None


def read_rows(
    rows: Iterable[tuple[int, list[Any]]], builder: QuestionBuilder, *, sheet: str = "", default_type=None
) -> bool:
    """Find the header among the first rows, then build one question per non-blank row.

    :return: False when no header row was found (nothing was read).
    """
    mapping = None
    iterator: Iterator[tuple[int, list[Any]]] = iter(rows)
    for row_number, cells in iterator:
        mapping = _map_header(cells)
        if mapping is not None or row_number >= _HEADER_SEARCH_ROWS:
            break
    if mapping is None:
        return False
    option_cols = sorted((int(name.split(":")[1]), col) for col, name in mapping.items() if name.startswith("option:"))
    plain = [(col, name) for col, name in mapping.items() if not name.startswith("option:")]
    for row_number, cells in iterator:
        if not any(cell_text(c).strip() for c in cells):
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
        if not any(cell_text(o).strip() for o in options) and cell_text(raw.get("options")).strip():
            options = split_options(cell_text(raw["options"]))
        raw["options"] = options
        builder.add(raw, row_number, sheet)
    return True


def read_xlsx(data: bytes) -> ImportResult:
    """Read every worksheet that has a header row.  A sheet named like a type (``判断题``) sets
    the type of rows whose type cell is empty."""
    from openpyxl import load_workbook  # imported lazily: CSV/JSON users need not pay for it

    result = ImportResult(format="xlsx")
    try:
        # read_only streams rows; data_only returns cached formula results and never evaluates.
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        result.errors.append(_file_error("not_a_spreadsheet", detail=type(exc).__name__))
        return result
    except Exception as exc:  # openpyxl raises assorted types (InvalidFileException, lxml errors …)
        result.errors.append(_file_error("not_a_spreadsheet", detail=type(exc).__name__))
        return result
    builder = QuestionBuilder(result)
    try:
        sheets = workbook.worksheets
        found = False
        for ws in sheets:
            rows = ((n, list(cells)) for n, cells in enumerate(ws.iter_rows(values_only=True), start=1))
            default_type = TYPE_ALIASES.get(normalise_label(ws.title))
            found |= read_rows(rows, builder, sheet=ws.title if len(sheets) > 1 else "", default_type=default_type)
    finally:
        workbook.close()
    if not found:
        result.errors.append(_file_error("no_header"))
    return result


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


def read_csv(data: bytes) -> ImportResult:
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
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
        builder = QuestionBuilder(result)
        found = read_rows(((n, row) for n, row in enumerate(reader, start=1)), builder)
    except csv.Error as exc:
        result.errors.append(_file_error("bad_field", detail=str(exc)))
        return result
    finally:
        csv.field_size_limit(old_limit)
    if not found:
        result.errors.append(_file_error("no_header"))
    return result


def _file_error(code: str, **params: Any):
    from ..errors import RowError

    return RowError(0, "", code, params)
