"""逢查必考 workflows: open an inspection and draw who is tested, run the one-time tickets, close and grade, and
follow each failure through its 整改 finding to 销号.

Functions take plain values plus an explicit ``actor`` (None for the system) and flush; the view or task commits
(STYLE.md 3.4). Every result that belongs in a person's file writes its archive event in the same transaction.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from app.archive.services import record_event
from app.auth import scope
from app.bank.models import PaperTemplate
from app.bank.queries import question_index
from app.core import crypto
from app.core.clock import format_local
from app.core.db import utcnow
from app.core.errors import DomainError
from app.exams.models import Attempt, AttemptState, Candidate, Sitting
from app.extensions import db
from app.people.models import Employment, Enterprise, Person
from app.spotchecks import engine
from app.spotchecks import messages as _messages  # noqa: F401  (registers the spot-check codes)
from app.spotchecks.models import (
    Finding,
    FindingState,
    GuessRecord,
    Inspection,
    InspectionState,
    InvalidFindingTransition,
    SpotCheckTicket,
    TicketReason,
    TicketState,
)
from app.spotchecks.sampling import draw_replacement, draw_sample, normalise_rule
from question_bank import PaperSpec

#: Short codes avoid look-alikes (0/O, 1/I/L) so they can be read off a screen and typed on a phone.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 6
#: Topics a spot-check paper is tailored to the enterprise's industry for (DOMAIN.md §5).
INDUSTRY_TOPICS = frozenset({"重大事故隐患判定标准"})


# ---------------------------------------------------------------- templates and the paper


def spotcheck_templates(user) -> list[PaperTemplate]:
    """Paper templates the regulator may use, 逢查必考 ones first (the form preselects the first)."""
    templates = db.session.scalars(scope.exam_templates_query(user).order_by(PaperTemplate.id)).all()
    return sorted(templates, key=lambda t: ("逢查必考" not in t.name, t.id))


def build_spec(template: PaperTemplate, enterprise: Enterprise, *, time_limit: int, pass_mark: float) -> dict:
    """The template's spec with the inspection's time limit and pass mark, tailored to the enterprise's industry.

    Sections on 重大事故隐患判定标准 without an industry filter are narrowed to the enterprise's industry (plus
    questions tagged ``general``) when the banks hold enough such questions; otherwise they stay as they were.
    """
    spec = copy.deepcopy(template.spec)
    spec["time_limit_minutes"], spec["pass_mark"] = int(time_limit), float(pass_mark)
    if spec.get("title"):
        spec["title"] = f"{spec['title']}"
    tailored = copy.deepcopy(spec)
    changed = False
    for section in tailored["sections"]:
        filters = section.setdefault("filters", {})
        if not filters.get("industries") and set(filters.get("topics") or []) & INDUSTRY_TOPICS:
            filters["industries"] = sorted({enterprise.industry.value, "general"})
            changed = True
    if changed and template.bank_ids:
        index = question_index(template.bank_ids)
        if all(a.ok for a in index.availability(PaperSpec.from_dict(tailored))):
            return tailored
    return spec


# ---------------------------------------------------------------- opening an inspection


@dataclass(frozen=True)
class InspectionData:
    """What the regulator fills in to open an inspection."""

    inspected_on: date
    inspectors: str
    doc_number: str
    template: PaperTemplate
    rule: dict
    window_minutes: int
    time_limit_minutes: int
    pass_mark: float


def current_roster(enterprise: Enterprise) -> list[tuple[int, str, str]]:
    """``(person_id, post, employment_type)`` of everyone currently employed, as plain values for the draw."""
    rows = db.session.execute(
        sa.select(Employment.person_id, Employment.post, Employment.employment_type)
        .where(Employment.enterprise_id == enterprise.id, Employment.end_date.is_(None))
        .order_by(Employment.person_id)
    ).all()
    return [(pid, post.value, etype.value) for pid, post, etype in rows]


def open_inspection(
    data: InspectionData, enterprise: Enterprise, *, actor, now: datetime | None = None, seed: int | None = None
) -> Inspection:
    """Open an inspection: draw the sample, create the on-site sitting and one ticket per person drawn.

    :raises DomainError: ``inspection.out_of_jurisdiction`` when the enterprise is not in the actor's area,
        ``roster.empty`` when nobody is on its roster, ``template.*`` for a template the banks cannot fill.
    """
    if not scope.can_inspect(actor, enterprise):
        raise DomainError("inspection.out_of_jurisdiction", enterprise=enterprise.name)
    now = now or utcnow()
    roster = current_roster(enterprise)
    if not roster:
        raise DomainError("roster.empty", enterprise=enterprise.name)
    rule = normalise_rule(data.rule)
    seed = seed if seed is not None else secrets.randbits(62)
    sample = draw_sample(roster, rule, seed)
    spec = build_spec(data.template, enterprise, time_limit=data.time_limit_minutes, pass_mark=data.pass_mark)
    _check_paper(spec, data.template.bank_ids)

    sitting = engine.create_spotcheck_sitting(
        data.template,
        spec=spec,
        title=f"逢查必考 · {enterprise.name} · {data.inspected_on.isoformat()}"[:120],
        opens_at=now,
        closes_at=now + timedelta(minutes=data.window_minutes),
        duration_minutes=data.time_limit_minutes,
        person_ids=[p.person_id for p in sample.picks],
        actor=actor,
    )
    inspection = Inspection(
        regulator_id=actor.id,
        enterprise=enterprise,
        inspected_on=data.inspected_on,
        inspectors=data.inspectors.strip(),
        doc_number=data.doc_number.strip(),
        template_id=data.template.id,
        sample_rule=rule,
        seed=seed,
        roster_snapshot=[list(r) for r in roster],
        shortages=[s._asdict() for s in sample.shortages],
        sitting_id=sitting.id,
    )
    db.session.add(inspection)
    db.session.flush()
    employment_types = {pid: etype for pid, _post, etype in roster}
    for pick in sample.picks:
        _issue_ticket(
            inspection,
            pick.person_id,
            pick.post,
            employment_types.get(pick.person_id, ""),
            TicketReason.SAMPLED,
            actor=actor,
            now=now,
        )
    return inspection


def _check_paper(spec: dict, bank_ids: list) -> None:
    if not bank_ids:
        raise DomainError("template.no_bank")
    index = question_index(bank_ids)
    short = [a for a in index.availability(PaperSpec.from_dict(spec)) if not a.ok]
    if short:
        raise DomainError(
            "template.short", sections="、".join(f"{a.section_title} {a.available}/{a.needed}" for a in short)
        )


def verify_draw(inspection: Inspection) -> bool:
    """Re-run the draw from the stored roster snapshot, rule and seed: True when it gives the same people."""
    sample = draw_sample([tuple(r) for r in inspection.roster_snapshot], inspection.sample_rule, inspection.seed)
    drawn = {t.person_id for t in inspection.tickets if t.reason is TicketReason.SAMPLED}
    return {p.person_id for p in sample.picks} == drawn


# ---------------------------------------------------------------- tickets


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def normalise_code(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def _code_hash(code: str) -> str:
    return crypto.blind_index("spotcheck-code", normalise_code(code))


def _issue_ticket(
    inspection: Inspection,
    person_id: int,
    post: str,
    employment_type: str,
    reason: TicketReason,
    *,
    actor,
    now: datetime,
    replaces: SpotCheckTicket | None = None,
) -> SpotCheckTicket:
    token = secrets.token_urlsafe(24)
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        code_hash = _code_hash(code)
        if not db.session.scalar(sa.select(SpotCheckTicket.id).where(SpotCheckTicket.code_hash == code_hash)):
            break
    ticket = SpotCheckTicket(
        inspection=inspection,
        person_id=person_id,
        post=post,
        employment_type=employment_type,
        reason=reason,
        token_hash=_sha256(token),
        code_hash=code_hash,
        secret_enc=crypto.encrypt(f"{token} {code}"),
        issued_at=now,
        replaces_id=replaces.id if replaces else None,
        attempt_id=replaces.attempt_id if replaces else None,
    )
    db.session.add(ticket)
    engine.add_candidates(inspection.sitting, [person_id])
    if replaces is None:
        record_event(
            person_id,
            "spotcheck.sampled",
            {
                "inspection": inspection.id,
                "doc_number": inspection.doc_number,
                "enterprise": inspection.enterprise.name,
                "post": post,
                "reason": reason.value,
            },
            actor=actor,
            enterprise_id=inspection.enterprise_id,
            at=now,
        )
    return ticket


def ticket_secrets(ticket: SpotCheckTicket) -> tuple[str, str]:
    """(URL token, short code) of a ticket, for the inspector's screen only."""
    token, code = crypto.decrypt(ticket.secret_enc).split(" ")
    return token, code


