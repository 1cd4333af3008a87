"""Importers.  :func:`read_questions` picks the right one from the file name or the content."""

from __future__ import annotations

import os
import re
from collections.abc import Callable

from ..errors import RowError
from ..limits import DEFAULT_LIMITS, Limits
from .aiken import read_aiken
from .common import ImportResult
from .gift import read_gift
from .json import read_json
from .moodle import read_moodle
from .spreadsheet import read_csv, read_xlsx
from .text import read_text

READERS: dict[str, Callable[..., ImportResult]] = {
    "xlsx": read_xlsx,
    "csv": read_csv,
    "json": read_json,
    "moodle": read_moodle,
    "gift": read_gift,
    "aiken": read_aiken,
    "text": read_text,
}
EXTENSIONS = {
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".csv": "csv",
    ".tsv": "csv",
    ".json": "json",
    ".xml": "moodle",
    ".gift": "gift",
    ".aiken": "aiken",
}
_AIKEN_ANSWER = re.compile(rb"^\s*ANSWER\s*:", re.MULTILINE | re.IGNORECASE)
_GIFT_BLOCK = re.compile(rb"(?:^|\n)\s*(?:::|[^\n]*\{\s*(?:[=~]|T\b|F\b|TRUE\b|FALSE\b))")


def detect_format(data: bytes, filename: str | None = None) -> str | None:
    """Guess the format from the extension, then from the first bytes; ``None`` if hopeless."""
    ext = os.path.splitext(filename)[1].lower() if filename else ""
    if ext in EXTENSIONS:
        return EXTENSIONS[ext]
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head[:1] in (b"{", b"["):
        return "json"
    if head.startswith((b"<?xml", b"<quiz")):
        return "moodle"
    if _AIKEN_ANSWER.search(data[:65536]):
        return "aiken"
    if _GIFT_BLOCK.search(data[:65536]):
        return "gift"
    first_line = head.split(b"\n", 1)[0]
    if ext == ".txt":
        return "text"  # a text document's commas are punctuation, not a CSV's columns
    if first_line.count(b",") >= 2 or first_line.count(b"\t") >= 2:
        return "csv"
    return "text"


def read_questions(
    data: bytes, *, filename: str | None = None, format: str | None = None, limits: Limits = DEFAULT_LIMITS
) -> ImportResult:
    """Parse and validate a question file.

    Never stops at the first problem: each bad row becomes a :class:`RowError` and the remaining
    rows are still read.  A file that cannot be read at all yields a single error with row 0
    (or the line of the parse error).

    :param filename: used for format detection (extension) only.
    :param format: one of :data:`READERS`; detected when ``None``.
    :param limits: caps on file size, rows, columns and stored report entries.
    :return: the valid questions, every error, and the :class:`~question_bank.report.ImportReport`
        (layout recognised, counts, every row not read with its reason).
    """
    if not data or not data.strip(b"\xef\xbb\xbf \t\r\n\x00"):
        return ImportResult(errors=[RowError(0, "", "empty_file")], format=format or "")
    if filename and filename.lower().endswith(".xls") and format is None:
        # Legacy BIFF workbooks need xlrd; ask for a re-save instead of guessing.
        return ImportResult(
            errors=[RowError(0, "", "not_a_spreadsheet", {"detail": ".xls (Excel 97-2003)"})], format="xlsx"
        )
    if len(data) > limits.max_file_bytes:
        error = RowError(0, "", "file_too_large", {"size": len(data), "max": limits.max_file_bytes})
        return ImportResult(errors=[error], format=format or "")
    fmt = format or detect_format(data, filename)
    fmt = "xlsx" if fmt == "xlsx_packed" else fmt
    reader = READERS.get(fmt or "")
    if reader is None:
        return ImportResult(errors=[RowError(0, "", "unknown_format", {"value": fmt})], format=fmt or "")
    result = reader(data, limits=limits)
    result.report.format = result.format
    if not result.questions and not result.errors:
        result.errors.append(RowError(0, "", "no_questions"))
    return result


__all__ = ["READERS", "ImportResult", "detect_format", "read_questions"]
