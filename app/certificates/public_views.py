"""The no-login verification pages: ``/v/<code>`` (the QR on the card) and ``/verify`` (证号 or 证件号码, with
姓名). Every lookup is counted per client address before it is made; misses of every kind read the same."""

from __future__ import annotations

from flask import render_template, request

from app.auth.access import public
from app.certificates import public_bp as bp
from app.certificates import verification
from app.certificates.forms import VerifyForm
from app.core.errors import DomainError
from app.extensions import db


def _client_ip() -> str:
    return request.remote_addr or ""


def _answer(certs, form=None):
    """The result page: the records found, or the one plain not-found (404)."""
    records = [verification.public_record(c) for c in certs]
    status = 200 if records else 404
    return render_template("certificates/verify.html", records=records, form=form, searched=True), status


def _limited(exc: DomainError):
    return render_template("certificates/verify.html", records=[], form=None, limited=exc.message), exc.status


@bp.route("/v/<code>")
@public
def by_code(code: str):
    try:
        verification.count_lookup(_client_ip())
    except DomainError as exc:
        db.session.commit()
        return _limited(exc)
    certs = verification.by_code(code)
    db.session.commit()  # the lookup counts (on SQLite the counter joins the request's transaction)
    return _answer(certs)


@bp.route("/verify", methods=["GET", "POST"])
@public
def lookup():
    form = VerifyForm()
    if not form.validate_on_submit():
        return render_template("certificates/verify.html", records=[], form=form, searched=False)
    try:
        verification.count_lookup(_client_ip())
    except DomainError as exc:
        db.session.commit()
        return _limited(exc)
    if form.by.data == "id":
        certs = verification.by_id_number(form.key.data, form.name.data)
    else:
        certs = verification.by_number(form.key.data, form.name.data)
    db.session.commit()
    return _answer(certs, form)
