"""The 逢查必考记录 of a person's record (``app.people.sections``): each inspection the person was drawn for in the
viewer's scope, with the score, the outcome and the 整改 the failure opened."""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from app.extensions import db
from app.people.sections import FindingRow, Outcome, SpotcheckResult, passed_outcome, register_spotchecks, score_text
from app.spotchecks import scope
from app.spotchecks.models import Finding, FindingState, Inspection, SpotCheckTicket, TicketState

_FINDING_TONES = {
    FindingState.OPEN: "bad",
    FindingState.IN_PROGRESS: "warn",
    FindingState.AWAITING_REVIEW: "warn",
    FindingState.CLOSED: "ok",
    FindingState.REJECTED: "bad",
}


def _outcome(ticket: SpotCheckTicket) -> Outcome:
    if ticket.status is TicketState.VOID:
        return Outcome(_("已作废"), "warn")
    if ticket.answered:
        return passed_outcome(ticket.passed)
    if not ticket.inspection.is_open:
        return Outcome(_("未参加"), "bad")
    return Outcome(_("待考"), "muted")


@register_spotchecks
def spotchecks_of(user, person) -> list[SpotcheckResult]:
    """One row per ticket the person held, in inspections ``user`` may see, newest first."""
    visible = scope.inspections_query(user).with_only_columns(Inspection.id)
    tickets = db.session.scalars(
        sa.select(SpotCheckTicket)
        .join(SpotCheckTicket.inspection)
        .where(SpotCheckTicket.person_id == person.id, SpotCheckTicket.inspection_id.in_(visible))
        .options(so.contains_eager(SpotCheckTicket.inspection).joinedload(Inspection.enterprise))
        .order_by(Inspection.inspected_on.desc(), SpotCheckTicket.id.desc())
    ).all()
    findings = {
        f.ticket_id: f
        for f in db.session.scalars(sa.select(Finding).where(Finding.ticket_id.in_([t.id for t in tickets])))
    }
    rows = []
    for t in tickets:
        f = findings.get(t.id)
        rows.append(
            SpotcheckResult(
                when=t.inspection.inspected_on.isoformat(),
                doc_number=t.inspection.doc_number,
                enterprise=t.inspection.enterprise.name,
                score=score_text(t.score, t.max_score) if t.answered else "",
                outcome=_outcome(t),
                finding=FindingRow(
                    action=f.action,
                    deadline=f.deadline.isoformat(),
                    status=Outcome(f.status.label, _FINDING_TONES[f.status]),
                )
                if f
                else None,
            )
        )
    return rows
