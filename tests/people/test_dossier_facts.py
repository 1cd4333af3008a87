"""一人一档 on screen and on paper read the same facts: certificates, training per year (classes, 学时 by kind against
the year's requirement, 结业), exams (theory and practical), 逢查必考 results and their 整改, snapshot counts and 复核
verdicts — dates and times in Beijing time, no placeholder text."""

from __future__ import annotations

import html
import io
import re
from datetime import date, datetime

import pdfplumber
import sqlalchemy as sa

from app.auth.models import User
from app.certificates.models import Certificate
from app.core.clock import format_local
from app.exams.models import Attempt, AttemptState, ExamKind, Sitting
from app.exams.practical.models import PracticalAttempt
from app.extensions import db
from app.people.models import ReviewVerdict, Snapshot
from app.seed.demo import DEMO_PASSWORD, seed_demo
from app.spotchecks.models import Finding, SpotCheckTicket, TicketState
from app.tenancy.models import Enterprise
from app.training.models import Attendance, Enrolment, StudyCredit, TrainingClass

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
    facts += training_facts(person_id)
    shots = db.session.scalars(sa.select(Snapshot).where(Snapshot.person_id == person_id)).all()
    if shots:
        not_same = sum(s.review_verdict is ReviewVerdict.NOT_SAME_PERSON for s in shots)
        same = sum(s.review_verdict is ReviewVerdict.SAME_PERSON for s in shots)
        flagged = sum(bool(s.needs_review) for s in shots)
        facts.append(f"在线学习{len(shots)}{flagged}{same}{not_same}")
    return [squeeze(f) for f in facts]


def hours(online_seconds: int = 0, offline_minutes: int = 0) -> str:
    """学时 as the record prints them: 30 minutes online, 45 面授 (the rule rows), to two decimals, never rounded up."""
    return f"{int((online_seconds / 60 / 30 + offline_minutes / 45) * 100) / 100:g}"


def training_facts(person_id: int) -> list[str]:
    """Each class the person was enrolled in (title, organiser, dates) and each year's 学时 by kind."""
    facts = []
    for c in db.session.scalars(
        sa.select(TrainingClass)
        .join(Enrolment, Enrolment.class_id == TrainingClass.id)
        .where(Enrolment.person_id == person_id)
    ):
        organiser = c.institution.name if c.institution else db.session.get(Enterprise, c.enterprise_id).name
        facts += [c.title, organiser, f"{c.starts_on.isoformat()}至{c.ends_on.isoformat()}"]
    seconds: dict[int, int] = {}
    minutes: dict[int, int] = {}
    for day, n in db.session.execute(
        sa.select(StudyCredit.day, StudyCredit.seconds).where(StudyCredit.person_id == person_id)
    ):
        seconds[day.year] = seconds.get(day.year, 0) + n
    for day, n in db.session.execute(
        sa.select(Attendance.session_date, Attendance.minutes).where(Attendance.person_id == person_id)
    ):
        minutes[day.year] = minutes.get(day.year, 0) + n
    for year in seconds.keys() | minutes.keys():
        online, offline = seconds.get(year, 0), minutes.get(year, 0)
        facts.append(
            f"{year}年网络学习{hours(online)}学时·面授{hours(0, offline)}学时·合计{hours(online, offline)}学时"
        )
    return facts


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
            StudyCredit.person_id,  # 网络学习 this year
            Attendance.person_id,  # 面授 classes of past years
        )
    }
    regulator = db.session.scalar(sa.select(User).where(User.username == "regulator"))
    client.post("/login", data={"username": regulator.username, "password": DEMO_PASSWORD})

    seen = {"practical": 0, "theory": 0, "finding": 0, "snapshot": 0, "online": 0, "offline": 0}
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
        seen["online"] += re.search(r"网络学习(?!0学时)[\d.]+学时", on_paper) is not None
        seen["offline"] += re.search(r"面授(?!0学时)[\d.]+学时", on_paper) is not None
    assert all(seen.values()), seen  # the demo exercises every section on paper


def test_training_per_year_reads_the_same_on_page_and_paper(client, login, factory):
    """A 安全管理人员 of a 危险化学品 enterprise (16 学时 of 再培训 a year): a 面授 class of the employer's in 2024,
    attended in full and completed; an institution's online class in 2025, studied 3 hours and not completed."""
    from app.auth.models import Role
    from app.people.models import Post
    from app.training import classes, courses
    from app.training.models import ClassMode, LessonKind, TrainingType
    from tests.people.world import build_world

    w = build_world(factory)
    person = factory.employ(w.ent_a, name="赵安全", post=Post.SAFETY_MANAGER, actor=w.admin_a).person
    course = courses.create_course(title="再培训课程", training_type=TrainingType.ANNUAL, actor=w.admin_a)
    own = classes.create_class(
        course=course,
        title="安全管理人员再培训班（2024）",
        mode=ClassMode.OFFLINE,
        starts_on=date(2024, 3, 4),
        ends_on=date(2024, 3, 6),
        required_hours=16,
        actor=w.admin_a,
    )
    institution = factory.institution("320102")
    teacher = factory.user(Role.INSTITUTION, institution_id=institution.id)
    online_course = courses.create_course(title="网络课程", training_type=TrainingType.ANNUAL, actor=teacher)
    lesson = courses.add_lesson(online_course, title="法规", kind=LessonKind.TEXT, duration_minutes=240, body="……")
    online = classes.create_class(
        course=online_course,
        title="网络再培训班（2025）",
        mode=ClassMode.ONLINE,
        starts_on=date(2025, 5, 1),
        ends_on=date(2025, 6, 30),
        required_hours=8,
        actor=teacher,
    )
    classes.enrol(own, [person.id], actor=w.admin_a)
    classes.enrol(online, [person.id], actor=teacher)
    for day in (4, 5):
        db.session.add(
            Attendance(
                class_id=own.id,
                person_id=person.id,
                session_date=date(2024, 3, day),
                minutes=8 * 45,
                source="manual",
            )
        )
    db.session.add(
        StudyCredit(person_id=person.id, class_id=online.id, lesson_id=lesson.id, day=date(2025, 5, 10), seconds=10800)
    )
    db.session.execute(
        sa.update(Enrolment)
        .where(Enrolment.class_id == own.id, Enrolment.person_id == person.id)
        .values(completed_at=datetime(2024, 3, 6, 9))
    )
    db.session.commit()

    login(w.regulator_nj)
    on_screen = page_text(client.get(f"/people/{person.id}").get_data(as_text=True))
    on_paper = pdf_text(client.get(f"/people/{person.id}/dossier.pdf").data)
    facts = [
        "2024年网络学习0学时·面授16学时·合计16学时·应达16学时已达标",
        "安全管理人员再培训班（2024）玄武化工有限公司2024-03-04至2024-03-0616/16已结业",
        "2025年网络学习6学时·面授0学时·合计6学时·应达16学时差10学时",
        f"网络再培训班（2025）{institution.name}2025-05-01至2025-06-306/8未结业",
    ]
    for fact in facts + training_facts(person.id):
        assert fact in on_screen, fact
        assert fact in on_paper, fact
    assert on_paper.index("2025年网络学习") < on_paper.index("2024年网络学习")  # newest year first
