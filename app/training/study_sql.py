"""The statements of online study (:mod:`app.training.study` runs them and holds the rule they serve).

The heartbeat is the busiest request of online study: two statements on PostgreSQL, its read
(:func:`read_statement`) and its write (:func:`write_statement`), run as prepared statements on psycopg's connection
(:func:`app.core.db.first_row`); elsewhere (SQLite) the same writes run one statement each (:func:`write_in_steps`).
The statements take bound parameters only and are built once per shape (``functools.cache``): building one cost more
CPU than running it.
"""

from __future__ import annotations

import functools

import sqlalchemy as sa

from app.auth.access import login_columns
from app.auth.models import User
from app.core.db import INSERTS
from app.people.models import SnapshotContext
from app.people.snapshots.consent import consent_sql
from app.people.zones import person_zone_sql, region_zone_sql
from app.training import scope as training_scope
from app.training.held import held_ledger, held_upsert, still_held
from app.training.models import (
    AttendanceDay,
    Enrolment,
    HeldCredit,
    Lesson,
    LessonProgress,
    StudyCredit,
    StudySession,
    TrainingClass,
)

_SESSIONS, _LESSONS, _CLASSES = StudySession.__table__, Lesson.__table__, TrainingClass.__table__
_PROGRESS, _CREDITS, _ENROLMENTS = LessonProgress.__table__, StudyCredit.__table__, Enrolment.__table__
_ATTENDANCE, _HELD = AttendanceDay.__table__, HeldCredit.__table__


@functools.cache
def class_zone_statement() -> sa.Select:
    """The zone of the region ``:zone_region`` (:func:`app.training.study.class_is_open`). Built once (building
    the zone's subquery cost ~4 ms of CPU, more than running it)."""
    return sa.select(region_zone_sql(sa.bindparam("zone_region", type_=sa.String)))


@functools.cache
def lesson_page_statement() -> sa.Select:
    """The lesson page's read (:func:`app.training.study.my_lesson_page`): the learner's lesson of their class, the
    class's zone, their progress in it (an outer join: none before the first start) and their 人像抓拍 consent."""
    p, person = _PROGRESS, sa.bindparam("my_person", type_=sa.Integer)
    return (
        training_scope.my_lesson_select()
        .add_columns(
            region_zone_sql(TrainingClass.region_code).label("class_zone"),
            p.c.id.label("progress_id"),
            p.c.furthest,
            p.c.credited_seconds,
            consent_sql(person, SnapshotContext.LESSON, TrainingClass.id).label("consent"),
        )
        .outerjoin(
            p,
            sa.and_(
                p.c.person_id == person,
                p.c.class_id == TrainingClass.id,
                p.c.lesson_id == Lesson.id,
            ),
        )
    )


def _day_totals(person: sa.ColumnElement, day: sa.ColumnElement) -> tuple[sa.ColumnElement, sa.ScalarSelect]:
    """The person's online seconds on ``day`` — in the ledger, and held until a 人像抓拍 is confirmed (released later,
    so counted now) — and 面授 minutes (every class)."""
    online = sa.select(sa.func.coalesce(sa.func.sum(_CREDITS.c.seconds), 0))
    held = sa.select(sa.func.coalesce(sa.func.sum(_HELD.c.seconds), 0))
    offline = sa.select(sa.func.coalesce(sa.func.max(_ATTENDANCE.c.minutes), 0))
    return (
        online.where(_CREDITS.c.person_id == person, _CREDITS.c.day == day).scalar_subquery()
        + held.where(_HELD.c.person_id == person, _HELD.c.day == day).scalar_subquery(),
        offline.where(_ATTENDANCE.c.person_id == person, _ATTENDANCE.c.day == day).scalar_subquery(),
    )


@functools.cache
def day_totals_statement(days: int) -> sa.Select:
    """:func:`_day_totals` of the bound days ``day0, …``, in one row."""
    person = sa.bindparam("b_person", type_=sa.Integer)
    return sa.select(*(c for k in range(days) for c in _day_totals(person, sa.bindparam(f"day{k}", type_=sa.Date))))


