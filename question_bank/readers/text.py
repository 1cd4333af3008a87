"""Reader for the plain-text layout of Chinese 题库 documents (copied out of Word/WPS)::

    一、判断题
    1. 生产经营单位的主要负责人对本单位的安全生产工作全面负责。
    答案：正确
    二、单选题
    2、《安全生产法》规定，……（ ）
    A．甲  B．乙
    C．丙  D．丁
    正确答案：B
    解析：……

Section headers (``一、判断题``) set the type of the questions under them; without one the type
is inferred (options + one letter → 单选, several → 多选, 正确/错误 → 判断, else 填空).  Text before
the first numbered question (a document title) is ignored.  Rows are line numbers.
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import RowError
from ..limits import DEFAULT_LIMITS, Limits
from ..normalise import normalise_label, to_half_width
from ..registry import TYPE_ALIASES, QuestionType
from .common import ImportResult, QuestionBuilder, split_options
from .spreadsheet import decode_text

_SECTION = re.compile(r"^\s*[一二三四五六七八九十]+\s*[、.．]\s*(\S+?题|判断|单选|多选|填空)")
_QUESTION = re.compile(r"^\s*(?:\d+\s*[.、．)）](?!\d)|[(（]\s*\d+\s*[)）]|第\s*\d+\s*题)")
_OPTION = re.compile(r"^\s*[A-Ha-hＡ-Ｈ]\s*[.、．:：)）]")
_ANSWER = re.compile(r"^\s*[【\[]?\s*(?:正确答案|参考答案|标准答案|答案)\s*[】\]]?\s*[:：]?\s*(.*)$")
_EXPLANATION = re.compile(r"^\s*[【\[]?\s*(?:答案解析|试题解析|解析)\s*[】\]]?\s*[:：]?\s*(.*)$")


def read_text(data: bytes, limits: Limits = DEFAULT_LIMITS) -> ImportResult:
    result = ImportResult(format="text")
    text = decode_text(data)
    if text is None:
        result.errors.append(RowError(0, "", "bad_encoding"))
        return result
    builder = QuestionBuilder(result, limits=limits)
    current: dict[str, Any] | None = None
    section_type: QuestionType | None = None
    mode = "stem"  # which field continuation lines belong to

    def flush() -> None:
        if current is not None:
            current["options"] = (
                split_options("\n".join(current.pop("option_lines"))) if current["option_lines"] else []
            )
            builder.add(current, current.pop("line"))

    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped:
            continue
        m = _SECTION.match(stripped)
        if m:
            flush()
            current = None
            section_type = TYPE_ALIASES.get(normalise_label(m.group(1)), section_type)
            continue
        if _QUESTION.match(stripped):
            flush()
            current = {
                "stem": stripped,
                "option_lines": [],
                "answer": None,
                "explanation": "",
                "default_type": section_type,
                "line": number,
            }
            mode = "stem"
            continue
        if current is None:
            continue  # preamble (document title, instructions)
        m = _ANSWER.match(stripped)
        if m and not _OPTION.match(stripped):
            current["answer"] = m.group(1).strip()
            mode = "answer"
            continue
        m = _EXPLANATION.match(stripped)
        if m:
            current["explanation"] = m.group(1).strip()
            mode = "explanation"
            continue
        if mode in ("stem", "options") and _OPTION.match(stripped):
            current["option_lines"].append(to_half_width(stripped[:1]) + stripped[1:])
            mode = "options"
        elif mode == "explanation":
            current["explanation"] += "\n" + stripped
        elif mode == "options":
            current["option_lines"][-1] += " " + stripped  # a wrapped option
        elif mode == "stem":
            current["stem"] += "\n" + stripped
        else:
            builder.error(number, "", "orphan_line", value=stripped[:50])
    flush()
    return result
