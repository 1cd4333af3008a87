"""The draw is a pure function: counts per post, reproducibility by seed, shortages. No app, no database."""

import random
from collections import Counter

from app.spotchecks.sampling import Shortage, draw_replacement, draw_sample, normalise_rule

ROSTER = (
    [(1, "principal", "regular")]
    + [(10 + i, "safety_manager", "regular") for i in range(5)]
    + [(20 + i, "special_operator", "regular") for i in range(6)]
    + [(30 + i, "worker", ("regular", "dispatched", "flexible")[i % 3]) for i in range(12)]
)
RULE = {"principal": 1, "safety_manager": 2, "special_operator": 3, "worker": 4}


def test_counts_per_post_and_principal_always():
    sample = draw_sample(ROSTER, RULE, seed=7)
    counts = Counter(p.post for p in sample.picks)
    assert counts == {"principal": 1, "safety_manager": 2, "special_operator": 3, "worker": 4}
    assert sample.picks[0].person_id == 1
    assert sample.shortages == []
    assert len({p.person_id for p in sample.picks}) == len(sample.picks)
    assert all(p.reason == "sampled" for p in sample.picks)


def test_same_seed_same_people_whatever_the_roster_order():
    shuffled = ROSTER[:]
    random.Random(3).shuffle(shuffled)
    assert draw_sample(ROSTER, RULE, seed=123) == draw_sample(shuffled, RULE, seed=123)


def test_different_seeds_draw_differently():
    draws = {tuple(p.person_id for p in draw_sample(ROSTER, RULE, seed=s).picks) for s in range(20)}
    assert len(draws) > 10


def test_every_worker_has_a_chance_including_dispatched_and_flexible():
    seen = Counter(
        p.person_id for s in range(300) for p in draw_sample(ROSTER, RULE, seed=s).picks if p.post == "worker"
    )
    assert set(seen) == {30 + i for i in range(12)}
    # 4 of 12 drawn each time: each about a third of 300 draws
    assert all(60 < n < 140 for n in seen.values())


def test_not_enough_people_of_a_post_takes_all_and_reports_shortage():
    roster = [(1, "principal", "regular"), (10, "safety_manager", "regular"), (30, "worker", "dispatched")]
    sample = draw_sample(roster, {"safety_manager": 2, "special_operator": 1, "worker": 3}, seed=1)
    assert {p.person_id for p in sample.picks} == {1, 10, 30}
    assert sample.shortages == [
        Shortage("safety_manager", 2, 1),
        Shortage("special_operator", 1, 0),
        Shortage("worker", 3, 1),
    ]


def test_no_principal_on_roster_is_a_shortage():
    sample = draw_sample([(30, "worker", "regular")], RULE, seed=1)
    assert Shortage("principal", 1, 0) in sample.shortages


def test_rule_is_normalised():
    assert normalise_rule({"principal": 0, "worker": -3, "safety_manager": 999})["principal"] == 1
    assert normalise_rule({"worker": -3})["worker"] == 0
    assert normalise_rule({"safety_manager": 999})["safety_manager"] == 50
    assert normalise_rule(None) == {"principal": 1, "safety_manager": 2, "special_operator": 2, "worker": 3}


def test_person_listed_twice_counts_once():
    roster = [(1, "principal", "regular"), (1, "worker", "regular"), (2, "worker", "regular")]
    sample = draw_sample(roster, {"worker": 5}, seed=1)
    assert sorted(p.person_id for p in sample.picks) == [1, 2]
    assert [p.post for p in sample.picks if p.person_id == 1] == ["principal"]


def test_replacement_is_reproducible():
    assert draw_replacement([5, 3, 9], 42, "swap:1") == draw_replacement([9, 5, 3], 42, "swap:1")
    assert draw_replacement([], 42, "swap:1") is None