def _require_open(inspection: Inspection, now: datetime) -> None:
    if not inspection.is_open or now > inspection.sitting.closes_at:
        raise DomainError("inspection.closed")


def _taken_person_ids(inspection: Inspection) -> set[int]:
    return {t.person_id for t in inspection.tickets}


def swap_ticket(ticket: SpotCheckTicket, *, actor, reason: str, now: datetime | None = None) -> SpotCheckTicket | None:
    """Replace an absent person by another of the same post, drawn reproducibly from the seed.

    :return: the new ticket, or None when nobody of that post is left to draw (the absent person's ticket is void).
    :raises DomainError: ``swap.reason_required``, ``swap.started`` once the person has begun answering.
    """
    now = now or utcnow()
    inspection = ticket.inspection
    _require_open(inspection, now)
    if not reason.strip():
        raise DomainError("swap.reason_required")
    if ticket.status is TicketState.VOID:
        raise DomainError("ticket.void")
    if ticket.attempt_id is not None or ticket.status in (TicketState.CLAIMED, TicketState.DONE):
        raise DomainError("swap.started", name=ticket.person.name)
    ticket.status, ticket.swap_reason = TicketState.VOID, reason.strip()[:200]
    _drop_candidate(inspection, ticket.person_id)
    taken = _taken_person_ids(inspection)
    roster = current_roster(inspection.enterprise)
    pool = [pid for pid, post, _ in roster if post == ticket.post and pid not in taken]
    replacement = draw_replacement(pool, inspection.seed, f"swap:{ticket.id}")
    if replacement is None:
        db.session.flush()
        _record_void(ticket, actor=actor, now=now, replaced=False)
        return None
    etype = next(etype for pid, _post, etype in roster if pid == replacement)
    new = _issue_ticket(inspection, replacement, ticket.post, etype, TicketReason.SWAP_IN, actor=actor, now=now)
    new.replaces_id = ticket.id
    db.session.flush()
    _record_void(ticket, actor=actor, now=now, replaced=True)
    return new


