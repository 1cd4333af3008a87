"""Grading (评分) of an answer sheet against a frozen paper.

Responses are in *display* terms (what the candidate clicked), so the per-paper table of correct
displayed positions is computed once and cached on the paper; grading an attempt is then one set
comparison per item.  That is what makes ≥ 20,000 attempts/s of a 100-question paper possible.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .normalise import normalise_answer
from .papers import Paper
from .registry import OPTION_LETTERS, QuestionType

_SINGLE, _MULTI, _FILL = 0, 1, 2


@dataclass(frozen=True, slots=True)
class ItemResult:
    """The outcome of one item.

    ``response`` is the normalised response (sorted displayed positions, the fill text, or
    ``None`` when unanswered); ``correct_response_display`` the right displayed positions (or the
    first accepted fill answer).  A partially credited 多选 has ``correct=False`` and ``score > 0``.
    """

    position: int
    key: str
    correct: bool
    score: float
    max_score: float
    response: tuple[int, ...] | str | None
    correct_response_display: tuple[int, ...] | str


class GradeResult:
    """Score of one attempt.  ``passed`` is ``total >= spec.pass_mark`` (both in points).

    Per-item results are built lazily on first access of :attr:`items`, because the bulk grader
    (autograding at the deadline) usually needs only the total.
    """

    __slots__ = ("_items", "_paper", "_responses", "_scores", "max_total", "passed", "total")

    def __init__(self, paper: Paper, total: float, scores: list[float], responses: list[Any]):
        self.total = total
        self.max_total = paper.spec.total_points
        self.passed = total >= paper.spec.pass_mark
        self._paper = paper
        self._scores = scores
        self._responses = responses
        self._items: tuple[ItemResult, ...] | None = None

    @property
    def items(self) -> tuple[ItemResult, ...]:
        if self._items is None:
            table = _table(self._paper)
            self._items = tuple(
                ItemResult(
                    pos,
                    item.question.key,
                    resp is not None and _is_right(row, resp),
                    score,
                    item.points,
                    _public_response(resp),
                    row[3],
                )
                for pos, (item, row, score, resp) in enumerate(
                    zip(self._paper.items, table, self._scores, self._responses)
                )
            )
        return self._items

    def to_dict(self) -> dict[str, Any]:
        """JSON-able result (stored with the attempt, shown after the exam)."""
        return {
            "total": self.total,
            "max_total": self.max_total,
            "passed": self.passed,
            "items": [
                {
                    "position": r.position,
                    "key": r.key,
                    "correct": r.correct,
                    "score": r.score,
                    "max_score": r.max_score,
                    "response": list(r.response) if isinstance(r.response, tuple) else r.response,
                    "correct_response_display": list(r.correct_response_display)
                    if isinstance(r.correct_response_display, tuple)
                    else r.correct_response_display,
                }
                for r in self.items
            ],
        }

    def __repr__(self) -> str:
        return f"GradeResult(total={self.total}, max_total={self.max_total}, passed={self.passed})"


def _is_right(row: tuple, resp: Any) -> bool:
    return resp == row[1] if row[0] != _FILL else normalise_answer(resp) in row[1]


def _public_response(resp: Any) -> tuple[int, ...] | str | None:
    return tuple(sorted(resp)) if isinstance(resp, frozenset) else resp


def _table(paper: Paper) -> tuple[tuple, ...]:
    """Per item: (kind, correct displayed set or accepted fill answers, points, display answer)."""
    table = paper._grading
    if table is not None:
        return table
    rows = []
    for item in paper.items:
        q = item.question
        if q.type is QuestionType.FILL:
            accepted = frozenset(normalise_answer(a) for a in q.fill_answers)
            rows.append((_FILL, accepted, item.points, q.fill_answers[0] if q.fill_answers else ""))
            continue
        order = item.option_order or tuple(range(len(q.options)))
        display_of = {original: shown for shown, original in enumerate(order)}
        correct = frozenset(display_of[i] for i in q.answer if i in display_of)
        kind = _MULTI if q.type is QuestionType.MULTIPLE else _SINGLE
        rows.append((kind, correct, item.points, tuple(sorted(correct))))
    table = tuple(rows)
    object.__setattr__(paper, "_grading", table)  # Paper is frozen; this cache is not part of its value
    return table


def _coerce_choice(response: Any) -> frozenset | None:
    """Slow path for unusual choice responses: a bare int, digit strings, or letters like ``"AC"``."""
    if isinstance(response, bool):
        return None
    if isinstance(response, int):
        return frozenset((response,))
    if isinstance(response, str):
        text = response.strip().upper()
        if text and all(c in OPTION_LETTERS for c in text):
            return frozenset(OPTION_LETTERS.index(c) for c in text)
        response = text.replace(",", " ").split()
    try:
        return frozenset(int(x) for x in response) or None
    except (TypeError, ValueError):
        return None


def grade(paper: Paper, answers: Mapping[int, Any]) -> GradeResult:
    """Score ``answers`` against ``paper``.

    :param answers: item position → response in display terms: a collection of displayed option
        positions for 判断/单选/多选 (判断: 0 = 正确, 1 = 错误), a string for 填空.  Missing, ``None``
        or empty means unanswered.  String keys (from JSON) are accepted.
    :return: total, pass flag and per-item results; 多选 follow ``spec.multi_policy``.
    """
    table = _table(paper)
    if answers and not isinstance(next(iter(answers)), int):
        answers = {int(k): v for k, v in answers.items()}
    partial = paper.spec.multi_policy == "partial"
    get = answers.get
    scores: list[float] = []
    responses: list[Any] = []
    total = 0.0
    add_score, add_response = scores.append, responses.append
    for pos, (kind, correct, points, _display) in enumerate(table):
        response = get(pos)
        if response is None:
            add_score(0.0)
            add_response(None)
            continue
        if kind == _FILL:
            if not isinstance(response, str) or not response.strip():
                add_score(0.0)
                add_response(None)
                continue
            score = points if normalise_answer(response) in correct else 0.0
            chosen = response
        else:
            t = type(response)
            if t is frozenset or t is set or t is list or t is tuple:
                chosen = response if t is frozenset else frozenset(response)
            else:
                chosen = _coerce_choice(response)
            if chosen and chosen != correct and type(next(iter(chosen))) is not int:
                chosen = _coerce_choice(chosen)  # e.g. ["0", "2"] straight from a form post
            if not chosen:
                add_score(0.0)
                add_response(None)
                continue
            if chosen == correct:
                score = points
            elif kind == _MULTI and partial and chosen < correct:
                score = round(points * len(chosen) / len(correct), 2)
            else:
                score = 0.0
        add_score(score)
        add_response(chosen)
        total += score
    return GradeResult(paper, round(total, 2), scores, responses)
