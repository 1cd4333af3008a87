"""The request boundary shared by the two 复核 routes (a class's snapshots, an exam attempt's): read the form,
review once, commit or roll back, and tell the reviewer. Scope and policy are checked by the calling view."""

from __future__ import annotations

from flask import flash
from flask_babel import gettext as _
from flask_login import current_user

from app.core.db import utcnow
from app.core.errors import DomainError
from app.extensions import db
from app.people import snapshots
from app.people.forms import SnapshotReviewForm
from app.people.models import ReviewVerdict, Snapshot


def review_from_form(snapshot: Snapshot) -> None:
    """Apply the posted 确认本人 / 非本人 (with its note) to ``snapshot``; the outcome is flashed."""
    form = SnapshotReviewForm()
    try:
        if not form.validate_on_submit():
            raise DomainError("snapshot.review_verdict", http_status=400)
        snapshots.review(snapshot.id, form.verdict.data, form.note.data or "", actor=current_user, now=utcnow())
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("复核已保存：%(verdict)s。", verdict=ReviewVerdict(form.verdict.data).label), "success")
