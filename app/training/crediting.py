"""The crediting rule of online study, over plain values (no database, no clock and no randomness of its own).

:func:`credit` decides, for one heartbeat of a lesson page, how many seconds of real study the time since the page's
last accepted heartbeat (its *interval*) proves. Every beat says what the page is doing from now on (visible,
playing); the interval before it is judged by what the page said at its start (``StudyState.page``) and by what
it shows now:

* only the server's own clock counts: the real time of the interval, capped at two intervals (``Rules.interval``,
  30 s unless the operator sets a longer beat): a page that went quiet for ten minutes earns one capped gap, not ten minutes;
* nothing for an interval the page started hidden or paused, nor (人像抓拍) one whose beat finds a due snapshot
  missing (``snapshot_ok``): its beat only moves the clock, so that time is never credited later. The beat that reports a
  pause, a hidden page, the end of the video or the page being left closes a running interval, and that interval
  is credited: the part watched before it is never thrown away;
* **a video** earns at most how far its position advanced in the interval plus :data:`POSITION_SLACK`: a frozen or
  backwards position earns nothing (``playing`` alone proves nothing). The player's rate is at most
  ``Rules.max_rate`` (``static/js/study.js`` holds it there), so the position may run ahead of the clock by at
  most ``elapsed × max_rate`` plus :data:`SLACK` and the session's ``lag`` (see below), and never past the
  furthest point watched by more (the player seeks freely up to there, ``Heartbeat.seek_to``); further is a seek,
  and the interval it happened in earns nothing. The lag: how far the position fell behind the server's clock over
  the beats before (a beat that reached a busy server late measured a longer interval than the learner watched;
  the next, on time, a shorter one: without the lag that one would look like a seek). A refused beat that reached
  the server late is the same case, and the server cannot tell its lateness from the pause itself, so the lag is
  capped at one interval; a seek forfeits it. A page's first beat starts with the whole interval (it may
  itself have waited in a queue) and cannot place the position past the furthest point the person reached before
  (a reload or a new page starts from there);
* **a PDF, image or text lesson** has no position to check: it earns only while the learner shows they are there.
  An interval in which the page saw no scrolling, page turn, tap or key (``Heartbeat.active``) earns nothing by
  itself: the server answers with a "还在学习吗？" prompt carrying a nonce it chose. So do random moments the
  server drew (``StudyState.next_prompt_at``, ``Rules.prompts`` a page), however active the page says it is. While
  a prompt is open the clock holds: answered with its nonce within ``Rules.prompt_window`` seconds, the interval
  before it is credited (the time spent on the prompt is not); answered later, it earns nothing and counts as a
  miss; beyond ``Rules.prompt_misses`` misses the page earns nothing more (the learner opens the lesson again);
* nothing outside the class: the person must still be enrolled, the lesson part of the class's course, and the
  time inside the class's dates (``StudyState.opens_at``/``closes_at``, the class's local midnights in UTC:
  :func:`class_span`); an interval that straddles the class's end earns only the part before it;
* one page at a time: the person's active-session token must match (a second tab or another lesson took over);
* never more than the lesson's duration in total (a video's is read from the file when it is uploaded).

:func:`split_by_day` then spreads the credited seconds over the local (Asia/Shanghai) days they were spent in.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from app.core.clock import to_local, to_utc

#: Seconds between heartbeats of the lesson page by default (``Rules.interval``; static/js/study.js reads it).
INTERVAL = 30
#: The longest gap between two heartbeats that is credited in full, at the default interval (``Rules.max_gap``).
MAX_GAP = 2 * INTERVAL
#: How far the position may run ahead of the clock before it is a seek (network jitter, playback rate rounding).
SLACK = 5.0
#: How much a video's credit for an interval may exceed its position's advance (whole seconds, the beat's sampling).
POSITION_SLACK = 1.0

#: What a page says it is doing from its beat on (``StudyState.page``).
ON, HIDDEN, PAUSED = "on", "hidden", "paused"


@dataclass(frozen=True)
class Rules:
    """The settings the rule reads (``ANPEI_STUDY_*``, see docs/study-time.md)."""

    #: The fastest playback rate the page allows; the position check assumes it.
    max_rate: float = 1.0
    #: Random "还在学习吗？" prompts per PDF, image or text lesson page.
    prompts: int = 3
    #: Seconds the learner has to answer a prompt.
    prompt_window: int = 60
    #: Prompts a page may answer late; beyond, it earns nothing more.
    prompt_misses: int = 2
    #: Seconds between the page's timed heartbeats (its events — pause, hide, end, leave — are reported at once, so
    #: a longer beat credits the same; it only bounds what a crashed page loses and how often presence is checked).
    interval: int = INTERVAL

    @property
    def max_gap(self) -> int:
        """The longest gap between two heartbeats that is credited in full: two intervals."""
        return 2 * self.interval


RULES = Rules()


@dataclass(frozen=True)
class StudyState:
    """What the server knows before a heartbeat: the person's active page, this lesson's progress and the class."""

    token: str
    lesson_id: int
    duration: int
    last_at: datetime | None = None
    position: float = 0.0
    furthest: float = 0.0
    credited: int = 0
    #: Seconds the position ran behind the clock since the page opened (it starts at one interval) or the last
    #: seek, late and refused beats included; at most one interval.
    lag: float = 0.0
    #: What the page said at the last accepted beat (ON, HIDDEN or PAUSED): how the interval since then is judged.
    page: str = ON
    #: A video (position-checked); False: a PDF, image or text lesson (presence-checked).
    timed: bool = True
    #: The class's dates as naive UTC (:func:`class_span`); None: no bound on that side.
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    #: The person is still enrolled in the class, and the lesson is one of the class's course.
    enrolled: bool = True
    in_class: bool = True
    #: The open presence prompt's nonce ("" none) and when it was put; the next random prompt; prompts left; misses.
    prompt: str = ""
    prompt_at: datetime | None = None
    next_prompt_at: datetime | None = None
    prompts_left: int = 0
    misses: int = 0


@dataclass(frozen=True)
class Heartbeat:
    token: str
    lesson_id: int
    #: The video's position now (a seek beat: where the watched stretch ended, before the seek).
    position: float = 0.0
    #: What the page is doing from now on.
    visible: bool = True
    playing: bool = True
    #: 人像抓拍 hook: False when the required snapshot is missing or refused (wired by the snapshot work).
    snapshot_ok: bool = True
    #: A seek within what was watched: where playback goes on (the next interval is measured from there).
    seek_to: float | None = None
    #: PDF, image, text: the learner scrolled, turned a page, tapped or typed during the interval.
    active: bool = False
    #: The nonce of the presence prompt the learner answered ("" none).
    answer: str = ""


def credit(
    state: StudyState, beat: Heartbeat, now: datetime, rules: Rules = RULES, *, nonce: str = "", draw: float = 0.5
) -> tuple[StudyState, int, str | None]:
    """Apply one heartbeat: ``(new state, seconds credited, refusal code or None)``.

    ``nonce`` is the caller's fresh random token for a prompt this beat may open, ``draw`` a random number in
    [0, 1) for the moment of the next random prompt (:func:`next_prompt`).

    Refusals: ``taken_over`` (another page is the active one; nothing changes); ``not_enrolled``,
    ``not_in_class``, ``closed`` (outside the class: the clock moves, nothing is credited — ``closed`` may come
    with the part of the interval before the class ended); ``hidden``, ``paused`` (the interval was so),
    ``snapshot``, ``complete`` (the lesson's duration is already credited); a video: ``seek`` (the position jumped
    ahead: the interval is lost), ``frozen`` (the position did not advance); a document: ``prompt`` (a prompt is
    open: the clock holds), ``late`` (a prompt answered after its window), ``absent`` (too many of those).
    """
    if beat.token != state.token or beat.lesson_id != state.lesson_id:
        return state, 0, "taken_over"
    page = (ON if beat.playing or not state.timed else PAUSED) if beat.visible else HIDDEN
    position = max(0.0, float(beat.position))
    # the player seeks freely up to the furthest point watched (study.js), never past it
    reach = max(state.position, state.furthest)
    if state.last_at is None:  # the page's first beat places the position; how late it reached us is unknown
        first = replace(state, last_at=now, page=page, lag=float(rules.interval))
        if state.timed and position > reach + SLACK:  # a new page starts where the person got to, not further
            return first, 0, "seek"
        return replace(first, position=position), 0, None
    if now <= state.last_at:
        return state, 0, None
    step = _Step(state, page, position, reach, beat.seek_to, rules.interval)
    start, end, gap = _inside(state, now)
    if not state.enrolled or not state.in_class or gap <= 0:
        code = "not_enrolled" if not state.enrolled else "not_in_class" if not state.in_class else "closed"
        return step.moved(now), 0, code
    if state.timed and position - reach > (now - state.last_at).total_seconds() * rules.max_rate + SLACK + state.lag:
        return replace(step.moved(now), lag=0.0), 0, "seek"
    remaining = max(0, state.duration - state.credited)
    refusal = _refusal(state, beat, remaining)
    if not state.timed:
        return _presence(state, beat, now, rules, step, refusal, remaining, nonce, draw)
    if refusal is None and position <= state.position:
        refusal = "frozen"
    if refusal:
        return step.moved(now), 0, refusal
    seconds = min(int(gap), rules.max_gap, remaining, int(position - state.position + POSITION_SLACK))
    new = step.moved(_clock(state, now, seconds, gap, start, end), furthest=max(state.furthest, position))
    return replace(new, credited=state.credited + seconds), seconds, None if end == now else "closed"


@dataclass(frozen=True)
class _Step:
    """What every outcome of a beat (after the first) records: the page's state, the position and the lag."""

    state: StudyState
    page: str
    position: float
    reach: float
    seek_to: float | None
    interval: int

    def moved(self, last_at: datetime, **changes) -> StudyState:
        """The state with the clock at ``last_at``. The clock moved by what it measured (a carried fraction counts
        once), the position by its advance: a refused beat adds to the lag like a late one (the server cannot tell
        them apart). A seek within what was watched (``seek_to``, never past it) is where the next interval is
        measured from."""
        state = self.state
        if not state.timed:
            return replace(state, last_at=last_at, position=self.position, page=self.page, lag=0.0, **changes)
        advance = self.position - state.position
        lag = min(float(self.interval), max(0.0, state.lag + (last_at - state.last_at).total_seconds() - advance))
        position = self.position
        if self.seek_to is not None and 0 <= self.seek_to <= max(self.reach, self.position) + SLACK:
            position = float(self.seek_to)
        return replace(state, last_at=last_at, position=position, page=self.page, lag=lag, **changes)


