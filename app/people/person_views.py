"""A person's file: the 一人一档 page, the registered photo (served after the policy check, or replaced), and the
worker's own ``/me`` and own 人像抓拍."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.access import roles_required
from app.auth.models import Role
from app.auth.policy import people as people_policy
from app.auth.policy import snapshots as snapshot_policy
from app.core.errors import DomainError
from app.core.messages import message_for
from app.core.storage import send_stored
from app.extensions import db
from app.people import bp, dossier, faces, photos
from app.people import scope as people_scope
from app.people.access_views import record_access
from app.people.forms import PhotoForm
from app.people.models import AccessKind, Person
from app.people.services import may_change_master_data
from app.people.snapshots.face_checks import checking_faces
from app.people.snapshots.reading import own_snapshot
from app.tenancy.models import Enterprise


@bp.route("/people/<int:person_id>")
def person(person_id: int):
    """一人一档: the person's dossier (app/people/dossier.py)."""
    person = people_scope.get_person_or_404(current_user, person_id)
    if people_policy.may_see_full_id(current_user, person):
        record_access(current_user, person.id, AccessKind.FULL_ID)
    return dossier.render_dossier(person)


@bp.route("/people/<int:person_id>/photo", methods=["GET", "POST"])
def person_photo(person_id: int):
    """GET: the registered photo (after the policy check, never cached); POST: upload a new one."""
    person = people_scope.get_person_or_404(current_user, person_id)
    if request.method == "GET":
        shared = people_scope.sees_full_record(current_user, person.id)
        if person.photo_key is None or not people_policy.may_see_photo(current_user, person, record_shared=shared):
            abort(404)
        record_access(current_user, person.id, AccessKind.PHOTO)
        return send_stored(person.photo_key, content_type="image/jpeg")
    form = PhotoForm()
    employer = _current_employer_of(person)
    if not form.validate_on_submit():
        for error in form.photo.errors:
            flash(error, "error")
    elif not may_change_master_data(person, actor=current_user, enterprise=employer):
        flash(message_for("photo.not_allowed"), "error")
    else:
        try:
            photos.set_photo(
                person, form.photo.data.read(), actor=current_user, max_bytes=current_app.config["PHOTO_MAX_BYTES"]
            )
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("已更新 %(name)s 的登记照片。", name=person.name), "success")
    return redirect(url_for("people.person", person_id=person.id))


def _current_employer_of(person) -> Enterprise | None:
    """The enterprise the signed-in enterprise admin speaks for, if it employs the person now."""
    if current_user.enterprise_id is None:
        return None
    return next(
        (e.enterprise for e in person.current_employments if e.enterprise_id == current_user.enterprise_id), None
    )


@bp.route("/me")
@roles_required(Role.WORKER)
def me():
    if current_user.person_id is None:
        abort(404)
    return redirect(url_for("people.person", person_id=current_user.person_id))


@bp.route("/me/snapshots/<int:snapshot_id>")
@roles_required(Role.WORKER)
def my_snapshot(snapshot_id: int):
    """One of the signed-in person's own 人像抓拍 (listed on their class and exam result pages), after the policy
    check; another person's is not found."""
    snapshot = own_snapshot(snapshot_id, current_user.person_id) if current_user.person_id else None
    if snapshot is None or not snapshot_policy.may_see_own_snapshots(current_user, snapshot.person_id):
        abort(404)
    return send_stored(snapshot.storage_key, content_type="image/jpeg")


@bp.app_template_global("photo_beside_snapshots")
def photo_beside_snapshots(person: Person) -> bool:
    """Whether the signed-in user's page shows the person's registered photo beside their snapshots (the same rule
    as the photo's routes: :func:`app.people.scope.sees_photo_beside_snapshots`)."""
    return people_scope.sees_photo_beside_snapshots(current_user, person)


@bp.app_template_global("snapshot_checks")
def snapshot_checks() -> dict[str, bool]:
    """What the 人像抓拍 consent steps tell the signed-in person is done with each snapshot: face detection
    (``ANPEI_FACE_DETECTOR``); and, only while they have a registered photo they have not withdrawn
    (:func:`app.people.photos.usable`), comparison with it — by eye, and by ``ANPEI_FACE_CHECKER``."""
    person = db.session.get(Person, current_user.person_id) if current_user.person_id else None
    photo = person is not None and photos.usable(person)
    return {"detector": faces.detector_name() != "off", "photo": photo, "checker": photo and checking_faces()}
