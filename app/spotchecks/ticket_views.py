"""逢查必考 on the phone (/s): the public ticket pages and the exam page's JSON API through a ticket.

No login: the link's token (24 random bytes, in the QR code) or the 6-character code typed from the inspector's
screen is the credential. A ticket is found by the hash of its token, bound to the first phone that confirms the
person's identity, and used only in the states ``app.spotchecks.tickets`` allows — checked by ``tickets.enter`` for
the exam page and its API alike. Unknown tokens get a plain 404 that says nothing more.
"""

from __future__ import annotations

import secrets

from flask import Blueprint, jsonify, redirect, render_template, request, session, url_for

from app.auth.access import public
from app.core.db import utcnow
from app.core.errors import DomainError, json_error
from app.core.messages import message_for
from app.exams import page_views
from app.extensions import db
from app.spotchecks import tickets
from app.spotchecks.forms import CodeForm, IdentityForm
from app.spotchecks.models import TicketState

bp = Blueprint("tickets", __name__)

DEVICE_KEY = "spotcheck_device"


def _device(create: bool = False) -> str | None:
    """This browser's random device value, kept in the signed session cookie."""
    if DEVICE_KEY not in session and create:
        session[DEVICE_KEY] = secrets.token_urlsafe(24)
        session.permanent = True
    return session.get(DEVICE_KEY)


def _client_ip() -> str:
    return request.remote_addr or ""


def _refuse(code: str, status: int, **params):
    return render_template("spotchecks/ticket_message.html", message=message_for(code, params), status=status), status


@bp.route("/s", methods=["GET", "POST"])
@public
def code_entry():
    form = CodeForm()
    if form.validate_on_submit():
        try:
            ticket = tickets.find_ticket_by_code(form.code.data, ip=_client_ip())
        except DomainError as exc:
            return _refuse(exc.code, exc.status)
        db.session.commit()  # the miss counts (on SQLite the counter joins the request's transaction)
        if ticket is None:
            form.code.errors.append(message_for("ticket.unknown"))
        else:
            token, _code = tickets.ticket_secrets(ticket)
            return redirect(url_for("tickets.ticket", token=token))
    return render_template("spotchecks/code_entry.html", form=form)


@bp.route("/s/<token>", methods=["GET", "POST"])
@public
def ticket(token: str):
    ticket = tickets.find_ticket(token)
    if ticket is None:  # the lookup comes first: a valid link works whoever else shares this address
        within = tickets.count_miss(_client_ip())
        db.session.commit()
        return _refuse("ticket.unknown", 404) if within else _refuse("ticket.too_many", 429)
    now = utcnow()
    device = _device()
    if ticket.status is TicketState.DONE and tickets.holds_ticket(ticket, device):
        return render_template("spotchecks/ticket_done.html", ticket=ticket)
    if problem := tickets.ticket_problem(ticket, now):
        return _refuse(problem, 410 if problem == "ticket.expired" else 403)
    if tickets.holds_ticket(ticket, device):
        attempt = tickets.start_ticket_attempt(ticket, ip=_client_ip(), user_agent=request.user_agent.string, now=now)
        if not attempt.is_open:  # handed in, or closed at its deadline by the engine
            tickets.record_result(ticket, now=now)
            db.session.commit()
            return render_template("spotchecks/ticket_done.html", ticket=ticket)
        db.session.commit()
        here = url_for("tickets.ticket", token=token)
        return page_views.render_attempt_page(attempt, api=f"{here}/api", result_url=here, back_url=here)
    if ticket.claimed_device:
        return _refuse("ticket.other_device", 403)
    form = IdentityForm()
    if form.validate_on_submit():
        try:
            tickets.confirm_identity(
                ticket, name=form.name.data, id_number=form.id_number.data, device=_device(create=True), now=now
            )
            tickets.start_ticket_attempt(ticket, ip=_client_ip(), user_agent=request.user_agent.string, now=now)
        except DomainError as exc:
            db.session.commit()  # the failed try counts (and may lock the ticket)
            if exc.code == "identity.wrong":
                form.id_number.errors.append(exc.message)
            else:
                return _refuse(exc.code, 403, **exc.params)
        else:
            db.session.commit()
            return redirect(url_for("tickets.ticket", token=token))
    return render_template(
        "spotchecks/ticket_identity.html",
        form=form,
        ticket=ticket,
        token=token,
        enterprise=ticket.inspection.enterprise.name,
    )


# The exam engine's page endpoints, authorised by the ticket instead of a login (same JSON as /exams/attempts/…).


def _entered(token: str, use: tickets.Use):
    """(ticket, None) when this phone may ``use`` the ticket now, else (None, the one JSON 404)."""
    try:
        return tickets.enter(token, device=_device(), use=use), None
    except DomainError as exc:
        return None, json_error(exc)


@bp.route("/s/<token>/api/state")
@public
def api_state(token: str):
    ticket, refused = _entered(token, tickets.Use.READ)
    return refused or page_views.state_json(ticket.attempt)


@bp.route("/s/<token>/api/answer", methods=["POST"])
@public
def api_answer(token: str):
    ticket, refused = _entered(token, tickets.Use.ANSWER)
    return refused or page_views.answer_json(ticket.attempt)


@bp.route("/s/<token>/api/focus", methods=["POST"])
@public
def api_focus(token: str):
    ticket, refused = _entered(token, tickets.Use.ANSWER)
    return refused or page_views.focus_json(ticket.attempt)


@bp.route("/s/<token>/api/submit", methods=["POST"])
@public
def api_submit(token: str):
    """交卷 exactly once, and the result onto the ticket and into the person's file in the same transaction."""
    ticket, refused = _entered(token, tickets.Use.ANSWER)
    if refused:
        return refused
    tickets.submit_ticket(ticket, now=utcnow())
    db.session.commit()
    attempt = ticket.attempt
    return jsonify(
        attempt=attempt.id,
        state=attempt.state.value,
        state_label=attempt.state.label,
        result={"score": attempt.score, "max_score": attempt.max_score, "passed": attempt.passed},
    )
