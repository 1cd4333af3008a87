"""Attempts — the concurrency core of the exam engine: start or resume, autosave, exactly-once submission,
grading, expiry, extensions, focus losses.

Functions take plain objects, an explicit ``now`` and an ``actor`` (a ``User`` or None for the system), and flush;
the view or the Celery task commits (STYLE.md 3.4). None of them reads ``current_user``, so a ticket-based entry
(逢查必考 spot checks, no login) can drive the same attempt.

Concurrency is settled by the database, without ``SELECT … FOR UPDATE``, on SQLite and PostgreSQL alike:

- start: ``INSERT … ON CONFLICT (sitting_id, person_id) DO NOTHING`` — a double start yields one attempt;
- autosave: a conditional ``UPDATE exams_attempts … WHERE state='in_progress' AND deadline >= now - grace``
  (which also orders the save against a concurrent submit on the attempt's row lock), then
  ``INSERT … ON CONFLICT (attempt_id, position) DO UPDATE … WHERE client_seq < excluded.client_seq`` — a late retry
  of an older change never overwrites a newer one. On PostgreSQL the two run as one statement (data-modifying
  CTEs), one round trip;
- submit, expire, grade: ``UPDATE … WHERE id=:id AND state IN (sources)`` and a rowcount check — exactly one
  request wins, grades and writes the archive events; every other one reads the stored result.
"""

from __future__ import annotations

import functools
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from app.archive.services import record_event
from app.bank.queries import question_index
from app.core import jsontext
from app.core.db import INSERTS, conditional_update, dialect_name, insert_on_conflict, utcnow
from app.core.errors import DomainError
from app.exams import gates, listeners
from app.exams import messages as _messages  # noqa: F401  (registers the exam codes)
from app.exams.models import (
    Answer,
    Attempt,
    AttemptLog,
    AttemptState,
    ItemResult,
    Sitting,
    sources_of,
)
from app.exams.sittings import is_candidate
from app.extensions import db
from question_bank import InsufficientQuestions, Paper, PaperSpec, QuestionType, assemble_paper, grade

log = logging.getLogger(__name__)

#: Upper bound of ``client_seq`` (the column is a 32-bit integer).
MAX_SEQ = 2**31 - 1
MAX_FILL_LENGTH = 500
MAX_EXTENSION_MINUTES = 240


def grace() -> timedelta:
    """How long after the deadline answers are still accepted (network latency, a last click)."""
    return timedelta(seconds=current_app.config.get("EXAM_GRACE_SECONDS", 30))


def _event(sitting: Sitting, person_id: int, kind: str, payload: dict, *, actor=None, at=None) -> None:
    """One archive event in the candidate's 一人一档, tagged with the organising enterprise (if any)."""
    record_event(
        person_id,
        kind,
        {"sitting": sitting.id, "title": sitting.title, "exam_kind": sitting.kind.value, **payload},
        actor=actor,
        enterprise_id=sitting.enterprise_id,
        at=at,
    )


# ---------------------------------------------------------------- start / resume


def find_attempt(sitting: Sitting, person_id: int) -> Attempt | None:
    return db.session.scalars(
        sa.select(Attempt).where(Attempt.sitting_id == sitting.id, Attempt.person_id == person_id)
    ).first()


def check_can_start(sitting: Sitting, person_id: int, now: datetime, access_code: str | None = None) -> None:
    """:raises DomainError: unless the person may start a new attempt of ``sitting`` now."""
    if not is_candidate(sitting, person_id):
        raise DomainError("sitting.not_candidate")
    if now < sitting.opens_at:
        raise DomainError("sitting.not_open", opens_at=sitting.opens_at)
    if now >= sitting.closes_at:
        raise DomainError("sitting.closed")
    if sitting.access_code and not hmac.compare_digest(
        (access_code or "").strip().encode(), sitting.access_code.encode()
    ):
        raise DomainError("sitting.access_code")
    if (not_yet := gates.start_refusal(sitting, person_id, now)) is not None:  # e.g. 逢培必考: hours first
        raise DomainError("sitting.not_yet", reason=not_yet)


