"""Why a candidate would be refused a certificate: not passed, a certificate held already, no photo, a score
too old, a fraud ban, training hours short of the rule.

Training hours (:func:`training_hours_shortfall`): a 特种作业操作证 needs a completed 初次培训 class of its 操作项目,
a 合格证 the 初次培训 学时 of the ``hours.initial.manager.*`` rule — the same test the hours gate applies before the
资格考试 (``app.training.hours.eligible_for_exam``), so an override the organiser logged when admitting the candidate
to that exam (``exam.gate_overridden``) stands here too and is noted on the issue."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from app.archive.models import ArchiveEvent
from app.certificates.issuing.subjects import Subject, holding, subject_for
from app.certificates.issuing.terms import add_years
from app.certificates.models import BARRING_GROUNDS, Certificate, CertificateBasis, CertKind
from app.core.clock import local_today, to_local
from app.core.errors import DomainError
from app.exams.models import Attempt, AttemptState
from app.exams.practical import validity
from app.exams.practical.models import PracticalAttempt
from app.extensions import db
from app.people.models import Person, Post
from app.rules.queries import rule_value
from app.training import hours as training_hours

#: Kinds whose card shows the holder's photo: issuing them needs a registered one. A 培训合格证明 attests training,
#: not a licence to work; its card identifies the holder by name and masked ID, and the QR's record.
PHOTO_KINDS = (CertKind.SPECIAL_OPERATOR, CertKind.MANAGER)


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
    found = validity.passed_practical(person.id, subject.item, today)
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
