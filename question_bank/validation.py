"""Rules every question must satisfy, whatever format it came from.

Rules (documented in README "Validation rules"):

* stem non-empty and at most :data:`MAX_STEM` characters; options/explanation bounded too;
* 判断: options exactly ``("正确", "错误")`` and one answer;
* 单选: 2–8 non-empty options, exactly one answer;
* 多选: 2–8 non-empty options (3+ in practice) and **at least two** correct answers — the national
  banks define 多选 as "two or more correct", and a one-answer 多选 is almost always a typo;
* 填空: no options, at least one non-empty accepted answer;
* every answer index within the options; difficulty 1–5; level empty or 了解/掌握/熟练掌握;
  operation codes dotted digits; non-empty key; version ≥ 1.
"""

from __future__ import annotations

import re

from .errors import Problem
from .questions import LEVELS, Question
from .registry import MAX_OPTIONS, OPTION_LETTERS, TRUE_FALSE_OPTIONS, QuestionType, type_info

MAX_STEM = 5_000
MAX_OPTION = 1_000
MAX_EXPLANATION = 10_000
MAX_KEY = 64
_OPERATION = re.compile(r"^\d+(?:\.\d+)*$")


def validate_question(q: Question) -> list[Problem]:
    """Return every rule ``q`` breaks (empty list when valid)."""
    problems: list[Problem] = []
    add = problems.append
    info = type_info(q.type)

    if not q.key or len(q.key) > MAX_KEY or q.key != q.key.strip():
        add(Problem("key", "bad_key", {"value": q.key[:MAX_KEY]}))
    if not q.stem.strip():
        add(Problem("stem", "empty_stem"))
    elif len(q.stem) > MAX_STEM:
        add(Problem("stem", "stem_too_long", {"length": len(q.stem), "max": MAX_STEM}))
    if len(q.explanation) > MAX_EXPLANATION:
        add(Problem("explanation", "text_too_long", {"length": len(q.explanation), "max": MAX_EXPLANATION}))

    if q.type is QuestionType.TRUE_FALSE:
        if q.options != TRUE_FALSE_OPTIONS:
            add(Problem("options", "true_false_options"))
    elif q.type is QuestionType.FILL:
        if q.options:
            add(Problem("options", "fill_options"))
        if not any(a.strip() for a in q.fill_answers):
            add(Problem("answer", "missing_answer"))
    else:
        if len(q.options) < 2:
            add(
                Problem(
                    "options",
                    "too_few_options",
                    {"min": 2, "count": len(q.options), "type_zh": info.label_zh, "type_en": info.label_en},
                )
            )
        if len(q.options) > MAX_OPTIONS:
            add(Problem("options", "too_many_options", {"max": MAX_OPTIONS, "count": len(q.options)}))
        for i, text in enumerate(q.options):
            if not text.strip():
                add(Problem("options", "empty_option", {"letter": OPTION_LETTERS[i] if i < MAX_OPTIONS else i}))
            elif len(text) > MAX_OPTION:
                add(Problem("options", "text_too_long", {"length": len(text), "max": MAX_OPTION}))

    if info.is_choice:
        bad = [i for i in q.answer if not 0 <= i < len(q.options)]
        for i in bad:
            add(Problem("answer", "answer_out_of_range", {"value": i}))
        if not q.answer:
            add(Problem("answer", "missing_answer"))
        elif not bad and not info.min_correct <= len(q.answer) <= info.max_correct:
            expected = str(info.min_correct) if info.min_correct == info.max_correct else f"≥{info.min_correct}"
            add(
                Problem(
                    "answer",
                    "wrong_answer_count",
                    {"expected": expected, "count": len(q.answer), "type_zh": info.label_zh, "type_en": info.label_en},
                )
            )

    if not isinstance(q.difficulty, int) or not 1 <= q.difficulty <= 5:
        add(Problem("difficulty", "bad_difficulty", {"value": q.difficulty}))
    if q.tags.level and q.tags.level not in LEVELS:
        add(Problem("level", "bad_level", {"value": q.tags.level}))
    for code in sorted(q.tags.operation):
        if not _OPERATION.match(code):
            add(Problem("operation", "bad_operation", {"value": code}))
    if not isinstance(q.version, int) or q.version < 1:
        add(Problem("version", "bad_version", {"value": q.version}))
    return problems
