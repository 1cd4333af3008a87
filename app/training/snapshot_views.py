"""A class's 人像抓拍 for organisers and regulators: one trainee's snapshots beside the registered photo, the
snapshot files behind the policy check, and the 复核 of a flagged one (``app.people.snapshot_views``)."""

from __future__ import annotations

from flask import abort, redirect, render_template, url_for
from flask_login import current_user

from app.auth.access import roles_required
from app.auth.policy.snapshots import may_review_snapshots, may_see_snapshots
from app.auth.scope import STAFF
from app.core.storage import send_stored
from app.people.access_views import record_access
from app.people.models import AccessKind, SnapshotContext
from app.people.scope import reaches_person, sees_photo_beside_snapshots
from app.people.snapshot_views import review_from_form
from app.people.snapshots import reading as snapshot_reading
from app.people.snapshots.consent import consent_of
from app.training import bp, held
from app.training import scope as training_scope


def _member_for_snapshots(class_id: int, person_id: int, *, review: bool = False):
    """The class, one of its trainees, and whether the user may review (复核) that trainee's snapshots, if the user
    may see them (404 out of scope, 403 when the class is in scope but its snapshots are not the user's to see — or,
    with ``review``, not the user's to review)."""
    training_class = training_scope.get_class_or_404(current_user, class_id)
    person = training_scope.class_member_or_404(current_user, training_class, person_id)
    in_scope = reaches_person(current_user, person.id)
    if not may_see_snapshots(current_user, training_class, person_in_scope=in_scope):
        abort(403)
    may_review = may_review_snapshots(current_user, training_class, person_in_scope=in_scope)
    if review and not may_review:
        abort(403)
    return training_class, person, may_review


@bp.route("/classes/<int:class_id>/members/<int:person_id>/snapshots")
@roles_required(*STAFF)
def member_snapshots(class_id: int, person_id: int):
    """One trainee's snapshots in a class, beside the registered photo; flagged ones marked, with the 复核 form."""
    training_class, person, may_review = _member_for_snapshots(class_id, person_id)
    shots = snapshot_reading.snapshots_of(person.id, SnapshotContext.LESSON, [training_class.id])
    lessons = {lesson.id: lesson.title for lesson in training_class.course.lessons}
    return render_template(
        "training/snapshots.html",
        training_class=training_class,
        person=person,
        snapshots=shots,
        lessons=lessons,
        consent=consent_of(person.id, SnapshotContext.LESSON, training_class.id),
        may_review=may_review,
        held_seconds=held.held_by_snapshot([s.id for s in shots]),
    )


@bp.route("/classes/<int:class_id>/snapshots/<int:snapshot_id>/review", methods=["POST"])
@roles_required(*STAFF)
def snapshot_review(class_id: int, snapshot_id: int):
    """复核 of a flagged snapshot: 确认本人 or 非本人 (with a note); back to the trainee's snapshots."""
    snapshot = snapshot_reading.snapshot_in(snapshot_id, SnapshotContext.LESSON, class_id)
    if snapshot is None:
        abort(404)
    person_id = snapshot.person_id
    _member_for_snapshots(class_id, person_id, review=True)
    review_from_form(snapshot)
    return redirect(url_for("training.member_snapshots", class_id=class_id, person_id=person_id))


@bp.route("/classes/<int:class_id>/members/<int:person_id>/photo")
@roles_required(*STAFF)
def member_photo(class_id: int, person_id: int):
    """The trainee's registered photo, for comparing with the snapshots (same check as the snapshots)."""
    _class, person, _may = _member_for_snapshots(class_id, person_id)
    if not sees_photo_beside_snapshots(current_user, person):
        abort(404)
    record_access(current_user, person.id, AccessKind.PHOTO)
    return send_stored(person.photo_key, content_type="image/jpeg")


@bp.route("/classes/<int:class_id>/snapshots/<int:snapshot_id>")
@roles_required(*STAFF)
def snapshot_file(class_id: int, snapshot_id: int):
    """One snapshot's JPEG, after the policy check (there is no other way to it)."""
    snapshot = snapshot_reading.snapshot_in(snapshot_id, SnapshotContext.LESSON, class_id)
    if snapshot is None:
        abort(404)
    _member_for_snapshots(class_id, snapshot.person_id)
    record_access(current_user, snapshot.person_id, AccessKind.SNAPSHOT, ref_id=snapshot.id)
    return send_stored(snapshot.storage_key, content_type="image/jpeg")
