"""Online study: open a lesson page (the person's one active session) and credit its heartbeats.

The rule is :func:`app.training.crediting.credit` over plain values; this module loads those values, and stores
the outcome with atomic statements only (built in :mod:`app.training.study_sql`): the session moves with a
conditional ``UPDATE … WHERE last_at = :seen`` (a retried or racing heartbeat that lost finds no row and credits
nothing), progress and the per-day ledger with ``… SET x = x + :n`` and ``INSERT … ON CONFLICT DO UPDATE``. Nothing
is read, changed in Python and written back. Functions flush; the view commits.
"""

from __future__ import annotations

import functools
import random
import secrets
import time
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app

from app.core.clock import to_local, utcnow, zone_named
from app.core.db import first_row, insert_on_conflict
from app.extensions import db
from app.rules.book import RuleBook
from app.rules.queries import rule_book
from app.training import scope as training_scope
from app.training import study_sql
from app.training.crediting import (
    INTERVAL,
    PAUSED,
    Heartbeat,
    Rules,
    StudyState,
    class_span,
    credit,
    credited_until,
    next_prompt,
    online_room,
    split_by_day,
    within_rooms,
)
from app.training.models import (
    ClassMode,
    Lesson,
    LessonKind,
    LessonProgress,
    StudyCredit,
    StudySession,
    TrainingClass,
)


@dataclass(frozen=True)
class BeatResult:
    credited: int
    refusal: str | None
    lesson_seconds: int
    furthest: float
    #: The open presence prompt's nonce, for the page to show it ("" none).
    prompt: str = ""


def study_rules() -> Rules:
    """The crediting rule's settings (``ANPEI_STUDY_*``). The fastest rate is at least 1 (slower would make normal
    playback look like a seek) and at most 4; a prompt's window at least 10 s; the beat every 10–120 s."""
    config = current_app.config
    return Rules(
        max_rate=min(4.0, max(1.0, float(config.get("STUDY_MAX_RATE", 1.0)))),
        prompts=max(0, int(config.get("STUDY_PROMPTS", 3))),
        prompt_window=max(10, int(config.get("STUDY_PROMPT_WINDOW", 60))),
        prompt_misses=max(0, int(config.get("STUDY_PROMPT_MISSES", 2))),
        interval=min(120, max(10, int(config.get("STUDY_HEARTBEAT_SECONDS", INTERVAL)))),
    )


def class_is_open(training_class: TrainingClass, now: datetime | None = None) -> bool:
    """Online study is open in the class: not a 面授 class, and ``now`` within its dates in the class's own zone
    (the zone of its region's jurisdiction), as every heartbeat checks them."""
    row = first_row(
        db.session.connection(), study_sql.class_zone_statement(), {"zone_region": training_class.region_code or ""}
    )
    return class_open_at(training_class, (row[0] if row else None) or "", now or utcnow())


def class_open_at(training_class: TrainingClass, zone: str, now: datetime) -> bool:
    """:func:`class_is_open` with the class's zone known (``""``: the platform's)."""
    if training_class.mode is ClassMode.OFFLINE:
        return False
    opens_at, closes_at = class_span(training_class.starts_on, training_class.ends_on, zone_named(zone))
    return opens_at <= now < closes_at


@dataclass(frozen=True)
class LessonPage:
    """A learner's lesson in one of their classes as its page and its start need it, read in one statement
    (:func:`my_lesson_page`): the class, the lesson, the class's zone and the person's progress in it."""

    training_class: TrainingClass
    lesson: Lesson
    class_zone: str
    #: A progress row exists (the lesson was opened before); its furthest point and credited seconds, else 0.
    started: bool
    furthest: float
    credited: int
    #: The person's 人像抓拍 consent for the class (``app.people.snapshots.consent.consent_of``).
    consent: bool | None = None

    def studyable(self, now: datetime | None = None) -> bool:
        """:func:`class_is_open`, from what was read."""
        return class_open_at(self.training_class, self.class_zone, now or utcnow())


