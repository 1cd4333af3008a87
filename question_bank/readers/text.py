"""Reader for the plain-text layout of Chinese 题库 documents (copied out of PDF handbooks, Word, WPS)::

    安全生产知识题库                                  ← preamble: reported as "not a question"
    一、判断题（每题1分）                              ← section title: sets the type
    1. 生产经营单位的主要负责人对本单位的安全生产
    工作全面负责。                                     ← hard-wrapped stem
    正确                                              ← bare 判断 answer
    - 7 -                                             ← page footer: never part of a question
    二、单项选择题
    2、《安全生产法》规定，……（ ）
    A．甲  B．乙
    C．丙  D．丁
    正确答案：B
    解析：……
    3．下列说法正确的是（B）。                          ← answer in the stem's bracket

The text is read as a small grammar.  Each line is first *classified* (:func:`classify`: blank,
page marker, section title, question start, option, answer, explanation, bare 判断 word, plain
text), then a state machine (:class:`TextParser`) decides what the line means in its state:
plain text continues the stem in ``STEM``, the last option in ``OPTIONS``, the explanation in
``EXPLANATION``; it is a stray line (reported, not read) after an answer.  Page numbers
(``- 7 -``, ``第 7 页``, ``第7页 共120页``, ``7/120``) and running headers repeated next to them
are layout and never reach a stem or an option.  Rows are line numbers.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from ..errors import RowError
from ..limits import DEFAULT_LIMITS, Limits
from ..normalise import BLANK, normalise_label, to_half_width
from ..registry import TYPE_ALIASES, QuestionType
from .cells import split_options
from .common import ImportResult, QuestionBuilder
from .spellings import FALSE_WORDS, TRUE_WORDS
from .spreadsheet import decode_text

_CN_NUMBER = "一二三四五六七八九十"
_SECTION = re.compile(rf"^(?:第[{_CN_NUMBER}]+部分|[{_CN_NUMBER}]+\s*[、.．])\s*(.{{1,40}})$")
_QUESTION = re.compile(r"^(?:(\d+)\s*[.、．)）]+(?!\d)|[(（]\s*(\d+)\s*[)）]|第\s*(\d+)\s*题)\s*")
#: ``12 题干`` / ``12<tab>题干``: taken as numbering only when 12 is the number expected next.
_WEAK_QUESTION = re.compile(r"^(\d{1,4})(?:\t+|[ \u3000]+(?=[\u4e00-\u9fff《“(（]))")
_OPTION = re.compile(r"^[A-Ha-hＡ-Ｈａ-ｈ]\s*[.、．:：)）]")
_ANSWER = re.compile(r"^[【\[]?\s*(?:正确答案|参考答案|标准答案|答案)\s*[】\]]?\s*[:：]?\s*(.*)$")
_INLINE_ANSWER = re.compile(r"\s*[【\[]?(?:正确答案|参考答案|标准答案|答案)[】\]]?\s*[:：]\s*(\S+)\s*$")
_EXPLANATION = re.compile(r"^[【\[]?\s*(?:答案解析|试题解析|解析)\s*[】\]]?\s*[:：]?\s*(.*)$")
_PAGE = re.compile(
    r"^(?:[-—–－~\s]*\d{1,4}[-—–－~\s]*"
    r"|第\s*\d+\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?"
    r"|共\s*\d+\s*页\s*[,，/]?\s*第\s*\d+\s*页"
    r"|\d+\s*/\s*\d+"
    r"|page\s*\d+(?:\s*of\s*\d+)?)$",
    re.IGNORECASE,
)
#: An answer given in the stem's bracket: ``（B）``, ``(ABD)``, ``（A、C）``, ``（√）``, ``（正确）``.
_BRACKET_ANSWER = re.compile(r"[(（]\s*([A-Ha-h](?:\s*[,、，]?\s*[A-Ha-h])*|√|×|对|错|正确|错误)\s*[)）]")
_TF_LINE = {w for w in TRUE_WORDS | FALSE_WORDS if not w.isascii() or w in ("t", "f")}


class Line(Enum):
    """What a line is, before context decides what it means."""

    BLANK = "blank"
    PAGE = "page"
    SECTION = "section"
    QUESTION = "question"
    OPTION = "option"
    ANSWER = "answer"
    EXPLANATION = "explanation"
    TF_WORD = "tf_word"
    TEXT = "text"


class State(Enum):
    """Where the parser is inside the document."""

    PREAMBLE = "preamble"  #: before the first question of a section
    STEM = "stem"
    OPTIONS = "options"
    ANSWER = "answer"  #: the answer line was seen; only an explanation may follow
    AWAIT_ANSWER = "await_answer"  #: ``答案：`` with the answer on the next line
    EXPLANATION = "explanation"


def classify(line: str) -> tuple[Line, Any]:
    """Classify one stripped line → (kind, payload)."""
    if not line:
        return Line.BLANK, None
    if _PAGE.match(line):
        return Line.PAGE, None
    m = _SECTION.match(line)
    if m:
        return Line.SECTION, m.group(1)
    m = _QUESTION.match(line)
    if m:
        style = next(i for i, g in enumerate(m.groups()) if g)  # 0: 12.  1: （12）  2: 第12题
        return Line.QUESTION, (int(m.group(style + 1)), line[m.end() :], style)
    if _OPTION.match(line):
        return Line.OPTION, to_half_width(line[:1]) + line[1:]
    m = _EXPLANATION.match(line)
    if m:
        return Line.EXPLANATION, m.group(1).strip()
    m = _ANSWER.match(line)
    if m:
        return Line.ANSWER, m.group(1).strip()
    if normalise_label(line) in _TF_LINE:
        return Line.TF_WORD, line
    return Line.TEXT, line


def section_type(title: str) -> QuestionType | None:
    """``单项选择题（每题1分）`` → SINGLE; ``法律法规`` → None (a topic heading, not a type)."""
    label = normalise_label(re.sub(r"[(（].*$", "", title))
    if label in TYPE_ALIASES:
        return TYPE_ALIASES[label]
    for words, qtype in (
        (("判断", "是非", "对错"), QuestionType.TRUE_FALSE),
        (("多选", "多项"), QuestionType.MULTIPLE),
        (("单选", "单项", "选择"), QuestionType.SINGLE),
        (("填空", "数字"), QuestionType.FILL),
    ):
        if any(w in label for w in words):
            return qtype
    return None


def _join(before: str, after: str) -> str:
    """Join a wrapped line: no space between CJK characters, one space between Latin words."""
    if not before:
        return after
    cjk = before[-1] >= "\u2e80" or after[:1] >= "\u2e80"
    return before + ("" if cjk else " ") + after


@dataclass
class _Question:
    line: int
    number: int
    stem_lines: list[str]
    section_type: QuestionType | None
    topic: str
    option_lines: list[str] = field(default_factory=list)
    answer: str | None = None
    explanation: str = ""
    style: int = 0  #: how it was numbered: 0 ``12.``, 1 ``（12）``, 2 ``第12题``


class TextParser:
    """The state machine: feed it classified lines, it hands finished questions to the builder."""

    def __init__(self, builder: QuestionBuilder, running_headers: set[str]):
        self.builder = builder
        self.running_headers = running_headers
        self.state = State.PREAMBLE
        self.current: _Question | None = None
        self.type: QuestionType | None = None
        self.topic = ""
        self.last_number = 0

    def feed(self, number: int, line: str) -> None:
        kind, payload = classify(line)
        if kind is Line.BLANK:
            return
        if kind is Line.PAGE or line in self.running_headers:
            self.builder.report.layout_lines += 1
            return
        if kind is Line.TEXT and self.state in (State.STEM, State.PREAMBLE, State.ANSWER):
            m = _WEAK_QUESTION.match(line)
            if m and int(m.group(1)) in (self.last_number + 1, 1):
                kind, payload = Line.QUESTION, (int(m.group(1)), line[m.end() :], 0)
        if kind is Line.QUESTION and self._is_sub_item(payload):
            kind, payload = Line.TEXT, line
        if kind is Line.OPTION and self._options_were_stem(payload):
            self.current.stem_lines += self.current.option_lines
            self.current.option_lines = []
            self.state = State.STEM
        handler = getattr(self, f"_on_{kind.value}")
        handler(number, line, payload)

    def _is_sub_item(self, payload: tuple[int, str, int]) -> bool:
        """``（1）…`` lines listed inside a ``3.`` question's stem (before its options): part of the stem."""
        q = self.current
        return q is not None and self.state is State.STEM and not q.option_lines and payload[2] != q.style

    def _options_were_stem(self, option: str) -> bool:
        """A second run of options starting again at A: the first run (``A.甲制度 B.乙制度``) was items
        listed in the stem, and the new run (``A.AB  B.ABC``) holds the options."""
        q = self.current
        return (
            q is not None
            and self.state is State.OPTIONS
            and bool(q.option_lines)
            and to_half_width(option[:1]).upper() == "A"
            and to_half_width(q.option_lines[0][:1]).upper() == "A"
        )

    # --- one method per kind of line ------------------------------------------------------
    def _on_section(self, number: int, line: str, title: str) -> None:
        self.flush()
        self.builder.report.layout_lines += 1
        # A typed title (二、单选题) sets the type; any other (四、综合练习) is a topic with mixed types.
        self.type = section_type(title)
        if self.type is None:
            self.topic = re.sub(r"[(（].*$", "", title).strip()
        self.state = State.PREAMBLE

    def _on_question(self, number: int, line: str, payload: tuple[int, str, int]) -> None:
        self.flush()
        question_number, stem, style = payload
        self.last_number = question_number
        self.current = _Question(number, question_number, [], self.type, self.topic, style=style)
        self.state = State.STEM
        self._stem_text(stem)

    def _stem_text(self, text: str) -> None:
        if self.current is None:  # _stem_text follows the question it belongs to
            raise AssertionError("stem text without a question")
        m = _INLINE_ANSWER.search(text)
        if m and self.current.answer is None:
            self.current.answer = m.group(1)
            text = text[: m.start()]
            self.state = State.ANSWER
        if text.strip():
            self.current.stem_lines.append(text.strip())

    def _on_option(self, number: int, line: str, option: str) -> None:
        if self.state in (State.STEM, State.OPTIONS):
            self.current.option_lines.append(option)
            self.state = State.OPTIONS
        else:
            self._stray(number, line)

    def _on_answer(self, number: int, line: str, answer: str) -> None:
        if self.state in (State.STEM, State.OPTIONS) or (self.state is State.ANSWER and not self.current.answer):
            self.current.answer = answer
            self.state = State.ANSWER if answer else State.AWAIT_ANSWER
        else:
            self._stray(number, line)

    def _on_tf_word(self, number: int, line: str, word: str) -> None:
        if self.state is State.STEM or self.state is State.AWAIT_ANSWER:
            self.current.answer = word
            self.state = State.ANSWER
        elif self.state is State.OPTIONS:
            self._append_option(word)
        elif self.state is State.EXPLANATION:
            self.current.explanation += "\n" + word
        else:
            self._stray(number, line)

    def _on_explanation(self, number: int, line: str, text: str) -> None:
        if self.current is None:
            self._stray(number, line)
            return
        self.current.explanation = text
        self.state = State.EXPLANATION

    def _on_text(self, number: int, line: str, text: str) -> None:
        if self.state is State.STEM:
            self._stem_text(text)
        elif self.state is State.OPTIONS:
            self._append_option(text)
        elif self.state is State.AWAIT_ANSWER:
            self.current.answer = text
            self.state = State.ANSWER
        elif self.state is State.EXPLANATION:
            self.current.explanation += "\n" + text
        else:
            self._stray(number, line)

    def _append_option(self, text: str) -> None:
        self.current.option_lines[-1] = _join(self.current.option_lines[-1], text)

    def _stray(self, number: int, line: str) -> None:
        """A line that belongs to no question: before the first one (a title: harmless), or after an answer."""
        if self.current is None:
            self.builder.skip(number, "not_a_question", line, error=False)
        else:
            self.builder.skip(number, "orphan_line", line, value=line[:50])

    # --- a finished question --------------------------------------------------------------
    def flush(self) -> None:
        q, self.current = self.current, None
        if q is None:
            return
        stem = "\n".join(q.stem_lines)
        answer = q.answer
        if not answer:
            found = list(_BRACKET_ANSWER.finditer(stem))
            if found:
                m = found[-1]
                answer = m.group(1)
                stem = stem[: m.start()] + BLANK + stem[m.end() :]
        raw: dict[str, Any] = {
            "stem": stem,
            "options": split_options("\n".join(q.option_lines)) if q.option_lines else [],
            "answer": answer,
            "explanation": q.explanation.strip(),
            "default_type": q.section_type,
            "topic": q.topic,
        }
        self.builder.add(raw, q.line, text=f"{q.number}. {stem}")


