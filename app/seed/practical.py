"""Demo 实操: the score sheets, and one practical sitting of 1.2 低压电工作业 held a month ago by the 南京市 authority at its
实操考点, scored by two examiners (``regulator`` and ``examiner``) on their own logins. Two of 金陵化工's 低压电工 who
hold no certificate yet sat it, each on their own passed 资格考试 (theory, ten days earlier): one passed (89.5), the
other failed on a 否决项 recorded by one examiner and may sit again. Everything goes through the services the pages
use, so the signatures, the grading and the 一人一档 events are as in real use.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

import sqlalchemy as sa

from app.auth.models import User
from app.core.clock import local_today, to_utc
from app.exams.models import Attempt, ExamKind
from app.exams.practical import candidates, reading, scoring, sittings
from app.exams.practical_sheets import seed_score_sheets
from app.extensions import db
from app.people.models import Employment
from app.seed import exam_rows
from app.tenancy.models import Enterprise

#: (examiner username, points per item K1–K4, 否决项 recorded failed) for each candidate: 89 and 90 → 89.5, 合格;
#: 85 and 78 with K2 vetoed by the second examiner → 81.5, 不合格 (a 否决项 fails whatever the points).
MARKS = [
    [("regulator", (18, 36, 17, 18), ()), ("examiner", (17, 37, 18, 18), ())],
    [("regulator", (17, 34, 16, 18), ()), ("examiner", (16, 30, 15, 17), ("K2",))],
]


def _at(day, hour: int, minute: int) -> datetime:
    """A local wall-clock time on ``day`` as stored (naive UTC)."""
    return to_utc(datetime.combine(day, time(hour, minute)))


def _theory_pass(person_id: int, day, score: float) -> Attempt:
    """A graded, passed 资格考试 of 1.2 on ``day`` (a row, as the certificate demo makes its exams)."""
    opens = _at(day, 9, 0)
    sitting = exam_rows.closed_sitting(
        ExamKind.QUALIFICATION, "低压电工作业 资格考试（演示）", opens, opens + timedelta(hours=3)
    )
    return exam_rows.passed_attempt(
        sitting,
        person_id,
        score,
        seed=person_id,
        started_at=opens + timedelta(minutes=5),
        deadline=opens + timedelta(minutes=125),
        submitted_at=opens + timedelta(minutes=70),
        graded_at=opens + timedelta(minutes=70),
    )


def seed_demo_practical(enterprise: Enterprise) -> None:
    """Add the demo practical sitting (flushes; the caller commits). Expects the demo users and roster."""
    seed_score_sheets()
    users = {
        u.username: u for u in db.session.scalars(sa.select(User).where(User.username.in_(["regulator", "examiner"])))
    }
    operators = db.session.scalars(
        sa.select(Employment)
        .where(Employment.enterprise_id == enterprise.id, Employment.operation_code == "1.2")
        .order_by(Employment.id)
    ).all()[3:5]  # the first three hold certificates (app/seed/certificates.py)
    exam_on = local_today() - timedelta(days=30)
    for n, employment in enumerate(operators):
        _theory_pass(employment.person_id, exam_on - timedelta(days=10), 86.0 + 2 * n)
    sitting = sittings.create_sitting(
        title="低压电工作业 实际操作考试（演示）",
        operation_code="1.2",
        site_name="南京市特种作业实操考点（江宁）",
        site_address="南京市江宁区示范路 18 号",
        exam_on=exam_on,
        examiner_ids=[users["regulator"].id, users["examiner"].id],
        actor=users["regulator"],
    )
    candidates.add_candidates(sitting, [e.person_id for e in operators], actor=users["regulator"])
    attempts = {row.attempt.person_id: row.attempt for row in reading.candidate_rows(sitting, local_today())}
    for k, (employment, marks) in enumerate(zip(operators, MARKS, strict=True)):
        attempt = attempts[employment.person_id]
        for m, (username, values, vetoes) in enumerate(marks):
            scoring.sign(
                attempt,
                users[username],
                dict(zip(("K1", "K2", "K3", "K4"), values, strict=True)),
                vetoes,
                ip=f"10.32.1.{21 + m}",
                user_agent="Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) demo",
                now=_at(exam_on, 10, 5 + 20 * k + 6 * m),
            )