def my_lesson_page(user, class_id: int, lesson_id: int) -> LessonPage:
    """The worker ``user``'s lesson ``lesson_id`` of their class ``class_id`` (a 404 when either is not theirs:
    :func:`app.training.scope.my_lesson_select`), with the class's zone and their progress, in one statement."""
    row = training_scope.get_my_lesson_row_or_404(user, class_id, lesson_id, study_sql.lesson_page_statement())
    return LessonPage(
        training_class=row[0],
        lesson=row[1],
        class_zone=row.class_zone or "",
        started=row.progress_id is not None,
        furthest=row.furthest or 0.0,
        credited=row.credited_seconds or 0,
        consent=row.consent,
    )


def open_lesson(
    person_id: int,
    training_class: TrainingClass,
    lesson: Lesson,
    *,
    now: datetime | None = None,
    page: LessonPage | None = None,
) -> str:
    """Make this page the person's active study session (any other tab or lesson stops earning) and return its
    token. The progress row is created here, so heartbeats only ever update it. ``page``: the progress as
    :func:`my_lesson_page` read it (else it is read here)."""
    now = now or utcnow()
    token = secrets.token_urlsafe(24)
    if page is not None:
        started, furthest, credited = page.started, page.furthest, page.credited
    elif progress := _progress(person_id, training_class.id, lesson.id):
        started, furthest, credited = True, progress.furthest, progress.credited_seconds
    else:
        started, furthest, credited = False, 0.0, 0
    rules = study_rules()
    prompts = 0 if lesson.kind is LessonKind.VIDEO else rules.prompts
    remaining = lesson.duration_seconds - credited
    values = {
        "token": token,
        "class_id": training_class.id,
        "lesson_id": lesson.id,
        "started_at": now,
        "last_at": None,
        "position": furthest,
        "lag": 0.0,
        "page": PAUSED,
        "prompt": "",
        "prompt_at": None,
        "next_prompt_at": next_prompt(now, remaining, prompts, random.random(), rules.interval),  # noqa: S311 — when a presence prompt falls; the page learns it only when it comes
        "prompts_left": prompts,
        "misses": 0,
    }
    stmt = insert_on_conflict(db.session, StudySession).values(person_id=person_id, **values)
    db.session.execute(stmt.on_conflict_do_update(index_elements=["person_id"], set_=values))
    if not started:  # progress rows are never removed: one that was read exists
        db.session.execute(
            insert_on_conflict(db.session, LessonProgress)
            .values(
                person_id=person_id, class_id=training_class.id, lesson_id=lesson.id, furthest=0.0, credited_seconds=0
            )
            .on_conflict_do_nothing(index_elements=["person_id", "class_id", "lesson_id"])
        )
    db.session.flush()
    return token


def _progress(person_id: int, class_id: int, lesson_id: int) -> LessonProgress | None:
    return db.session.scalar(
        sa.select(LessonProgress).where(
            LessonProgress.person_id == person_id,
            LessonProgress.class_id == class_id,
            LessonProgress.lesson_id == lesson_id,
        )
    )


@dataclass(frozen=True)
class BeatRead:
    """The heartbeat's read made with the login check (:func:`read_beat`): when, and the row."""

    now: datetime
    row: Any


def read_beat(conn: sa.Connection, user_id: int) -> tuple[Any, BeatRead]:
    """``@signed_in_as(…, read=read_beat)``: the user's login columns and their person's active session as
    :func:`heartbeat` reads it, in one statement (the login check took a statement of its own on every beat)."""
    now = utcnow()
    params = {"b_user": user_id, "b_today": _platform_today(now)}
    row = first_row(conn, study_sql.read_statement(by_user=True), params)
    return row, BeatRead(now, row)


def _platform_today(now: datetime) -> date:
    return to_local(now, zone_named(current_app.config["BABEL_DEFAULT_TIMEZONE"])).date()