def running_headers(lines: list[str]) -> set[str]:
    """Lines repeated next to page numbers (a handbook's running title): layout, not content.

    A line counts when it sits beside a page number at least three times and mostly appears
    there, so a wrapped stem line that many questions share is never mistaken for a header.
    """
    total = Counter(lines)
    near: Counter[str] = Counter()
    kept = [(i, s) for i, s in enumerate(lines) if s]
    for position, (_, text) in enumerate(kept):
        if classify(text)[0] is not Line.PAGE:
            continue
        for neighbour in kept[max(0, position - 1) : position] + kept[position + 1 : position + 2]:
            kind = classify(neighbour[1])[0]
            if kind in (Line.TEXT, Line.SECTION):
                near[neighbour[1]] += 1
    return {text for text, count in near.items() if count >= 3 and count * 2 >= total[text]}


def read_text(data: bytes, limits: Limits = DEFAULT_LIMITS) -> ImportResult:
    """Read a plain-text bank; see the module docstring for the grammar."""
    result = ImportResult(format="text")
    text = decode_text(data)
    if text is None:
        result.errors.append(RowError(0, "", "bad_encoding"))
        return result
    builder = QuestionBuilder(result, limits=limits)
    lines = [line.strip() for line in text.splitlines()]
    if len(lines) > limits.max_rows:
        builder.report.truncated = "row_limit"
        builder.report.truncated_at = limits.max_rows + 1
        lines = lines[: limits.max_rows]
    parser = TextParser(builder, running_headers(lines))
    for number, line in enumerate(lines, start=1):
        parser.feed(number, line)
    parser.flush()
    return builder.finish()
