"""Frozen value types: questions, tags, paper specs and assembled papers.

Everything here is immutable and JSON-round-trippable, because the app freezes papers inside
exam attempts (DESIGN §5): editing the bank later must never change a paper already sat.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

from .registry import TRUE_FALSE_OPTIONS, QuestionType, type_info

POSTS: dict[str, str] = {
    "principal": "主要负责人",
    "safety_manager": "安全管理人员",
    "special_operator": "特种作业人员",
    "worker": "其他从业人员",
}
LEVELS: tuple[str, ...] = ("了解", "掌握", "熟练掌握")


def _fs(values: Iterable[str] | None) -> frozenset[str]:
    if values is None:
        return frozenset()
    if isinstance(values, str):
        return frozenset([values]) if values else frozenset()
    return frozenset(str(v) for v in values if str(v))


@dataclass(frozen=True, slots=True)
class Tags:
    """Classification of a question, used by paper filters and quotas.

    ``operation`` holds dotted 作业类别/操作项目 codes (``"1"`` 电工作业, ``"1.2"`` 低压电工作业);
    see :func:`operation_matches` for the prefix-aware match.
    """

    post: frozenset[str] = frozenset()
    industry: frozenset[str] = frozenset()
    operation: frozenset[str] = frozenset()
    topic: str = ""
    level: str = ""
    extra: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        # Accept lists/sets from callers but always store frozensets, so equality and hashing work.
        for name in ("post", "industry", "operation", "extra"):
            value = getattr(self, name)
            if not isinstance(value, frozenset):
                object.__setattr__(self, name, _fs(value))

    def to_dict(self) -> dict[str, Any]:
        return {
            "post": sorted(self.post),
            "industry": sorted(self.industry),
            "operation": sorted(self.operation),
            "topic": self.topic,
            "level": self.level,
            "extra": sorted(self.extra),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Tags:
        data = data or {}
        return cls(
            post=_fs(data.get("post")),
            industry=_fs(data.get("industry")),
            operation=_fs(data.get("operation")),
            topic=str(data.get("topic") or ""),
            level=str(data.get("level") or ""),
            extra=_fs(data.get("extra")),
        )


@dataclass(frozen=True, slots=True)
class Question:
    """One question of a bank.

    :param key: stable id within a bank (generated from the content when the source has none).
    :param options: display texts; always ``("正确", "错误")`` for 判断, empty for 填空.
    :param answer: indices into ``options``; 判断 → ``(0,)`` 正确 / ``(1,)`` 错误; empty for 填空.
    :param fill_answers: accepted 填空 answers, compared after :func:`~question_bank.normalise.normalise_answer`.
    """

    key: str
    type: QuestionType
    stem: str
    options: tuple[str, ...] = ()
    answer: tuple[int, ...] = ()
    fill_answers: tuple[str, ...] = ()
    explanation: str = ""
    tags: Tags = field(default_factory=Tags)
    difficulty: int = 3
    source: str = ""
    version: int = 1

    def __post_init__(self) -> None:
        if not isinstance(self.type, QuestionType):
            object.__setattr__(self, "type", QuestionType(self.type))
        if self.type is QuestionType.TRUE_FALSE and not self.options:
            object.__setattr__(self, "options", TRUE_FALSE_OPTIONS)
        for name in ("options", "answer", "fill_answers"):
            value = getattr(self, name)
            if not isinstance(value, tuple):
                object.__setattr__(self, name, tuple(value))
        if len(self.answer) > 1 and list(self.answer) != sorted(set(self.answer)):
            # Keep answers canonical (sorted, unique) so equal questions compare equal.
            object.__setattr__(self, "answer", tuple(sorted(set(self.answer))))

    @property
    def is_choice(self) -> bool:
        return type_info(self.type).is_choice

    def to_dict(self) -> dict[str, Any]:
        """Snapshot form used inside :meth:`Paper.to_dict` (answers as indices, not letters)."""
        return {
            "key": self.key,
            "type": self.type.value,
            "stem": self.stem,
            "options": list(self.options),
            "answer": list(self.answer),
            "fill_answers": list(self.fill_answers),
            "explanation": self.explanation,
            "tags": self.tags.to_dict(),
            "difficulty": self.difficulty,
            "source": self.source,
            "version": self.version,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Question:
        return cls(
            key=data["key"],
            type=QuestionType(data["type"]),
            stem=data["stem"],
            options=tuple(data.get("options", ())),
            answer=tuple(data.get("answer", ())),
            fill_answers=tuple(data.get("fill_answers", ())),
            explanation=data.get("explanation", ""),
            tags=Tags.from_dict(data.get("tags")),
            difficulty=int(data.get("difficulty", 3)),
            source=data.get("source", ""),
            version=int(data.get("version", 1)),
        )


def operation_matches(wanted: str, have: str) -> bool:
    """Prefix-aware match of dotted 作业类别/操作项目 codes.

    A filter on ``"1"`` (电工作业) matches questions tagged ``"1"``, ``"1.2"``, ``"1.2.3"``; and a
    question tagged with the whole category ``"1"`` also serves a ``"1.2"`` (低压电工) paper, since
    category-wide knowledge applies to every 操作项目 in it.  ``"1"`` never matches ``"10"``.
    """
    return have == wanted or have.startswith(wanted + ".") or wanted.startswith(have + ".")


@dataclass(frozen=True, slots=True)
class Filter:
    """Which questions a section may draw from.  Each empty set means "any".

    A question matches a non-empty set when it carries at least one of its values (``topics``
    and ``levels`` compare with the question's single topic/level).
    """

    posts: frozenset[str] = frozenset()
    industries: frozenset[str] = frozenset()
    operations: frozenset[str] = frozenset()
    topics: frozenset[str] = frozenset()
    levels: frozenset[str] = frozenset()
    min_difficulty: int = 1
    max_difficulty: int = 5

    def __post_init__(self) -> None:
        for name in ("posts", "industries", "operations", "topics", "levels"):
            value = getattr(self, name)
            if not isinstance(value, frozenset):
                object.__setattr__(self, name, _fs(value))

    def matches(self, q: Question) -> bool:
        """True when ``q`` satisfies every constraint of this filter."""
        t = q.tags
        if not (self.min_difficulty <= q.difficulty <= self.max_difficulty):
            return False
        if self.posts and self.posts.isdisjoint(t.post):
            return False
        if self.industries and self.industries.isdisjoint(t.industry):
            return False
        if self.topics and t.topic not in self.topics:
            return False
        if self.levels and t.level not in self.levels:
            return False
        return not (self.operations and not any(operation_matches(w, h) for w in self.operations for h in t.operation))

    def to_dict(self) -> dict[str, Any]:
        return {
            "posts": sorted(self.posts),
            "industries": sorted(self.industries),
            "operations": sorted(self.operations),
            "topics": sorted(self.topics),
            "levels": sorted(self.levels),
            "min_difficulty": self.min_difficulty,
            "max_difficulty": self.max_difficulty,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Filter:
        data = data or {}
        return cls(
            posts=_fs(data.get("posts")),
            industries=_fs(data.get("industries")),
            operations=_fs(data.get("operations")),
            topics=_fs(data.get("topics")),
            levels=_fs(data.get("levels")),
            min_difficulty=int(data.get("min_difficulty", 1)),
            max_difficulty=int(data.get("max_difficulty", 5)),
        )


_DIFFICULTY_RANGE = re.compile(r"^([1-5])(?:-([1-5]))?$")
QUOTA_DIMENSIONS = ("level", "difficulty", "topic")


@dataclass(frozen=True, slots=True)
class QuotaBucket:
    """One quota bucket of a section, parsed from a key like ``"difficulty:1-2"``."""

    key: str
    dimension: str
    count: int
    values: frozenset[str] = frozenset()  #: for level/topic
    low: int = 1  #: for difficulty
    high: int = 5

    def matches(self, q: Question) -> bool:
        if self.dimension == "difficulty":
            return self.low <= q.difficulty <= self.high
        if self.dimension == "level":
            return q.tags.level in self.values
        if self.dimension == "topic":
            return q.tags.topic in self.values
        return True  # the implicit whole-section bucket


def parse_quota_key(key: str, count: int) -> QuotaBucket:
    """Parse ``"level:掌握"``, ``"topic:法律法规"``, ``"difficulty:3"`` or ``"difficulty:1-2"``.

    :raises ValueError: on an unknown dimension or a malformed difficulty range.
    """
    dimension, sep, value = key.partition(":")
    if not sep or dimension not in QUOTA_DIMENSIONS or not value:
        raise ValueError(f"bad quota key {key!r}; use level:<了解|掌握|熟练掌握>, topic:<name> or difficulty:<n>[-<m>]")
    if dimension == "difficulty":
        m = _DIFFICULTY_RANGE.match(value)
        if not m or int(m.group(2) or m.group(1)) < int(m.group(1)):
            raise ValueError(f"bad difficulty range in quota key {key!r}")
        return QuotaBucket(key, dimension, count, low=int(m.group(1)), high=int(m.group(2) or m.group(1)))
    return QuotaBucket(key, dimension, count, values=frozenset([value]))


@dataclass(frozen=True, slots=True)
class Section:
    """One part of a paper: ``count`` questions of one ``type``, ``points`` each.

    ``quotas`` splits ``count`` into buckets along *one* dimension so buckets never overlap, e.g.
    ``{"level:了解": 6, "level:掌握": 9, "level:熟练掌握": 15}`` (the 20/30/50 % 大纲 weighting) or
    ``{"difficulty:1-2": 10, "difficulty:3": 10, "difficulty:4-5": 10}``.  Counts must sum to ``count``.
    A mapping may be passed; it is stored as a sorted tuple of ``(key, count)`` pairs.
    """

    title: str
    type: QuestionType
    count: int
    points: float
    filters: Filter = field(default_factory=Filter)
    quotas: tuple[tuple[str, int], ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.type, QuestionType):
            object.__setattr__(self, "type", QuestionType(self.type))
        if isinstance(self.filters, Mapping):
            object.__setattr__(self, "filters", Filter.from_dict(self.filters))
        quotas = self.quotas.items() if isinstance(self.quotas, Mapping) else self.quotas
        quotas = tuple(sorted((str(k), int(v)) for k, v in quotas))
        object.__setattr__(self, "quotas", quotas)
        if self.count < 0 or self.points < 0:
            raise ValueError(f"section {self.title!r}: count and points must be non-negative")
        if quotas:
            buckets = self.buckets()
            if len({b.dimension for b in buckets}) > 1:
                raise ValueError(f"section {self.title!r}: quotas must all use one dimension")
            if sum(b.count for b in buckets) != self.count:
                raise ValueError(
                    f"section {self.title!r}: quotas sum to {sum(b.count for b in buckets)}, not {self.count}"
                )
            if any(b.count < 0 for b in buckets):
                raise ValueError(f"section {self.title!r}: negative quota")
            covered = [d for b in buckets if b.dimension == "difficulty" for d in range(b.low, b.high + 1)]
            if len(covered) != len(set(covered)):
                raise ValueError(f"section {self.title!r}: difficulty quota ranges overlap")

    def buckets(self) -> tuple[QuotaBucket, ...]:
        """The quota buckets, or one implicit bucket (key ``""``) covering the whole section."""
        if not self.quotas:
            return (QuotaBucket("", "", self.count),)
        return tuple(parse_quota_key(k, v) for k, v in self.quotas)

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "type": self.type.value,
            "count": self.count,
            "points": self.points,
            "filters": self.filters.to_dict(),
            "quotas": dict(self.quotas),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Section:
        return cls(
            title=data["title"],
            type=QuestionType(data["type"]),
            count=int(data["count"]),
            points=float(data["points"]),
            filters=Filter.from_dict(data.get("filters")),
            quotas=tuple((data.get("quotas") or {}).items()),
        )


MultiPolicy = Literal["all_or_nothing", "partial"]


class PassMarkUnreachable(ValueError):
    """A pass mark above the paper's total points (or below zero)."""

    def __init__(self, pass_mark: float, total: float):
        super().__init__(f"pass mark {pass_mark:g} is outside 0 … {total:g} points")
        self.pass_mark, self.total = pass_mark, total


@dataclass(frozen=True, slots=True)
class PaperSpec:
    """A paper blueprint (组卷规则).

    :param pass_mark: in points, not percent (80 of 100 in the national exams).
    :param multi_policy: ``"all_or_nothing"`` (national default) or ``"partial"``: a 多选 answer
        with no wrong option earns ``points × chosen/correct``; any wrong option earns 0.
    """

    title: str
    sections: tuple[Section, ...]
    time_limit_minutes: int = 120
    pass_mark: float = 80
    multi_policy: MultiPolicy = "all_or_nothing"
    shuffle_questions: bool = True
    shuffle_options: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.sections, tuple):
            object.__setattr__(self, "sections", tuple(self.sections))
        if self.multi_policy not in ("all_or_nothing", "partial"):
            raise ValueError(f"multi_policy must be 'all_or_nothing' or 'partial', not {self.multi_policy!r}")

    def check_passable(self) -> PaperSpec:
        """This spec, if someone can pass it; called where a spec is saved or used for a sitting (a spec being
        built up, or a library user's quick one with the default 80, may be anything meanwhile).

        :raises PassMarkUnreachable: a pass mark above the total points (a typo: 800 for 80, a section left out)
            or below zero.
        """
        if self.pass_mark < 0 or self.pass_mark > self.total_points:
            raise PassMarkUnreachable(self.pass_mark, self.total_points)
        return self

    @property
    def total_points(self) -> float:
        """Maximum score of a paper built from this spec."""
        return sum(s.count * s.points for s in self.sections)

    @property
    def question_count(self) -> int:
        return sum(s.count for s in self.sections)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form; :meth:`from_dict` restores an equal spec."""
        return {
            "title": self.title,
            "sections": [s.to_dict() for s in self.sections],
            "time_limit_minutes": self.time_limit_minutes,
            "pass_mark": self.pass_mark,
            "multi_policy": self.multi_policy,
            "shuffle_questions": self.shuffle_questions,
            "shuffle_options": self.shuffle_options,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PaperSpec:
        return cls(
            title=data["title"],
            sections=tuple(Section.from_dict(s) for s in data["sections"]),
            time_limit_minutes=int(data.get("time_limit_minutes", 120)),
            pass_mark=float(data.get("pass_mark", 80)),
            multi_policy=data.get("multi_policy", "all_or_nothing"),
            shuffle_questions=bool(data.get("shuffle_questions", True)),
            shuffle_options=bool(data.get("shuffle_options", True)),
        )


class PaperItem(NamedTuple):
    """One question as it appears on one candidate's paper (immutable).

    ``option_order[display_position] == original_option_index``.  A NamedTuple rather than a
    dataclass because assembly creates ~500,000 of them per second and a frozen dataclass
    ``__init__`` costs five times more.
    """

    question: Question
    section: int
    points: float
    option_order: tuple[int, ...] = ()

    def displayed_options(self) -> list[str]:
        opts = self.question.options
        return [opts[i] for i in self.option_order] if self.option_order else list(opts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question.to_dict(),
            "section": self.section,
            "points": self.points,
            "option_order": list(self.option_order),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PaperItem:
        return cls(
            Question.from_dict(data["question"]),
            int(data["section"]),
            float(data["points"]),
            tuple(data.get("option_order", ())),
        )


@dataclass(frozen=True, slots=True)
class Paper:
    """An assembled paper: the spec, the seed it came from, and the frozen items in display order."""

    spec: PaperSpec
    seed: int
    items: tuple[PaperItem, ...]
    #: per-paper grading table, built on first :func:`~question_bank.grading.grade` call
    _grading: Any = field(default=None, init=False, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form frozen in the attempt; :meth:`from_dict` restores an equal paper."""
        return {
            "format": "anpei-paper",
            "version": 1,
            "spec": self.spec.to_dict(),
            "seed": self.seed,
            "items": [item.to_dict() for item in self.items],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Paper:
        return cls(
            spec=PaperSpec.from_dict(data["spec"]),
            seed=int(data["seed"]),
            items=tuple(PaperItem.from_dict(i) for i in data["items"]),
        )

    def public_view(self) -> list[dict[str, Any]]:
        """What the browser may see: no answers, no explanations, options in display order."""
        sections = self.spec.sections
        return [
            {
                "position": pos,
                "key": item.question.key,
                "type": item.question.type.value,
                "stem": item.question.stem,
                "options": item.displayed_options(),
                "points": item.points,
                "section": item.section,
                "section_title": sections[item.section].title,
            }
            for pos, item in enumerate(self.items)
        ]
