"""Paper assembly (组卷): a pure function of (spec, bank, seed).

Only ``random.Random(seed)`` is used, and the bank is ordered by key inside
:class:`~question_bank.index.QuestionIndex`, so the same spec, bank content and seed always give
the same paper — the seed stored with an attempt is enough to reproduce it for an appeal.

The per-paper work is deliberately small: the candidate pools of every section/bucket are
resolved once per (index, spec) and cached on the index, so a paper costs one ``rng.sample`` per
bucket plus one ``rng.random()`` per shuffled item.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from itertools import permutations, repeat

from .errors import InsufficientQuestions, Shortage
from .index import QuestionIndex
from .papers import Paper, PaperItem
from .questions import Question
from .registry import MAX_OPTIONS, QUESTION_TYPES
from .specs import PaperSpec

#: Up to this many options, shuffling is one ``rng.random()`` picking a precomputed permutation
#: (6! = 720 tuples) instead of ``rng.shuffle`` — several times faster and equally uniform.
_PRECOMPUTED_PERMUTATIONS = 6
_PERMUTATIONS: list[tuple[tuple[int, ...], ...] | None] = [
    tuple(permutations(range(n))) if n <= _PRECOMPUTED_PERMUTATIONS else None for n in range(MAX_OPTIONS + 1)
]
_IDENTITY: list[tuple[int, ...]] = [tuple(range(n)) for n in range(MAX_OPTIONS + 1)]


def _option_tables(index: QuestionIndex) -> tuple[list, list]:
    """Per bank position: the identity option order, and (permutations, count) for shuffling.

    ``(n, 0)`` marks a question with more options than :data:`_PRECOMPUTED_PERMUTATIONS`.
    Built once per index.
    """
    tables = index._option_tables
    if tables is None:
        identities = [_IDENTITY[len(q.options)] for q in index.questions]
        permutation_tables = [
            (_PERMUTATIONS[n], len(_PERMUTATIONS[n])) if _PERMUTATIONS[n] else (n, 0) for n in map(len, identities)
        ]
        tables = index._option_tables = (identities, permutation_tables)
    return tables


def _shuffled(rng: random.Random, table: tuple[int, int]) -> tuple[int, ...]:
    """Option order for a question with 7–8 options (no precomputed table)."""
    order = list(range(table[0]))
    rng.shuffle(order)
    return tuple(order)


def _plan(index: QuestionIndex, spec: PaperSpec) -> tuple[list[tuple[int, str, int, tuple[int, ...]]], list[Shortage]]:
    """Resolve (section, bucket key, count, candidate pool) for every bucket of ``spec``; cached."""
    cached = index._plans.get(spec)
    if cached is not None:
        return cached
    plan, shortages = [], []
    for si, section in enumerate(spec.sections):
        for bucket in section.buckets():
            pool = index.candidates(section.type, section.filters, bucket)
            if len(pool) < bucket.count:
                shortages.append(Shortage(si, section.title, bucket.key, bucket.count, len(pool)))
            plan.append((si, bucket.key, bucket.count, pool))
    index._plans[spec] = (plan, shortages)
    return plan, shortages


def assemble_paper(spec: PaperSpec, bank: QuestionIndex | Iterable[Question], *, seed: int) -> Paper:
    """Draw a paper for one candidate.

    Each section draws ``count`` distinct questions of its type matching its filter, split over
    its quota buckets; no question appears twice in a paper.  Questions are shuffled within their
    section and options within each 单选/多选 (never 判断) when the spec says so.

    :param bank: a prebuilt :class:`QuestionIndex` (reuse it!) or any iterable of questions.
    :param seed: stored with the attempt so the paper can be rebuilt.
    :raises InsufficientQuestions: listing every section/bucket the bank cannot fill.
    """
    index = bank if isinstance(bank, QuestionIndex) else QuestionIndex(bank)
    plan, shortages = _plan(index, spec)
    if shortages:
        raise InsufficientQuestions(shortages)

    rng = random.Random(seed)  # noqa: S311 — reproducible papers from a seed the caller draws with secrets
    sections = spec.sections
    used: set[int] = set()
    picks_by_section: list[list[int]] = [[] for _ in sections]
    short = []
    for si, bucket_key, count, pool in plan:
        picks = _draw(rng, pool, count, used)
        if picks is None:  # enough in the bucket, but an earlier section of the same type took some
            available = sum(1 for p in pool if p not in used)
            short.append(Shortage(si, sections[si].title, bucket_key, count, available))
            continue
        used.update(picks)
        picks_by_section[si].extend(picks)
    if short:
        raise InsufficientQuestions(short)

    questions = index.questions
    identities, permutation_tables = _option_tables(index)
    items: list[PaperItem] = []
    random_float = rng.random
    for si, picks in enumerate(picks_by_section):
        section = sections[si]
        if not spec.shuffle_questions:
            picks.sort()  # bank (key) order, so an unshuffled paper lists questions the same for all
        elif len(section.quotas) > 1:
            # Interleave the buckets.  Sorting on one random() per item is a uniform shuffle and
            # several times cheaper than rng.shuffle; a single bucket needs nothing, because
            # _sample returns its picks in (random) selection order.
            keys = [random_float() for _ in picks]
            picks = [pos for _, pos in sorted(zip(keys, picks))]
        if spec.shuffle_options and QUESTION_TYPES[section.type].shuffles_options:
            orders = [
                _shuffled(rng, table) if table[1] == 0 else table[0][int(random_float() * table[1])]
                for table in map(permutation_tables.__getitem__, picks)
            ]
        else:
            orders = map(identities.__getitem__, picks)
        # The hot loop runs in C: map/zip build every PaperItem without Python-level iteration.
        items.extend(
            map(
                tuple.__new__,
                repeat(PaperItem),
                zip(map(questions.__getitem__, picks), repeat(si), repeat(section.points), orders),
            )
        )
    return Paper(spec, seed, tuple(items))


def _draw(rng: random.Random, pool: tuple[int, ...], k: int, used: set[int]) -> list[int] | None:
    """Sample ``k`` positions from ``pool`` avoiding ``used``; ``None`` if impossible."""
    if k == 0:
        return []
    picks = _sample(rng, pool, k)
    if used.isdisjoint(picks):
        return picks
    # Rare path: two sections of the same type overlap.  Only now pay for filtering the pool.
    free = [p for p in pool if p not in used]
    if len(free) < k:
        return None
    return _sample(rng, free, k)


def _sample(rng: random.Random, pool: tuple[int, ...] | list[int], k: int) -> list[int]:
    """Uniform sample of ``k`` distinct items, in random order.

    Draw uniformly, discard repeats (sequential rejection sampling).  For the usual k ≪ n this is
    about twice as fast as ``rng.sample``, whose per-pick ``_randbelow`` dominates assembly time.
    The draws are part of the reproducibility contract: changing this function changes the paper
    a given seed produces.
    """
    n = len(pool)
    if k * 4 > n:  # dense draw: rejection would loop; the stdlib algorithm is right here
        return rng.sample(pool, k)
    random_float = rng.random
    picks = [int(random_float() * n) for _ in range(k)]
    if len(set(picks)) < k:  # a repeat: keep first occurrences and keep drawing
        seen: set[int] = set()
        unique = [i for i in picks if not (i in seen or seen.add(i))]
        while len(unique) < k:
            i = int(random_float() * n)
            if i not in seen:
                seen.add(i)
                unique.append(i)
        picks = unique
    return list(map(pool.__getitem__, picks))
