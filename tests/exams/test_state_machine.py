"""The attempt state machine: not started → in_progress → submitted | expired → graded (pure, no database)."""

from __future__ import annotations

import pytest

from app.exams.models import TRANSITIONS, Attempt, AttemptState, InvalidTransition, check_transition, sources_of

S = AttemptState


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (None, S.IN_PROGRESS),
        (S.IN_PROGRESS, S.SUBMITTED),
        (S.IN_PROGRESS, S.EXPIRED),
        (S.SUBMITTED, S.GRADED),
        (S.EXPIRED, S.GRADED),
    ],
)
def test_allowed_transitions(current, target):
    check_transition(current, target)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (None, S.SUBMITTED),
        (None, S.GRADED),
        (S.IN_PROGRESS, S.GRADED),
        (S.IN_PROGRESS, S.IN_PROGRESS),
        (S.SUBMITTED, S.IN_PROGRESS),
        (S.SUBMITTED, S.EXPIRED),
        (S.SUBMITTED, S.SUBMITTED),
        (S.EXPIRED, S.SUBMITTED),
        (S.GRADED, S.IN_PROGRESS),
        (S.GRADED, S.SUBMITTED),
        (S.GRADED, S.GRADED),
    ],
)
def test_refused_transitions(current, target):
    with pytest.raises(InvalidTransition):
        check_transition(current, target)


def test_every_state_is_reachable_and_graded_is_terminal():
    reachable, frontier = set(), [None]
    while frontier:
        for nxt in TRANSITIONS[frontier.pop()]:
            if nxt not in reachable:
                reachable.add(nxt)
                frontier.append(nxt)
    assert reachable == set(AttemptState)
    assert TRANSITIONS[S.GRADED] == frozenset()


def test_sources_drive_the_conditional_updates():
    assert sources_of(S.SUBMITTED) == (S.IN_PROGRESS,)
    assert set(sources_of(S.GRADED)) == {S.SUBMITTED, S.EXPIRED}


def test_attempt_guard_uses_its_own_state():
    attempt = Attempt(state=S.IN_PROGRESS)
    attempt.check_transition(S.SUBMITTED)
    with pytest.raises(InvalidTransition):
        attempt.check_transition(S.GRADED)


def test_accepts_answers_until_deadline_plus_grace():
    from datetime import datetime, timedelta

    deadline = datetime(2026, 5, 1, 10, 0)
    attempt = Attempt(state=S.IN_PROGRESS, deadline=deadline)
    grace = timedelta(seconds=30)
    assert attempt.accepts_answers(deadline + timedelta(seconds=30), grace)
    assert not attempt.accepts_answers(deadline + timedelta(seconds=31), grace)
    assert attempt.seconds_left(deadline - timedelta(seconds=90)) == 90
    assert attempt.seconds_left(deadline + timedelta(seconds=5)) == 0
    attempt.state = S.SUBMITTED
    assert not attempt.accepts_answers(deadline - timedelta(minutes=5), grace)
