"""Assembled papers, frozen: a :class:`Paper` is its spec, the seed it was drawn with and its :class:`PaperItem` s
in display order (:func:`question_bank.assembly.assemble_paper` builds one; :func:`question_bank.grading.grade`
grades it). An exam attempt stores :meth:`Paper.to_dict`, and :meth:`Paper.from_dict` restores an equal paper.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from .questions import Question
from .specs import PaperSpec


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