def _record_void(ticket: SpotCheckTicket, *, actor, now: datetime, replaced: bool) -> None:
    """The swapped-out person's file ends the draw with its outcome: voided, why, and whether someone replaced them."""
    inspection = ticket.inspection
    record_event(
        ticket.person_id,
        "spotcheck.voided",
        {
            "inspection": inspection.id,
            "doc_number": inspection.doc_number,
            "enterprise": inspection.enterprise.name,
            "reason": ticket.swap_reason,
            "replaced": replaced,
        },
        actor=actor,
        enterprise_id=inspection.enterprise_id,
        at=now,
    )


def _drop_candidate(inspection: Inspection, person_id: int) -> None:
    db.session.execute(
        sa.delete(Candidate).where(Candidate.sitting_id == inspection.sitting_id, Candidate.person_id == person_id)
    )


def add_person(inspection: Inspection, person_id: int, *, actor, now: datetime | None = None) -> SpotCheckTicket:
    """Add someone present on site (from the enterprise's current roster) to the sample.

    :raises DomainError: ``add.not_on_roster``, ``add.already_sampled``.
    """
    now = now or utcnow()
    _require_open(inspection, now)
    roster = {pid: (post, etype) for pid, post, etype in current_roster(inspection.enterprise)}
    if person_id not in roster:
        raise DomainError("add.not_on_roster")
    if any(t.person_id == person_id and t.status is not TicketState.VOID for t in inspection.tickets):
        raise DomainError("add.already_sampled")
    post, etype = roster[person_id]
    return _issue_ticket(inspection, person_id, post, etype, TicketReason.ADDED, actor=actor, now=now)


