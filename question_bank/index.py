"""An in-memory index of one bank, built once and shared by every paper assembled from it.

Assembly must never scan the whole bank per paper: the index keeps questions grouped by type and
by tag, and memoises the candidate list of each (type, filter, quota bucket) the first time a spec
asks for it.  Later papers from the same spec only sample from those lists.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from .questions import Question
from .registry import QuestionType
from .specs import Filter, PaperSpec, QuotaBucket


@dataclass(frozen=True, slots=True)
class SectionAvailability:
    """How many questions the bank offers a section (and each of its quota buckets).

    ``quota_detail`` maps each quota key to ``{"needed": n, "available": m}`` (empty without quotas).
    Counts ignore overlap between sections of the same type; assembly reports that case itself.
    """

    section_title: str
    needed: int
    available: int
    quota_detail: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.available >= self.needed and all(d["available"] >= d["needed"] for d in self.quota_detail.values())


class QuestionIndex:
    """Questions of one bank, sorted by key and indexed by type and tags.

    Sorting by key makes assembly depend only on the bank's *content*, not on the order the app
    happened to load it in — so an appeal can reproduce a paper from its seed.

    :raises ValueError: when two questions share a key.
    """

    def __init__(self, questions: Iterable[Question]):
        self.questions: tuple[Question, ...] = tuple(sorted(questions, key=lambda q: q.key))
        by_type: dict[QuestionType, list[int]] = defaultdict(list)
        #: (type, dimension, value) → positions; narrows candidate scans to the rarest tag.
        by_tag: dict[tuple[QuestionType, str, str], list[int]] = defaultdict(list)
        previous = None
        for pos, q in enumerate(self.questions):
            if q.key == previous:
                raise ValueError(f"duplicate question key {q.key!r}")
            previous = q.key
            by_type[q.type].append(pos)
            t = q.tags
            for value in t.post:
                by_tag[q.type, "post", value].append(pos)
            for value in t.industry:
                by_tag[q.type, "industry", value].append(pos)
            by_tag[q.type, "topic", t.topic].append(pos)
            by_tag[q.type, "level", t.level].append(pos)
        self._by_type = {k: tuple(v) for k, v in by_type.items()}
        self._by_tag = {k: tuple(v) for k, v in by_tag.items()}
        self._candidates: dict[tuple[QuestionType, Filter, QuotaBucket | None], tuple[int, ...]] = {}
        #: spec → resolved assembly plan (see :func:`question_bank.assembly._plan`)
        self._plans: dict[PaperSpec, tuple] = {}
        #: per-position option-order tables (see :func:`question_bank.assembly._option_tables`)
        self._option_tables: tuple | None = None

    def __len__(self) -> int:
        return len(self.questions)

    def candidates(self, qtype: QuestionType, flt: Filter, bucket: QuotaBucket | None = None) -> tuple[int, ...]:
        """Positions (into :attr:`questions`) of questions of ``qtype`` matching ``flt`` and ``bucket``.

        Memoised: the first call for a combination costs one pass over its narrowest posting
        list, later calls are a dict lookup.
        """
        cache_key = (qtype, flt, bucket if bucket is not None and bucket.dimension else None)
        found = self._candidates.get(cache_key)
        if found is not None:
            return found
        postings = [self._by_type.get(qtype, ())]
        for dimension, values in (
            ("post", flt.posts),
            ("industry", flt.industries),
            ("topic", flt.topics),
            ("level", flt.levels),
        ):
            if values:
                postings.append(self._union(qtype, dimension, values))
        if bucket is not None and bucket.dimension in ("topic", "level"):
            postings.append(self._union(qtype, bucket.dimension, bucket.values))
        narrowest = min(postings, key=len)
        qs = self.questions
        check_bucket = bucket is not None and bucket.dimension
        found = tuple(
            pos
            for pos in narrowest
            if qs[pos].type is qtype and flt.matches(qs[pos]) and (not check_bucket or bucket.matches(qs[pos]))
        )
        self._candidates[cache_key] = found
        return found

    def _union(self, qtype: QuestionType, dimension: str, values: frozenset[str]) -> tuple[int, ...]:
        if len(values) == 1:
            return self._by_tag.get((qtype, dimension, next(iter(values))), ())
        merged: set[int] = set()
        for value in values:
            merged.update(self._by_tag.get((qtype, dimension, value), ()))
        return tuple(sorted(merged))

    def availability(self, spec: PaperSpec) -> list[SectionAvailability]:
        """Needed versus available questions for every section and quota bucket of ``spec``."""
        result = []
        for section in spec.sections:
            detail: dict[str, dict[str, int]] = {}
            for bucket in section.buckets():
                if bucket.key:
                    detail[bucket.key] = {
                        "needed": bucket.count,
                        "available": len(self.candidates(section.type, section.filters, bucket)),
                    }
            available = len(self.candidates(section.type, section.filters))
            result.append(SectionAvailability(section.title, section.count, available, detail))
        return result