def heartbeat(
    person_id: int,
    beat: Heartbeat,
    *,
    now: datetime | None = None,
    conn: sa.Connection | None = None,
    rules: Rules | None = None,
    hold: int | None = None,
    read: BeatRead | None = None,
) -> BeatResult:
    """Credit one heartbeat of the person's lesson page (see :mod:`app.training.crediting`).

    Two statements on PostgreSQL: one read (session, lesson, progress, the class with its zone and the person's
    enrolment, and the learner's zone) and one write (the session's conditional move, the progress and the day
    ledger, as data-modifying CTEs that only run when the move won). Both are built once (heartbeats are the busiest
    request of online study: :mod:`app.training.study_sql`) and run on ``conn`` (the view's
    :func:`app.auth.access.lean_connection`; the ORM session's connection by default), as prepared statements on
    psycopg's connection (:func:`app.core.db.first_row`). The caller commits.

    ``hold``: the 人像抓拍 in whose window this beat falls, when that window's credit is held (``app.training.held``):
    the day shares go into the held credit instead of the ledger, and the beat moves nothing unless the snapshot is
    still held when it writes.

    ``read``: the read already made with the login check (:func:`read_beat`), at its ``now``."""
    conn = conn or db.session.connection()
    if read is not None:
        now, row = read.now, read.row
        today = _platform_today(now)
    else:
        now = now or utcnow()
        today = _platform_today(now)
        row = first_row(conn, study_sql.read_statement(), {"b_person": person_id, "b_today": today})
    if row is None or row.token is None:  # no active session (with the login: the session columns are NULL)
        return BeatResult(0, "taken_over", 0, 0.0)
    state = _state(row)
    new, seconds, refusal = credit(
        state,
        beat,
        now,
        rules or study_rules(),
        nonce=secrets.token_urlsafe(12),
        draw=random.random(),  # noqa: S311 — when a presence prompt falls; the page learns it only when it comes
    )
    if refusal == "taken_over":
        return BeatResult(0, refusal, row.credited_seconds, row.furthest)
    days = split_by_day(credited_until(state, now), seconds, zone_named(row.zone or "")) if seconds else []
    if days:  # the daily cap: 面授 and online study of the day together
        known = {today: (row.day_online, row.day_offline)}  # read with the session: most beats need no more
        days = within_rooms(days, _day_rooms(conn, person_id, row.region_code or "", [d for d, _ in days], known))
        if sum(share for _, share in days) < seconds:
            seconds, refusal = sum(share for _, share in days), refusal or "daily_cap"
    if not seconds and _unchanged(state, new):  # nothing to write (a prompt holding the clock, a repeated beat)
        return BeatResult(0, refusal, row.credited_seconds, row.furthest, new.prompt if refusal == "prompt" else "")
    progressed = bool(seconds or new.furthest > row.furthest)
    params = {
        "b_person": person_id,
        "b_token": beat.token,
        "seen": row.last_at,
        "b_last_at": new.last_at,
        "b_position": new.position,
        "b_lag": new.lag,
        "b_page": new.page,
        "seen_prompt": row.prompt,
        "b_prompt": new.prompt,
        "b_prompt_at": new.prompt_at,
        "b_next_prompt_at": new.next_prompt_at,
        "b_prompts_left": new.prompts_left,
        "b_misses": new.misses,
        "b_class": row.class_id,
        "b_lesson": row.lesson_id,
        "b_seconds": seconds,
        "b_furthest": new.furthest,
    }
    for k, (day, share) in enumerate(days):
        params[f"day{k}"], params[f"share{k}"] = day, share
    if hold is not None:
        params["b_hold"] = hold
    if conn.dialect.name == "postgresql":
        moved, credited = first_row(conn, study_sql.write_statement(progressed, len(days), hold is not None), params)
    else:
        moved, credited = study_sql.write_in_steps(conn, progressed, len(days), params, hold is not None)
    if not moved:  # a racing heartbeat of the same page got there first: it carries the credit
        return BeatResult(0, "duplicate", row.credited_seconds, row.furthest)
    return BeatResult(
        seconds,
        refusal,
        row.credited_seconds if credited is None else credited,
        max(new.furthest, row.furthest),
        new.prompt if refusal == "prompt" else "",
    )


#: What the session's move writes (``app.training.study_sql``), and the furthest point the progress keeps.
_STORED = ("last_at", "position", "lag", "page", "prompt", "prompt_at", "next_prompt_at", "prompts_left", "misses")