def reissue_ticket(ticket: SpotCheckTicket, *, actor, reason: str, now: datetime | None = None) -> SpotCheckTicket:
    """Void a ticket (locked, lost phone, wrong device) and give the same person a new one.

    The new ticket keeps the attempt, so answers already saved are resumed, never started again.
    """
    now = now or utcnow()
    _require_open(inspection := ticket.inspection, now)
    if ticket.status in (TicketState.VOID, TicketState.DONE):
        raise DomainError("reissue.not_possible", status=ticket.status.label)
    ticket.status, ticket.swap_reason = TicketState.VOID, (reason.strip() or "重新发放")[:200]
    new = _issue_ticket(
        inspection,
        ticket.person_id,
        ticket.post,
        ticket.employment_type,
        ticket.reason,
        actor=actor,
        now=now,
        replaces=ticket,
    )
    return new


# ---------------------------------------------------------------- the public ticket pages


def find_ticket(token: str) -> SpotCheckTicket | None:
    if not token or len(token) > 64:
        return None
    return db.session.scalar(sa.select(SpotCheckTicket).where(SpotCheckTicket.token_hash == _sha256(token)))


def find_ticket_by_code(code: str) -> SpotCheckTicket | None:
    code = normalise_code(code)
    if len(code) != CODE_LENGTH:
        return None
    return db.session.scalar(sa.select(SpotCheckTicket).where(SpotCheckTicket.code_hash == _code_hash(code)))


def too_many_guesses(ip: str, now: datetime | None = None) -> bool:
    """True when this address has looked up too many unknown tickets recently (the lookup is then refused)."""
    now = now or utcnow()
    since = now - timedelta(minutes=current_app.config["SPOTCHECK_GUESS_WINDOW_MINUTES"])
    count = db.session.scalar(
        sa.select(sa.func.count()).select_from(GuessRecord).where(GuessRecord.ip == ip, GuessRecord.at >= since)
    )
    return count >= current_app.config["SPOTCHECK_MAX_GUESSES"]


def record_guess(ip: str, now: datetime | None = None) -> None:
    db.session.add(GuessRecord(ip=(ip or "")[:45], at=now or utcnow()))
    db.session.flush()


def ticket_problem(ticket: SpotCheckTicket, now: datetime) -> str | None:
    """Why this ticket cannot be used now (a message code), or None when it can."""
    if ticket.status is TicketState.VOID:
        return "ticket.void"
    if ticket.status is TicketState.DONE:
        return "ticket.done"
    if ticket.status is TicketState.LOCKED:
        return "ticket.locked"
    inspection = ticket.inspection
    if not inspection.is_open or now > inspection.sitting.closes_at:
        return "ticket.expired"
    return None


def device_hash(device: str) -> str:
    return _sha256(device)


def holds_ticket(ticket: SpotCheckTicket, device: str | None) -> bool:
    """True when this browser (its random device value) is the one that claimed the ticket."""
    return bool(device and ticket.claimed_device and hmac.compare_digest(ticket.claimed_device, device_hash(device)))


def _normalise_name(name: str) -> str:
    return "".join((name or "").split()).replace("•", "·").replace("．", "·").replace(".", "·")


