"""Issuing certificates by rule: from a passed 资格考试 (or a passed 培训考试 for a 培训合格证明), one by one or for a
whole sitting. Each candidate is either issued a certificate or refused with the reason a person can act on.

Validity comes from the rule table (``cert.validity_years.*``, ``cert.review_years.special_operator``) in force for
the issuing region on the day of issue. Numbers: 特种作业操作证 = "T" + 证件号码; the others follow
``CERT_NUMBER_SCHEMES``; a 培训合格证明's serial comes from its issuer's series for the year (:func:`next_serial`).

Training hours (:func:`training_hours_shortfall`): a 特种作业操作证 needs a completed 初次培训 class of its 操作项目,
a 合格证 the 初次培训 学时 of the ``hours.initial.manager.*`` rule — the same test the hours gate applies before the
资格考试 (``app.training.hours.eligible_for_exam``), so an override the organiser logged when admitting the candidate
to that exam (``exam.gate_overridden``) stands here too and is noted on the issue. Services flush; the view or task
commits.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from sqlalchemy.exc import IntegrityError

from app.archive.models import ArchiveEvent
from app.archive.services import record_event
from app.auth import policy
from app.auth.models import User
from app.certificates import authorities
from app.certificates import messages as _messages  # noqa: F401  (registers the certificate codes)
from app.certificates.models import (
    BARRING_GROUNDS,
    LIVE,
    Certificate,
    CertificateBasis,
    CertificateEvent,
    CertKind,
    CertStatus,
    EventKind,
    NumberSeries,
)
from app.core.clock import local_today, to_local
from app.core.db import insert_on_conflict
from app.core.errors import DomainError
from app.exams import practical
from app.exams.models import Attempt, AttemptState, ExamKind, PracticalAttempt, Sitting
from app.extensions import db
from app.people.models import Employment, Enterprise, Industry, Person, Post, TrainingInstitution
from app.rules.queries import operation_name, rule_value
from app.training import hours as training_hours

#: Kinds whose card shows the holder's photo: issuing them needs a registered one. A 培训合格证明 attests training,
#: not a licence to work; its card identifies the holder by name and masked ID, and the QR's record.
PHOTO_KINDS = (CertKind.SPECIAL_OPERATOR, CertKind.MANAGER)


def add_years(day: date, years: int) -> date:
    """The same calendar day ``years`` later (29 February → 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class Subject:
    """What a certificate is for: its kind and the two printed classifiers (codes and names)."""

    kind: CertKind
    category: str
    category_name: str
    item: str
    item_name: str


@dataclass
class Outcome:
    """One candidate of a bulk issue: the certificate issued, or the refusal."""

    attempt: Attempt
    certificate: Certificate | None = None
    refusal: DomainError | None = None


@dataclass
class BulkResult:
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def issued(self) -> list[Certificate]:
        return [o.certificate for o in self.outcomes if o.certificate is not None]

    @property
    def refused(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.refusal is not None]


# ---------------------------------------------------------------- what, for whom, by whom


def exam_kind_of(sitting: Sitting) -> ExamKind:
    """A 补考 counts as the exam it makes up for."""
    seen = set()
    while sitting.kind is ExamKind.MAKEUP and sitting.makeup_of is not None and sitting.id not in seen:
        seen.add(sitting.id)
        sitting = sitting.makeup_of
    return sitting.kind


def _zh(label) -> str:
    """A label as printed on the card (Chinese, whatever the issuing user's language)."""
    with force_locale("zh_CN"):
        return str(label)


def _employer(person_id: int, enterprise_id: int | None) -> Enterprise | None:
    query = (
        sa.select(Enterprise)
        .join(Employment, Employment.enterprise_id == Enterprise.id)
        .where(Employment.person_id == person_id, Employment.end_date.is_(None))
        .order_by(Employment.start_date.desc())
    )
    if enterprise_id is not None:
        own = db.session.scalars(query.where(Enterprise.id == enterprise_id)).first()
        if own is not None:
            return own
    return db.session.scalars(query).first()


def subject_for(attempt: Attempt) -> Subject:
    """The certificate a passed attempt leads to.

    :raises DomainError: ``cert.not_qualification`` (a 复审考试, 逢查必考…), ``cert.no_item``, ``cert.no_employer``.
    """
    sitting = attempt.sitting
    kind = exam_kind_of(sitting)
    if kind is ExamKind.TRAINING:
        post = Post(sitting.post).label if sitting.post in Post._value2member_map_ else ""
        return Subject(CertKind.TRAINING, sitting.post, _zh(post), f"sitting:{sitting.id}", sitting.title)
    if kind is not ExamKind.QUALIFICATION:
        raise DomainError("cert.not_qualification")
    if sitting.operation_code:
        category = sitting.operation_code.split(".")[0]
        return Subject(
            CertKind.SPECIAL_OPERATOR,
            category,
            operation_name(category),
            sitting.operation_code,
            operation_name(sitting.operation_code),
        )
    if sitting.post in (Post.PRINCIPAL, Post.SAFETY_MANAGER):
        employer = _employer(attempt.person_id, sitting.enterprise_id)
        if employer is None:
            raise DomainError("cert.no_employer")
        post = Post(sitting.post)
        industry = Industry(employer.industry)
        return Subject(CertKind.MANAGER, post.value, _zh(post.label), industry.value, _zh(industry.label))
    raise DomainError("cert.no_item")


def live_key(number: str, subject: Subject) -> str:
    return f"{subject.kind.value}|{number}|{subject.category}|{subject.item}"


@dataclass(frozen=True)
class Shortfall:
    """Training the person still lacks: ``code`` is ``cert.hours_short`` (初次培训), ``cert.review_hours_short``
    (复审培训) or ``cert.no_training`` (no class of the 操作项目 at all: no figure to count against)."""

    code: str
    required: float | None = None
    done: float = 0.0

    @property
    def hours(self) -> float:
        return max(0.0, round((self.required or 0) - self.done, 2))

    def refusal(self) -> DomainError:
        return DomainError(
            self.code, hours=f"{self.hours:g}", required=f"{self.required or 0:g}", done=f"{self.done:g}"
        )


def training_hours_shortfall(
    person: Person, subject: Subject | None, *, on: date | None = None, review: bool = False
) -> Shortfall | None:
    """The training ``person`` still lacks before ``subject`` may be certified (``review``: 复审 or 延期复审 of it),
    or None when complete or when no hours rule applies (a 培训合格证明).

    初次: a 特种作业操作证 needs a completed 初次培训 class of its 操作项目 (the class's hours: its 大纲); a 合格证 the
    ``hours.initial.manager.*`` 学时 in 初次培训 classes. 复审: a special operator's ``hours.review.special_operator``
    (8) 学时 of 复审培训 in the year before ``on`` (30号令 第二十三条).
    """
    if subject is None or subject.kind is CertKind.TRAINING:
        return None
    if subject.kind is CertKind.SPECIAL_OPERATOR:
        post, operation_code = Post.SPECIAL_OPERATOR.value, subject.item
    else:
        post, operation_code = subject.category, ""
    ok, reason = training_hours.eligible_for_exam(
        person.id, post, operation_code, "review" if review else "qualification", on or local_today()
    )
    if ok:
        return None
    if reason["code"] == "gate.no_training":
        return Shortfall("cert.no_training")
    code = "cert.review_hours_short" if review else "cert.hours_short"
    return Shortfall(code, float(reason["required"]), float(reason["done"]))


def hours_gate_override(attempt: Attempt) -> str | None:
    """The reason the organiser gave for admitting ``attempt``'s candidate to its 资格考试 despite the hours gate
    (for a 补考: to the exam it makes up for), as logged in the person's file; None if there was no override."""
    sitting_ids, sitting = set(), attempt.sitting
    while sitting is not None and sitting.id not in sitting_ids:
        sitting_ids.add(sitting.id)
        sitting = sitting.makeup_of
    payloads = db.session.scalars(
        sa.select(ArchiveEvent.payload)
        .where(ArchiveEvent.person_id == attempt.person_id, ArchiveEvent.kind == "exam.gate_overridden")
        .order_by(ArchiveEvent.seq.desc())
    )
    for payload in payloads:
        facts = json.loads(payload)
        if facts.get("sitting") in sitting_ids:
            return facts.get("reason") or "-"
    return None


def next_serial(series: str) -> int:
    """The next serial of ``series``, allocated by one atomic upsert (concurrent callers queue on the row; a rolled
    back issue gives its serial back)."""
    stmt = insert_on_conflict(db.session, NumberSeries).values(series=series, last=1)
    stmt = stmt.on_conflict_do_update(index_elements=[NumberSeries.series], set_={"last": NumberSeries.last + 1})
    return db.session.execute(stmt.returning(NumberSeries.last)).scalar_one()


def _number_for(person: Person, kind: CertKind, region_code: str, serial: int, today: date, org_code: str = "") -> str:
    """The 证号. A 培训合格证明: ``CERT_NUMBER_SCHEMES["training"]`` — by default "PX" + the issuer's 统一社会信用代码
    + year + a five-digit serial from the issuer's series for that year (``training:<代码>:<year>``), so numbers
    never repeat and say who issued them and when."""
    if kind is CertKind.SPECIAL_OPERATOR:
        return "T" + person.id_number
    if kind is CertKind.TRAINING:
        serial = next_serial(f"training:{org_code}:{today.year}")
    scheme = current_app.config["CERT_NUMBER_SCHEMES"][kind.value]
    return scheme.format(
        id_number=person.id_number, year=today.year, region=region_code, serial=serial, org_code=org_code
    )


def holding(person: Person, subject: Subject) -> Certificate | None:
    """The live certificate ``person`` already holds for the subject, if any."""
    return db.session.scalars(
        sa.select(Certificate).where(
            Certificate.person_id == person.id,
            Certificate.kind == subject.kind,
            Certificate.category == subject.category,
            Certificate.item == subject.item,
            Certificate.status.in_(LIVE),
        )
    ).first()


def refusal_for(attempt: Attempt, today: date | None = None) -> tuple[Subject | None, DomainError | None]:
    """(subject, why the candidate cannot be issued a certificate, or None)."""
    if attempt.state is not AttemptState.GRADED or not attempt.passed:
        return None, DomainError("cert.not_passed")
    try:
        subject = subject_for(attempt)
    except DomainError as exc:
        return None, exc
    person = attempt.person
    today = today or local_today()
    existing = holding(person, subject)
    if existing is not None:
        return subject, DomainError("cert.already_holds", number=existing.number)
    if basis_used(attempt.id):
        return subject, DomainError("cert.basis_used")
    banned = fraud_ban_until(person, subject, today)
    if banned is not None:
        return subject, DomainError("cert.fraud_banned", until=banned.isoformat())
    if subject.kind in PHOTO_KINDS and not person.photo_key:
        return subject, DomainError("cert.no_photo")
    short = training_hours_shortfall(person, subject, on=today)
    if short is not None and hours_gate_override(attempt) is None:
        return subject, short.refusal()
    if subject.kind is not CertKind.TRAINING and not score_valid(attempt, today):
        return subject, DomainError("cert.theory_expired")
    if subject.kind is CertKind.SPECIAL_OPERATOR and practical_basis(person, subject, today) is None:
        return subject, DomainError("cert.no_practical")
    return subject, None


def score_valid(attempt: Attempt, today: date) -> bool:
    """A result counts from the day it was graded for ``exam.score_valid_months`` (12; 暂行办法 第十条), and not
    before it was graded."""
    graded = to_local(attempt.graded_at).date()
    months = rule_value("exam.score_valid_months", region_code=attempt.sitting.region_code, on=graded)
    return graded <= today <= graded + timedelta(days=round(30.44 * months))


def practical_basis(person: Person, subject: Subject, today: date) -> PracticalAttempt | None:
    """The passed 实际操作考试 a 特种作业操作证 rests on beside its theory result (30号令 and 令第19号 alike): the
    latest of the same 操作项目, still valid on ``today`` and not used for another certificate."""
    found = practical.passed_practical(person.id, subject.item, today)
    if found is None:
        return None
    used = sa.select(CertificateBasis.id).where(CertificateBasis.practical_attempt_id == found.id)
    return None if db.session.scalar(used) is not None else found


def basis_used(attempt_id: int) -> bool:
    """Whether an exam result already underlies a certificate event (each is used once: ``CertificateBasis``)."""
    return (
        db.session.scalar(sa.select(CertificateBasis.id).where(CertificateBasis.attempt_id == attempt_id)) is not None
    )


def fraud_ban_until(person: Person, subject: Subject, today: date) -> date | None:
    """The day a new application for ``subject`` is allowed again after a certificate of it was 撤销 for fraud or
    false records (30号令 第三十条: ``cert.fraud_ban_years``), or None when no ban runs on ``today``."""
    ends = [
        add_years(day, int(rule_value("cert.fraud_ban_years", region_code=region, on=day)))
        for day, region in db.session.execute(
            sa.select(Certificate.revoked_on, Certificate.region_code).where(
                Certificate.person_id == person.id,
                Certificate.kind == subject.kind,
                Certificate.category == subject.category,
                Certificate.item == subject.item,
                Certificate.revocation_ground.in_(BARRING_GROUNDS),
                Certificate.revoked_on.is_not(None),
            )
        )
    ]
    running = [end for end in ends if end > today]
    return max(running) if running else None


def issuing_authorities(subject: Subject, sitting: Sitting, person: Person) -> tuple[str, ...]:
    """The 考核发证机关 for ``subject`` of an exam ``sitting`` (``app.certificates.authorities``)."""
    affiliation = None
    if subject.kind is CertKind.MANAGER:
        employer = _employer(person.id, sitting.enterprise_id)
        affiliation = employer.affiliation if employer else None
    return authorities.authorities_for(subject.kind, sitting.region_code, affiliation)


def may_issue_for(actor: User, sitting: Sitting, outcomes: list[Outcome]) -> bool:
    """Whether ``actor`` issues the certificates of ``sitting`` (for at least one of its candidates' subjects)."""
    for outcome in outcomes:
        try:
            subject = subject_for(outcome.attempt)
        except DomainError:
            continue
        if policy.may_issue_certificate(
            actor,
            subject.kind.value,
            region_code=sitting.region_code,
            enterprise_id=sitting.enterprise_id,
            institution_id=sitting.institution_id,
            authorities=issuing_authorities(subject, sitting, outcome.attempt.person),
        ):
            return True
    return False


def _issuer(
    actor: User, subject: Subject, sitting: Sitting, person: Person
) -> tuple[str, str, int | None, int | None, str]:
    """(发证机关 as printed, its region code, enterprise id, institution id, its code for numbers) — refusing an
    actor who may not issue.

    :raises DomainError: ``cert.not_issuer``.
    """
    allowed = policy.may_issue_certificate(
        actor,
        subject.kind.value,
        region_code=sitting.region_code,
        enterprise_id=sitting.enterprise_id,
        institution_id=sitting.institution_id,
        authorities=issuing_authorities(subject, sitting, person),
    )
    if not allowed:
        raise DomainError("cert.not_issuer", http_status=403, kind=subject.kind.label)
    if subject.kind is CertKind.TRAINING:
        if sitting.institution_id is not None:
            institution = db.session.get(TrainingInstitution, sitting.institution_id)
            return institution.name, institution.region_code, None, institution.id, institution.uscc
        enterprise = db.session.get(Enterprise, sitting.enterprise_id)
        return enterprise.name, enterprise.region_code, enterprise.id, None, enterprise.uscc
    jurisdiction = actor.jurisdiction
    return jurisdiction.authority, jurisdiction.code, sitting.enterprise_id, None, jurisdiction.code


def validity(subject: Subject, region_code: str, today: date) -> dict:
    """valid_from/valid_to/review_due_on/review_years for a certificate issued ``today``."""
    if subject.kind is CertKind.SPECIAL_OPERATOR:
        years = int(rule_value("cert.validity_years.special_operator", region_code=region_code, on=today))
        review = int(rule_value("cert.review_years.special_operator", region_code=region_code, on=today))
        due = add_years(today, review) if review > 0 else None
        if due is not None and rule_value("cert.review_years.special_operator", region_code=region_code, on=due) <= 0:
            due = None  # 30号令 would have scheduled it, but no 复审 exists on that day (令第19号)
        return {
            "valid_from": today,
            "valid_to": add_years(today, years),
            "review_due_on": due,
            "review_years": review if due is not None else None,
        }
    key = "cert.validity_years.manager" if subject.kind is CertKind.MANAGER else "cert.validity_years.training"
    years = int(rule_value(key, region_code=region_code, on=today))
    return {"valid_from": today, "valid_to": add_years(today, years), "review_due_on": None, "review_years": None}


def issue(attempt: Attempt, *, actor: User, today: date | None = None) -> Certificate:
    """Issue the certificate ``attempt`` earned (flushes; the caller commits and renders the PDF).

    :raises DomainError: the refusal (``cert.not_passed``, ``cert.already_holds``, ``cert.no_photo``,
        ``cert.hours_short``, ``cert.no_training``, ``cert.not_issuer``, …).
    """
    today = today or local_today()
    subject, refusal = refusal_for(attempt, today)
    if refusal is not None:
        raise refusal
    person = attempt.person
    authority, region_code, enterprise_id, institution_id, org_code = _issuer(actor, subject, attempt.sitting, person)
    detail = {"attempt": attempt.id, "sitting": attempt.sitting_id}
    if training_hours_shortfall(person, subject, on=today) is not None:  # admitted to the exam by a logged override
        detail["hours_gate_overridden"] = hours_gate_override(attempt)
    bases = {"attempt_id": attempt.id}
    if subject.kind is CertKind.SPECIAL_OPERATOR:
        shown = practical_basis(person, subject, today)
        bases["practical_attempt_id"] = shown.id
        detail.update(practical_attempt=shown.id, practical_score=shown.score)
    with db.session.begin_nested():  # all or nothing: a result used meanwhile leaves no certificate behind
        cert = _write(attempt, subject, actor, today, authority, region_code, enterprise_id, institution_id, org_code)
        issued = CertificateEvent(
            certificate_id=cert.id, kind=EventKind.ISSUED, on_date=today, actor_id=actor.id, detail=detail
        )
        db.session.add(issued)
        db.session.flush()
        use_basis(cert, issued, **bases)
        overridden = {k: v for k, v in detail.items() if k == "hours_gate_overridden"}
        record_event(
            person.id,
            "certificate.issued",
            {**certificate_facts(cert), "valid_from": cert.valid_from, "valid_to": cert.valid_to, **overridden},
            actor=actor,
        )
        db.session.flush()
    return cert


def _write(attempt, subject, actor, today, authority, region_code, enterprise_id, institution_id, org_code):
    """The certificate row with its number (a parallel issue for the same item loses on ``live_key``)."""
    person = attempt.person
    cert = Certificate(
        kind=subject.kind,
        number="",
        person_id=person.id,
        category=subject.category,
        category_name=subject.category_name,
        item=subject.item,
        item_name=subject.item_name,
        authority=authority,
        region_code=region_code,
        enterprise_id=enterprise_id,
        institution_id=institution_id,
        first_issued_on=_first_issued_on(person, subject) or today,
        status=CertStatus.VALID,
        verify_code=secrets.token_urlsafe(18),
        attempt_id=attempt.id,
        issued_by_id=actor.id,
        **validity(subject, region_code, today),
    )
    try:
        with db.session.begin_nested():
            db.session.add(cert)
            db.session.flush()
            cert.number = _number_for(person, subject.kind, region_code, cert.id, today, org_code)
            cert.live_key = live_key(cert.number, subject)
            db.session.flush()
    except IntegrityError:  # a parallel issue for the same item won
        existing = holding(person, subject)
        raise DomainError("cert.already_holds", number=existing.number if existing else "") from None
    return cert


def use_basis(cert: Certificate, event: CertificateEvent, **ids) -> None:
    """Tie an exam result (``attempt_id=`` / ``practical_attempt_id=``) to the certificate event it was used for, once
    and for all: a second use — another certificate, a re-issue after 撤销, a parallel request — is refused by the
    unique index (in a savepoint, so the caller's transaction goes on)."""
    try:
        with db.session.begin_nested():
            db.session.add(CertificateBasis(certificate_id=cert.id, event_id=event.id, **ids))
            db.session.flush()
    except IntegrityError:
        raise DomainError("cert.basis_used") from None


def _first_issued_on(person: Person, subject: Subject) -> date | None:
    """初领日期 is kept from an earlier certificate for the same item (re-issued after it ended)."""
    return db.session.scalar(
        sa.select(sa.func.min(Certificate.first_issued_on)).where(
            Certificate.person_id == person.id,
            Certificate.kind == subject.kind,
            Certificate.category == subject.category,
            Certificate.item == subject.item,
        )
    )


def certificate_facts(cert: Certificate) -> dict:
    """The archive payload's common part (no ID number: the number of a 特种作业操作证 contains it)."""
    return {
        "certificate": cert.id,
        "cert_kind": cert.kind.value,
        "number": masked_number(cert.number),
        "category": cert.category_name,
        "item": cert.item_name,
        "authority": cert.authority,
    }


def masked_number(number: str) -> str:
    """A number as shown outside the holder's own pages: T3201**********1234 (it embeds the ID number)."""
    if len(number) <= 8:
        return number
    return number[:5] + "*" * (len(number) - 9) + number[-4:]


def passed_attempts(sitting: Sitting) -> list[Attempt]:
    return list(
        db.session.scalars(
            sa.select(Attempt)
            .where(Attempt.sitting_id == sitting.id, Attempt.state == AttemptState.GRADED)
            .order_by(Attempt.id)
        )
    )


def preview(sitting: Sitting) -> list[Outcome]:
    """Every graded candidate of ``sitting`` with the reason they would be refused (``refusal`` None: eligible)."""
    today = local_today()
    return [Outcome(attempt, None, refusal_for(attempt, today)[1]) for attempt in passed_attempts(sitting)]


def issue_bulk(
    sitting: Sitting, *, actor: User, attempt_ids: list[int] | None = None, today: date | None = None
) -> BulkResult:
    """Issue to every eligible graded candidate of ``sitting`` (or the chosen ones); refusals are reported, not
    raised, and one refusal never stops the others (each issue runs in its own savepoint)."""
    result = BulkResult()
    for attempt in passed_attempts(sitting):
        if attempt_ids is not None and attempt.id not in attempt_ids:
            continue
        try:
            result.outcomes.append(Outcome(attempt, issue(attempt, actor=actor, today=today)))
        except DomainError as exc:
            result.outcomes.append(Outcome(attempt, None, exc))
    return result
