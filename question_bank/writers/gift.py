"""Writer for Moodle GIFT.  Every special character is escaped, newlines become ``\\n``, and a
``// anpei: {...}`` comment carries what GIFT has no syntax for (tags, difficulty, source, version)."""

from __future__ import annotations

import json
from collections.abc import Iterable

from ..questions import Question
from ..readers.gift import META_PREFIX
from ..registry import QuestionType

_ESCAPES = str.maketrans(
    {"\\": "\\\\", "~": "\\~", "=": "\\=", "#": "\\#", "{": "\\{", "}": "\\}", ":": "\\:", "\n": "\\n", ">": "\\>"}
)


def escape(text: str) -> str:
    """Escape GIFT's special characters (``>`` too, so ``->`` never reads as a matching pair)."""
    return text.translate(_ESCAPES)


def escape_answer(text: str) -> str:
    """Escape an answer; a leading ``%`` too, or ``%50%…`` would read as a weight, and a lone ``*``, which GIFT
    reads as "any answer" (a wildcard, never a correct answer of ours)."""
    escaped = escape(text)
    return "\\" + escaped if escaped.startswith("%") or escaped == "*" else escaped


def _question(q: Question) -> str:
    meta = {
        "key": q.key,
        "tags": q.tags.to_dict(),
        "difficulty": q.difficulty,
        "source": q.source,
        "version": q.version,
    }
    lines = [META_PREFIX + " " + json.dumps(meta, ensure_ascii=False), f"::{escape(q.key)}::[plain]{escape(q.stem)}{{"]
    if q.type is QuestionType.TRUE_FALSE:
        lines.append("TRUE" if q.answer == (0,) else "FALSE")
    elif q.type is QuestionType.FILL:
        lines += [f"={escape_answer(a)}" for a in q.fill_answers]
    elif q.type is QuestionType.SINGLE:
        lines += [("=" if i in q.answer else "~") + escape_answer(o) for i, o in enumerate(q.options)]
    else:
        share = f"{100 / len(q.answer):.5f}".rstrip("0").rstrip(".")
        lines += [f"~%{share if i in q.answer else '-100'}%{escape_answer(o)}" for i, o in enumerate(q.options)]
    if q.explanation:
        lines.append("####" + escape(q.explanation))
    lines.append("}")
    return "\n".join(lines)


def write_gift(questions: Iterable[Question]) -> bytes:
    return ("\n\n".join(_question(q) for q in questions) + "\n").encode("utf-8")
