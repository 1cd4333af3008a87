"""Duplicate detection across a bank (查重)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from .normalise import normalise_stem
from .questions import Question


def duplicate_signature(q: Question) -> tuple:
    """What makes two questions "the same": type, normalised stem and the *set* of normalised options.

    Option order is ignored (banks shuffle them), so are numbering prefixes, punctuation width,
    whitespace and case.
    """
    return (q.type, normalise_stem(q.stem), frozenset(normalise_stem(o) for o in q.options))


def find_duplicates(questions: Iterable[Question]) -> list[tuple[str, ...]]:
    """Group keys of questions that are duplicates of each other.

    :return: one tuple of keys per group of two or more, keys in input order; groups ordered by
        their first key's position in the input.
    """
    groups: dict[tuple, list[str]] = defaultdict(list)
    for q in questions:
        groups[duplicate_signature(q)].append(q.key)
    return [tuple(keys) for keys in groups.values() if len(keys) > 1]
