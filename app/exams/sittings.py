"""考试场次: create a sitting from a paper template (its paper rules frozen), enrol and remove candidates.

Who may create which kind is a rule here (:data:`KINDS_BY_ROLE`): an enterprise or a training institution runs
培训考试; 资格考试 and 复审考试 are the authority's (a regulator, or the platform admin for a 考试机构); 补考 come from
``app.exams.makeups``, 逢查必考 from ``app.spotchecks``.

Functions flush; the view or task commits (STYLE.md 3.4).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from app.archive.services import record_event
from app.auth.models import Role
from app.bank.models import PaperTemplate
from app.bank.queries import question_index
from app.core.clock import local_today, utcnow
from app.core.errors import DomainError
from app.exams import gates
from app.exams import messages as _messages  # noqa: F401  (registers the exam codes)
from app.exams.models import Candidate, ExamKind, GateOverride, Sitting
from app.extensions import db
from question_bank import InsufficientQuestions, PaperSpec, PassMarkUnreachable, assemble_paper

#: The kinds each role may create from the sitting form.
KINDS_BY_ROLE: dict[Role, tuple[ExamKind, ...]] = {
    Role.ADMIN: (ExamKind.TRAINING, ExamKind.QUALIFICATION, ExamKind.REVIEW),
    Role.REGULATOR: (ExamKind.TRAINING, ExamKind.QUALIFICATION, ExamKind.REVIEW),
    Role.ENTERPRISE: (ExamKind.TRAINING,),
    Role.INSTITUTION: (ExamKind.TRAINING,),
}


def kinds_for(actor) -> tuple[ExamKind, ...]:
    """The sitting kinds ``actor`` may create (none for a worker or the system)."""
    return KINDS_BY_ROLE.get(actor.role, ()) if actor is not None else ()


def organiser_of(actor) -> dict:
    """The organiser columns of a sitting created by ``actor``: its enterprise, institution or region."""
    if actor is None or actor.role is Role.ADMIN:
        return {"enterprise_id": None, "institution_id": None, "region_code": ""}
    if actor.role is Role.ENTERPRISE:
        return {
            "enterprise_id": actor.enterprise_id,
            "institution_id": None,
            "region_code": actor.enterprise.region_code,
        }
    if actor.role is Role.INSTITUTION:
        return {
            "enterprise_id": None,
            "institution_id": actor.institution_id,
            "region_code": actor.institution.region_code,
        }
    if actor.role is Role.REGULATOR:
        return {"enterprise_id": None, "institution_id": None, "region_code": actor.jurisdiction.code}
    raise DomainError("sitting.not_organiser")


def subject_of(kind: ExamKind, post: str, operation_code: str) -> str:
    """The subject a result counts for, across sittings: ``qualification:special_operator:1.2``.

    A 补考 counts for its original's subject (:func:`app.exams.makeups.create_makeup_sitting` passes it on)."""
    return f"{kind.value}:{post}:{operation_code}"


def create_sitting(
    template: PaperTemplate,
    *,
    title: str,
    kind: ExamKind,
    opens_at: datetime,
    closes_at: datetime,
    person_ids: list[int],
    actor,
    duration_minutes: int | None = None,
    access_code: str = "",
    post: str = "",
    operation_code: str = "",
    override: gates.GateOverride | None = None,
) -> Sitting:
    """Create a 考试场次 from a paper template, freezing its spec and banks, and enrol the candidates.

    :param duration_minutes: defaults to the template's time limit.
    :param post: the 岗位 the exam is for (``special_operator`` …), or empty for any.
    :param operation_code: the 作业类别/操作项目 code for special operators, or empty.
    :param override: admits candidates the enrolment gates refuse (:mod:`app.exams.gates`), stored and logged.
    :raises DomainError: ``sitting.not_eligible`` (with every refused candidate's reason) unless overridden,
        ``override.reason`` / ``override.text`` for an override without a reason of substance,
        ``sitting.kind_not_allowed`` when the actor's role may not create this kind,
        ``sitting.window`` for an empty window, ``sitting.duration`` out of 1–600 minutes, ``paper.insufficient``
        when the banks cannot fill the template.
    """
    if kind not in kinds_for(actor):
        raise DomainError("sitting.kind_not_allowed", kind=kind.label)
    spec = template.paper_spec
    return new_sitting(
        title=title,
        kind=kind,
        subject=subject_of(kind, post, operation_code),
        post=post,
        operation_code=operation_code,
        template_id=template.id,
        spec=spec,
        bank_ids=list(template.bank_ids),
        opens_at=opens_at,
        closes_at=closes_at,
        duration_minutes=duration_minutes or spec.time_limit_minutes,
        access_code=access_code,
        allow_review=template.allow_review,
        allow_makeup=template.allow_makeup,
        organiser=organiser_of(actor),
        person_ids=person_ids,
        actor=actor,
        override=override,
    )


