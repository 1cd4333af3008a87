"""The import report: what a reader recognised in a file and what it could not read.

A plain value type, JSON-round-trippable so the app can keep it beside a staged import.  The
invariant every reader keeps is ``report.read + len(report.not_read) + report.not_read_more ==
report.rows``: a question row (or text block) is either read or listed here with its reason.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from .messages import render

#: "第5行：" / "Row 5: " / "Line 5: " at the start of a rendered message; the report shows the row apart.
_ROW_PREFIX = re.compile(r"^(?:第\d+行：|(?:Row|Line) \d+: )")


def reason_text(code: str, params: dict[str, Any], lang: str = "zh") -> str:
    """Render a reason code without its row prefix (the report shows the row in its own column)."""
    return _ROW_PREFIX.sub("", render(code, {"row": 0, "field": "", **params}, lang))


@dataclass(frozen=True, slots=True)
class NotRead:
    """One row (spreadsheet) or line (text) that did not become a question, with its reason code."""

    row: int
    code: str
    text: str = ""
    sheet: str = ""
    params: dict[str, Any] = field(default_factory=dict)

    def reason(self, lang: str = "zh") -> str:
        return reason_text(self.code, self.params, lang)


@dataclass(frozen=True, slots=True)
class Flag:
    """A question that was read but deserves a human look (``answer_inferred``, ``image_not_imported``)."""

    row: int
    code: str
    key: str = ""
    sheet: str = ""
    text: str = ""

    def reason(self, lang: str = "zh") -> str:
        return reason_text(self.code, {}, lang)


@dataclass(frozen=True, slots=True)
class Duplicate:
    """Rows whose stems are the same after normalisation; ``conflict`` when their answers differ."""

    rows: tuple[int, ...]
    stem: str
    answers: tuple[str, ...]
    conflict: bool


@dataclass(frozen=True, slots=True)
class SheetLayout:
    """Where the questions of one sheet were found and what each column was taken to mean."""

    sheet: str
    header_row: int
    #: column letter → role (``stem``, ``options``, ``option:0``, ``answer`` …), in column order.
    columns: dict[str, str] = field(default_factory=dict)
    #: how packed options were marked, e.g. ``"**A."`` or ``"A.##"``; empty when not packed.
    packing: str = ""


@dataclass(frozen=True, slots=True)
class SkippedSheet:
    sheet: str
    code: str  #: ``empty_sheet`` or ``no_question_header``

    def reason(self, lang: str = "zh") -> str:
        return reason_text(self.code, {"sheet": self.sheet}, lang)


@dataclass
class ImportReport:
    """Everything a person needs to trust an import: layout, counts, and each row not read."""

    format: str = ""
    layouts: list[SheetLayout] = field(default_factory=list)
    #: question rows / text blocks (and stray text lines) seen; header, title and blank rows excluded.
    rows: int = 0
    read: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    not_read: list[NotRead] = field(default_factory=list)
    #: rows not read beyond the stored list (the list is capped, the count is not).
    not_read_more: int = 0
    skipped_sheets: list[SkippedSheet] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    flags_more: int = 0
    duplicates: list[Duplicate] = field(default_factory=list)
    #: page numbers, running headers and section titles recognised and left out of questions.
    layout_lines: int = 0
    #: ``row_limit``/``column_limit``/``file_too_large`` when a bound stopped the reader, else empty.
    truncated: str = ""
    truncated_at: int = 0

    @property
    def not_read_count(self) -> int:
        return len(self.not_read) + self.not_read_more

    @property
    def balanced(self) -> bool:
        """True when every row is accounted for: ``read + not read == rows``."""
        return self.read + self.not_read_count == self.rows

    @property
    def conflicts(self) -> list[Duplicate]:
        return [d for d in self.duplicates if d.conflict]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> ImportReport:
        data = dict(data or {})
        return cls(
            format=data.get("format", ""),
            layouts=[SheetLayout(**d) for d in data.get("layouts", [])],
            rows=data.get("rows", 0),
            read=data.get("read", 0),
            counts=dict(data.get("counts", {})),
            not_read=[NotRead(**d) for d in data.get("not_read", [])],
            not_read_more=data.get("not_read_more", 0),
            skipped_sheets=[SkippedSheet(**d) for d in data.get("skipped_sheets", [])],
            flags=[Flag(**d) for d in data.get("flags", [])],
            flags_more=data.get("flags_more", 0),
            duplicates=[
                Duplicate(tuple(d["rows"]), d["stem"], tuple(d["answers"]), d["conflict"])
                for d in data.get("duplicates", [])
            ],
            layout_lines=data.get("layout_lines", 0),
            truncated=data.get("truncated", ""),
            truncated_at=data.get("truncated_at", 0),
        )
