"""Paper blueprints (组卷规则), frozen: a :class:`PaperSpec` of :class:`Section` s, each drawing from the questions
its :class:`Filter` matches, split into :class:`QuotaBucket` s along one dimension.

JSON-round-trippable like the questions (:mod:`question_bank.questions`): a sitting freezes its spec, so editing a
template later never changes it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from .questions import Question, frozen_strings, operation_matches
from .registry import QuestionType


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
                object.__setattr__(self, name, frozen_strings(value))

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
            posts=frozen_strings(data.get("posts")),
            industries=frozen_strings(data.get("industries")),
            operations=frozen_strings(data.get("operations")),
            topics=frozen_strings(data.get("topics")),
            levels=frozen_strings(data.get("levels")),
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
