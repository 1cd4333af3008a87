"""一人一档 as a dossier: the person's header, spot-check history and a filterable timeline, on screen and as PDF.

Everything is read from the person (in the viewer's scope) and the person's archive chain. Certificates, training
hours, exam results and 逢查必考 results with their findings come from their own packages (certificates, training,
exams, spotchecks, all above people) through the providers they register in ``app.people.sections``; snapshot
counts and 复核 verdicts from ``app.people.snapshots``. :func:`dossier_context` gathers them once, and the page and
the PDF both print what it returns.
"""

from __future__ import annotations

from flask import make_response, render_template, request, url_for
from flask_login import current_user

from app.archive.render import GROUPS, actor_text, render_event
from app.archive.services import timeline, verify_chain
from app.auth import policy
from app.core.clock import format_local, utcnow
from app.core.qr import qr_data_uri
from app.extensions import db
from app.people import bp, sections
from app.people import scope as people_scope
from app.people.archive_events import operation_text  # also registers the person.*/employment.* renderings
from app.people.models import Employment, Person
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
    events = timeline(person.id, enterprise_id=people_scope.archive_enterprise_filter(current_user))
    years = sorted({e.at.year for e in events}, reverse=True)
    shown = [
        e
        for e in events
        if (not kind or render_event(e).group == kind) and (year is None or int(format_local(e.at, "%Y")) == year)
    ]
    checked, breaks = verify_chain(person.id)
    current = [e for e in employments if e.is_current]
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
        "exams": sections.exams_of(current_user, person),
        "spotchecks": sections.spotchecks_of(current_user, person),
        "snapshots": snapshot_reading.summary_of(person.id),
        "chain_ok": not breaks,
        "chain_checked": checked,
        "show_full_id": policy.may_see_full_id(current_user, person),
        "show_photo": person.photo_key is not None and policy.may_see_photo(current_user, person),
        "certificates": sections.certificates_of(current_user, [person.id]).get(person.id, []),
        "training_hours": sections.training_hours_of(person),
        "can_manage": lambda e: e.is_current and people_scope.can_manage_roster(current_user, e.enterprise),
    }


def page_filters() -> tuple[str, int | None]:
    kind = request.args.get("kind", "")
    return (kind if kind in GROUPS else ""), request.args.get("year", type=int)


@bp.route("/people/<int:person_id>/dossier.pdf")
def dossier_pdf(person_id: int):
    """The printable dossier: the same facts as the page, with the chain's verification and a QR to check it."""
    from app.core.pdf import render_pdf

    person = people_scope.get_person_or_404(current_user, person_id)
    ctx = dossier_context(person)
    verify_url = url_for("people.person_timeline", person_id=person.id, _external=True)
    doc = {
        "name": person.name,
        "id_masked": person.id_masked,
        "id_type": person.id_type.label,
        "sex": {"M": "男", "F": "女"}.get(person.sex, ""),
        "birth_date": person.birth_date.isoformat() if person.birth_date else "",
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
    }
    pdf = render_pdf(
        "people/dossier_pdf.html",
        doc=doc,
        person=person,
        person_id=person.id,
        certificates=ctx["certificates"],
        training_hours=ctx["training_hours"],
        exams=ctx["exams"],
        spotchecks=ctx["spotchecks"],
        snapshots=ctx["snapshots"],
    )
    response = make_response(pdf)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="dossier-{person.id}.pdf"'
    return response


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