def confirm_identity(ticket: SpotCheckTicket, *, name: str, id_last4: str, device: str, now: datetime) -> None:
    """Check name + last 4 of the 证件号码 and bind the ticket to this device.

    A wrong answer is counted (the caller commits it); the fifth locks the ticket until the inspector reissues it.
    Nothing is written to the person's file here.

    :raises DomainError: the ``ticket.*`` problem, ``ticket.other_device``, ``identity.wrong`` (with
        ``remaining``), ``identity.locked``.
    """
    if problem := ticket_problem(ticket, now):
        raise DomainError(problem)
    if ticket.claimed_device and not holds_ticket(ticket, device):
        raise DomainError("ticket.other_device")
    person: Person = ticket.person
    expected_last4 = person.id_number[-4:].upper()
    given = (id_last4 or "").strip().upper()
    name_ok = hmac.compare_digest(_normalise_name(name).encode(), _normalise_name(person.name).encode())
    digits_ok = hmac.compare_digest(given.encode(), expected_last4.encode())
    if not (name_ok and digits_ok):
        ticket.failed_identity_attempts += 1
        limit = current_app.config["SPOTCHECK_IDENTITY_TRIES"]
        if ticket.failed_identity_attempts >= limit:
            ticket.status = TicketState.LOCKED
            db.session.flush()
            raise DomainError("identity.locked")
        db.session.flush()
        raise DomainError("identity.wrong", remaining=limit - ticket.failed_identity_attempts)
    ticket.status, ticket.claimed_device, ticket.claimed_at = TicketState.CLAIMED, device_hash(device), now
    db.session.flush()


def start_ticket_attempt(ticket: SpotCheckTicket, *, ip: str, user_agent: str, now: datetime) -> Attempt:
    """Start (or resume) the claimed ticket's attempt through the exam engine; one attempt per person, ever."""
    if problem := ticket_problem(ticket, now):
        raise DomainError(problem)
    attempt = engine.start_or_resume(ticket.inspection.sitting, ticket.person_id, ip=ip, user_agent=user_agent, now=now)
    ticket.attempt_id = attempt.id
    db.session.flush()
    return attempt


def submit_ticket(ticket: SpotCheckTicket, *, now: datetime) -> SpotCheckTicket:
    """Hand the paper in (exactly once however often it is asked) and record the result."""
    attempt = ticket.attempt
    if attempt is None:
        raise DomainError("ticket.not_started")
    engine.submit(attempt, now=now)
    return record_result(ticket, now=now)


def record_result(ticket: SpotCheckTicket, *, now: datetime, actor=None) -> SpotCheckTicket:
    """Copy the graded attempt's score to the ticket and the person's file (once).

    A ticket nobody answered (never claimed, or locked) scores 0 and fails: the person was drawn and present.
    """
    if ticket.graded_at is not None:
        return ticket
    attempt = ticket.attempt
    if attempt is not None:
        attempt = engine.finish(attempt, now=now)
        ticket.answered = True
        ticket.score, ticket.max_score, ticket.passed = attempt.score or 0.0, attempt.max_score, bool(attempt.passed)
    else:
        spec = PaperSpec.from_dict(ticket.inspection.sitting.spec)
        ticket.answered, ticket.score, ticket.max_score, ticket.passed = False, 0.0, spec.total_points, False
    ticket.graded_at = now
    if ticket.status is not TicketState.VOID:
        ticket.status = TicketState.DONE
    db.session.flush()
    inspection = ticket.inspection
    record_event(
        ticket.person_id,
        "spotcheck.result",
        {
            "inspection": inspection.id,
            "doc_number": inspection.doc_number,
            "enterprise": inspection.enterprise.name,
            "score": ticket.score,
            "max_score": ticket.max_score,
            "passed": ticket.passed,
            "answered": ticket.answered,
        },
        actor=actor,
        enterprise_id=inspection.enterprise_id,
        at=now,
    )
    return ticket


# ---------------------------------------------------------------- closing