def _inside(state: StudyState, now: datetime, until: datetime | None = None) -> tuple[datetime, datetime, float]:
    """The part of the interval from the clock to ``until`` (default ``now``) inside the class's dates: its start,
    its end and its length in seconds (0 when none of it is)."""
    start = max(state.last_at, state.opens_at) if state.opens_at else state.last_at
    end = until or now
    end = min(end, state.closes_at) if state.closes_at else end
    return start, end, max(0.0, (end - start).total_seconds())


def _refusal(state: StudyState, beat: Heartbeat, remaining: int) -> str | None:
    """Why the interval earns nothing, before its position or presence is looked at (None: it may earn)."""
    if state.page != ON:
        return state.page
    if not beat.snapshot_ok:
        return "snapshot"
    return "complete" if remaining == 0 else None


def _clock(state: StudyState, now: datetime, seconds: int, gap: float, start: datetime, end: datetime) -> datetime:
    """Carry the fraction of a second to the next gap (so a day of heartbeats loses nothing to rounding), unless the
    gap was cut (by a cap, the position, the class's dates): then the rest of it is forfeit and the clock restarts
    now."""
    whole = seconds == int(gap) and start == state.last_at and end == now
    return state.last_at + timedelta(seconds=seconds) if whole else now


def _presence(
    state: StudyState,
    beat: Heartbeat,
    now: datetime,
    rules: Rules,
    step: _Step,
    refusal: str | None,
    remaining: int,
    nonce: str,
    draw: float,
) -> tuple[StudyState, int, str | None]:
    """A PDF, image or text lesson: the interval earns only with a sign of presence (see the module docstring)."""
    if state.prompt and beat.answer == state.prompt:  # answered: the interval before the prompt, if in time
        on_time = (now - state.prompt_at).total_seconds() <= rules.prompt_window
        closed = {
            "prompt": "",
            "prompt_at": None,
            "misses": state.misses + (0 if on_time else 1),
            "next_prompt_at": next_prompt(now, remaining, state.prompts_left, draw, rules.interval),
        }
        if refusal or not on_time:
            return step.moved(now, **closed), 0, refusal or "late"
        _start, _end, held = _inside(state, now, until=state.prompt_at)
        seconds = min(int(held), rules.max_gap, remaining)
        return step.moved(now, credited=state.credited + seconds, **closed), seconds, None
    if state.prompt:  # still open: the clock holds (a hidden page restarts it: that time was not studied)
        if refusal == HIDDEN:
            return step.moved(now), 0, refusal
        return replace(state, page=step.page), 0, "prompt"
    if refusal:
        return step.moved(now), 0, refusal
    if state.misses > rules.prompt_misses:
        return step.moved(now), 0, "absent"
    drawn = state.next_prompt_at is not None and now >= state.next_prompt_at
    if drawn or not beat.active:  # the server asks; the clock holds until the answer
        opened = {"prompt": nonce, "prompt_at": now}
        if drawn:
            opened.update(next_prompt_at=None, prompts_left=max(0, state.prompts_left - 1))
        return replace(state, page=step.page, **opened), 0, "prompt"
    start, end, gap = _inside(state, now)
    seconds = min(int(gap), rules.max_gap, remaining)
    new = step.moved(_clock(state, now, seconds, gap, start, end))
    return replace(new, credited=state.credited + seconds), seconds, None if end == now else "closed"