def new_sitting(
    *,
    title: str,
    kind: ExamKind,
    subject: str,
    spec: PaperSpec,
    bank_ids: list[int],
    opens_at: datetime,
    closes_at: datetime,
    duration_minutes: int,
    organiser: dict,
    person_ids: list[int],
    actor,
    template_id: int | None = None,
    post: str = "",
    operation_code: str = "",
    access_code: str = "",
    allow_review: bool = True,
    allow_makeup: bool = True,
    makeup_of: Sitting | None = None,
    override: gates.GateOverride | None = None,
) -> Sitting:
    """The one way a sitting comes to be (a plain one, a 补考, a 逢查必考): checked, stored, candidates enrolled.

    The banks are checked now — a template the banks cannot fill fails here, not when the first candidate starts.
    """
    if closes_at <= opens_at:
        raise DomainError("sitting.window")
    if not 1 <= duration_minutes <= 600:
        raise DomainError("sitting.duration")
    try:
        spec.check_passable()
    except PassMarkUnreachable as exc:
        raise DomainError("paper.pass_mark", pass_mark=f"{exc.pass_mark:g}", total=f"{exc.total:g}") from None
    try:
        assemble_paper(spec, question_index(bank_ids), seed=0)
    except InsufficientQuestions as exc:
        raise DomainError("paper.insufficient", detail=str(exc)) from None
    sitting = Sitting(
        title=title.strip(),
        kind=kind,
        subject=subject,
        post=post,
        operation_code=operation_code,
        template_id=template_id,
        spec=spec.to_dict(),
        bank_ids=list(bank_ids),
        opens_at=opens_at,
        closes_at=closes_at,
        duration_minutes=duration_minutes,
        access_code=(access_code or "").strip(),
        allow_review=allow_review,
        allow_makeup=allow_makeup,
        makeup_of_id=makeup_of.id if makeup_of else None,
        created_by_id=actor.id if actor else None,
        **organiser,
    )
    db.session.add(sitting)
    db.session.flush()
    add_candidates(sitting, person_ids, override=override, actor=actor)
    return sitting


def add_candidates(
    sitting: Sitting, person_ids: list[int], *, override: gates.GateOverride | None = None, actor=None
) -> int:
    """Enrol persons (already enrolled ones are skipped); returns how many were added.

    Candidates of a 资格考试 or 复审考试 pass the enrolment gates first (training hours): a refused one is admitted
    only with an ``override`` of substance (a reason of :data:`app.exams.gates.OVERRIDE_REASONS` and its facts in
    words); it is stored for the supervising regulator (:class:`GateOverride`) and written into the person's file
    (``exam.gate_overridden``).

    :raises DomainError: ``sitting.not_eligible`` listing each refused candidate's reason; ``override.reason`` /
        ``override.text`` for an override that says nothing.
    """
    existing = set(db.session.scalars(sa.select(Candidate.person_id).where(Candidate.sitting_id == sitting.id)))
    new = [pid for pid in dict.fromkeys(person_ids) if pid not in existing]
    refused = gates.refusals(sitting.kind, sitting.post, sitting.operation_code, new, local_today())
    if refused and override is None:
        raise DomainError("sitting.not_eligible", reasons="；".join(refused.values()))
    if refused:
        override = override.checked()
    now = utcnow()
    for person_id, reason in refused.items():
        db.session.add(
            GateOverride(
                sitting_id=sitting.id,
                person_id=person_id,
                reason_code=override.code,
                reason_text=override.text,
                refused_because=reason[:300],
                actor_id=actor.id if actor is not None else None,
                at=now,
            )
        )
        record_event(
            person_id,
            "exam.gate_overridden",
            {
                "sitting": sitting.id,  # issuing reads it: a certificate from this sitting respects the override
                "title": sitting.title,
                "exam_kind": sitting.kind.value,
                "refused_because": reason,
                "reason": override.text,  # the facts in words (what the certificate check shows)
                "reason_code": override.code,
            },
            actor=actor,
            enterprise_id=sitting.enterprise_id,
            at=now,
        )
    db.session.add_all(Candidate(sitting_id=sitting.id, person_id=pid) for pid in new)
    db.session.flush()
    return len(new)


def remove_candidate(sitting: Sitting, person_id: int) -> None:
    """Take a person off a sitting's list (a 逢查必考 swap: the absent person is replaced)."""
    db.session.execute(sa.delete(Candidate).where(Candidate.sitting_id == sitting.id, Candidate.person_id == person_id))


def is_candidate(sitting: Sitting, person_id: int) -> bool:
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Candidate)
            .where(Candidate.sitting_id == sitting.id, Candidate.person_id == person_id)
        )
        > 0
    )