def close_inspection(inspection: Inspection, *, actor, now: datetime | None = None) -> list[Finding]:
    """End the on-site test: grade every ticket as it stands, and open a finding for each failure.

    :return: the findings opened.
    """
    now = now or utcnow()
    if not inspection.is_open:
        raise DomainError("inspection.closed")
    sitting = inspection.sitting
    if sitting.closes_at > now:
        sitting.closes_at = now
    findings = []
    for ticket in inspection.active_tickets:
        record_result(ticket, now=now, actor=actor)
        if not ticket.passed:
            findings.append(open_finding(ticket, actor=actor, now=now))
    inspection.status, inspection.closed_at = InspectionState.CLOSED, now
    inspection.closed_by_id = actor.id if actor is not None else None
    db.session.flush()
    return findings


def expired_inspections(now: datetime) -> list[Inspection]:
    return list(
        db.session.scalars(
            sa.select(Inspection)
            .join(Sitting, Inspection.sitting_id == Sitting.id)
            .where(Inspection.status == InspectionState.OPEN, Sitting.closes_at <= now)
            .order_by(Inspection.id)
        )
    )


def prune_guesses(now: datetime) -> int:
    since = now - timedelta(minutes=current_app.config["SPOTCHECK_GUESS_WINDOW_MINUTES"])
    return db.session.execute(sa.delete(GuessRecord).where(GuessRecord.at < since)).rowcount or 0


# ---------------------------------------------------------------- findings (整改问题清单)


def open_finding(ticket: SpotCheckTicket, *, actor, now: datetime) -> Finding:
    inspection = ticket.inspection
    action = "重新培训并补考" if ticket.answered else "未参加现场测试：组织培训并补考"
    finding = Finding(
        inspection=inspection,
        enterprise_id=inspection.enterprise_id,
        person_id=ticket.person_id,
        ticket=ticket,
        action=action,
        deadline=now.date() + timedelta(days=current_app.config["SPOTCHECK_FINDING_DAYS"]),
    )
    db.session.add(finding)
    db.session.flush()
    record_event(
        ticket.person_id,
        "finding.opened",
        {
            "inspection": inspection.id,
            "finding": finding.id,
            "doc_number": inspection.doc_number,
            "enterprise": inspection.enterprise.name,
            "deadline": finding.deadline.isoformat(),
            "action": action,
        },
        actor=actor,
        enterprise_id=inspection.enterprise_id,
        at=now,
    )
    return finding


def _note(finding: Finding, actor, text: str, now: datetime) -> None:
    who = actor.label if actor is not None else "system"
    line = f"[{format_local(now)}] {who}: {text}"
    finding.notes = f"{finding.notes}\n{line}".strip()


def _move(finding: Finding, state: FindingState) -> None:
    try:
        finding.move_to(state)
    except InvalidFindingTransition:
        raise DomainError("finding.transition") from None


def _require_workable(finding: Finding) -> None:
    if finding.status is FindingState.CLOSED:
        raise DomainError("finding.closed")


def assign_retraining(finding: Finding, *, actor, note: str = "", now: datetime | None = None) -> Finding:
    """The enterprise has put the person on retraining."""
    now = now or utcnow()
    _require_workable(finding)
    if finding.status is FindingState.AWAITING_REVIEW:
        raise DomainError("finding.awaiting_review")
    finding.retraining_assigned_at = now
    _move(finding, FindingState.IN_PROGRESS)
    _note(finding, actor, "已安排重新培训" + (f"：{note.strip()}" if note.strip() else ""), now)
    db.session.flush()
    return finding