@functools.cache
def read_statement(by_user: bool = False) -> sa.Select:
    """The person's active session with its lesson (length, kind, course), its progress, its class (dates, mode,
    course, the zone of its region), the person's enrolment in it (an outer join: none, no credit) and the
    learner's zone (for the day the credit goes to: as :func:`app.people.zones.user_zone`, without loading the
    user), and the person's online seconds and 面授 minutes on ``:b_today`` (the platform zone's today: the daily
    cap's figures for nearly every beat). Enum columns are read as their stored text (``first_row`` returns plain values).

    ``by_user``: of the user ``:b_user``'s person, with the user's login columns
    (:func:`app.auth.access.login_columns`): the login check of the heartbeat and its read in one statement; a user
    without an active session gets a row of the login columns and NULLs."""
    s, p, c, e, lesson, u = _SESSIONS, _PROGRESS, _CLASSES, _ENROLMENTS, _LESSONS, User.__table__
    stmt = sa.select(
        *(login_columns(u) if by_user else ()),
        s.c.token,
        s.c.class_id,
        s.c.lesson_id,
        s.c.last_at,
        s.c.position,
        s.c.lag,
        s.c.page,
        s.c.prompt,
        s.c.prompt_at,
        s.c.next_prompt_at,
        s.c.prompts_left,
        s.c.misses,
        lesson.c.duration_seconds,
        sa.cast(lesson.c.kind, sa.String).label("kind"),
        lesson.c.course_id.label("lesson_course_id"),
        p.c.furthest,
        p.c.credited_seconds,
        c.c.starts_on,
        c.c.ends_on,
        sa.cast(c.c.mode, sa.String).label("mode"),
        c.c.course_id.label("class_course_id"),
        c.c.region_code,
        e.c.id.label("enrolment_id"),
        region_zone_sql(c.c.region_code).label("class_zone"),
        person_zone_sql(s.c.person_id).label("zone"),
        *(
            total.label(name)
            for total, name in zip(
                _day_totals(s.c.person_id, sa.bindparam("b_today", type_=sa.Date)),
                ("day_online", "day_offline"),
                strict=True,
            )
        ),
    )
    session = (
        s.join(lesson, lesson.c.id == s.c.lesson_id)
        .join(p, sa.and_(p.c.person_id == s.c.person_id, p.c.class_id == s.c.class_id, p.c.lesson_id == s.c.lesson_id))
        .join(c, c.c.id == s.c.class_id)
        .outerjoin(e, sa.and_(e.c.class_id == s.c.class_id, e.c.person_id == s.c.person_id))
    )
    if by_user:
        return stmt.select_from(u.outerjoin(session, s.c.person_id == u.c.person_id)).where(
            u.c.id == sa.bindparam("b_user", type_=sa.Integer)
        )
    return stmt.select_from(session).where(s.c.person_id == sa.bindparam("b_person"))


def _moves(held: bool = False) -> tuple[sa.Update, sa.Update]:
    """Two of the three writes of a heartbeat, with bound parameters (the third is :func:`_ledger`):

    * ``move``: the session's clock, position, lag, page state and prompt, only from the state the rule saw
      (``last_at`` and the open prompt unchanged, the token still this page's): a retried or racing heartbeat that
      lost finds no row and credits nothing;
    * ``progress``: ``credited_seconds + :seconds`` and the furthest position, never lowered;

    ``held``: the move also needs the 人像抓拍 ``:b_hold`` still held (:func:`app.training.held.still_held`).
    """
    s, p = _SESSIONS, _PROGRESS
    move = (
        sa.update(s)
        .where(
            s.c.person_id == sa.bindparam("b_person"),
            s.c.token == sa.bindparam("b_token"),
            s.c.last_at.is_not_distinct_from(sa.bindparam("seen", type_=sa.DateTime)),
            s.c.prompt == sa.bindparam("seen_prompt", type_=sa.String),
        )
        .values(
            last_at=sa.bindparam("b_last_at", type_=sa.DateTime),
            position=sa.bindparam("b_position", type_=sa.Float),
            lag=sa.bindparam("b_lag", type_=sa.Float),
            page=sa.bindparam("b_page", type_=sa.String),
            prompt=sa.bindparam("b_prompt", type_=sa.String),
            prompt_at=sa.bindparam("b_prompt_at", type_=sa.DateTime),
            next_prompt_at=sa.bindparam("b_next_prompt_at", type_=sa.DateTime),
            prompts_left=sa.bindparam("b_prompts_left", type_=sa.Integer),
            misses=sa.bindparam("b_misses", type_=sa.Integer),
        )
    )
    if held:
        move = move.where(still_held())
    furthest = sa.bindparam("b_furthest", type_=sa.Float)
    progress = (
        sa.update(p)
        .where(
            p.c.person_id == sa.bindparam("b_person"),
            p.c.class_id == sa.bindparam("b_class"),
            p.c.lesson_id == sa.bindparam("b_lesson"),
        )
        .values(
            credited_seconds=p.c.credited_seconds + sa.bindparam("b_seconds", type_=sa.Integer),
            furthest=sa.case((p.c.furthest < furthest, furthest), else_=p.c.furthest),
        )
    )

    return move, progress


