"""Writer for Moodle XML.  Texts use ``format="plain_text"``; Anpei tags travel as Moodle tags
``anpei:<field>:<value>`` so a round trip through our reader loses nothing."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable

from ..questions import Question
from ..registry import QuestionType


def _text(parent: ET.Element, tag: str, value: str, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    ET.SubElement(element, "text").text = value
    return element


def _question(q: Question) -> ET.Element:
    kind = {QuestionType.TRUE_FALSE: "truefalse", QuestionType.FILL: "shortanswer"}.get(q.type, "multichoice")
    element = ET.Element("question", {"type": kind})
    _text(element, "name", q.key)
    _text(element, "questiontext", q.stem, format="plain_text")
    _text(element, "generalfeedback", q.explanation, format="plain_text")
    ET.SubElement(element, "idnumber").text = q.key
    if q.type is QuestionType.TRUE_FALSE:
        right = q.answer[0] if q.answer else 0
        for index, word in enumerate(("true", "false")):
            _text(element, "answer", word, fraction="100" if index == right else "0")
    elif q.type is QuestionType.FILL:
        ET.SubElement(element, "usecase").text = "0"
        for answer in q.fill_answers:
            _text(element, "answer", answer, fraction="100", format="plain_text")
    else:
        ET.SubElement(element, "single").text = "true" if q.type is QuestionType.SINGLE else "false"
        ET.SubElement(element, "shuffleanswers").text = "true"
        ET.SubElement(element, "answernumbering").text = "ABCD"
        share = f"{100 / max(len(q.answer), 1):.5f}".rstrip("0").rstrip(".")
        for index, option in enumerate(q.options):
            _text(element, "answer", option, fraction=share if index in q.answer else "0", format="plain_text")
    tags = ET.SubElement(element, "tags")
    t = q.tags
    values = (
        [("post", v) for v in sorted(t.post)]
        + [("industry", v) for v in sorted(t.industry)]
        + [("operation", v) for v in sorted(t.operation)]
        + [("extra", v) for v in sorted(t.extra)]
        + [
            ("topic", t.topic),
            ("level", t.level),
            ("source", q.source),
            ("difficulty", str(q.difficulty)),
            ("version", str(q.version)),
        ]
    )
    for field, value in values:
        if value:
            _text(tags, "tag", f"anpei:{field}:{value}")
    return element


def write_moodle(questions: Iterable[Question]) -> bytes:
    quiz = ET.Element("quiz")
    for q in questions:
        quiz.append(_question(q))
    ET.indent(quiz)
    return ET.tostring(quiz, encoding="utf-8", xml_declaration=True)
