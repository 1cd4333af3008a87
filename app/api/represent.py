"""Domain objects as the API shows them, through the policy (``app.auth.policy``) for the calling principal: public
ids only, ID numbers and certificate numbers masked unless the policy shows them in full (each person shown in full
is named to the call's 查阅记录: ``base_views.shown_full_id``), times with their offset, a certificate's status
*today* by the rules (never the stored column)."""

from __future__ import annotations

from datetime import date

from flask import url_for

from app.api import ids
from app.api.base_views import shown_full_id
from app.auth.policy import people as people_policy
from app.certificates import lifecycle
from app.certificates.issuing.numbering import masked_number
from app.certificates.models import Certificate, CertificateEvent
from app.certificates.obligations import Obligation
from app.core.clock import isoformat_local
from app.exams.models import Attempt
from app.exams.practical.models import PracticalAttempt
from app.people.models import Employment, Person
from app.rules.book import RuleBook
from app.spotchecks.models import Finding, Inspection, SpotCheckTicket, TicketState
from app.spotchecks.tickets import ticket_secrets
from app.tenancy.models import Enterprise
from app.training.models import TrainingClass


def person_ref(principal, person: Person) -> dict:
    full = people_policy.may_see_full_id(principal, person)
    if full:
        shown_full_id(person.id)
    return {
        "id": ids.encode("person", person.id),
        "name": person.name,
        "id_number": person.id_number if full else person.id_masked,
        "id_number_masked": not full,
    }


def enterprise_ref(enterprise: Enterprise) -> dict:
    return {"id": ids.encode("enterprise", enterprise.id), "name": enterprise.name, "uscc": enterprise.uscc}


def enterprise(e: Enterprise) -> dict:
    return {
        **enterprise_ref(e),
        "industry": e.industry.value,
        "industry_name": e.industry.label,
        "high_risk": e.high_risk,
        "region_code": e.region_code,
        "affiliation": e.affiliation.value,
    }


def employment(e: Employment) -> dict:
    return {
        "id": ids.encode("employment", e.id),
        "enterprise": enterprise_ref(e.enterprise),
        "post": e.post.value,
        "post_name": e.post.label,
        "employment_type": e.employment_type.value,
        "operation_code": e.operation_code,
        "job_title": e.job_title,
        "start_date": e.start_date,
        "end_date": e.end_date,
        "current": e.end_date is None,
    }


def person(principal, p: Person, employments: list[Employment], *, shared: bool = True) -> dict:
    """:param shared: the person's shared record is the client's to see (``app.people.scope.sees_full_record``)."""
    return {
        **person_ref(principal, p),
        "id_type": p.id_type.value,
        "sex": p.sex,
        "birth_date": p.birth_date if shared else None,
        "employments": [employment(e) for e in employments],
    }


def obligation(o: Obligation | None) -> dict | None:
    if o is None:
        return None
    return {
        "duty": o.duty.value,
        "duty_name": o.duty.label,
        "due_on": o.due_on,
        "opens_on": o.opens_on,
        "apply_by": o.apply_by,
        "basis": o.basis,
    }


def certificate_number(principal, cert: Certificate) -> str:
    """The number embeds the ID number (``T`` + 证件号码): shown as the ID number is."""
    if not people_policy.may_see_full_id(principal, cert.person):
        return masked_number(cert.number)
    shown_full_id(cert.person_id)
    return cert.number


def certificate(principal, cert: Certificate, today: date, book: RuleBook) -> dict:
    status = lifecycle.effective_status(cert, today, book)
    return {
        "id": ids.encode("certificate", cert.id),
        "kind": cert.kind.value,
        "kind_name": cert.kind.label,
        "number": certificate_number(principal, cert),
        "holder": person_ref(principal, cert.person),
        "category": cert.category,
        "category_name": cert.category_name,
        "item": cert.item,
        "item_name": cert.item_name,
        "authority": cert.authority,
        "region_code": cert.region_code,
        "first_issued_on": cert.first_issued_on,
        "valid_from": cert.valid_from,
        "valid_to": cert.valid_to,
        "review_due_on": cert.review_due_on if lifecycle.shows_review_date(cert, book) else None,
        "status": status.value,
        "status_name": status.label,
        "next_obligation": obligation(lifecycle.next_obligation(cert, today, book)),
    }


