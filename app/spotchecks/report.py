"""The inspection report PDF (检查现场测试报告): HTML template → WeasyPrint, fonts from the system, no network."""

from __future__ import annotations

from app.core.clock import to_local
from app.core.pdf import render_pdf as _render_pdf
from app.core.qr import qr_data_uri
from app.people.models import EmploymentType, Post
from app.spotchecks.inspections import verify_draw
from app.spotchecks.models import Finding, Inspection, TicketState


def _local(value) -> str:
    return to_local(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _label(enum_cls, value: str) -> str:
    return enum_cls(value).label if value in enum_cls._value2member_map_ else value


def report_context(inspection: Inspection, findings: list[Finding], *, link: str, show_seed: bool) -> dict:
    """Primitives only: the template never touches the database."""
    enterprise = inspection.enterprise
    rows = []
    for t in inspection.tickets:
        rows.append(
            {
                "name": t.person.name,
                "id_masked": t.person.id_masked,
                "post": _label(Post, t.post),
                "employment_type": _label(EmploymentType, t.employment_type) if t.employment_type else "",
                "reason": t.reason.label,
                "void": t.status is TicketState.VOID,
                "swap_reason": t.swap_reason,
                "answered": t.answered,
                "absent": t.absent,
                "graded": t.graded_at is not None,
                "score": f"{t.score:g}" if t.score is not None else "",
                "passed": t.passed,
            }
        )
    graded = [r for r in rows if r["graded"] and not r["void"]]
    return {
        "enterprise": {
            "name": enterprise.name,
            "uscc": enterprise.uscc,
            "industry": enterprise.industry.label,
            "address": enterprise.address,
        },
        "inspection": {
            "id": inspection.id,
            "date": inspection.inspected_on.isoformat(),
            "inspectors": inspection.inspectors,
            "doc_number": inspection.doc_number,
            "status": inspection.status.label,
            "regulator": inspection.regulator.label,
            "seed": str(inspection.seed) if show_seed else "",
            "opened": _local(inspection.sitting.opens_at),
            "closed": _local(inspection.closed_at),
            "pass_mark": f"{inspection.sitting.pass_mark:g}",
            "questions": inspection.sitting.question_count,
            "minutes": inspection.sitting.duration_minutes,
        },
        "rule": [(_label(Post, post), n) for post, n in inspection.sample_rule.items()],
        "shortages": [(_label(Post, s["post"]), s["wanted"], s["available"]) for s in inspection.shortages],
        "draw_verified": verify_draw(inspection),
        "rows": rows,
        "summary": {
            "drawn": len(graded),
            "tested": sum(1 for r in graded if not r["absent"]),
            "passed": sum(1 for r in graded if r["passed"]),
            "absent": sum(1 for r in graded if r["absent"]),
        },
        "findings": [
            {
                "name": f.person.name,
                "absent": f.ticket.absent,
                "deadline": f.deadline.isoformat(),
                "action": f.action,
                "status": f.status.label,
            }
            for f in findings
        ],
        "qr": qr_data_uri(link, scale=3),
        "link": link,
    }


def render_pdf(context: dict) -> bytes:
    """The report as PDF bytes (offline: see ``app.core.pdf``)."""
    return _render_pdf("spotchecks/report_pdf.html", **context)