def start_or_resume(
    sitting: Sitting,
    person_id: int,
    *,
    ip: str = "",
    user_agent: str = "",
    now: datetime | None = None,
    access_code: str | None = None,
    actor=None,
) -> Attempt:
    """The person's attempt at ``sitting``: the existing one (any state), or a new one with a freshly assembled paper.

    A new paper is drawn with a fresh random seed and frozen in the attempt (questions, option order, seed).
    Two concurrent starts insert with ``ON CONFLICT DO NOTHING``: one row wins and both callers get it.

    :raises DomainError: see :func:`check_can_start` (only when no attempt exists yet: resuming needs no code).
    """
    now = now or utcnow()
    attempt = find_attempt(sitting, person_id)
    if attempt is not None:
        if attempt.is_open and (ip, user_agent[:300]) != (attempt.ip, attempt.user_agent):
            db.session.add(
                AttemptLog(
                    attempt_id=attempt.id, kind="resumed", detail={"ip": ip, "user_agent": user_agent[:300]}, at=now
                )
            )
            db.session.flush()
        return attempt
    check_can_start(sitting, person_id, now, access_code)
    seed = secrets.randbits(63)
    try:
        paper = assemble_paper(PaperSpec.from_dict(sitting.spec), question_index(sitting.bank_ids), seed=seed)
    except InsufficientQuestions as exc:  # questions retired since the sitting was created
        raise DomainError("paper.insufficient", detail=str(exc)) from None
    attempt = db.session.scalars(
        insert_on_conflict(db.session, Attempt)
        .values(
            sitting_id=sitting.id,
            person_id=person_id,
            state=AttemptState.IN_PROGRESS,
            paper=paper.to_dict(),
            questions_json=jsontext.dumps(paper.public_view()),
            seed=seed,
            started_at=now,
            deadline=sitting.deadline_for(now),
            extra_minutes=0,
            focus_losses=0,
            ip=ip[:45],
            user_agent=user_agent[:300],
        )
        .on_conflict_do_nothing(index_elements=["sitting_id", "person_id"])
        .returning(Attempt)
    ).first()
    if attempt is None:  # a concurrent start won: its attempt is the one
        return find_attempt(sitting, person_id)
    _event(
        sitting,
        person_id,
        "exam.started",
        {
            "attempt": attempt.id,
            "questions": len(paper.items),
            "deadline": attempt.deadline.isoformat(timespec="seconds"),
            "ip": ip[:45],
        },
        actor=actor,
        at=now,
    )
    return attempt


# ---------------------------------------------------------------- autosave


@dataclass(frozen=True)
class Saved:
    """Outcome of an autosave: ``applied`` is False when a newer change (higher seq) was already stored."""

    applied: bool
    seconds_left: int


#: (attempt id, seed) → (question type, option count) per item. Papers never change once frozen, so autosave need
#: not load and parse the whole paper JSON on every request; the seed in the key makes a reused id harmless.
_SHAPES: dict[tuple[int, int], tuple[tuple[str, int], ...]] = {}
_SHAPES_MAX = 50_000


def item_shapes(attempt: Attempt) -> tuple[tuple[str, int], ...]:
    key = (attempt.id, attempt.seed)
    shapes = _SHAPES.get(key)
    if shapes is None:
        shapes = tuple((it["question"]["type"], len(it["question"]["options"])) for it in attempt.paper["items"])
        if len(_SHAPES) >= _SHAPES_MAX:
            _SHAPES.clear()
        _SHAPES[key] = shapes
    return shapes


def _validate_response(shape: tuple[str, int], response: Any) -> Any:
    """The response normalised for storage (None when cleared), or DomainError("answer.invalid")."""
    if response is None:
        return None
    qtype, n_options = QuestionType(shape[0]), shape[1]
    if qtype is QuestionType.FILL:
        if not isinstance(response, str) or len(response) > MAX_FILL_LENGTH:
            raise DomainError("answer.invalid", http_status=400)
        return response if response.strip() else None
    if not isinstance(response, list) or not all(type(x) is int and 0 <= x < n_options for x in response):
        raise DomainError("answer.invalid", http_status=400)
    chosen = sorted(set(response))
    if qtype is not QuestionType.MULTIPLE and len(chosen) > 1:
        raise DomainError("answer.invalid", http_status=400)
    return chosen or None