def _ledger(shares: sa.Select, held: bool = False) -> sa.Insert:
    """PostgreSQL ``INSERT … ON CONFLICT DO UPDATE``: the day shares (rows of ``day, seconds``) added into the
    per-day ledger (``held``: into the held credit of the 人像抓拍 ``:b_hold``)."""
    c = _CREDITS
    person, class_id, lesson_id = (sa.bindparam(k, type_=sa.Integer) for k in ("b_person", "b_class", "b_lesson"))
    days = shares.subquery("shares")
    if held:
        insert = held_ledger("postgresql").from_select(
            ["snapshot_id", "person_id", "class_id", "lesson_id", "day", "seconds"],
            sa.select(
                sa.bindparam("b_hold", type_=sa.Integer), person, class_id, lesson_id, days.c.day, days.c.seconds
            ),
        )
        return held_upsert(insert)
    insert = INSERTS["postgresql"](c).from_select(
        ["person_id", "class_id", "lesson_id", "day", "seconds"],
        sa.select(person, class_id, lesson_id, days.c.day, days.c.seconds),
    )
    return insert.on_conflict_do_update(
        index_elements=[c.c.person_id, c.c.class_id, c.c.lesson_id, c.c.day],
        set_={"seconds": c.c.seconds + insert.excluded.seconds},
    )


def _shares(days: int, won: sa.ColumnElement) -> sa.Select:
    """The bound day shares ``day0, share0, …`` as rows, only when ``won`` holds."""
    selects = [
        sa.select(
            sa.bindparam(f"day{k}", type_=sa.Date).label("day"),
            sa.bindparam(f"share{k}", type_=sa.Integer).label("seconds"),
        )
        for k in range(days)
    ]
    selects = [q.where(won) for q in selects]
    return selects[0] if days == 1 else sa.union_all(*selects)


@functools.cache
def write_statement(progressed: bool, days: int, held: bool = False) -> sa.Select:
    """PostgreSQL: the writes in one statement, ``(1 if the session moved else 0, credited_seconds or NULL)``.
    The progress and ledger CTEs are conditioned on the move (``EXISTS (SELECT FROM moved)``)."""
    move, progress = _moves(held)
    moved = move.returning(_SESSIONS.c.person_id).cte("moved")
    won = sa.exists(sa.select(moved.c.person_id))
    columns = [sa.select(sa.func.count()).select_from(moved).scalar_subquery()]
    if progressed:
        progressed_cte = progress.where(won).returning(_PROGRESS.c.credited_seconds).cte("progressed")
        columns.append(sa.select(progressed_cte.c.credited_seconds).scalar_subquery())
    else:
        columns.append(sa.null())
    stmt = sa.select(*columns)
    if days:
        ledger = _ledger(_shares(days, won), held)
        stmt = stmt.add_cte(ledger.returning(ledger.table.c.id).cte("ledger"))
    return stmt


def write_in_steps(
    conn: sa.Connection, progressed: bool, days: int, params: dict, held: bool = False
) -> tuple[int, int | None]:
    """Other databases (SQLite in tests and embedded mode): the same writes, one statement each."""
    move, progress = _moves(held)
    if not conn.execute(move, params).rowcount:
        return 0, None
    credited = None
    if progressed:
        credited = conn.execute(progress.returning(_PROGRESS.c.credited_seconds), params).scalar_one()
    if days and held:
        ids = {"snapshot_id": params["b_hold"], "person_id": params["b_person"], "class_id": params["b_class"]}
        rows = [
            {**ids, "lesson_id": params["b_lesson"], "day": params[f"day{k}"], "seconds": params[f"share{k}"]}
            for k in range(days)
        ]
        conn.execute(held_upsert(held_ledger(conn.dialect.name).values(rows)))
    elif days:
        ids = {"person_id": params["b_person"], "class_id": params["b_class"], "lesson_id": params["b_lesson"]}
        stmt = INSERTS[conn.dialect.name](_CREDITS).values(
            [{**ids, "day": params[f"day{k}"], "seconds": params[f"share{k}"]} for k in range(days)]
        )
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=["person_id", "class_id", "lesson_id", "day"],
                set_={"seconds": _CREDITS.c.seconds + stmt.excluded.seconds},
            )
        )
    return 1, credited
