"""Writer for our JSON schema (``"format": "anpei-questions"``, documented in README)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from ..questions import Question
from ..readers.cells import letters
from ..readers.json import FORMAT_NAME, FORMAT_VERSION
from ..registry import QuestionType


def question_json(q: Question) -> dict[str, Any]:
    if q.type is QuestionType.TRUE_FALSE:
        answer: Any = q.options[q.answer[0]] if q.answer else ""
    elif q.type is QuestionType.FILL:
        answer = list(q.fill_answers)
    else:
        answer = list(letters(q.answer))
    return {
        "key": q.key,
        "type": q.type.value,
        "stem": q.stem,
        "options": list(q.options) if q.type is not QuestionType.TRUE_FALSE else [],
        "answer": answer,
        "explanation": q.explanation,
        "tags": q.tags.to_dict(),
        "difficulty": q.difficulty,
        "source": q.source,
        "version": q.version,
    }


def write_json(questions: Iterable[Question]) -> bytes:
    doc = {"format": FORMAT_NAME, "version": FORMAT_VERSION, "questions": [question_json(q) for q in questions]}
    return json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")