def save_answer(
    attempt: Attempt,
    position: int,
    response: Any,
    client_seq: int,
    now: datetime | None = None,
    *,
    flagged: bool = False,
) -> Saved:
    """Store the candidate's latest response to one question (idempotent; last ``client_seq`` wins).

    :param response: displayed option positions (list of int) for choice questions, a string for 填空, None to clear.
    :raises DomainError: ``answer.invalid`` for a bad position, response or seq; ``attempt.closed`` once the attempt
        is submitted or past its deadline plus the grace period.
    """
    now = now or utcnow()
    shapes = item_shapes(attempt)
    if (
        type(position) is not int
        or not 0 <= position < len(shapes)
        or type(client_seq) is not int
        or not 0 <= client_seq <= MAX_SEQ
    ):
        raise DomainError("answer.invalid", http_status=400)
    response = _validate_response(shapes[position], response)
    params = {
        "attempt": attempt.id,
        "not_before": now - grace(),
        "now": now,
        "pos": position,
        "resp": response,
        "flag": bool(flagged),
        "seq": client_seq,
    }
    if dialect_name(db.session) == "postgresql":
        deadline, applied = db.session.execute(_autosave_postgresql(), params).one()
        if deadline is None:
            raise DomainError("attempt.closed")
        return Saved(applied=applied == 1, seconds_left=max(0, int((deadline - now).total_seconds())))
    live, upsert = _autosave_statements("sqlite")
    if db.session.execute(live, params).rowcount != 1:
        raise DomainError("attempt.closed")
    applied = db.session.execute(upsert, params).first() is not None
    return Saved(applied=applied, seconds_left=attempt.seconds_left(now))


@functools.cache
def _autosave_statements(dialect: str) -> tuple[sa.Update, Any]:
    """The two statements of an autosave, built once with bound parameters (autosave is the busiest request).

    ``live``: touch the attempt only while it takes answers. The UPDATE takes the attempt's row lock: a concurrent
    submit either waits for this save (and grades it) or wins first (and this save finds the state changed and is
    refused). Never an answer stored after grading.

    ``upsert``: the answer, unless a newer one (higher client seq) is stored already; returns its id when written.
    """
    attempts, answers = Attempt.__table__, Answer.__table__
    live = (
        sa.update(attempts)
        .where(
            attempts.c.id == sa.bindparam("attempt"),
            attempts.c.state == AttemptState.IN_PROGRESS,
            attempts.c.deadline >= sa.bindparam("not_before", type_=sa.DateTime),
        )
        .values(last_saved_at=sa.bindparam("now", type_=sa.DateTime))
    )
    # A cleared answer is SQL NULL (not JSON null), so "answered" counts are a plain IS NOT NULL.
    values = {
        "position": sa.bindparam("pos", type_=sa.Integer),
        "response": sa.bindparam("resp", type_=sa.JSON(none_as_null=True)),
        "flagged": sa.bindparam("flag", type_=sa.Boolean),
        "client_seq": sa.bindparam("seq", type_=sa.Integer),
        "saved_at": sa.bindparam("now", type_=sa.DateTime),
    }
    insert = INSERTS[dialect]
    if dialect == "postgresql":  # one statement: the answer row is selected from the UPDATE's RETURNING
        live = live.returning(attempts.c.id, attempts.c.deadline).cte("live")
        stmt = insert(answers).from_select(["attempt_id", *values], sa.select(live.c.id, *values.values()))
    else:
        stmt = insert(answers).values(attempt_id=sa.bindparam("attempt"), **values)
    upsert = stmt.on_conflict_do_update(
        index_elements=[answers.c.attempt_id, answers.c.position],
        set_={k: stmt.excluded[k] for k in values},
        where=answers.c.client_seq < stmt.excluded.client_seq,
    ).returning(answers.c.id)
    return live, upsert


@functools.cache
def _autosave_postgresql() -> sa.Select:
    """Both autosave statements as data-modifying CTEs in one: one round trip. Returns (deadline or NULL when the
    attempt no longer takes answers, 1 when the answer was written)."""
    live, upsert = _autosave_statements("postgresql")
    saved = upsert.cte("saved")
    return sa.select(
        sa.select(live.c.deadline).scalar_subquery(), sa.select(sa.func.count()).select_from(saved).scalar_subquery()
    )


def saved_answers(attempt: Attempt) -> dict[int, dict]:
    """position → {response, flagged, seq} of every saved answer."""
    rows = db.session.execute(
        sa.select(Answer.position, Answer.response, Answer.flagged, Answer.client_seq).where(
            Answer.attempt_id == attempt.id
        )
    )
    return {r.position: {"response": r.response, "flagged": r.flagged, "seq": r.client_seq} for r in rows}


