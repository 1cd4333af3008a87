"""Reader for our own JSON schema (``"format": "anpei-questions"``, see README) or a bare list."""

from __future__ import annotations

import json
from typing import Any

from ..errors import RowError
from ..limits import DEFAULT_LIMITS, Limits
from ..normalise import normalise_label
from ..registry import TYPE_ALIASES, QuestionType
from .common import ImportResult, QuestionBuilder

FORMAT_NAME = "anpei-questions"
FORMAT_VERSION = 1
_TEXT_FIELDS = ("key", "stem", "explanation", "source")


def read_json(data: bytes, limits: Limits = DEFAULT_LIMITS) -> ImportResult:
    """Parse the JSON document; each question's errors carry ``row = index + 1``."""
    result = ImportResult(format="json")
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        result.errors.append(RowError(0, "", "bad_encoding", {"detail": str(exc)}))
        return result
    except json.JSONDecodeError as exc:
        result.errors.append(RowError(exc.lineno, "", "bad_json", {"detail": exc.msg}))
        return result
    if isinstance(doc, dict) and doc.get("format") == FORMAT_NAME:
        if doc.get("version") != FORMAT_VERSION:
            result.errors.append(RowError(0, "version", "unsupported_version", {"value": doc.get("version")}))
            return result
        items = doc.get("questions")
    else:
        items = doc
    if not isinstance(items, list):
        result.errors.append(RowError(0, "", "bad_json_root"))
        return result
    builder = QuestionBuilder(result, clean=False, limits=limits)
    for index, item in enumerate(items):
        row = index + 1
        if not isinstance(item, dict):
            builder.skip(row, "bad_field", str(item), detail="not an object")
            continue
        raw = _raw(item, row, builder)
        if raw is None:
            builder.not_read(row, "bad_field", str(item.get("stem", "")))
        else:
            builder.add(raw, row)
    return builder.finish()


def _raw(item: dict[str, Any], row: int, builder: QuestionBuilder) -> dict[str, Any] | None:
    for name in _TEXT_FIELDS:
        if item.get(name) is not None and not isinstance(item[name], (str, int)):
            builder.error(row, name, "bad_field", detail="expected a string")
            return None
    tags = item.get("tags") or {}
    if not isinstance(tags, dict):
        builder.error(row, "tags", "bad_field", detail="expected an object")
        return None
    options = item.get("options") or []
    if not isinstance(options, list) or not all(isinstance(o, str) for o in options):
        builder.error(row, "options", "bad_field", detail="expected a list of strings")
        return None
    qtype: Any = item.get("type")
    if isinstance(qtype, str):
        qtype = TYPE_ALIASES.get(normalise_label(qtype), qtype)
    answer = item.get("answer")
    if isinstance(answer, bool):  # "answer": true for a 判断
        answer = "true" if answer else "false"
    if qtype is QuestionType.FILL and isinstance(answer, str):
        answer = [answer]
    elif qtype is not QuestionType.FILL and isinstance(answer, list) and qtype is not None:
        answer = "".join(str(a) for a in answer) if qtype is not QuestionType.TRUE_FALSE else answer
    return {
        "key": item.get("key"),
        "type": qtype,
        "stem": item.get("stem"),
        "options": options,
        "answer": answer,
        "explanation": item.get("explanation"),
        "difficulty": item.get("difficulty"),
        "source": item.get("source"),
        "version": item.get("version"),
        "topic": tags.get("topic"),
        "level": tags.get("level"),
        "post": tags.get("post"),
        "industry": tags.get("industry"),
        "operation": tags.get("operation"),
        "extra": tags.get("extra"),
    }
