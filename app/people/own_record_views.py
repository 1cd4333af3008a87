"""The person's own record: downloads (PDF, JSON) and 更正申请, and the employer's or authority's answers."""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.access import roles_required
from app.auth.models import Role
from app.auth.policy import people as people_policy
from app.core.clock import utcnow
from app.core.errors import DomainError
from app.core.forms import choices
from app.extensions import db
from app.people import bp, dossier, own_record, photos
from app.people import scope as people_scope
from app.people.forms import CorrectionAnswerForm, CorrectionRequestForm
from app.people.models import CorrectionField, CorrectionState, RecordCorrection

AUTHORITY = "authority"


def _me():
    if current_user.person_id is None:
        abort(404)
    return people_scope.get_person_or_404(current_user, current_user.person_id)


@bp.route("/me/record.pdf")
@roles_required(Role.WORKER)
def my_record_pdf():
    """The 一人一档 PDF, downloaded by the person (an archive event)."""
    person = _me()
    own_record.record_download(person, "pdf", actor=current_user, now=utcnow())
    db.session.commit()
    return dossier.pdf_response(dossier.dossier_pdf_bytes(person), f"record-{person.id}.pdf")


@bp.route("/me/record.json")
@roles_required(Role.WORKER)
def my_record_json():
    """The same facts as JSON, times ISO 8601 with their offset (an archive event)."""
    person = _me()
    own_record.record_download(person, "json", actor=current_user, now=utcnow())
    db.session.commit()
    response = jsonify(dossier.record_data(person))
    response.headers["Content-Disposition"] = f'attachment; filename="record-{person.id}.json"'
    return response


@bp.route("/me/photo/withdraw-consent", methods=["POST"])
@roles_required(Role.WORKER)
def withdraw_photo_consent():
    """The person withdraws consent to their registered photo; the nightly purge deletes it once nothing depends
    on it (a certificate in force prints it, a 人像抓拍 awaiting 复核 is judged against it)."""
    person = _me()
    if not people_policy.may_withdraw_photo_consent(current_user, person):
        abort(403)
    if photos.withdraw_photo_consent(person, actor=current_user, now=utcnow()):
        db.session.commit()
        flash(_("已撤回同意：登记照片不再用于人像比对，并将在不再被有效证书或待复核的抓拍使用时删除。"), "success")
    return redirect(url_for("people.person", person_id=person.id))


@bp.route("/me/corrections", methods=["GET", "POST"])
@roles_required(Role.WORKER)
def my_corrections():
    """The person's 更正申请: the list with their answers, and the form for a new one."""
    person = _me()
    form = CorrectionRequestForm()
    employers = {f"enterprise:{e.enterprise_id}": e.enterprise for e in person.current_employments}
    form.addressee.choices = choices([*((key, ent.name) for key, ent in employers.items()), (AUTHORITY, _("监管部门"))])
    if form.validate_on_submit():
        try:
            own_record.request_correction(
                person,
                CorrectionField(form.field.data),
                form.wrong.data,
                form.proposed.data,
                enterprise=employers.get(form.addressee.data),
                actor=current_user,
                now=utcnow(),
            )
        except DomainError as exc:
            db.session.rollback()
            form.addressee.errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("已提交更正申请，答复后会显示在这里。"), "success")
            return redirect(url_for("people.my_corrections"))
    items = db.session.scalars(
        people_scope.corrections_query(current_user).order_by(RecordCorrection.created_at.desc())
    ).all()
    return render_template("people/my_corrections.html", form=form, items=items)


@bp.route("/people/record-corrections")
@roles_required(Role.ENTERPRISE, Role.REGULATOR)
def record_corrections():
    """更正申请 to answer: an enterprise's own, a regulator's area's; pending first."""
    items = db.session.scalars(
        people_scope.corrections_query(current_user).order_by(
            (RecordCorrection.state == CorrectionState.PENDING).desc(), RecordCorrection.created_at.desc()
        )
    ).all()
    return render_template("people/record_corrections.html", items=items)


@bp.route("/people/record-corrections/<int:record_correction_id>", methods=["GET", "POST"])
@roles_required(Role.ENTERPRISE, Role.REGULATOR)
def record_correction(record_correction_id: int):
    """One 更正申请 and its answer (accept with a note, refuse with a reason)."""
    correction = people_scope.get_correction_or_404(current_user, record_correction_id)
    if not people_scope.can_answer_correction(current_user, correction):
        abort(403)
    form = CorrectionAnswerForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            own_record.answer_correction(
                correction,
                accept=form.decision.data == "accept",
                note=form.note.data or "",
                actor=current_user,
                now=utcnow(),
            )
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("已答复。"), "success")
            return redirect(url_for("people.record_corrections"))
    return render_template("people/record_correction.html", correction=correction, form=form)


# ---------------------------------------------------------------- confirming a new employer


@bp.route("/me/employments/<int:employment_id>/confirm", methods=["POST"])
@roles_required(Role.WORKER)
def confirm_my_employment(employment_id: int):
    """The person confirms that they work for the enterprise that added them."""
    _confirm(employment_id, in_person=False)
    return redirect(url_for("home.index"))


@bp.route("/employments/<int:employment_id>/confirm", methods=["POST"])
@roles_required(Role.REGULATOR)
def confirm_employment(employment_id: int):
    """The authority confirms an employment with the person in front of it (their 证件 checked)."""
    employment = _confirm(employment_id, in_person=True)
    return redirect(url_for("people.person", person_id=employment.person_id))


def _confirm(employment_id: int, *, in_person: bool):
    employment = people_scope.get_employment_or_404(current_user, employment_id)
    if not people_scope.can_confirm_employment(current_user, employment):
        abort(403)
    if own_record.confirm_employment(employment, actor=current_user, now=utcnow(), in_person=in_person):
        db.session.commit()
        flash(_("已确认在 %(name)s 任职。", name=employment.enterprise.name), "success")
    else:
        flash(_("该任职已确认。"), "info")
    return employment
