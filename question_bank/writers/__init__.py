"""Exporters.  Whatever :func:`write_questions` writes, :func:`~question_bank.read_questions`
reads back as equal questions (see README for the few normalisations each format implies)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..questions import Question
from .gift import write_gift
from .json import write_json
from .moodle import write_moodle
from .xlsx import template_xlsx, write_xlsx, write_xlsx_packed

WRITERS: dict[str, Callable[[Iterable[Question]], bytes]] = {
    "xlsx": write_xlsx,
    "xlsx_packed": write_xlsx_packed,
    "json": write_json,
    "moodle": write_moodle,
    "gift": write_gift,
}


def write_questions(questions: Iterable[Question], format: str) -> bytes:
    """Serialise ``questions`` as ``format`` (``xlsx``, ``xlsx_packed``, ``json``, ``moodle`` or ``gift``).

    ``xlsx_packed`` is the layout of real banks (试题类型 | 题目内容 | 题目选项 ``**A.甲**B.乙`` | 题目答案 …);
    read it back with ``format="xlsx"``.

    :raises ValueError: on an unknown format.
    """
    try:
        writer = WRITERS[format]
    except KeyError:
        raise ValueError(f"unknown export format {format!r}; choose from {sorted(WRITERS)}") from None
    return writer(questions)


__all__ = ["WRITERS", "template_xlsx", "write_questions"]
