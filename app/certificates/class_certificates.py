"""培训合格证明 for a completed class (班次): issued by the class's organiser — the training institution or the
enterprise that ran it, never a regulator — one by one or for everyone who completed, each refusal with the reason.

A trainee completes a class when the required 学时 are reached and the class exam (or its 补考) is passed
(``app.training.classes``: ``Enrolment.completed_at`` and ``training.completed`` in the file); issuing records any
completion not yet recorded first, so the file reads 结业 then 发证. One certificate per person and class, whatever
became of it (a unique key): a revoked one is not issued again from the same completion, a lost one is 补发.

What the card prints is frozen at issue in ``Certificate.facts``: 培训类型, the course and version, the 学时 reached
and required, the class dates and the organiser. Validity: ``cert.validity_years.training`` (1 year: 3号令 requires
re-training every year, so the proof of training lapses with it; editable per region); no 复审. Numbers: the
issuer's series, see :func:`app.certificates.issuing.numbering.next_serial`. No photo: see ``issuing.eligibility.PHOTO_KINDS``.
The row, its number and its events are written by :func:`app.certificates.issuing.issuance.write_certificate`, as for
an exam result. Services flush; the view commits.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from app.auth.models import User
from app.auth.policy import certificates as cert_policy
from app.certificates import messages as _messages  # noqa: F401  (registers the certificate codes)
from app.certificates.issuing.issuance import write_certificate
from app.certificates.issuing.issuers import organiser_issuer
from app.certificates.issuing.outcomes import BulkResult, MemberOutcome
from app.certificates.issuing.subjects import Subject
from app.certificates.issuing.subjects import zh_label as _zh
from app.certificates.models import Certificate, CertKind
from app.core.clock import local_today
from app.core.errors import DomainError
from app.exams.models import Attempt, Sitting
from app.extensions import db
from app.people.models import Person, Post
from app.training import classes
from app.training.models import Enrolment, TrainingClass


def may_issue(actor: User, training_class: TrainingClass) -> bool:
    """The class's organiser (its enterprise or institution) issues its 培训合格证明."""
    return cert_policy.may_issue_certificate(
        actor,
        CertKind.TRAINING.value,
        region_code=training_class.region_code,
        enterprise_id=training_class.enterprise_id,
        institution_id=training_class.institution_id,
    )


def subject_for(training_class: TrainingClass) -> Subject:
    """培训类型 and the course, as printed; ``item`` ties the certificate to the class."""
    course = training_class.course
    return Subject(
        CertKind.TRAINING,
        training_class.training_type.value,
        _zh(training_class.training_type.label),
        f"class:{training_class.id}",
        course.title,
    )


def issued_for(training_class: TrainingClass, person_ids=None) -> dict[int, Certificate]:
    """person id → the certificate already issued for the class (any status)."""
    query = sa.select(Certificate).where(Certificate.training_class_id == training_class.id)
    if person_ids is not None:
        query = query.where(Certificate.person_id.in_(list(person_ids)))
    return {c.person_id: c for c in db.session.scalars(query)}


def _refusal(row: classes.Progress | None, existing: Certificate | None) -> DomainError | None:
    if row is None:
        return DomainError("cert.not_enrolled")
    if existing is not None:
        with_status = _zh(existing.status.label)
        return DomainError("cert.class_already_issued", number=existing.number, status=with_status)
    if row.enrolment.completed_at is not None or row.complete:
        return None
    exam = "" if row.exam_passed else ("failed" if row.exam_passed is False else "missing")
    if not row.hours_done:
        return DomainError(
            "cert.class_hours_short", hours=f"{row.remaining_hours:g}", required=f"{row.required:g}", exam=exam
        )
    return DomainError("cert.class_exam_failed" if exam == "failed" else "cert.class_exam_missing")


def preview(training_class: TrainingClass, person_filter=None) -> list[MemberOutcome]:
    """Every trainee (``person_filter``: a condition on ``Enrolment``) with the certificate they hold for the class
    or the reason they cannot have one yet (both None: eligible)."""
    rows = classes.progress(training_class, person_filter)
    held = issued_for(training_class, [r.person.id for r in rows])
    out = []
    for row in rows:
        existing = held.get(row.person.id)
        out.append(MemberOutcome(row.person, existing, None if existing else _refusal(row, None)))
    return out


