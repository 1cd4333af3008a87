"""Reader for Moodle XML (``<quiz><question type="…">``).

Supported: ``multichoice`` (``<single>`` true → 单选, false → 多选; correct = positive
``fraction``), ``truefalse``, ``shortanswer`` (100 % answers → 填空).  A ``category`` entry
(``$course$/安全/电工``) sets the topic (``安全/电工``) of the questions after it; other types
are reported as ``unsupported_type``.  Text in HTML formats (and text with no format, which
Moodle treats as HTML) is reduced to plain text by :func:`~question_bank.markup.html_to_text`.  Rows are 1-based ``<question>``
ordinals (categories included), as Moodle numbers them in its import log.

Documents with a DOCTYPE are refused outright: Moodle never writes one, and refusing it rules out
entity-expansion and external-entity attacks without needing defusedxml.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

from ..errors import RowError
from ..limits import DEFAULT_LIMITS, Limits
from ..markup import html_to_text
from ..registry import MAX_OPTIONS, QuestionType
from .cells import letters
from .common import ImportResult, QuestionBuilder

#: ``$course$/``, ``$system$/``, ``$cat1$/``, ``$module$/`` and a leading ``top/`` are Moodle's, not the bank's.
_CATEGORY_PREFIX = re.compile(r"^(?:\$\w+\$/?)?(?:top/)?")


def _text(element: ET.Element | None, fmt: str = "plain_text") -> str:
    if element is None:
        return ""
    node = element.find("text")
    value = (node.text if node is not None else element.text) or ""
    fmt = element.get("format", fmt)
    if fmt == "plain_text":
        return value.strip()
    return html_to_text(value)


def category_topic(path: str) -> str:
    """``$course$/安全/电工`` → ``安全/电工`` (empty segments and Moodle's prefixes dropped)."""
    rest = _CATEGORY_PREFIX.sub("", path.strip())
    return "/".join(part.strip() for part in rest.split("/") if part.strip())


def read_moodle(data: bytes, limits: Limits = DEFAULT_LIMITS) -> ImportResult:
    result = ImportResult(format="moodle")
    head = data[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in data.lower():
        result.errors.append(RowError(0, "", "xml_doctype"))
        return result
    try:
        root = ET.fromstring(data)  # noqa: S314 — refused above when it declares a DOCTYPE or an entity
    except ET.ParseError as exc:
        line = exc.position[0] if exc.position else 0
        result.errors.append(RowError(line, "", "bad_xml", {"detail": str(exc)}))
        return result
    if root.tag != "quiz":
        result.errors.append(RowError(0, "", "bad_xml", {"detail": f"root element <{root.tag}>, expected <quiz>"}))
        return result
    builder = QuestionBuilder(result, clean=False, limits=limits)
    topic = ""
    for row, element in enumerate(root.findall("question"), start=1):
        kind = element.get("type", "")
        if kind == "category":
            topic = category_topic(_text(element.find("category")))
            continue
        raw = _raw(kind, element)
        if raw is None:
            stem = _text(element.find("questiontext"), "html") or _text(element.find("name"))
            builder.skip(row, "unsupported_type", stem, fld="type", value=kind)
            continue
        if topic and not raw.get("topic"):
            raw["topic"] = topic
        builder.add(raw, row)
    return builder.finish()


def _raw(kind: str, element: ET.Element) -> dict[str, Any] | None:
    answers = [(float(a.get("fraction", "0") or 0), _text(a, "html")) for a in element.findall("answer")]
    raw: dict[str, Any] = {
        # <name> is a display title and rarely unique; only <idnumber> is an identifier.
        "key": _text(element.find("idnumber")),
        "stem": _text(element.find("questiontext"), "html"),
        "explanation": _text(element.find("generalfeedback"), "html"),
        "difficulty": None,
    }
    tags = [_text(t) for t in element.findall("tags/tag")]
    # Our own writer stores Anpei tags as "anpei:<field>:<value>"; other Moodle tags become extra.
    for tag in tags:
        field, sep, value = tag.partition(":")[2].partition(":") if tag.startswith("anpei:") else ("", "", "")
        if sep and field in ("post", "industry", "operation", "extra"):
            raw.setdefault(field, []).append(value)
        elif sep and field in ("topic", "level", "difficulty", "source", "version"):
            raw[field] = value
        else:
            raw.setdefault("extra", []).append(tag)
    if kind == "multichoice":
        single = _text(element.find("single")).lower() in ("true", "1")
        raw["type"] = QuestionType.SINGLE if single else QuestionType.MULTIPLE
        raw["options"] = [text for _, text in answers]
        # Indices beyond H cannot be written as letters; validation reports the option count.
        raw["answer"] = letters(i for i, (fraction, _) in enumerate(answers) if fraction > 0 and i < MAX_OPTIONS)
    elif kind == "truefalse":
        raw["type"] = QuestionType.TRUE_FALSE
        right = [text for fraction, text in answers if fraction > 0]
        raw["answer"] = right[0] if right else ""
    elif kind == "shortanswer":
        raw["type"] = QuestionType.FILL
        raw["answer"] = [text for fraction, text in answers if fraction >= 100]
    else:
        return None
    return raw
