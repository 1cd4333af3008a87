"""The exam page and its JSON endpoints, as plain functions of an already authorised attempt.

The candidate's routes (``app.exams.candidate_views``) load the attempt through
``exam_scope.get_own_attempt_or_404``; the 逢查必考 ticket routes (``app.spotchecks.ticket_views``) load it from a
ticket, and both call these (the page is rendered with each caller's own ``api`` base URL). Each is a request
boundary: it commits.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, jsonify, make_response, render_template

from app.auth.access import Claim
from app.core.db import utcnow
from app.core.errors import DomainError, json_error, json_object
from app.core.templating import json_script
from app.exams import queries
from app.exams.attempts import autosave, grading, supervision
from app.exams.models import Attempt
from app.extensions import db


def render_attempt_page(attempt: Attempt, *, api: str, result_url: str, back_url: str, snapshot: dict | None = None):
    """The exam page, with its first state inside (questions, saved answers, time left): the first question shows
    without a second request, which on exam day is one request less per candidate in the start rush. The page
    fetches ``{api}/state`` only to reload it (after a lost connection). Never cached: the state in it is live.

    :param snapshot: 人像抓拍 on this page (``consent``, ``due``, ``url``, ``consent_url``), or None when off."""
    state = json_script(queries.attempt_state_json(attempt, utcnow())) if attempt.is_open else None
    response = make_response(
        render_template(
            "exams/attempt.html",
            attempt=attempt,
            api=api,
            result_url=result_url,
            back_url=back_url,
            state=state,
            snapshot=snapshot,
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def state_json(attempt: Attempt):
    return current_app.response_class(queries.attempt_state_json(attempt, utcnow()), mimetype="application/json")


def _json_error(exc: DomainError, attempt: Attempt):
    """The refusal, with the attempt's state as it now stands (the page closes itself on ``graded``)."""
    db.session.refresh(attempt)
    return json_error(exc, state=attempt.state.value)


def answer_json(attempt: Attempt):
    """POST {position, response, seq, flagged} → {saved, applied, seconds_left}."""
    now = utcnow()
    try:
        data = json_object()
        saved = autosave.save_answer(
            attempt, data.get("position"), data.get("response"), data.get("seq"), now, flagged=bool(data.get("flagged"))
        )
    except DomainError as exc:
        db.session.rollback()
        return _json_error(exc, attempt)
    db.session.commit()
    return jsonify(
        saved=True, applied=saved.applied, position=data["position"], seq=data["seq"], seconds_left=saved.seconds_left
    )


def own_answer_json(conn: sa.Connection, claim: Claim, attempt_id: int):
    """The candidate's own autosave, lean (``@signed_in_as``'s ``write``: nothing loaded, the session checked in the
    save, one prepared statement on PostgreSQL): the response of :func:`answer_json` for a save, or None when it
    saved nothing — for the view to answer through :func:`answer_json`, which refuses (or saves) exactly as before."""
    try:
        data = json_object()
    except DomainError:
        return None
    saved = autosave.save_own_answer(conn, attempt_id, claim, data, utcnow())
    if saved is None:
        return None
    conn.commit()
    return jsonify(
        saved=True, applied=saved.applied, position=data["position"], seq=data["seq"], seconds_left=saved.seconds_left
    )


def focus_json(attempt: Attempt):
    """POST {event} → {focus_losses}: the page lost focus or was hidden (tab switch, another app)."""
    data = json_object()
    count = supervision.record_focus_loss(attempt, utcnow(), kind=str(data.get("event") or "hidden"))
    db.session.commit()
    return jsonify(focus_losses=count)


def submit_json(attempt: Attempt, *, by=None):
    """POST → the graded state; the same answer for every repeat (exactly-once submission)."""
    attempt = grading.submit(attempt, utcnow(), by=by)
    db.session.commit()
    return jsonify(
        attempt=attempt.id,
        state=attempt.state.value,
        state_label=attempt.state.label,
        result={"score": attempt.score, "max_score": attempt.max_score, "passed": attempt.passed},
    )
