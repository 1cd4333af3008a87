"""Who is tested: a pure, reproducible draw from an enterprise's roster (plain values in, plain values out).

The same roster snapshot, rule and seed always give the same people, so an inspection can show afterwards that
its draw was fair: the roster snapshot and the seed are stored with it and ``draw_sample`` is re-run to check.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from typing import NamedTuple

#: Posts in draw order, with the rule key that sets how many to take. The 主要负责人 is always tested.
POST_ORDER = ("principal", "safety_manager", "special_operator", "worker")
DEFAULT_RULE = {"principal": 1, "safety_manager": 2, "special_operator": 2, "worker": 3}
MAX_PER_POST = 50


class Pick(NamedTuple):
    person_id: int
    post: str
    reason: str  # always "sampled" here; the services add "added" and "swap_in"


class Shortage(NamedTuple):
    post: str
    wanted: int
    available: int


class Sample(NamedTuple):
    picks: list[Pick]
    shortages: list[Shortage]


def normalise_rule(rule: Mapping[str, object] | None) -> dict[str, int]:
    """A complete rule: every post present, counts clamped to 0…MAX_PER_POST, the 主要负责人 at least 1.

    :raises ValueError: on a count that is not an integer.
    """
    merged = dict(DEFAULT_RULE)
    for post in POST_ORDER:
        if rule and post in rule and rule[post] is not None:
            merged[post] = min(MAX_PER_POST, max(0, int(rule[post])))
    merged["principal"] = max(1, merged["principal"])
    return merged


def draw_sample(roster: Iterable[tuple[int, str, str]], rule: Mapping[str, object] | None, seed: int) -> Sample:
    """Draw the people to test.

    :param roster: ``(person_id, post, employment_type)`` for each current employment; order does not matter
        (the input is sorted first) and a person listed twice counts once, under the first post in ``POST_ORDER``.
        劳务派遣 and 灵活用工 staff are drawn like everyone else of their post.
    :param rule: how many to take per post (see ``normalise_rule``).
    :param seed: the stored seed; ``random.Random(seed)`` makes the draw reproducible.
    :return: the picks in draw order (post by post) and, per post, any shortage (fewer people than wanted).
    """
    wanted = normalise_rule(rule)
    by_post: dict[str, list[int]] = {post: [] for post in POST_ORDER}
    seen: set[int] = set()
    rank = {post: i for i, post in enumerate(POST_ORDER)}
    for person_id, post, _employment_type in sorted(roster, key=lambda r: (rank.get(r[1], len(rank)), r[0])):
        if person_id in seen or post not in by_post:
            continue
        seen.add(person_id)
        by_post[post].append(person_id)

    rng = random.Random(seed)  # noqa: S311 — reproducible from the inspection's seed, itself drawn by secrets
    picks: list[Pick] = []
    shortages: list[Shortage] = []
    for post in POST_ORDER:
        pool, k = by_post[post], wanted[post]
        if k > len(pool):
            shortages.append(Shortage(post, k, len(pool)))
        chosen = rng.sample(pool, min(k, len(pool)))
        picks.extend(Pick(pid, post, "sampled") for pid in chosen)
    return Sample(picks, shortages)


def draw_replacement(pool: Iterable[int], seed: int, salt: str) -> int | None:
    """One person from ``pool`` for a swap, reproducible from the inspection's seed and a per-swap salt."""
    candidates = sorted(set(pool))
    if not candidates:
        return None
    return random.Random(f"{seed}:{salt}").choice(candidates)  # noqa: S311 — reproducible from the inspection's seed, itself drawn by secrets
