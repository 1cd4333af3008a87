"""一人一档 as a dossier: the person's header, spot-check history and a filterable timeline, on screen and as PDF.

Everything is read from the person (in the viewer's scope) and the person's archive chain. Certificates, training
hours, exam results and 逢查必考 results with their findings come from their own packages (certificates, training,
exams, spotchecks, all above people) through the providers they register in ``app.people.sections``; snapshot
counts and 复核 verdicts from ``app.people.snapshots``. :func:`dossier_context` gathers them once, and the page and
the PDF both print what it returns.
"""

from __future__ import annotations

import json

from flask import make_response, render_template, request, url_for
from flask_login import current_user

from app.archive.render import GROUPS, actor_text, render_event
from app.archive.verification import verify_chain
from app.auth.policy import people as people_policy
from app.core.clock import format_local, isoformat_local, utcnow
from app.core.qr import qr_data_uri
from app.core.storage import storage
from app.extensions import db
from app.people import bp, sections
from app.people import scope as people_scope
from app.people.access_views import record_access
from app.people.archive_events import operation_text  # also registers the person.*/employment.* renderings
from app.people.models import AccessKind, Employment, Person
from app.people.snapshots import reading as snapshot_reading


@bp.app_template_filter("archive_event")
def archive_event_filter(event):
    """``{% set r = e|archive_event %}``: title, facts and outcome of an archive event (app/archive/render.py)."""
    return render_event(event)


@bp.app_template_filter("archive_actor")
def archive_actor_filter(label: str) -> str:
    return actor_text(label)


@bp.app_template_filter("operation_label")
def operation_label_filter(code: str | None) -> str:
    """``9.16`` → ``9.16 烟花爆竹储存作业``."""
    return operation_text(code)


def dossier_context(person: Person, *, kind: str = "", year: int | None = None) -> dict:
    """What the dossier page and PDF show, for ``current_user`` (an employer sees its own and neutral events)."""
    employments = db.session.scalars(
        people_scope.employments_query(current_user)
        .where(Employment.person_id == person.id)
        .order_by(Employment.start_date.desc())
    ).all()
    events = people_scope.archive_events_for(current_user, person.id)
    years = sorted({e.at.year for e in events}, reverse=True)
    shown = [
        e
        for e in events
        if (not kind or render_event(e).group == kind) and (year is None or int(format_local(e.at, "%Y")) == year)
    ]
    checked, breaks = verify_chain(person.id)
    current = [e for e in employments if e.is_current]
    shared = people_scope.sees_full_record(current_user, person.id)
    return {
        "person": person,
        "employments": employments,
        "current_employments": current,
        "events": shown,
        "event_count": len(events),
        "years": years,
        "groups": GROUPS,
        "kind": kind if kind in GROUPS else "",
        "year": year,
        "exams": sections.exams_of(current_user, person) if shared else [],
        "spotchecks": sections.spotchecks_of(current_user, person),
        "snapshots": snapshot_reading.summary_of(person.id) if shared else [],
        "chain_ok": not breaks,
        "chain_checked": checked,
        "show_full_id": people_policy.may_see_full_id(current_user, person),
        "show_photo": photo_shown(person, shared=shared),
        "photo_purged": person.photo_key is None and person.photo_purged_at is not None,
        "photo_withdrawn": person.photo_key is not None and person.photo_consent_withdrawn_at is not None,
        "can_withdraw_photo": person.photo_key is not None
        and person.photo_consent_withdrawn_at is None
        and people_policy.may_withdraw_photo_consent(current_user, person),
        "record_shared": shared,
        "certificates": sections.certificates_of(current_user, [person.id]).get(person.id, []) if shared else [],
        "training_hours": sections.training_hours_of(person) if shared else None,
        "training_years": sections.training_years_of(person) if shared else [],
        "confirmable": [e for e in current if e.is_pending and people_scope.can_confirm_employment(current_user, e)],
        "can_manage": lambda e: e.is_current and people_scope.can_manage_roster(current_user, e.enterprise),
    }


def photo_shown(person: Person, *, shared: bool | None = None) -> bool:
    """The registered photo is on the page and in the PDF for ``current_user`` (``people_policy.may_see_photo``)."""
    if person.photo_key is None:
        return False
    if shared is None:
        shared = people_scope.sees_full_record(current_user, person.id)
    return people_policy.may_see_photo(current_user, person, record_shared=shared)


def page_filters() -> tuple[str, int | None]:
    kind = request.args.get("kind", "")
    return (kind if kind in GROUPS else ""), request.args.get("year", type=int)


@bp.route("/people/<int:person_id>/dossier.pdf")
def dossier_pdf(person_id: int):
    """The printable dossier: the same facts as the page, with the chain's verification and a QR to check it."""
    person = people_scope.get_person_or_404(current_user, person_id)
    pdf = dossier_pdf_bytes(person)
    if photo_shown(person):  # the PDF prints the registered photo: a photo view like any other
        record_access(current_user, person.id, AccessKind.PHOTO)
    return pdf_response(pdf, f"dossier-{person.id}.pdf")


