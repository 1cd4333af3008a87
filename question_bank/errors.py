"""Problems reported by validation and import, and the assembly shortage exception."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .messages import render


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a question, independent of where it came from.

    :param field: the question field at fault (``stem``, ``answer``, ``options`` …).
    :param code: key into :data:`question_bank.messages.MESSAGES`.
    :param params: values for the message template.
    """

    field: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def message(self, lang: str = "zh") -> str:
        """Render the problem in ``lang`` (``"zh"`` or ``"en"``)."""
        return render(self.code, {"row": "?", "field": self.field, **self.params}, lang)


@dataclass(frozen=True, slots=True)
class RowError:
    """One bad row (spreadsheet/CSV), question (JSON/XML, 1-based) or line (GIFT/Aiken/text).

    ``row == 0`` means the whole file is unusable.  ``sheet`` names the worksheet for xlsx files
    with several sheets.
    """

    row: int
    field: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)
    sheet: str = ""

    def message(self, lang: str = "zh") -> str:
        """Render the error from :data:`~question_bank.messages.MESSAGES` in ``lang``."""
        text = render(self.code, {"field": self.field, **self.params, "row": self.row}, lang)
        return f"[{self.sheet}] {text}" if self.sheet else text

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form, including the Chinese message."""
        return {
            "row": self.row,
            "field": self.field,
            "code": self.code,
            "params": dict(self.params),
            "sheet": self.sheet,
            "message": self.message("zh"),
        }


@dataclass(frozen=True, slots=True)
class Shortage:
    """A section (or one quota bucket of it) that the bank cannot fill."""

    section_index: int
    section_title: str
    bucket: str  #: ``""`` for a section without quotas, else the quota key such as ``"level:掌握"``
    needed: int
    available: int

    def describe(self) -> str:
        where = f"“{self.section_title}”" + (f"（{self.bucket}）" if self.bucket else "")
        return f"{where}需要{self.needed}题，可用{self.available}题"


class InsufficientQuestions(Exception):
    """The bank has too few matching questions for a paper spec.

    ``shortages`` lists every short section/bucket (all of them, not just the first).
    """

    def __init__(self, shortages: list[Shortage]):
        self.shortages = list(shortages)
        super().__init__("题库题目不足：" + "；".join(s.describe() for s in self.shortages))
