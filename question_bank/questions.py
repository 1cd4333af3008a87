"""Frozen value types of a bank's questions: :class:`Question` with its :class:`Tags`, the posts and levels they
name, and :func:`operation_matches` for dotted 作业类别/操作项目 codes.

Everything here is immutable and JSON-round-trippable, because the app freezes papers inside exam attempts
(DESIGN §5): editing the bank later must never change a paper already sat. Paper blueprints are
:mod:`question_bank.specs`, assembled papers :mod:`question_bank.papers`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .registry import TRUE_FALSE_OPTIONS, QuestionType, type_info

POSTS: dict[str, str] = {
    "principal": "主要负责人",
    "safety_manager": "安全管理人员",
    "special_operator": "特种作业人员",
    "worker": "其他从业人员",
}
LEVELS: tuple[str, ...] = ("了解", "掌握", "熟练掌握")


def frozen_strings(values: Iterable[str] | None) -> frozenset[str]:
    """A frozenset of the non-empty strings of ``values`` (one string is one value; ``None`` is none)."""
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
                object.__setattr__(self, name, frozen_strings(value))

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
            post=frozen_strings(data.get("post")),
            industry=frozen_strings(data.get("industry")),
            operation=frozen_strings(data.get("operation")),
            topic=str(data.get("topic") or ""),
            level=str(data.get("level") or ""),
            extra=frozen_strings(data.get("extra")),
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