# ---------------------------------------------------------------- submit, grade, expire


def _set_state(attempt: Attempt, target: AttemptState, **values) -> bool:
    """Move ``attempt`` to ``target`` if it is still in a source state; True for the one caller that did it."""
    won = (
        db.session.execute(
            conditional_update(Attempt)
            .where(Attempt.id == attempt.id, Attempt.state.in_(sources_of(target)))
            .values(**values)
        ).rowcount
        == 1
    )
    db.session.refresh(attempt)
    return won


def submit(attempt: Attempt, now: datetime | None = None, *, by=None) -> Attempt:
    """交卷, exactly once: the first caller moves the attempt on and grades it; later or concurrent callers
    (double click, retry, second device, the beat job) get the same stored result.

    An attempt submitted after its deadline plus grace is recorded as expired (its late answers were refused anyway).

    :param by: the ``User`` who submitted, or None for the system (expiry).
    :return: the attempt, graded.
    """
    now = now or utcnow()
    if attempt.state is AttemptState.IN_PROGRESS:
        in_time = Attempt.deadline >= now - grace()
        state = sa.case((in_time, AttemptState.SUBMITTED.value), else_=AttemptState.EXPIRED.value)
        if _set_state(attempt, AttemptState.SUBMITTED, state=state, submitted_at=now):
            kind = "exam.submitted" if attempt.state is AttemptState.SUBMITTED else "exam.expired"
            answered = db.session.scalar(
                sa.select(sa.func.count()).select_from(Answer).where(Answer.attempt_id == attempt.id)
            )
            _event(
                attempt.sitting,
                attempt.person_id,
                kind,
                {"attempt": attempt.id, "answered": answered},
                actor=by,
                at=now,
            )
    if attempt.state in (AttemptState.SUBMITTED, AttemptState.EXPIRED):
        grade_attempt(attempt, now)
    return attempt


def grade_attempt(attempt: Attempt, now: datetime | None = None) -> Attempt:
    """Grade a submitted or expired attempt from its frozen paper and saved answers (idempotent once graded).

    :raises InvalidTransition: for an attempt still in progress.
    """
    if attempt.state is AttemptState.GRADED:
        return attempt
    attempt.check_transition(AttemptState.GRADED)
    now = now or utcnow()
    paper = Paper.from_dict(attempt.paper)
    rows = db.session.execute(sa.select(Answer.position, Answer.response).where(Answer.attempt_id == attempt.id))
    answers = dict(rows.all())
    result = grade(paper, answers)
    if _set_state(
        attempt,
        AttemptState.GRADED,
        state=AttemptState.GRADED,
        graded_at=now,
        score=result.total,
        max_score=result.max_total,
        passed=result.passed,
        result=result.to_dict(),
    ):
        _store_item_results(attempt, paper, result)
        _event(
            attempt.sitting,
            attempt.person_id,
            "exam.graded",
            {
                "attempt": attempt.id,
                "score": result.total,
                "max_score": result.max_total,
                "pass_mark": paper.spec.pass_mark,
                "passed": result.passed,
            },
            at=now,
        )
        listeners.graded(attempt)
    return attempt


def _store_item_results(attempt: Attempt, paper: Paper, result) -> None:
    """One row per question of a graded attempt, so "most missed questions", topic and pass-rate figures are SQL
    over a narrow table instead of Python over every frozen paper."""
    topics = [item.question.tags.topic[:60] for item in paper.items]
    db.session.execute(
        sa.insert(ItemResult),
        [
            {
                "attempt_id": attempt.id,
                "sitting_id": attempt.sitting_id,
                "person_id": attempt.person_id,
                "position": r.position,
                "question_key": r.key[:64],
                "topic": topics[r.position],
                "answered": r.response is not None,
                "correct": r.correct,
                "score": r.score,
                "max_score": r.max_score,
            }
            for r in result.items
        ],
    )


