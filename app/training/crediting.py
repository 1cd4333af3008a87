"""The crediting rule of online study, over plain values (no database, no clock of its own).

:func:`credit` decides, for one heartbeat of a lesson page, how many seconds of real study it proves:

* only the real time since the last accepted heartbeat, each gap capped at :data:`MAX_GAP` (2 × the 30 s
  interval): a page that went quiet for ten minutes earns one capped gap, not ten minutes;
* nothing while the page is hidden, the video paused, or (once the lead wires 人像抓拍) the snapshot missing
  (``snapshot_ok``): such a heartbeat only moves the clock, so the hidden time is never credited later;
* one page at a time: the person's active-session token must match (a second tab or another lesson took over);
* no credit for seeking forward past what was watched: the position may not run beyond the last one or the
  furthest point watched (the player seeks freely up to there) by more than the elapsed time plus :data:`SLACK`,
  plus the session's ``lag``: how far the position fell behind the server's clock over the beats before (a beat
  that reached a busy server late measured a longer gap than the learner watched; the next, on time, a shorter
  one: without the lag that one would look like a seek). A hidden or paused beat that reached the server late is
  the same case, and the server cannot tell its lateness from the pause itself, so the lag is capped at one
  :data:`INTERVAL`: after a pause the position may run at most ``INTERVAL + SLACK`` ahead of the clock, and a seek
  forfeits the lag (a jump still only ever costs the gap it happened in: credit is the server's time, never the
  position's). A page's first beat starts with the whole interval: it places the position where the page says
  (there is nothing to check it against), and it may itself have waited in a queue. So as long as no beat reaches
  the server more than ``INTERVAL`` late, the lag is at least its lateness and no on-time beat after it is refused;
* never more than the lesson's duration in total.

:func:`split_by_day` then spreads the credited seconds over the local (Asia/Shanghai) days they were spent in.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from app.core.clock import to_local, to_utc

#: Seconds between heartbeats of the lesson page (static/js/study.js sends one every 30 s).
INTERVAL = 30
#: The longest gap between two heartbeats that is credited in full.
MAX_GAP = 2 * INTERVAL
#: How far the position may run ahead of the clock (network jitter, playback rate rounding).
SLACK = 5.0


@dataclass(frozen=True)
class StudyState:
    """What the server knows before a heartbeat: the person's active page and this lesson's progress."""

    token: str
    lesson_id: int
    duration: int
    last_at: datetime | None = None
    position: float = 0.0
    furthest: float = 0.0
    credited: int = 0
    #: Seconds the position ran behind the clock since the page opened (it starts at INTERVAL) or the last seek,
    #: late and refused beats included; at most INTERVAL.
    lag: float = 0.0


@dataclass(frozen=True)
class Heartbeat:
    token: str
    lesson_id: int
    position: float = 0.0
    visible: bool = True
    playing: bool = True
    #: 人像抓拍 hook: False when the required snapshot is missing or refused (wired by the snapshot work).
    snapshot_ok: bool = True


def credit(state: StudyState, beat: Heartbeat, now: datetime) -> tuple[StudyState, int, str | None]:
    """Apply one heartbeat: ``(new state, seconds credited, refusal code or None)``.

    Refusals: ``taken_over`` (another page is the active one; nothing changes), ``hidden``, ``paused``,
    ``snapshot`` (the clock moves, nothing is credited), ``seek`` (the position jumped ahead: the gap is lost),
    ``complete`` (the lesson's duration is already credited).
    """
    if beat.token != state.token or beat.lesson_id != state.lesson_id:
        return state, 0, "taken_over"
    position = max(0.0, float(beat.position))
    if state.last_at is None:  # the page's first beat places the position; how late it reached us is unknown
        return replace(state, last_at=now, position=position, lag=float(INTERVAL)), 0, None
    if now <= state.last_at:
        return state, 0, None
    gap = (now - state.last_at).total_seconds()
    advance = position - state.position
    remaining = max(0, state.duration - state.credited)
    refusal = _refusal(beat, remaining)
    # the player seeks freely up to the furthest point watched (study.js), never past it
    reach = max(state.position, state.furthest)
    if refusal in (None, "complete") and position - reach > gap + SLACK + state.lag:
        return replace(state, last_at=now, position=position, lag=0.0), 0, "seek"
    seconds = 0 if refusal else min(int(gap), MAX_GAP, remaining)
    # Carry the fraction of a second to the next gap (so a day of heartbeats loses nothing to rounding), unless the
    # gap was cut or refused: then the rest of it is forfeit and the clock restarts now.
    last_at = state.last_at + timedelta(seconds=seconds) if not refusal and seconds == int(gap) else now
    # The clock moved by what it measured (a carried fraction counts once, in the gap it is credited in); the
    # position by ``advance``. A refused beat adds to the lag like a late one: the server cannot tell them apart.
    lag = min(float(INTERVAL), max(0.0, state.lag + (last_at - state.last_at).total_seconds() - advance))
    if refusal:
        return replace(state, last_at=last_at, position=position, lag=lag), 0, refusal
    new = replace(
        state,
        last_at=last_at,
        position=position,
        furthest=max(state.furthest, position),
        credited=state.credited + seconds,
        lag=lag,
    )
    return new, seconds, None


def _refusal(beat: Heartbeat, remaining: int) -> str | None:
    """Why a beat of the active page earns nothing, before its position is looked at (None: it may earn)."""
    for ok, code in ((beat.visible, "hidden"), (beat.playing, "paused"), (beat.snapshot_ok, "snapshot")):
        if not ok:
            return code
    return "complete" if remaining == 0 else None


def split_by_day(end: datetime, seconds: int, tz: ZoneInfo | None = None) -> list[tuple[date, int]]:
    """The local days the ``seconds`` before ``end`` (naive UTC) fall on, oldest first, with their shares.

    Local means the learner's zone: ``tz`` when the caller looked it up already (the heartbeat reads it with the
    session), else the signed-in user's (:func:`app.core.clock.zone`)."""
    if seconds <= 0:
        return []
    start_local = to_local(end - timedelta(seconds=seconds), tz)
    end_local = to_local(end, tz)
    out = []
    cursor = start_local
    while cursor.date() < end_local.date():
        midnight = datetime.combine(cursor.date() + timedelta(days=1), datetime.min.time())
        share = int((to_utc(midnight, tz) - to_utc(cursor.replace(tzinfo=None), tz)).total_seconds())
        if share > 0:
            out.append((cursor.date(), share))
        cursor = to_local(to_utc(midnight, tz), tz)
    out.append((end_local.date(), seconds - sum(s for _, s in out)))
    return [(d, s) for d, s in out if s > 0]
