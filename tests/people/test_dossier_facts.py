"""一人一档 on screen and on paper read the same facts: certificates, exams (theory and practical), 逢查必考 results
and their 整改, snapshot counts and 复核 verdicts — dates and times in Beijing time, no placeholder text."""

from __future__ import annotations

import html
import io
import re

import pdfplumber
import sqlalchemy as sa

from app.auth.models import User
from app.certificates.models import Certificate
from app.core.clock import format_local
from app.exams.models import Attempt, AttemptState, ExamKind, PracticalAttempt, Sitting
from app.extensions import db
from app.people.models import ReviewVerdict, Snapshot
from app.seed.demo import DEMO_PASSWORD, seed_demo
from app.spotchecks.models import Finding, SpotCheckTicket, TicketState

PLACEHOLDERS = ("上线后在此显示", "TODO", "placeholder", "lorem")


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def page_text(markup: str) -> str:
    """What a reader sees of the page: no markup, no scripts."""
    body = re.sub(r"<(script|style)\b.*?</\1>", "", markup, flags=re.S)
    return squeeze(html.unescape(re.sub(r"<[^>]+>", " ", body)))


def pdf_text(data: bytes) -> str:
    with pdfplumber.open(io.BytesIO(data)) as doc:
        return squeeze("\n".join(p.extract_text() or "" for p in doc.pages))


def score(value, top) -> str:
    return f"{value:g}/{top:g}"


def expected_facts(person_id: int) -> list[str]:
    """The facts of one person's record, read from the tables (not through the dossier's own code)."""
    facts = [c.number for c in db.session.scalars(sa.select(Certificate).where(Certificate.person_id == person_id))]
    for a in db.session.scalars(
        sa.select(Attempt)
        .join(Sitting, Sitting.id == Attempt.sitting_id)
        .where(Attempt.person_id == person_id, Attempt.state == AttemptState.GRADED, Sitting.kind != ExamKind.SPOTCHECK)
    ):
        facts += [a.sitting.title, format_local(a.graded_at), score(a.score, a.max_score)]
        facts.append(f"{score(a.score, a.max_score)}{'合格' if a.passed else '不合格'}")
    for p in db.session.scalars(
        sa.select(PracticalAttempt).where(
            PracticalAttempt.person_id == person_id, PracticalAttempt.graded_at.is_not(None)
        )
    ):
        facts += [
            p.sitting.title,
            p.exam_on.isoformat(),
            f"{score(p.score, p.max_score)}{'合格' if p.passed else '不合格'}",
        ]
    for t in db.session.scalars(sa.select(SpotCheckTicket).where(SpotCheckTicket.person_id == person_id)):
        facts += [t.inspection.doc_number, t.inspection.inspected_on.isoformat()]
        if t.status is not TicketState.VOID and t.answered:
            facts.append(f"{score(t.score, t.max_score)}{'合格' if t.passed else '不合格'}")
    for f in db.session.scalars(sa.select(Finding).where(Finding.person_id == person_id)):
        facts += [f.action, f.deadline.isoformat(), f.status.label]
    shots = db.session.scalars(sa.select(Snapshot).where(Snapshot.person_id == person_id)).all()
    if shots:
        not_same = sum(s.review_verdict is ReviewVerdict.NOT_SAME_PERSON for s in shots)
        same = sum(s.review_verdict is ReviewVerdict.SAME_PERSON for s in shots)
        flagged = sum(bool(s.needs_review) for s in shots)
        facts.append(f"在线学习{len(shots)}{flagged}{same}{not_same}")
    return [squeeze(f) for f in facts]


def test_the_dossier_page_and_pdf_show_the_same_facts(app, client):
    assert seed_demo() is True
    db.session.commit()
    # a person of each kind of record (the first by id; each PDF costs a render and a read-back)
    people = {
        db.session.scalar(sa.select(sa.func.min(column)))
        for column in (
            PracticalAttempt.person_id,
            Finding.person_id,
            Snapshot.person_id,
            SpotCheckTicket.person_id,
        )
    }
    regulator = db.session.scalar(sa.select(User).where(User.username == "regulator"))
    client.post("/login", data={"username": regulator.username, "password": DEMO_PASSWORD})

    seen = {"practical": 0, "theory": 0, "finding": 0, "snapshot": 0}
    for person_id in sorted(people):
        facts = expected_facts(person_id)
        page = client.get(f"/people/{person_id}")
        assert page.status_code == 200
        on_screen = page_text(page.get_data(as_text=True))
        response = client.get(f"/people/{person_id}/dossier.pdf")
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        on_paper = pdf_text(response.data)
        for fact in facts:
            assert fact in on_screen, (person_id, fact)
            assert fact in on_paper, (person_id, fact)
        for text in (on_screen, on_paper):
            assert not any(p.lower() in text.lower() for p in PLACEHOLDERS)
            assert re.search(r"\d{4}-\d{2}-\d{2}T\d{2}", text) is None  # no raw ISO timestamps (UTC leaking through)
        seen["practical"] += "实操" in on_paper and "考试记录" in on_paper
        seen["theory"] += "理论" in on_paper
        seen["finding"] += "整改要求" in on_paper
        seen["snapshot"] += "复核为非本人" in on_paper and "暂无人像抓拍" not in on_paper
    assert all(seen.values()), seen  # the demo exercises every section on paper
