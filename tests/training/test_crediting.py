"""The crediting rule with a fixed clock: plain values in, (state, seconds, refusal) out."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from app.training.crediting import (
    INTERVAL,
    MAX_GAP,
    PAUSED,
    POSITION_SLACK,
    RULES,
    SLACK,
    Heartbeat,
    Rules,
    StudyState,
    class_span,
    credit,
    next_prompt,
    split_by_day,
)

T0 = datetime(2026, 11, 29, 2, 0, 0)  # 10:00 in Shanghai


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def started(duration: int = 600, **kw) -> StudyState:
    """A video page whose first heartbeat was accepted at T0, at position 0, playing since."""
    return StudyState(token="tab-1", lesson_id=7, duration=duration, last_at=T0, **kw)


def beat(position: float, **kw) -> Heartbeat:
    return Heartbeat(token=kw.pop("token", "tab-1"), lesson_id=kw.pop("lesson_id", 7), position=position, **kw)


def run(state: StudyState, *beats: tuple[float, Heartbeat], rules: Rules = RULES) -> tuple[StudyState, list]:
    """Apply beats ``(seconds after T0, beat)`` in turn: the final state and each ``(seconds, refusal)``."""
    out = []
    for when, hb in beats:
        state, seconds, refusal = credit(state, hb, at(when), rules, nonce=f"n{when:g}")
        out.append((seconds, refusal))
    return state, out


# ---------------------------------------------------------------- the clock


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
    state, seconds, refusal = credit(started(), beat(600), at(600))
    assert (seconds, refusal) == (MAX_GAP, None)
    assert state.last_at == at(600)


def test_a_longer_beat_set_by_the_operator_credits_its_whole_interval_and_caps_at_two():
    slow = Rules(interval=60)
    _state, out = run(started(), (60, beat(60)), (180, beat(180)), (400, beat(400)), rules=slow)
    assert out == [(60, None), (120, None), (120, None)]
    assert credit(started(), beat(600), at(600))[1] == MAX_GAP == 60  # the default beat caps at 60 s
    # the lag a late beat leaves is bounded by one (longer) interval, and a first beat starts with it
    first, _, _ = credit(StudyState(token="tab-1", lesson_id=7, duration=600), beat(0), T0, slow)
    assert first.lag == 60


def test_a_clock_that_did_not_move_credits_nothing():
    state = started()
    new, seconds, refusal = credit(state, beat(0), T0)
    assert (seconds, refusal, new) == (0, None, state)


def test_credit_stops_at_the_lesson_duration():
    state = started(duration=100, credited=90)
    state, seconds, refusal = credit(state, beat(30), at(30))
    assert (seconds, refusal, state.credited) == (10, None, 100)
    _, seconds, refusal = credit(state, beat(60), at(60))
    assert (seconds, refusal) == (0, "complete")


# ---------------------------------------------------------------- pause, hide, end, leave: the watched part counts


def test_a_pause_credits_what_was_watched_before_it_and_nothing_while_paused():
    # Paused at 12 s into the interval: the pause beat closes a playing interval.
    state, out = run(started(), (12, beat(12, playing=False)), (42, beat(12, playing=False)))
    assert out == [(12, None), (0, "paused")]
    assert state.credited == 12


def test_hiding_the_page_credits_what_was_watched_before_and_never_the_hidden_time():
    state, out = run(
        started(),
        (20, beat(20, visible=False, playing=False)),  # the page is hidden: study.js pauses the video and reports
        (50, beat(20, visible=False, playing=False)),  # the timer while hidden
        (70, beat(20, playing=False)),  # visible again (paused)
        (73, beat(20)),  # play
        (103, beat(50)),
    )
    assert out == [(20, None), (0, "hidden"), (0, "hidden"), (0, "paused"), (30, None)]
    assert state.credited == 50


def test_the_end_of_the_video_and_leaving_the_page_credit_the_last_partial_interval():
    # a 100-s video: the last timer beat at 90 s, the end at 100 s (the video stops: playing false)
    state, out = run(
        started(duration=100), (30, beat(30)), (60, beat(60)), (90, beat(90)), (100, beat(100, playing=False))
    )
    assert [s for s, _ in out] == [30, 30, 30, 10] and state.credited == 100
    # leaving the page (pagehide: the beacon says hidden) after 7 s of the next interval
    _, seconds, refusal = credit(started(), beat(7, visible=False, playing=False), at(7))
    assert (seconds, refusal) == (7, None)


def test_a_video_shorter_than_one_heartbeat_is_credited():
    # a 10-s video: the page opens (first beat, not playing), play at 3 s, the end at 13 s — no timer beat between
    state = StudyState(token="tab-1", lesson_id=7, duration=10)
    state, out = run(state, (0, beat(0, playing=False)), (3, beat(0)), (13.2, beat(10, playing=False)))
    assert out == [(0, None), (0, "paused"), (10, None)]
    assert state.credited == 10


# ---------------------------------------------------------------- the position: what was watched


def test_playing_alone_proves_nothing_a_frozen_position_earns_nothing():
    state, out = run(started(position=40.0, furthest=40.0), (30, beat(40)), (60, beat(40)))
    assert out == [(0, "frozen"), (0, "frozen")]
    assert state.credited == 0


def test_a_position_going_backwards_earns_nothing():
    _, seconds, refusal = credit(started(position=200.0, furthest=200.0), beat(150), at(30))
    assert (seconds, refusal) == (0, "frozen")


def test_credit_is_at_most_how_far_the_position_advanced_plus_a_little():
    # 30 s of server time, the video advanced 20 s (it stalled while buffering): 20 s and the slack, not 30
    _, seconds, refusal = credit(started(), beat(20), at(30))
    assert (seconds, refusal) == (int(20 + POSITION_SLACK), None)


def test_seeking_forward_earns_nothing():
    _, seconds, refusal = credit(started(), beat(300), at(30))
    assert (seconds, refusal) == (0, "seek")


def test_a_little_jitter_ahead_of_the_clock_is_not_a_seek():
    _, seconds, refusal = credit(started(), beat(34), at(30))
    assert (seconds, refusal) == (30, None)


def test_a_faster_playback_rate_than_allowed_is_refused_once_the_lag_is_used_up():
    # study.js holds the rate at the maximum (1.0 by default); a tampered page plays at 1.25×
    beats = [(30 * k, beat(37.5 * k)) for k in range(1, 9)]
    state, out = run(started(lag=INTERVAL), *beats)
    assert ("seek" in {r for _, r in out}) and state.credited < 30 * 8 * 0.75
    # where the platform allows 1.5×, the same page earns its time (the server's, not the position's)
    state, out = run(started(lag=INTERVAL), *beats, rules=Rules(max_rate=1.5))
    assert out == [(30, None)] * 8 and state.credited == 240


def test_a_beat_that_reached_the_server_late_does_not_make_the_next_one_a_seek():
    # The learner watches 30 s between beats; the first reaches a busy server 4 s late, the second on time.
    state, late, _ = credit(started(), beat(30), at(34))
    assert (late, state.lag) == (31, 4)  # the position proves 30 s (and the slack): the rest is forfeit
    state, on_time, refusal = credit(state, beat(60), at(60))
    # each interval earns at most its own server time: what the busy server made late is lost, not more
    assert (on_time, refusal, state.credited, state.lag) == (26, None, 57, 0)


def test_a_beat_within_the_slack_of_late_loses_nothing():
    state, late, _ = credit(started(), beat(30), at(30.9))
    state, on_time, _ = credit(state, beat(60), at(60))
    assert (late, on_time) == (30, 30)


def test_a_first_beat_that_waited_in_a_busy_servers_queue_does_not_make_the_next_one_a_seek():
    # The page opens at 0 and presses play at 3 s; its first beat and the play beat reach the server 15 s late
    # (the server cannot know by how much), the first timer beat on time: 27.5 s played since the play beat.
    state = StudyState(token="tab-1", lesson_id=7, duration=600)
    state, _, _ = credit(state, beat(0, playing=False), at(15))
    state, _, refusal = credit(state, beat(0), at(15.2))
    assert refusal == "paused"
    state, seconds, refusal = credit(state, beat(27.5), at(30.5))
    assert (seconds, refusal) == (15, None)


def test_a_play_beat_that_reached_the_server_late_does_not_make_the_next_one_a_seek():
    # Play pressed at 3 s: study.js reports it (the paused interval is not credited, the clock restarts); the
    # report reaches the server 9 s late.
    state, _, refusal = credit(started(page=PAUSED), beat(0), at(12))
    assert (refusal, state.lag) == ("paused", 12)
    state, seconds, refusal = credit(state, beat(27), at(30))  # 27 s played since
    assert (seconds, refusal) == (18, None)


def test_after_a_long_pause_a_jump_beyond_one_interval_and_the_slack_is_still_a_seek():
    state, _, _ = credit(started(), beat(0, playing=False), at(600))
    assert state.lag == INTERVAL
    state, _, _ = credit(state, beat(0), at(600))
    _, seconds, refusal = credit(state, beat(30 + INTERVAL + SLACK + 1), at(630))
    assert (seconds, refusal) == (0, "seek")


def test_the_lag_never_exceeds_one_interval():
    state, _, _ = credit(started(page=PAUSED), beat(0, playing=False), at(30))
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


def test_a_paused_page_cannot_move_its_position_past_what_was_watched_either():
    state, _, _ = credit(started(lag=0.0), beat(30, playing=False), at(30))
    _, seconds, refusal = credit(state, beat(400, playing=False), at(40))
    assert (seconds, refusal) == (0, "seek")


def test_seeking_back_to_rewatch_credits_the_stretch_before_the_seek_and_goes_on_from_the_new_point():
    # watched 170 → 190, then the learner seeks back to 50 (study.js reports the seek with both points)
    state = started(position=170.0, furthest=200.0)
    state, out = run(state, (20, beat(190, seek_to=50)), (50, beat(80)))
    assert out == [(20, None), (30, None)]
    assert (state.position, state.furthest) == (80, 200)


def test_a_seek_report_cannot_jump_past_what_was_watched():
    state = started(position=170.0, furthest=200.0)
    state, _, _ = credit(state, beat(190, seek_to=900), at(20))
    assert state.position == 190
    _, seconds, refusal = credit(state, beat(930), at(50))
    assert (seconds, refusal) == (0, "seek")


def test_jumping_forward_within_what_was_already_watched_is_not_a_seek():
    # Rewatching from 100 s, the learner skips to 480 s: the player allows any point up to the furthest (500 s).
    state = started(position=100.0, furthest=500.0)
    _, seconds, refusal = credit(state, beat(480), at(30))
    assert (seconds, refusal) == (30, None)
    _, seconds, refusal = credit(state, beat(500 + 30 + SLACK + 1), at(30))  # past the furthest: a seek
    assert (seconds, refusal) == (0, "seek")


# ---------------------------------------------------------------- a new page starts from where the person got to


def test_a_reloaded_page_cannot_place_its_first_report_past_the_furthest_point():
    # open_lesson puts the session at the stored furthest point (200 s); the new page's first beat says 3,000 s
    fresh = StudyState(token="tab-2", lesson_id=7, duration=4000, position=200.0, furthest=200.0)
    state, seconds, refusal = credit(fresh, beat(3000, token="tab-2"), T0)
    assert (seconds, refusal, state.position, state.furthest) == (0, "seek", 200, 200)
    # its next report, 30 s later at 3,030 s, is measured from 200 s: a seek again, and furthest does not move
    state, seconds, refusal = credit(state, beat(3030, token="tab-2"), at(30))
    assert (seconds, refusal, state.furthest) == (0, "seek", 200)


def test_a_reloaded_page_that_starts_where_it_left_off_earns_as_usual():
    fresh = StudyState(token="tab-2", lesson_id=7, duration=4000, position=200.0, furthest=200.0)
    state, out = run(fresh, (0, beat(200, token="tab-2")), (30, beat(230, token="tab-2")))
    assert out == [(0, None), (30, None)] and state.furthest == 230


# ---------------------------------------------------------------- one page, one lesson, the snapshot hook


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


# ---------------------------------------------------------------- the class


def test_the_class_span_is_its_dates_in_its_own_zone():
    shanghai, urumqi = ZoneInfo("Asia/Shanghai"), ZoneInfo("Asia/Urumqi")
    assert class_span(date(2026, 11, 1), date(2026, 11, 29), shanghai) == (
        datetime(2026, 10, 31, 16, 0),
        datetime(2026, 11, 29, 16, 0),
    )
    assert class_span(date(2026, 11, 1), date(2026, 11, 29), urumqi)[1] == datetime(2026, 11, 29, 18, 0)


def test_nothing_is_earned_after_the_class_ends_and_an_interval_across_its_end_earns_the_part_before():
    closes = at(45)  # the class's last local day ends 45 s after T0
    state = started(closes_at=closes)
    state, out = run(state, (30, beat(30)), (60, beat(60)), (90, beat(90)))
    assert out == [(30, None), (15, "closed"), (0, "closed")]
    assert state.credited == 45


def test_nothing_is_earned_before_the_class_opens():
    state = started(opens_at=at(100))
    state, out = run(state, (30, beat(30)), (110, beat(110)))
    assert out == [(0, "closed"), (10, None)]


def test_an_ended_enrolment_earns_nothing():
    _, seconds, refusal = credit(started(enrolled=False), beat(30), at(30))
    assert (seconds, refusal) == (0, "not_enrolled")


def test_a_lesson_that_is_not_in_the_class_earns_nothing():
    _, seconds, refusal = credit(started(in_class=False), beat(30), at(30))
    assert (seconds, refusal) == (0, "not_in_class")


# ---------------------------------------------------------------- PDF, image and text: presence


def document(**kw) -> StudyState:
    """A PDF lesson page whose first beat was accepted at T0 (no random prompt drawn unless given)."""
    return StudyState(token="tab-1", lesson_id=7, duration=1800, last_at=T0, timed=False, **kw)


def look(**kw) -> Heartbeat:
    return Heartbeat(token="tab-1", lesson_id=7, playing=False, **kw)


def test_a_document_earns_while_the_learner_scrolls_or_turns_pages():
    _state, out = run(document(), (30, look(active=True)), (60, look(active=True)))
    assert out == [(30, None), (30, None)]


def test_a_quiet_interval_of_a_document_opens_a_prompt_and_the_clock_holds_until_it_is_answered():
    state, out = run(document(), (30, look()), (60, look()))
    assert out == [(0, "prompt"), (0, "prompt")]
    assert (state.prompt, state.prompt_at, state.last_at) == ("n30", at(30), T0)
    # answered 40 s after it was put (within the 60-s window): the 30 s before it are credited, not the 40 s on it
    state, seconds, refusal = credit(state, look(answer="n30"), at(70))
    assert (seconds, refusal, state.prompt, state.last_at) == (30, None, "", at(70))
    state, seconds, _ = credit(state, look(active=True), at(100))
    assert seconds == 30


def test_a_prompt_answered_with_another_nonce_is_still_open():
    state, _ = run(document(), (30, look()))
    state, seconds, refusal = credit(state, look(answer="guessed", active=True), at(40))
    assert (seconds, refusal, state.prompt) == (0, "prompt", "n30")


def test_a_prompt_answered_after_its_window_earns_nothing_and_counts_as_a_miss():
    state, _ = run(document(), (30, look()))
    state, seconds, refusal = credit(state, look(answer="n30"), at(30 + 61))
    assert (seconds, refusal, state.misses, state.prompt) == (0, "late", 1, "")


def test_beyond_the_miss_budget_the_page_earns_nothing_more():
    rules = Rules(prompt_misses=1)
    state = document(misses=2)
    _, seconds, refusal = credit(state, look(active=True), at(30), rules)
    assert (seconds, refusal) == (0, "absent")
    _, seconds, refusal = credit(document(misses=1), look(active=True), at(30), rules)
    assert (seconds, refusal) == (30, None)


def test_a_random_prompt_comes_however_active_the_page_says_it_is():
    # a scripted page that claims "scrolled" every beat must still answer the server's nonce at its moment
    state = document(next_prompt_at=at(50), prompts_left=3)
    state, out = run(state, (30, look(active=True)), (60, look(active=True)), (90, look(active=True)))
    assert out == [(30, None), (0, "prompt"), (0, "prompt")]
    assert (state.prompts_left, state.next_prompt_at) == (2, None)
    state, seconds, _ = credit(state, look(answer="n60"), at(95), nonce="x", draw=0.0)
    assert seconds == 30 and state.next_prompt_at == at(95 + INTERVAL)


def test_hiding_the_page_while_a_prompt_is_open_forfeits_the_interval_it_held():
    state, out = run(
        document(),
        (30, look()),  # prompt
        (40, look(visible=False)),  # hidden
        (70, look()),  # visible again: the hidden interval restarts the clock
    )
    assert out == [(0, "prompt"), (0, "prompt"), (0, "hidden")]
    state, seconds, refusal = credit(state, look(answer="n30"), at(75))
    assert (seconds, refusal) == (0, None)


def test_nothing_is_credited_while_a_document_is_hidden():
    _state, out = run(
        document(), (10, look(visible=False, active=True)), (40, look(visible=False)), (70, look(active=True))
    )
    assert out == [(10, None), (0, "hidden"), (0, "hidden")]


def test_random_prompts_are_drawn_over_the_study_time_ahead():
    assert next_prompt(T0, 1800, 3, 0.0) == at(INTERVAL)
    assert next_prompt(T0, 1800, 3, 0.999) < at(600)
    assert next_prompt(T0, 1800, 0, 0.5) is None
    assert next_prompt(T0, 20, 3, 0.5) is None


# ---------------------------------------------------------------- days


def test_credit_is_split_at_local_midnight():
    # 23:59:40 → 00:00:20 Shanghai = 15:59:40 → 16:00:20 UTC
    end = datetime(2026, 11, 29, 16, 0, 20)
    assert split_by_day(end, 40) == [(date(2026, 11, 29), 20), (date(2026, 11, 30), 20)]


def test_credit_within_one_local_day_is_not_split():
    # 00:10 Shanghai is still the previous day in UTC: it counts for the local day.
    end = datetime(2026, 11, 29, 16, 10, 0)
    assert split_by_day(end, 30) == [(date(2026, 11, 30), 30)]
    assert split_by_day(end, 0) == []


def test_states_are_plain_values():
    assert replace(started(), credited=5).credited == 5
