"""Autosave: one answer at a time, validated against the shape of its item.

A conditional ``UPDATE exams_attempts … WHERE state='in_progress' AND deadline >= now - grace`` (which also orders the
save against a concurrent submit on the attempt's row lock), then ``INSERT … ON CONFLICT (attempt_id, position) DO
UPDATE … WHERE client_seq < excluded.client_seq`` — a late retry of an older change never overwrites a newer one. On
PostgreSQL the two run as one statement (data-modifying CTEs), one round trip.

The candidate's own page saves through :func:`save_own_answer`: the same statement, with the ownership checks in its
``WHERE``, run prepared on the request's plain connection without loading the user or the attempt (as the lesson
heartbeat does); anything but a plain save (a refusal, an unknown attempt) goes the ORM way of :func:`save_answer`."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from app.auth.access import Claim, claim_holds
from app.auth.models import Role, User
from app.core import jsontext
from app.core.db import INSERTS, dialect_name, first_row, utcnow
from app.core.errors import DomainError
from app.exams.models import Answer, Attempt, AttemptState, ExamKind, Sitting
from app.extensions import db
from question_bank import QuestionType

#: Upper bound of ``client_seq`` (the column is a 32-bit integer).
MAX_SEQ = 2**31 - 1


MAX_FILL_LENGTH = 500


def grace() -> timedelta:
    """How long after the deadline answers are still accepted (network latency, a last click)."""
    return timedelta(seconds=current_app.config.get("EXAM_GRACE_SECONDS", 30))


@dataclass(frozen=True)
class Saved:
    """Outcome of an autosave: ``applied`` is False when a newer change (higher seq) was already stored."""

    applied: bool
    seconds_left: int


Shapes = tuple[tuple[str, int], ...]

#: attempt id → (seed, (question type, option count) per item). Papers never change once frozen, so autosave need
#: not load and parse the whole paper JSON on every request; the seed makes a reused id harmless (the ORM way
#: compares it, the candidate's lean way saves only ``WHERE seed = :seed``).
_SHAPES: dict[int, tuple[int, Shapes]] = {}


_SHAPES_MAX = 50_000


def _remember(attempt_id: int, seed: int, shapes: Shapes) -> Shapes:
    if len(_SHAPES) >= _SHAPES_MAX:
        _SHAPES.clear()
    _SHAPES[attempt_id] = (seed, shapes)
    return shapes


def item_shapes(attempt: Attempt) -> Shapes:
    cached = _SHAPES.get(attempt.id)
    if cached is not None and cached[0] == attempt.seed:
        return cached[1]
    shapes = tuple((it["question"]["type"], len(it["question"]["options"])) for it in attempt.paper["items"])
    return _remember(attempt.id, attempt.seed, shapes)


def _validate(shapes: Shapes, position: Any, response: Any, client_seq: Any) -> Any:
    """The response normalised for storage, or DomainError("answer.invalid") for a bad position, response or seq."""
    if (
        type(position) is not int
        or not 0 <= position < len(shapes)
        or type(client_seq) is not int
        or not 0 <= client_seq <= MAX_SEQ
    ):
        raise DomainError("answer.invalid", http_status=400)
    return _validate_response(shapes[position], response)


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
    response = _validate(item_shapes(attempt), position, response, client_seq)
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


def save_own_answer(conn: sa.Connection, attempt_id: int, claim: Claim, data: dict, now: datetime) -> Saved | None:
    """The candidate's own autosave from the exam page, on ``conn`` (the view's ``lean_connection``): the save of
    :func:`save_answer` with the session's check (``claim``: ``@signed_in_as``'s ``write``) and the checks of
    ``exam_scope.get_own_attempt_or_404`` (the signed-in person's own attempt of a self-service sitting) in the
    statement's ``WHERE``, so neither the user nor the attempt is loaded. On PostgreSQL it is one prepared statement
    (plus, once per attempt and process, a read of the item shapes).

    :param data: the request's JSON object: ``position``, ``response``, ``seq``, ``flagged``.
    :return: None when it saved nothing — invalid input, a closed, foreign or unknown attempt — for the caller to
        take the ORM way (:func:`save_answer`), which answers each of those as it always has. The caller commits.
    """
    cached = _SHAPES.get(attempt_id)
    if cached is None:
        row = first_row(conn, _own_questions_statement(claim.roles), {"attempt": attempt_id, **claim.params()})
        if row is None or not row.questions_json:
            return None
        shapes = tuple((q["type"], len(q["options"])) for q in jsontext.loads(row.questions_json))
        cached = (row.seed, _remember(attempt_id, row.seed, shapes))
    seed, shapes = cached
    try:
        response = _validate(shapes, data.get("position"), data.get("response"), data.get("seq"))
    except DomainError:
        return None
    params = {
        **claim.params(),
        "attempt": attempt_id,
        "own_seed": seed,
        "not_before": now - grace(),
        "now": now,
        "pos": data["position"],
        "resp": response,
        "flag": bool(data.get("flagged")),
        "seq": data["seq"],
    }
    if conn.dialect.name == "postgresql":
        params["resp"] = None if response is None else jsontext.dumps(response)  # psycopg sees no SQLAlchemy type
        deadline, applied = first_row(conn, _autosave_postgresql(claim.roles), params)
    else:
        live, upsert = _autosave_statements(conn.dialect.name, claim.roles)
        deadline = conn.execute(live.returning(Attempt.__table__.c.deadline), params).scalar()
        if deadline is None:
            conn.rollback()  # SQLite: let go of the write lock before the ORM way opens its own transaction
            return None
        applied = conn.execute(upsert, params).first() is not None
    if deadline is None:
        return None
    return Saved(applied=bool(applied), seconds_left=max(0, int((deadline - now).total_seconds())))


def _signed_in_person(roles: tuple[Role, ...]) -> sa.ScalarSelect:
    """The person of the session's user, if the session holds (:func:`app.auth.access.claim_holds`); else NULL."""
    users = User.__table__
    return sa.select(users.c.person_id).where(*claim_holds(users, roles)).scalar_subquery()


@functools.cache
def _own_questions_statement(roles: tuple[Role, ...]) -> sa.Select:
    """The seed and the questions as shown (their types and option counts validate a response) of the signed-in
    person's own attempt of a self-service sitting."""
    attempts, sittings = Attempt.__table__, Sitting.__table__
    return (
        sa.select(attempts.c.seed, attempts.c.questions_json)
        .join(sittings, sittings.c.id == attempts.c.sitting_id)
        .where(
            attempts.c.id == sa.bindparam("attempt"),
            attempts.c.person_id == _signed_in_person(roles),
            sittings.c.kind != sa.literal_column(f"'{ExamKind.SPOTCHECK.value}'"),
        )
    )


@functools.cache
def _autosave_statements(dialect: str, own: tuple[Role, ...] = ()) -> tuple[sa.Update, Any]:
    """The two statements of an autosave, built once with bound parameters (autosave is the busiest request).

    ``live``: touch the attempt only while it takes answers. The UPDATE takes the attempt's row lock: a concurrent
    submit either waits for this save (and grades it) or wins first (and this save finds the state changed and is
    refused). Never an answer stored after grading.

    ``upsert``: the answer, unless a newer one (higher client seq) is stored already; returns its id when written.

    ``own``: the roles of the candidate's own save (:func:`save_own_answer`): ``live`` also checks the session
    (the attempt is the signed-in person's), the seed the item shapes were read with, and that the sitting is
    self-service (a 逢查必考 attempt is answered through its ticket
    only); its values are literals or plain parameters, as a statement run on psycopg's connection needs.
    """
    attempts, answers = Attempt.__table__, Answer.__table__
    conditions = [
        attempts.c.id == sa.bindparam("attempt"),
        attempts.c.state == sa.literal_column(f"'{AttemptState.IN_PROGRESS.value}'"),
        attempts.c.deadline >= sa.bindparam("not_before", type_=sa.DateTime),
    ]
    if own:
        sittings = Sitting.__table__
        conditions += [
            attempts.c.person_id == _signed_in_person(own),
            attempts.c.seed == sa.bindparam("own_seed", type_=sa.BigInteger),
            sa.exists().where(
                sittings.c.id == attempts.c.sitting_id,
                sittings.c.kind != sa.literal_column(f"'{ExamKind.SPOTCHECK.value}'"),
            ),
        ]
    live = sa.update(attempts).where(*conditions).values(last_saved_at=sa.bindparam("now", type_=sa.DateTime))
    # A cleared answer is SQL NULL (not JSON null), so "answered" counts are a plain IS NOT NULL.
    response = sa.bindparam("resp", type_=sa.JSON(none_as_null=True))
    if own and dialect == "postgresql":  # JSON text from the caller, cast by the server
        response = sa.cast(sa.bindparam("resp", type_=sa.Text), sa.JSON)
    values = {
        "position": sa.bindparam("pos", type_=sa.Integer),
        "response": response,
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
def _autosave_postgresql(own: tuple[Role, ...] = ()) -> sa.Select:
    """Both autosave statements as data-modifying CTEs in one: one round trip. Returns (deadline or NULL when the
    attempt no longer takes answers, 1 when the answer was written)."""
    live, upsert = _autosave_statements("postgresql", own)
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