def schedule_makeup(
    finding: Finding, *, actor, opens_at: datetime, closes_at: datetime, plan: str = "", now: datetime | None = None
) -> Finding:
    """Create the 补考 sitting (kind MAKEUP, same paper rules) for this one person, in the enterprise's name."""
    now = now or utcnow()
    _require_workable(finding)
    if finding.status is FindingState.AWAITING_REVIEW:
        raise DomainError("finding.awaiting_review")
    if closes_at <= opens_at:
        raise DomainError("makeup.window")
    if finding.makeup_sitting_id is not None and finding.makeup_sitting.closes_at > now:
        raise DomainError("makeup.exists")
    original = finding.inspection.sitting
    template = db.session.get(PaperTemplate, original.template_id) if original.template_id else None
    if template is None:
        raise DomainError("makeup.no_template")
    sitting = engine.create_makeup_sitting(
        original,
        template,
        title=f"补考 · {finding.person.name} · {original.title}"[:120],
        opens_at=opens_at,
        closes_at=closes_at,
        person_id=finding.person_id,
        enterprise=finding.inspection.enterprise,
        actor=actor,
    )
    finding.makeup_sitting_id, finding.makeup_plan = sitting.id, plan.strip()[:200]
    if finding.status is not FindingState.IN_PROGRESS:
        _move(finding, FindingState.IN_PROGRESS)
    _note(finding, actor, f"已安排补考 {opens_at:%Y-%m-%d %H:%M} – {closes_at:%Y-%m-%d %H:%M}", now)
    db.session.flush()
    return finding


def makeup_attempt(finding: Finding) -> Attempt | None:
    """The person's attempt at the 补考 sitting, if any."""
    if finding.makeup_sitting_id is None:
        return None
    return db.session.scalar(
        sa.select(Attempt).where(
            Attempt.sitting_id == finding.makeup_sitting_id, Attempt.person_id == finding.person_id
        )
    )


def makeup_passed(finding: Finding) -> bool:
    attempt = makeup_attempt(finding)
    return attempt is not None and attempt.state is AttemptState.GRADED and bool(attempt.passed)


def request_review(finding: Finding, *, actor, note: str = "", now: datetime | None = None) -> Finding:
    """The enterprise reports the item rectified and asks the regulator to close it."""
    now = now or utcnow()
    _require_workable(finding)
    _move(finding, FindingState.AWAITING_REVIEW)
    _note(finding, actor, "申请复核销号" + (f"：{note.strip()}" if note.strip() else ""), now)
    db.session.flush()
    return finding


def close_finding(finding: Finding, *, actor, override_reason: str = "", now: datetime | None = None) -> Finding:
    """销号: the regulator closes the item, on a passed 补考 or, failing that, with a stated override reason.

    :raises DomainError: ``finding.closed``, ``finding.no_passed_makeup`` without a passed 补考 or a reason.
    """
    now = now or utcnow()
    _require_workable(finding)
    passed = makeup_passed(finding)
    if not passed and not override_reason.strip():
        raise DomainError("finding.no_passed_makeup")
    _move(finding, FindingState.CLOSED)
    finding.closed_by_id, finding.closed_at = actor.id, now
    finding.close_override = "" if passed else override_reason.strip()[:200]
    attempt = makeup_attempt(finding)
    _note(finding, actor, "销号" + ("（补考合格）" if passed else f"（人工销号：{finding.close_override}）"), now)
    db.session.flush()
    record_event(
        finding.person_id,
        "finding.closed",
        {
            "inspection": finding.inspection_id,
            "finding": finding.id,
            "doc_number": finding.inspection.doc_number,
            "makeup_score": attempt.score if passed else None,
            "override": finding.close_override,
        },
        actor=actor,
        enterprise_id=finding.enterprise_id,
        at=now,
    )
    return finding


def reject_finding(finding: Finding, *, actor, reason: str, now: datetime | None = None) -> Finding:
    """The regulator does not accept the rectification; the enterprise works the item again."""
    now = now or utcnow()
    _require_workable(finding)
    if not reason.strip():
        raise DomainError("finding.reason_required")
    _move(finding, FindingState.REJECTED)
    finding.reject_reason = reason.strip()[:200]
    _note(finding, actor, f"复核未通过：{finding.reject_reason}", now)
    db.session.flush()
    return finding
