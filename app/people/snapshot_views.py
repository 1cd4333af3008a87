"""The request boundaries shared by the lesson and exam routes of 人像抓拍: the consent step's answer, and the 复核
(a class's snapshots, an exam attempt's): read the form, act once, commit or roll back, and tell the person. Scope and
policy are checked by the calling view."""

from __future__ import annotations

from datetime import datetime

from flask import abort, current_app, flash, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from app.core.db import utcnow
from app.core.errors import DomainError, json_error
from app.extensions import db
from app.people.forms import SnapshotReviewForm
from app.people.models import ReviewVerdict, Snapshot, SnapshotContext
from app.people.snapshots.consent import record_consent
from app.people.snapshots.reviews import review
from app.people.snapshots.schedule import status
from app.people.snapshots.taking import take


def review_from_form(snapshot: Snapshot) -> None:
    """Apply the posted 确认本人 / 非本人 (with its note) to ``snapshot``; the outcome is flashed."""
    form = SnapshotReviewForm()
    try:
        if not form.validate_on_submit():
            raise DomainError("snapshot.review_verdict", http_status=400)
        review(snapshot.id, form.verdict.data, form.note.data or "", actor=current_user, now=utcnow())
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("复核已保存：%(verdict)s。", verdict=ReviewVerdict(form.verdict.data).label), "success")


def consent_from_form(person_id: int, context: SnapshotContext, ref_id: int, *, title: str, now: datetime) -> bool:
    """Record the posted answer to the consent step (``decision``: yes / no, anything else is a 400) and commit.

    :param ref_id: the class id (lessons) or sitting id (exams).
    :return: True when the person consented.
    """
    decision = request.form.get("decision")
    if decision not in ("yes", "no"):
        abort(400)
    granted = decision == "yes"
    record_consent(person_id, context, ref_id, granted, title=title, actor=current_user, now=now)
    db.session.commit()
    return granted


def upload_json(plan, now: datetime, refusal: DomainError | None = None):
    """A page's snapshot upload (the JPEG is the request body), for lessons and exams alike: taken into ``plan`` and
    committed, answering whether one is still due; or ``refusal`` (no consent, no plan) or the picture's own refusal
    as the JSON error, nothing kept."""
    try:
        if refusal is not None:
            raise refusal
        take(plan, request.get_data(cache=False), max_bytes=current_app.config["SNAPSHOT_MAX_BYTES"], now=now)
    except DomainError as exc:
        db.session.rollback()
        return json_error(exc)
    due = status(plan, now).due
    db.session.commit()
    return jsonify(saved=True, due=due)
