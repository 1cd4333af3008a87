"""One candidate's attempt for the organiser: its integrity log and the extend-time form, and its 人像抓拍 — the
registered photo, the snapshot files behind the policy check, and the 复核 of a flagged one
(``app.people.snapshot_views``)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.access import roles_required
from app.auth.policy import snapshots as snapshot_policy
from app.auth.scope import STAFF
from app.core.db import utcnow
from app.core.errors import DomainError
from app.core.storage import send_stored
from app.exams import bp, queries
from app.exams import scope as exam_scope
from app.exams.attempts import supervision
from app.exams.forms import ExtendForm
from app.exams.models import Attempt
from app.extensions import db
from app.people.access_views import record_access
from app.people.models import AccessKind, SnapshotContext
from app.people.scope import reaches_person, sees_photo_beside_snapshots
from app.people.snapshot_views import review_from_form
from app.people.snapshots import reading as snapshot_reading
from app.people.snapshots import schedule as snapshot_schedule
from app.people.snapshots.consent import consent_of


@bp.route("/attempts/<int:attempt_id>/detail", methods=["GET", "POST"])
@roles_required(*STAFF)
def attempt_detail(attempt_id: int):
    """One candidate's attempt for the organiser: integrity log, and the extend-time form."""
    attempt = exam_scope.get_attempt_or_404(current_user, attempt_id)
    organise = exam_scope.can_organise(current_user, attempt.sitting)
    form = ExtendForm()
    if form.validate_on_submit():
        if not organise:
            abort(403)
        try:
            supervision.extend_time(attempt, form.minutes.data, form.reason.data, current_user)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("已为 %(name)s 延长 %(n)s 分钟。", name=attempt.person.name, n=form.minutes.data), "success")
            return redirect(url_for("exams.sitting", sitting_id=attempt.sitting_id))
    in_scope = reaches_person(current_user, attempt.person_id)
    show_snapshots = snapshot_policy.may_see_snapshots(current_user, attempt.sitting, person_in_scope=in_scope)
    may_review = show_snapshots and snapshot_policy.may_review_snapshots(
        current_user, attempt.sitting, person_in_scope=in_scope
    )
    return render_template(
        "exams/attempt_detail.html",
        attempt=attempt,
        form=form,
        log=queries.attempt_log(attempt),
        can_organise=organise,
        now=utcnow(),
        show_snapshots=show_snapshots,
        snapshots=snapshot_reading.snapshots_of(attempt.person_id, SnapshotContext.EXAM, [attempt.id])
        if show_snapshots
        else [],
        snapshot_consent=consent_of(attempt.person_id, SnapshotContext.EXAM, attempt.sitting_id),
        snapshot_status=_attempt_snapshot_status(attempt) if show_snapshots else None,
        may_review=may_review,
    )


def _may_see_attempt_snapshots(attempt: Attempt) -> bool:
    return snapshot_policy.may_see_snapshots(
        current_user, attempt.sitting, person_in_scope=reaches_person(current_user, attempt.person_id)
    )


def _may_review_attempt_snapshots(attempt: Attempt) -> bool:
    return snapshot_policy.may_review_snapshots(
        current_user, attempt.sitting, person_in_scope=reaches_person(current_user, attempt.person_id)
    )


def _attempt_snapshot_status(attempt: Attempt):
    """How many snapshots were due so far (up to the hand-in) and how many were taken."""
    plan = snapshot_schedule.plan_for(attempt.person_id, SnapshotContext.EXAM, attempt.id)
    if plan is None:
        return None
    end = attempt.submitted_at or min(utcnow(), attempt.deadline)
    return snapshot_schedule.status(plan, max(end, plan.started_at))


def _attempt_for_snapshots(attempt_id: int) -> Attempt:
    attempt = exam_scope.get_attempt_or_404(current_user, attempt_id)
    if not _may_see_attempt_snapshots(attempt):
        abort(403)
    return attempt


@bp.route("/attempts/<int:attempt_id>/photo")
@roles_required(*STAFF)
def attempt_photo(attempt_id: int):
    """The candidate's registered photo beside the attempt's snapshots (same check as the snapshots)."""
    attempt = _attempt_for_snapshots(attempt_id)
    if not sees_photo_beside_snapshots(current_user, attempt.person):
        abort(404)
    record_access(current_user, attempt.person_id, AccessKind.PHOTO)
    return send_stored(attempt.person.photo_key, content_type="image/jpeg")


@bp.route("/attempts/<int:attempt_id>/snapshots/<int:exam_snapshot_id>")
@roles_required(*STAFF)
def attempt_snapshot_file(attempt_id: int, exam_snapshot_id: int):
    """One snapshot of the attempt, after the policy check (there is no other way to it)."""
    attempt = _attempt_for_snapshots(attempt_id)
    snapshot = snapshot_reading.snapshot_in(exam_snapshot_id, SnapshotContext.EXAM, attempt.id)
    if snapshot is None:
        abort(404)
    record_access(current_user, snapshot.person_id, AccessKind.SNAPSHOT, ref_id=snapshot.id)
    return send_stored(snapshot.storage_key, content_type="image/jpeg")


@bp.route("/attempts/<int:attempt_id>/snapshots/<int:exam_snapshot_id>/review", methods=["POST"])
@roles_required(*STAFF)
def attempt_snapshot_review(attempt_id: int, exam_snapshot_id: int):
    """复核 of a flagged snapshot of the attempt: 确认本人 or 非本人 (with a note); back to the attempt's page."""
    attempt = _attempt_for_snapshots(attempt_id)
    if not _may_review_attempt_snapshots(attempt):
        abort(403)
    snapshot = snapshot_reading.snapshot_in(exam_snapshot_id, SnapshotContext.EXAM, attempt.id)
    if snapshot is None:
        abort(404)
    review_from_form(snapshot)
    return redirect(url_for("exams.attempt_detail", attempt_id=attempt_id))