def pdf_response(pdf: bytes, filename: str):
    response = make_response(pdf)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def dossier_pdf_bytes(person: Person) -> bytes:
    """The dossier PDF of ``person`` as ``current_user`` may see it (also the person's own download)."""
    from app.core.pdf import ATTACHMENT, render_pdf

    ctx = dossier_context(person)
    verify_url = url_for("people.person_timeline", person_id=person.id, _external=True)
    attachments: dict[str, tuple[bytes, str]] = {}
    if ctx["show_photo"]:
        attachments[f"{ATTACHMENT}photo"] = (storage().read(person.photo_key), "image/jpeg")
    doc = {
        "name": person.name,
        "id_masked": person.id_masked,
        "id_type": person.id_type.label,
        "sex": {"M": "男", "F": "女"}.get(person.sex, ""),
        "birth_date": person.birth_date.isoformat() if person.birth_date and ctx["record_shared"] else "",
        "employments": [
            {
                "enterprise": e.enterprise.name,
                "post": e.post.label,
                "operation": operation_text(e.operation_code),
                "employment_type": e.employment_type.label,
                "start": e.start_date.isoformat(),
                "end": e.end_date.isoformat() if e.end_date else "",
                "end_reason": e.end_reason or "",
            }
            for e in ctx["employments"]
        ],
        "events": [
            {
                "at": format_local(e.at),
                "actor": actor_text(e.actor_label),
                "title": (r := render_event(e)).title,
                "outcome": r.outcome[0] if r.outcome else "",
                "facts": [f"{label}：{value}" for label, value in r.facts],
            }
            for e in ctx["events"]
        ],
        "chain_ok": ctx["chain_ok"],
        "chain_checked": ctx["chain_checked"],
        "verify_url": verify_url,
        "qr": qr_data_uri(verify_url, scale=3),
        "printed_at": format_local(utcnow()),
        "photo": f"{ATTACHMENT}photo" if attachments else "",
        "photo_purged": ctx["photo_purged"],
    }
    pdf = render_pdf(
        "people/dossier_pdf.html",
        attachments=attachments,
        doc=doc,
        person=person,
        person_id=person.id,
        certificates=ctx["certificates"],
        training_hours=ctx["training_hours"],
        training_years=ctx["training_years"],
        record_shared=ctx["record_shared"],
        exams=ctx["exams"],
        spotchecks=ctx["spotchecks"],
        snapshots=ctx["snapshots"],
    )
    return pdf


def render_dossier(person: Person):
    """The 一人一档 page (``people.person``), with the photo upload for whoever may change it."""
    from app.people.forms import PhotoForm
    from app.people.services import may_change_master_data

    kind, year = page_filters()
    employer = next(
        (e.enterprise for e in person.current_employments if e.enterprise_id == current_user.enterprise_id), None
    )
    photo_form = PhotoForm() if may_change_master_data(person, actor=current_user, enterprise=employer) else None
    return render_template("people/person.html", photo_form=photo_form, **dossier_context(person, kind=kind, year=year))


def record_data(person: Person) -> dict:
    """The person's own record as JSON: the dossier's facts, machine-readable (times ISO with their offset)."""
    ctx = dossier_context(person)
    return {
        "person": {
            "name": person.name,
            "id_type": person.id_type.value,
            "id_number": person.id_number if ctx["show_full_id"] else person.id_masked,
            "sex": person.sex,
            "birth_date": person.birth_date.isoformat() if person.birth_date else None,
            "phone": person.phone,
            "education": person.education,
        },
        "employments": [
            {
                "enterprise": e.enterprise.name,
                "post": e.post.value,
                "operation": e.operation_code,
                "employment_type": e.employment_type.value,
                "job_title": e.job_title,
                "start_date": e.start_date.isoformat(),
                "end_date": e.end_date.isoformat() if e.end_date else None,
                "end_reason": e.end_reason,
            }
            for e in ctx["employments"]
        ],
        "certificates": [
            {
                "kind": c.kind.value,
                "item": c.item_name,
                "number": c.number,
                "valid_to": c.valid_to.isoformat() if c.valid_to else None,
                "status": str(status.label),
            }
            for c, status in ctx["certificates"]
        ],
        "training_hours": None
        if ctx["training_hours"] is None
        else {"required": ctx["training_hours"][0], "done": ctx["training_hours"][1]},
        "training_years": [
            {
                "year": y.year,
                "online_hours": y.online,
                "offline_hours": y.offline,
                "hours": y.total,
                "required_hours": y.required,
                "completion": str(y.completion.label),
                "classes": [
                    {
                        "title": c.title,
                        "organiser": c.organiser,
                        "dates": c.dates,
                        "hours": c.hours,
                        "completion": str(c.completion.label),
                    }
                    for c in y.classes
                ],
            }
            for y in ctx["training_years"]
        ],
        "spotchecks": [
            {
                "at": isoformat_local(r["at"]),
                "doc_number": r["doc_number"],
                "enterprise": r["enterprise"],
                "outcome": str(r["outcome"][0]) if r["outcome"] else None,
                "score": r.get("score") or None,
            }
            for r in ctx["spotchecks"]
        ],
        "events": [
            {
                "seq": e.seq,
                "at": isoformat_local(e.at),
                "kind": e.kind,
                "actor": actor_text(e.actor_label),
                "title": str((r := render_event(e)).title),
                "facts": {str(label): str(value) for label, value in r.facts},
                "payload": json.loads(e.payload),
                "hash": e.hash,
            }
            for e in ctx["events"]
        ],
        "chain_ok": ctx["chain_ok"],
        "generated_at": isoformat_local(utcnow()),
    }