def expire(attempt: Attempt, now: datetime | None = None) -> bool:
    """Close an attempt whose time is up, and grade it; True when this call closed it.

    The ``UPDATE`` re-checks the deadline: an organiser who has just extended the candidate's time (a later
    deadline) wins over the job that read the old one.
    """
    now = now or utcnow()
    closed = (
        db.session.execute(
            conditional_update(Attempt)
            .where(
                Attempt.id == attempt.id,
                Attempt.state == AttemptState.IN_PROGRESS,
                Attempt.deadline < now - grace(),
            )
            .values(state=AttemptState.EXPIRED, submitted_at=now)
        ).rowcount
        == 1
    )
    db.session.refresh(attempt)
    if closed:
        answered = db.session.scalar(
            sa.select(sa.func.count()).select_from(Answer).where(Answer.attempt_id == attempt.id)
        )
        _event(
            attempt.sitting, attempt.person_id, "exam.expired", {"attempt": attempt.id, "answered": answered}, at=now
        )
        grade_attempt(attempt, now)
    return closed


def expire_overdue(now: datetime | None = None, *, limit: int = 200) -> int:
    """Close and grade up to ``limit`` attempts past their deadline plus grace, and grade any left submitted.

    Used by the beat task, which calls it until it returns less than ``limit``.
    :return: how many attempts were handled.
    """
    now = now or utcnow()
    overdue = db.session.scalars(
        sa.select(Attempt)
        .where(Attempt.state == AttemptState.IN_PROGRESS, Attempt.deadline < now - grace())
        .order_by(Attempt.deadline)
        .limit(limit)
    ).all()
    for attempt in overdue:
        expire(attempt, now)
    ungraded = db.session.scalars(
        sa.select(Attempt).where(Attempt.state.in_(sources_of(AttemptState.GRADED))).limit(max(0, limit - len(overdue)))
    ).all()
    for attempt in ungraded:
        grade_attempt(attempt, now)
    return len(overdue) + len(ungraded)


# ---------------------------------------------------------------- organiser and integrity


def extend_time(attempt: Attempt, minutes: int, reason: str, actor, now: datetime | None = None) -> Attempt:
    """Give one candidate extra time (a power cut, a broken device), logged with its reason.

    :raises DomainError: ``extend.minutes`` outside 1–240, ``extend.reason`` when empty, ``attempt.closed`` when the
        attempt is no longer in progress.
    """
    now = now or utcnow()
    reason = (reason or "").strip()
    if not 1 <= minutes <= MAX_EXTENSION_MINUTES:
        raise DomainError("extend.minutes", max=MAX_EXTENSION_MINUTES)
    if not reason:
        raise DomainError("extend.reason")
    extra = attempt.extra_minutes + minutes
    deadline = attempt.sitting.deadline_for(attempt.started_at, extra)
    # Conditional on the extra minutes read: two organisers extending at once don't lose one of the extensions.
    changed = db.session.execute(
        conditional_update(Attempt)
        .where(
            Attempt.id == attempt.id,
            Attempt.state == AttemptState.IN_PROGRESS,
            Attempt.extra_minutes == attempt.extra_minutes,
        )
        .values(extra_minutes=extra, deadline=deadline)
    ).rowcount
    db.session.refresh(attempt)
    if changed != 1:
        raise DomainError("attempt.closed")
    db.session.add(
        AttemptLog(
            attempt_id=attempt.id,
            kind="time_extended",
            actor_id=actor.id if actor else None,
            at=now,
            detail={"minutes": minutes, "reason": reason, "deadline": deadline.isoformat(timespec="seconds")},
        )
    )
    db.session.flush()
    _event(
        attempt.sitting,
        attempt.person_id,
        "exam.time_extended",
        {"attempt": attempt.id, "minutes": minutes, "reason": reason},
        actor=actor,
        at=now,
    )
    return attempt


def record_focus_loss(attempt: Attempt, now: datetime | None = None, *, kind: str = "hidden") -> int:
    """Count one focus loss / tab switch of an attempt in progress; returns the new count."""
    now = now or utcnow()
    count = db.session.execute(
        conditional_update(Attempt)
        .where(Attempt.id == attempt.id, Attempt.state == AttemptState.IN_PROGRESS)
        .values(focus_losses=Attempt.focus_losses + 1)
        .returning(Attempt.focus_losses)
    ).scalar()
    if count is None:  # no longer in progress: nothing to count
        return attempt.focus_losses
    db.session.add(AttemptLog(attempt_id=attempt.id, kind="focus_lost", detail={"event": kind[:20]}, at=now))
    db.session.flush()
    return count