def certificate_change(event: CertificateEvent) -> dict:
    return {
        "id": ids.encode("certificate_event", event.id),
        "kind": event.kind.value,
        "kind_name": event.kind.label,
        "on_date": event.on_date,
        "reason": event.reason,
        "doc_number": event.doc_number,
        "at": isoformat_local(event.at),
    }


def class_ref(c: TrainingClass) -> dict:
    return {
        "id": ids.encode("class", c.id),
        "title": c.title,
        "training_type": c.training_type.value,
        "training_type_name": c.training_type.label,
    }


def exam_result(principal, a: Attempt) -> dict:
    sitting = a.sitting
    return {
        "id": ids.encode("attempt", a.id),
        "person": person_ref(principal, a.person),
        "sitting_title": sitting.title,
        "exam_kind": sitting.kind.value,
        "exam_kind_name": sitting.kind.label,
        "post": sitting.post,
        "operation_code": sitting.operation_code,
        "state": a.state.value,
        "started_at": isoformat_local(a.started_at),
        "submitted_at": isoformat_local(a.submitted_at),
        "graded_at": isoformat_local(a.graded_at),
        "score": a.score,
        "max_score": a.max_score,
        "passed": a.passed,
    }


def practical_result(principal, a: PracticalAttempt) -> dict:
    return {
        "id": ids.encode("practical", a.id),
        "person": person_ref(principal, a.person),
        "operation_code": a.operation_code,
        "exam_on": a.exam_on,
        "site_name": a.sitting.site_name,
        "attempt_no": a.attempt_no,
        "score": a.score,
        "max_score": a.max_score,
        "passed": a.passed,
        "vetoed": a.vetoed,
        "graded_at": isoformat_local(a.graded_at),
    }


def ticket(principal, t: SpotCheckTicket, *, with_secrets: bool) -> dict:
    entry_url = code = None
    if with_secrets and t.status in (TicketState.ISSUED, TicketState.CLAIMED):
        token, code = ticket_secrets(t)
        entry_url = url_for("tickets.ticket", token=token, _external=True)  # as the inspector's screen shows it
    return {
        "id": ids.encode("ticket", t.id),
        "person": person_ref(principal, t.person),
        "post": t.post,
        "reason": t.reason.value,
        "status": "absent" if t.absent else t.status.value,
        "status_name": t.status_label,
        "answered": t.answered,
        "score": t.score,
        "max_score": t.max_score,
        "passed": t.passed,
        "graded_at": isoformat_local(t.graded_at),
        "entry_url": entry_url,
        "code": code,
    }


def finding(principal, f: Finding, today: date) -> dict:
    return {
        "id": ids.encode("finding", f.id),
        "inspection": ids.encode("inspection", f.inspection_id),
        "person": person_ref(principal, f.person),
        "action": f.action,
        "deadline": f.deadline,
        "status": f.status.value,
        "status_name": f.status.label,
        "overdue": f.is_overdue(today),
        "closed_at": isoformat_local(f.closed_at),
    }


def inspection_summary(i: Inspection) -> dict:
    return {
        "id": ids.encode("inspection", i.id),
        "enterprise": enterprise_ref(i.enterprise),
        "inspected_on": i.inspected_on,
        "doc_number": i.doc_number,
        "status": i.status.value,
        "closed_at": isoformat_local(i.closed_at),
    }


def inspection(principal, i: Inspection, findings: list[Finding], today: date, *, with_secrets: bool) -> dict:
    return {
        **inspection_summary(i),
        "officers": i.inspectors,
        "opened_at": isoformat_local(i.created_at),
        "test_closes_at": isoformat_local(i.sitting.closes_at),
        "conclusion": i.notes,
        "tickets": [ticket(principal, t, with_secrets=with_secrets) for t in i.tickets],
        "findings": [finding(principal, f, today) for f in findings],
    }
