"""Reader for Moodle XML (``<quiz><question type="…">``).

Supported: ``multichoice`` (``<single>`` true → 单选, false → 多选; correct = positive
``fraction``), ``truefalse``, ``shortanswer`` (100 % answers → 填空).  ``category`` entries are
skipped; other types are reported as ``unsupported_type``.  Rows are 1-based ``<question>``
ordinals (categories included), as Moodle numbers them in its import log.

Documents with a DOCTYPE are refused outright: Moodle never writes one, and refusing it rules out
entity-expansion and external-entity attacks without needing defusedxml.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from typing import Any

from ..errors import RowError
from ..registry import MAX_OPTIONS, QuestionType
from .common import ImportResult, QuestionBuilder, letters

_HTML_BREAKS = re.compile(r"<br\s*/?>", re.IGNORECASE)
_HTML_PARAGRAPHS = re.compile(r"</?p(?:\s[^>]*)?>", re.IGNORECASE)


def _text(element: ET.Element | None, fmt: str = "plain_text") -> str:
    if element is None:
        return ""
    node = element.find("text")
    value = (node.text if node is not None else element.text) or ""
    fmt = element.get("format", fmt)
    if fmt in ("html", "moodle_auto_format"):
        # Unwrap Moodle's paragraph markup only; any other tag stays as literal text (the app
        # escapes it on display) rather than being silently dropped.
        value = _HTML_BREAKS.sub("\n", value)
        value = _HTML_PARAGRAPHS.sub("", value)
        value = html.unescape(value)
    return value.strip()


def read_moodle(data: bytes) -> ImportResult:
    result = ImportResult(format="moodle")
    head = data[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in data.lower():
        result.errors.append(RowError(0, "", "xml_doctype"))
        return result
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        line = exc.position[0] if exc.position else 0
        result.errors.append(RowError(line, "", "bad_xml", {"detail": str(exc)}))
        return result
    if root.tag != "quiz":
        result.errors.append(RowError(0, "", "bad_xml", {"detail": f"root element <{root.tag}>, expected <quiz>"}))
        return result
    builder = QuestionBuilder(result, clean=False)
    for row, element in enumerate(root.findall("question"), start=1):
        kind = element.get("type", "")
        if kind == "category":
            continue
        raw = _raw(kind, element)
        if raw is None:
            builder.error(row, "type", "unsupported_type", value=kind)
            continue
        builder.add(raw, row)
    return result


def _raw(kind: str, element: ET.Element) -> dict[str, Any] | None:
    answers = [
        (float(a.get("fraction", "0") or 0), _text(a, a.get("format", "plain_text"))) for a in element.findall("answer")
    ]
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