def credited_until(state: StudyState, now: datetime) -> datetime:
    """When the stretch a beat at ``now`` credits ends (for the day it goes to): ``now``, the class's end if that
    came first, or, for an answered prompt, the moment the prompt was put."""
    end = state.prompt_at if state.prompt and state.prompt_at else now
    return min(end, state.closes_at) if state.closes_at else end


def next_prompt(now: datetime, remaining: int, left: int, draw: float, interval: int = INTERVAL) -> datetime | None:
    """When the next of ``left`` random presence prompts falls: at the ``draw`` (in [0, 1)) of the next share of the
    study time ahead, at least one interval from now; None when none is left or the lesson is nearly done."""
    if left <= 0 or remaining <= interval:
        return None
    share = remaining / left
    return now + timedelta(seconds=interval + draw * max(0.0, share - interval))


def class_span(starts_on: date, ends_on: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """A class's dates as naive UTC ``[opens_at, closes_at)``: from local midnight of its first day to local
    midnight after its last day, in the class's zone ``tz``."""
    opens = to_utc(datetime.combine(starts_on, time()), tz)
    return opens, to_utc(datetime.combine(ends_on + timedelta(days=1), time()), tz)


def online_room(
    *, cap_hours: float, online_period: float, offline_period: float, online_seconds: int, offline_minutes: int
) -> int:
    """Seconds of online study one day may still be credited: the daily cap (学时, 面授 and online together, rule
    ``attendance.daily_cap_hours``) less the day's 面授 minutes (``offline_period`` minutes a 学时) and the online
    seconds already credited (``online_period`` minutes a 学时), as online seconds. The entry side keeps the same
    budget (``app.training.attendance``): a day never holds more training than one person can attend in a day."""
    left = cap_hours - offline_minutes / offline_period - online_seconds / 60 / online_period
    return max(0, int(left * online_period * 60 + 1e-6))


def within_rooms(shares: list[tuple[date, int]], rooms: dict[date, int]) -> list[tuple[date, int]]:
    """The day shares of a credit, each cut to what its day may still take (days with nothing left dropped)."""
    kept = [(day, min(seconds, rooms.get(day, seconds))) for day, seconds in shares]
    return [(day, seconds) for day, seconds in kept if seconds > 0]


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
