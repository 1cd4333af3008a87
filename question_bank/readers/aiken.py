"""Reader for Moodle's Aiken format::

    安全生产法自何时起施行？
    A. 2002年11月1日
    B. 2021年9月1日
    ANSWER: A

Aiken is single-choice only; as a lenient extension ``ANSWER: AC`` makes a 多选.  Rows are the
line numbers of each question's first line.
"""

from __future__ import annotations

import re

from ..errors import RowError
from ..limits import DEFAULT_LIMITS, Limits
from .common import ImportResult, QuestionBuilder

_OPTION = re.compile(r"^\s*([A-Ha-h])\s*[.)．）、]\s*(.*)$")
_ANSWER = re.compile(r"^\s*ANSWER\s*[:：]\s*(.*)$", re.IGNORECASE)


def read_aiken(data: bytes, limits: Limits = DEFAULT_LIMITS) -> ImportResult:
    result = ImportResult(format="aiken")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        result.errors.append(RowError(0, "", "bad_encoding"))
        return result
    builder = QuestionBuilder(result, limits=limits)
    stem: list[str] = []
    options: list[str] = []
    start = 0

    def flush(answer: str | None) -> None:
        if not stem and not options:
            return
        builder.add(
            {
                "stem": "\n".join(stem),
                "options": list(options),
                "answer": answer or "",
                "type": "multiple" if answer and len(answer.replace(" ", "").replace(",", "")) > 1 else "single",
            },
            start,
        )
        stem.clear()
        options.clear()

    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        m = _ANSWER.match(line)
        if m:
            if not stem and not options:
                builder.skip(number, "orphan_line", line, fld="answer", value=line.strip()[:50])
                continue
            flush(m.group(1).strip())
            continue
        m = _OPTION.match(line)
        if m and stem:
            options.append(m.group(2))
            continue
        if options:  # a new stem begins while the previous question lacks its ANSWER line
            flush(None)
        if not stem:
            start = number
        stem.append(line)
    flush(None)
    return builder.finish()
