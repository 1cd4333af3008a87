"""The crediting rule with a fixed clock: plain values in, (state, seconds, refusal) out."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from app.training.crediting import INTERVAL, MAX_GAP, SLACK, Heartbeat, StudyState, credit, split_by_day

T0 = datetime(2026, 11, 29, 2, 0, 0)  # 10:00 in Shanghai


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def started(duration: int = 600, **kw) -> StudyState:
    """A page whose first heartbeat was accepted at T0, at position 0."""
    return StudyState(token="tab-1", lesson_id=7, duration=duration, last_at=T0, **kw)


def beat(position: float, **kw) -> Heartbeat:
    return Heartbeat(token=kw.pop("token", "tab-1"), lesson_id=kw.pop("lesson_id", 7), position=position, **kw)


def test_the_first_heartbeat_starts_the_clock_and_credits_nothing():
    state = StudyState(token="tab-1", lesson_id=7, duration=600)
    new, seconds, refusal = credit(state, beat(0), T0)
    assert (seconds, refusal, new.last_at) == (0, None, T0)


def test_the_real_time_between_heartbeats_is_credited():
    state = started()
    state, first, _ = credit(state, beat(30), at(30))
    state, second, _ = credit(state, beat(61), at(61))
    assert (first, second, state.credited, state.furthest) == (30, 31, 61, 61)


def test_fractions_of_a_second_carry_over_to_the_next_gap():
    state = started()
    total = 0
    for i in range(1, 11):
        state, seconds, _ = credit(state, beat(i * 30.4), at(i * 30.4))
        total += seconds
    assert total == 304
    assert state.lag < 1  # only the fraction carried: on-time beats build no lag


def test_a_long_gap_is_capped_at_two_intervals():
    state, seconds, refusal = credit(started(), beat(20), at(600))
    assert (seconds, refusal) == (MAX_GAP, None)
    assert state.last_at == at(600)


def test_nothing_is_credited_while_the_page_is_hidden_nor_for_the_hidden_time_afterwards():
    state, seconds, refusal = credit(started(), beat(30, visible=False), at(30))
    assert (seconds, refusal) == (0, "hidden")
    state, seconds, refusal = credit(state, beat(30), at(40))
    assert (seconds, refusal) == (10, None)


def test_a_paused_video_earns_nothing():
    _, seconds, refusal = credit(started(), beat(0, playing=False), at(30))
    assert (seconds, refusal) == (0, "paused")


def test_a_missing_snapshot_pauses_crediting():
    _, seconds, refusal = credit(started(), beat(30, snapshot_ok=False), at(30))
    assert (seconds, refusal) == (0, "snapshot")


def test_a_second_tab_takes_over_and_the_first_stops_earning():
    # The second tab opened the lesson: the session's token is now tab-2's.
    state = StudyState(token="tab-2", lesson_id=7, duration=600, last_at=T0)
    unchanged, seconds, refusal = credit(state, beat(30, token="tab-1"), at(30))
    assert (seconds, refusal, unchanged) == (0, "taken_over", state)
    _, seconds, refusal = credit(state, beat(30, token="tab-2"), at(30))
    assert (seconds, refusal) == (30, None)


def test_a_beat_for_another_lesson_earns_nothing():
    _, seconds, refusal = credit(started(), beat(30, lesson_id=8), at(30))
    assert (seconds, refusal) == (0, "taken_over")


def test_seeking_forward_earns_nothing():
    _, seconds, refusal = credit(started(), beat(300), at(30))
    assert (seconds, refusal) == (0, "seek")


def test_a_little_jitter_ahead_of_the_clock_is_not_a_seek():
    _, seconds, refusal = credit(started(), beat(34), at(30))
    assert (seconds, refusal) == (30, None)


def test_a_beat_that_reached_the_server_late_does_not_cost_the_next_one_its_time():
    # The learner watches 30 s between beats; the first reaches a busy server 12 s late, the second on time.
    state, late, _ = credit(started(), beat(30), at(42))
    assert (late, state.lag) == (42, 12)
    state, on_time, refusal = credit(state, beat(60), at(60))
    assert (on_time, refusal, state.credited, state.lag) == (18, None, 60, 0)


def test_a_first_beat_that_waited_in_a_busy_servers_queue_does_not_make_the_next_one_a_seek():
    # The page opens at 0 and presses play at 3 s; its first beat and the play beat reach the server 15 s late
    # (the server cannot know by how much), the first timer beat on time: 27.5 s played since the play beat.
    state = StudyState(token="tab-1", lesson_id=7, duration=600)
    state, _, _ = credit(state, beat(0), at(15))
    state, _, refusal = credit(state, beat(0, playing=False), at(15.2))
    assert refusal == "paused"
    state, seconds, refusal = credit(state, beat(27.5), at(30.5))
    assert (seconds, refusal) == (15, None)


def test_a_paused_beat_that_reached_the_server_late_does_not_make_the_next_one_a_seek():
    # Play pressed at 3 s: study.js sends a beat (not credited, the clock restarts); it reaches the server 9 s late.
    state, _, refusal = credit(started(), beat(0, playing=False), at(12))
    assert (refusal, state.lag) == ("paused", 12)
    state, seconds, refusal = credit(state, beat(27), at(30))  # 27 s played since
    assert (seconds, refusal) == (18, None)


def test_after_a_long_pause_a_jump_beyond_one_interval_and_the_slack_is_still_a_seek():
    state, _, _ = credit(started(), beat(0, playing=False), at(600))
    assert state.lag == INTERVAL
    _, seconds, refusal = credit(state, beat(30 + INTERVAL + SLACK + 1), at(630))
    assert (seconds, refusal) == (0, "seek")


def test_the_lag_never_exceeds_one_interval():
    state, _, _ = credit(started(), beat(0), at(30))
    state, _, _ = credit(state, beat(0), at(60))
    assert state.lag == INTERVAL
    _, seconds, refusal = credit(state, beat(30 + SLACK + INTERVAL + 1), at(90))
    assert (seconds, refusal) == (0, "seek")
    _, seconds, refusal = credit(state, beat(30 + SLACK + INTERVAL), at(90))
    assert (seconds, refusal) == (30, None)


def test_a_seek_forfeits_the_lag():
    state, _, _ = credit(started(), beat(10), at(30))
    state, _, refusal = credit(state, beat(300), at(60))
    assert (refusal, state.lag) == ("seek", 0)


def test_seeking_back_to_rewatch_still_earns_real_time():
    state = started(position=200.0, furthest=200.0)
    _, seconds, refusal = credit(state, beat(50), at(30))
    assert (seconds, refusal) == (30, None)


def test_jumping_forward_within_what_was_already_watched_is_not_a_seek():
    # Rewatching from 100 s, the learner skips back to 480 s: the player allows any point up to the furthest (500 s).
    state = started(position=100.0, furthest=500.0)
    _, seconds, refusal = credit(state, beat(480), at(30))
    assert (seconds, refusal) == (30, None)
    _, seconds, refusal = credit(state, beat(500 + 30 + SLACK + 1), at(30))  # past the furthest: a seek
    assert (seconds, refusal) == (0, "seek")


def test_credit_stops_at_the_lesson_duration():
    state = started(duration=100, credited=90)
    state, seconds, refusal = credit(state, beat(30), at(30))
    assert (seconds, refusal, state.credited) == (10, None, 100)
    _, seconds, refusal = credit(state, beat(60), at(60))
    assert (seconds, refusal) == (0, "complete")


def test_a_clock_that_did_not_move_credits_nothing():
    state = started()
    new, seconds, refusal = credit(state, beat(0), T0)
    assert (seconds, refusal, new) == (0, None, state)


def test_credit_is_split_at_local_midnight():
    # 23:59:40 → 00:00:20 Shanghai = 15:59:40 → 16:00:20 UTC
    end = datetime(2026, 11, 29, 16, 0, 20)
    assert split_by_day(end, 40) == [(date(2026, 11, 29), 20), (date(2026, 11, 30), 20)]


def test_credit_within_one_local_day_is_not_split():
    # 00:10 Shanghai is still the previous day in UTC: it counts for the local day.
    end = datetime(2026, 11, 29, 16, 10, 0)
    assert split_by_day(end, 30) == [(date(2026, 11, 30), 30)]
    assert split_by_day(end, 0) == []