def _passing_attempt(training_class: TrainingClass, person_id: int) -> Attempt | None:
    if training_class.exam_sitting_id is None:
        return None
    return db.session.scalars(
        sa.select(Attempt)
        .join(Sitting, Sitting.id == Attempt.sitting_id)
        .where(
            sa.or_(
                Sitting.id == training_class.exam_sitting_id, Sitting.makeup_of_id == training_class.exam_sitting_id
            ),
            Attempt.person_id == person_id,
            Attempt.passed.is_(True),
        )
        .order_by(Attempt.id)
    ).first()


def _facts(training_class: TrainingClass, row: classes.Progress, organiser: str) -> dict:
    course = training_class.course
    post = Post(training_class.post).label if training_class.post in Post._value2member_map_ else ""
    return {
        "training_type": _zh(training_class.training_type.label),
        "mode": _zh(training_class.mode.label),
        "class_title": training_class.title,
        "course": course.title,
        "course_version": course.version,
        "post": _zh(post) if post else "",
        "hours": f"{row.hours:g}",
        "required_hours": f"{row.required:g}",
        "starts_on": training_class.starts_on.isoformat(),
        "ends_on": training_class.ends_on.isoformat(),
        "organiser": organiser,
    }


def issue(training_class: TrainingClass, person: Person, *, actor: User, today: date | None = None) -> Certificate:
    """Issue ``person`` the 培训合格证明 for ``training_class`` (flushes; the caller commits and renders the PDF).

    :raises DomainError: ``cert.not_issuer`` (403: only the organiser), ``cert.not_enrolled``,
        ``cert.class_hours_short`` (with the 学时 missing), ``cert.class_exam_failed`` / ``cert.class_exam_missing``,
        ``cert.class_already_issued``.
    """
    if not may_issue(actor, training_class):
        raise DomainError("cert.not_issuer", http_status=403, kind=CertKind.TRAINING.label)
    classes.refresh_completions(training_class, actor=actor)
    rows = classes.progress(training_class, Enrolment.person_id == person.id)
    return _issue(training_class, person, rows[0] if rows else None, actor=actor, today=today or local_today())


def _issue(
    training_class: TrainingClass, person: Person, row: classes.Progress | None, *, actor: User, today: date
) -> Certificate:
    refusal = _refusal(row, issued_for(training_class, [person.id]).get(person.id))
    if refusal is not None:
        raise refusal
    subject = subject_for(training_class)
    issuer = organiser_issuer(training_class.enterprise_id, training_class.institution_id)
    attempt = _passing_attempt(training_class, person.id)
    facts = _facts(training_class, row, issuer.authority)

    def taken() -> DomainError:
        existing = issued_for(training_class, [person.id]).get(person.id)
        return DomainError(
            "cert.class_already_issued",
            number=existing.number if existing else "",
            status=_zh(existing.status.label) if existing else "",
        )

    return write_certificate(
        person,
        subject,
        issuer,
        actor=actor,
        today=today,
        attempt_id=attempt.id if attempt else None,
        training_class_id=training_class.id,
        facts=facts,
        detail={"class": training_class.id, "attempt": attempt.id if attempt else None, "hours": facts["hours"]},
        archived={"class_id": training_class.id, "hours": facts["hours"]},
        concerns_enterprise=True,
        taken=taken,
    )


def issue_bulk(
    training_class: TrainingClass, *, actor: User, person_ids: list[int] | None = None, today: date | None = None
) -> BulkResult[MemberOutcome]:
    """Issue to every trainee who completed the class and holds none for it yet (or to the chosen ones: each
    chosen one is issued or refused with the reason). One refusal never stops the others (savepoints).

    :raises DomainError: ``cert.not_issuer`` (403) before anything is issued.
    """
    if not may_issue(actor, training_class):
        raise DomainError("cert.not_issuer", http_status=403, kind=CertKind.TRAINING.label)
    today = today or local_today()
    classes.refresh_completions(training_class, actor=actor)
    rows = classes.progress(training_class)
    held = issued_for(training_class, [r.person.id for r in rows])
    result: BulkResult[MemberOutcome] = BulkResult()
    for row in rows:
        if person_ids is not None and row.person.id not in person_ids:
            continue
        if person_ids is None and (row.person.id in held or _refusal(row, None) is not None):
            continue  # everyone who completed and has none yet: the others are listed on the page, not refused here
        try:
            result.outcomes.append(
                MemberOutcome(row.person, _issue(training_class, row.person, row, actor=actor, today=today))
            )
        except DomainError as exc:
            result.outcomes.append(MemberOutcome(row.person, None, exc))
    return result
