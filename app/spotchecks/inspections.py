"""逢查必考 inspections: open one and draw who is tested, swap the absent and add the present, close and grade.

Functions take plain values plus an explicit ``actor`` (None for the system) and flush; the view or task commits
(STYLE.md 3.4). Every result that belongs in a person's file writes its archive event in the same transaction.
The exam engine is reached only through ``app.spotchecks.engine``.
"""

from __future__ import annotations

import copy
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from app.archive.services import record_event
from app.bank import scope as bank_scope
from app.bank.models import PaperTemplate
from app.bank.queries import question_index
from app.core.db import conditional_update, utcnow
from app.core.errors import DomainError
from app.extensions import db
from app.people.models import Employment
from app.spotchecks import engine, listeners
from app.spotchecks import messages as _messages  # noqa: F401  (registers the spot-check codes)
from app.spotchecks import scope as spot_scope
from app.spotchecks.findings import open_finding
from app.spotchecks.models import Finding, Inspection, InspectionState, SpotCheckTicket, TicketReason, TicketState
from app.spotchecks.sampling import draw_replacement, draw_sample, normalise_rule
from app.spotchecks.tickets import issue_ticket, record_result
from app.tenancy.models import Enterprise
from question_bank import PaperSpec

#: Topics a spot-check paper is tailored to the enterprise's industry for (DOMAIN.md §5).
INDUSTRY_TOPICS = frozenset({"重大事故隐患判定标准"})


# ---------------------------------------------------------------- templates and the paper


def spotcheck_templates(user) -> list[PaperTemplate]:
    """Paper templates the regulator may use, 逢查必考 ones first (the form preselects the first)."""
    templates = db.session.scalars(bank_scope.active_templates_query(user).order_by(PaperTemplate.id)).all()
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
    if not spot_scope.can_inspect(actor, enterprise):
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
        issue_ticket(
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


# ---------------------------------------------------------------- on site: swaps, additions, reissues


def _require_open(inspection: Inspection, now: datetime) -> None:
    if not inspection.is_open or now > inspection.sitting.closes_at:
        raise DomainError("inspection.closed")


def _taken_person_ids(inspection: Inspection) -> set[int]:
    return {t.person_id for t in inspection.tickets}


def swap_ticket(ticket: SpotCheckTicket, *, actor, reason: str, now: datetime | None = None) -> SpotCheckTicket | None:
    """Replace an absent person by another of the same post, drawn reproducibly from the seed.

    The replacement is drawn from the roster as it stood when the inspection opened (its stored snapshot), never
    from the current roster: the inspected enterprise cannot steer a swap by editing its roster mid-inspection.

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
    # Void it only if nobody has started meanwhile (the person's phone claims an ISSUED ticket conditionally too).
    voided = db.session.execute(
        conditional_update(SpotCheckTicket)
        .where(
            SpotCheckTicket.id == ticket.id,
            SpotCheckTicket.status.in_([TicketState.ISSUED, TicketState.LOCKED]),
            SpotCheckTicket.attempt_id.is_(None),
        )
        .values(status=TicketState.VOID, swap_reason=reason.strip()[:200])
    ).rowcount
    db.session.refresh(ticket)
    if voided != 1:
        if ticket.status is TicketState.VOID:
            raise DomainError("ticket.void")
        raise DomainError("swap.started", name=ticket.person.name)
    engine.remove_candidate(inspection.sitting, ticket.person_id)
    taken = _taken_person_ids(inspection)
    roster = [tuple(row) for row in inspection.roster_snapshot]
    pool = [pid for pid, post, _ in roster if post == ticket.post and pid not in taken]
    replacement = draw_replacement(pool, inspection.seed, f"swap:{ticket.id}")
    if replacement is None:
        db.session.flush()
        _record_void(ticket, actor=actor, now=now, replaced=False)
        return None
    etype = next(etype for pid, _post, etype in roster if pid == replacement)
    new = issue_ticket(inspection, replacement, ticket.post, etype, TicketReason.SWAP_IN, actor=actor, now=now)
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
    return issue_ticket(inspection, person_id, post, etype, TicketReason.ADDED, actor=actor, now=now)


def reissue_ticket(ticket: SpotCheckTicket, *, actor, reason: str, now: datetime | None = None) -> SpotCheckTicket:
    """Void a ticket (locked, lost phone, wrong device) and give the same person a new one.

    The new ticket keeps the attempt, so answers already saved are resumed, never started again.
    """
    now = now or utcnow()
    _require_open(inspection := ticket.inspection, now)
    live = (TicketState.ISSUED, TicketState.CLAIMED, TicketState.LOCKED)
    if ticket.status not in live:
        raise DomainError("reissue.not_possible", status=ticket.status.label)
    # Of two reissues at once (a double click) one voids the ticket; the other is refused, not a second live ticket.
    voided = db.session.execute(
        conditional_update(SpotCheckTicket)
        .where(SpotCheckTicket.id == ticket.id, SpotCheckTicket.status.in_(live))
        .values(status=TicketState.VOID, swap_reason=(reason.strip() or "重新发放")[:200])
    ).rowcount
    db.session.refresh(ticket)
    if voided != 1:
        raise DomainError("reissue.not_possible", status=ticket.status.label)
    new = issue_ticket(
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


# ---------------------------------------------------------------- closing


def close_inspection(inspection: Inspection, *, actor, now: datetime | None = None) -> list[Finding]:
    """End the on-site test: grade every ticket as it stands, and open a finding for each failure.

    :return: the findings opened (a second close opens none and returns the first one's).
    """
    now = now or utcnow()
    # The state change first, conditionally: of two closes at once (the inspector's click and the beat job) one
    # wins and grades; the other finds it closed and returns what the winner opened.
    won = db.session.execute(
        conditional_update(Inspection)
        .where(Inspection.id == inspection.id, Inspection.status == InspectionState.OPEN)
        .values(status=InspectionState.CLOSED, closed_at=now, closed_by_id=actor.id if actor is not None else None)
    ).rowcount
    db.session.refresh(inspection)
    if won != 1:
        return list(db.session.scalars(sa.select(Finding).where(Finding.inspection_id == inspection.id)))
    sitting = inspection.sitting
    if sitting.closes_at > now:
        sitting.closes_at = now
    findings = []
    for ticket in inspection.active_tickets:
        record_result(ticket, now=now, actor=actor)
        if not ticket.passed:
            findings.append(open_finding(ticket, actor=actor, now=now))
    db.session.flush()
    listeners.closed(inspection, findings)
    return findings


def expired_inspections(now: datetime) -> list[Inspection]:
    return list(
        db.session.scalars(
            sa.select(Inspection)
            .join(engine.Sitting, Inspection.sitting_id == engine.Sitting.id)
            .where(Inspection.status == InspectionState.OPEN, engine.Sitting.closes_at <= now)
            .order_by(Inspection.id)
        )
    )
