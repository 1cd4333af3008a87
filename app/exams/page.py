"""The exam page's JSON endpoints as plain functions of an already authorised attempt.

The candidate routes in ``views.py`` load the attempt through ``scope.get_own_attempt_or_404`` and call these; a
ticket-based route (逢查必考, no login) loads it from its ticket and calls the same ones, and renders the same
``exams/attempt.html`` with its own ``api`` base URL. Each function is a request boundary: it commits.
"""

from __future__ import annotations

from flask import jsonify, render_template, request

from app.core.db import utcnow
from app.exams import services
from app.exams.messages import error_message
from app.exams.models import Attempt
from app.exams.queries import attempt_state
from app.extensions import db


def render_page(attempt: Attempt, *, api: str, result_url: str, back_url: str):
    """The exam page (questions are fetched by the page from ``{api}/state``)."""
    return render_template("exams/attempt.html", attempt=attempt, api=api, result_url=result_url, back_url=back_url)


def state(attempt: Attempt):
    return jsonify(attempt_state(attempt, utcnow()))


def _error(code: str, status: int, attempt: Attempt | None = None):
    body = {"error": code, "message": error_message(code)}
    if attempt is not None:
        db.session.refresh(attempt)
        body["state"] = attempt.state.value
    return jsonify(body), status


def answer(attempt: Attempt):
    """POST {position, response, seq, flagged} → {saved, applied, seconds_left}."""
    data = request.get_json(silent=True) or {}
    now = utcnow()
    try:
        saved = services.save_answer(attempt, data.get("position"), data.get("response"), data.get("seq"), now,
                                     flagged=bool(data.get("flagged")))  # fmt: skip
    except services.ExamError as exc:
        db.session.rollback()
        return _error(exc.code, 409 if exc.code == "attempt.closed" else 400, attempt)
    db.session.commit()
    return jsonify(saved=True, applied=saved.applied, position=data["position"], seq=data["seq"],
                   seconds_left=saved.seconds_left)  # fmt: skip


def focus(attempt: Attempt):
    """POST {event} → {focus_losses}: the page lost focus or was hidden (tab switch, another app)."""
    data = request.get_json(silent=True) or {}
    count = services.record_focus_loss(attempt, utcnow(), kind=str(data.get("event") or "hidden"))
    db.session.commit()
    return jsonify(focus_losses=count)


def submit(attempt: Attempt, *, by=None):
    """POST → the graded state; the same answer for every repeat (exactly-once submission)."""
    attempt = services.submit(attempt, utcnow(), by=by)
    db.session.commit()
    return jsonify(attempt=attempt.id, state=attempt.state.value, state_label=attempt.state.label,
                   result={"score": attempt.score, "max_score": attempt.max_score, "passed": attempt.passed})