def _unchanged(state: StudyState, new: StudyState) -> bool:
    """The beat moves nothing the session or the progress store. Not the common case: every other beat moves
    the clock at least, and that write is part of the rule (an interval is judged from the last beat, whatever it
    earned)."""
    return new.furthest <= state.furthest and all(getattr(new, k) == getattr(state, k) for k in _STORED)


#: How long a process keeps the daily-cap rules it read (a rule edit reaches heartbeats within this); 0: not kept.
_CAP_KEYS = ("attendance.daily_cap_hours", "period.minutes.online", "period.minutes.offline")
_cap_book: tuple[float, RuleBook] | None = None


def _cap_rules(conn: sa.Connection) -> RuleBook:
    """The daily cap's rule versions, read on the heartbeat's connection at most every ``STUDY_RULES_MAX_AGE``
    seconds per process (heartbeats are the busiest request; the rules change a few times a year)."""
    global _cap_book
    max_age = float(current_app.config.get("STUDY_RULES_MAX_AGE", 60))
    now = time.monotonic()
    if _cap_book is None or now - _cap_book[0] >= max_age:
        _cap_book = (now, rule_book(_CAP_KEYS, conn=conn))
    return _cap_book[1]


def _day_rooms(
    conn: sa.Connection, person_id: int, region_code: str, days: list[date], known: dict[date, tuple[int, int]]
) -> dict[date, int]:
    """What each of ``days`` may still be credited online (:func:`app.training.crediting.online_room`), from the
    person's online seconds and 面授 minutes on that day: ``known`` (read with the session), else read here (a beat
    across midnight, a learner in another zone than the platform's)."""
    missing = [day for day in days if day not in known]
    if missing:
        params = {"b_person": person_id, **{f"day{k}": day for k, day in enumerate(missing)}}
        totals = first_row(conn, study_sql.day_totals_statement(len(missing)), params)
        known = {**known, **{day: (totals[2 * k], totals[2 * k + 1]) for k, day in enumerate(missing)}}
    book = _cap_rules(conn)
    rooms = {}
    for day in days:
        value = functools.partial(book.value, region_code=region_code, on=day)
        online, offline = known[day]
        rooms[day] = online_room(
            cap_hours=value("attendance.daily_cap_hours"),
            online_period=value("period.minutes.online"),
            offline_period=value("period.minutes.offline"),
            online_seconds=int(online),
            offline_minutes=int(offline),
        )
    return rooms


def _state(row) -> StudyState:
    """The rule's view of the read: the class's dates in its own zone (an offline class has none for online
    study), the enrolment and whether the lesson is one of the class's course."""
    opens_at, closes_at = class_span(row.starts_on, row.ends_on, zone_named(row.class_zone or ""))
    if row.mode == ClassMode.OFFLINE.value:
        closes_at = opens_at
    return StudyState(
        token=row.token,
        lesson_id=row.lesson_id,
        duration=row.duration_seconds,
        last_at=row.last_at,
        position=row.position,
        furthest=row.furthest,
        credited=row.credited_seconds,
        lag=row.lag,
        page=row.page,
        timed=row.kind == LessonKind.VIDEO.value,
        opens_at=opens_at,
        closes_at=closes_at,
        enrolled=row.enrolment_id is not None,
        in_class=row.lesson_course_id == row.class_course_id,
        prompt=row.prompt,
        prompt_at=row.prompt_at,
        next_prompt_at=row.next_prompt_at,
        prompts_left=row.prompts_left,
        misses=row.misses,
    )


def lesson_progress(person_id: int, class_id: int) -> dict[int, LessonProgress]:
    """The person's progress per lesson id in a class."""
    rows = db.session.scalars(
        sa.select(LessonProgress).where(LessonProgress.person_id == person_id, LessonProgress.class_id == class_id)
    )
    return {p.lesson_id: p for p in rows}


def online_seconds(person_id: int, class_id: int) -> int:
    """Seconds of online study credited to the person in a class (the per-day ledger's sum)."""
    return int(
        db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(StudyCredit.seconds), 0)).where(
                StudyCredit.person_id == person_id, StudyCredit.class_id == class_id
            )
        )
    )
