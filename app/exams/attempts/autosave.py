"""Autosave: one answer at a time, validated against the shape of its item.

A conditional ``UPDATE exams_attempts … WHERE state='in_progress' AND deadline >= now - grace`` (which also orders the
save against a concurrent submit on the attempt's row lock), then ``INSERT … ON CONFLICT (attempt_id, position) DO
UPDATE … WHERE client_seq < excluded.client_seq`` — a late retry of an older change never overwrites a newer one. On
PostgreSQL the two run as one statement (data-modifying CTEs), one round trip."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from app.core.db import INSERTS, dialect_name, utcnow
from app.core.errors import DomainError
from app.exams.models import Answer, Attempt, AttemptState
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
