"""Demo certificates: three of 金陵化工's 低压电工 hold a 特种作业操作证 issued by the 南京市 regulator on a passed
资格考试 — one valid, one inside its 复审 window, one revoked — each with a registered photo (a drawn placeholder).
Issuing checks training hours, so first they complete the 南京安培安全培训中心's 低压电工作业 初次培训 class (面授,
well before their exams); and the one due for 复审 has just completed the centre's 复审培训 class, for which the
centre issued them a 培训合格证明. PDFs are rendered on first view, not here (the seed stays fast)."""

from __future__ import annotations

import io
from datetime import datetime, time, timedelta

import sqlalchemy as sa
from PIL import Image, ImageDraw

from app.auth.models import User
from app.certificates import class_certificates, issuing, lifecycle
from app.core.clock import local_today
from app.core.db import utcnow
from app.exams.models import Attempt, AttemptState, ExamKind, Sitting
from app.extensions import db
from app.people import photos
from app.people.models import Employment, Enterprise, Person, Post
from app.rules.queries import rule_value
from app.training import attendance, classes, courses
from app.training.models import ClassMode, TrainingClass, TrainingType

#: 低压电工作业 初次培训: the class's required 学时 (its 大纲), attended as 面授 sessions of 8 学时 (45 minutes each).
INITIAL_HOURS = 24


def _portrait(shade: int) -> bytes:
    image = Image.new("RGB", (295, 413), (70, 120 + shade, 190))
    draw = ImageDraw.Draw(image)
    draw.ellipse((92, 80, 203, 215), fill=(236, 204, 178))
    draw.rectangle((60, 250, 235, 413), fill=(40, 50, 70))
    draw.ellipse((60, 215, 235, 300), fill=(40, 50, 70))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def seed_demo_certificates(enterprise: Enterprise) -> None:
    regulator = db.session.scalars(sa.select(User).where(User.username == "regulator")).one()
    operators = db.session.scalars(
        sa.select(Employment)
        .where(Employment.enterprise_id == enterprise.id, Employment.operation_code == "1.2")
        .order_by(Employment.id)
    ).all()[:3]
    today, now = local_today(), utcnow()
    window = int(rule_value("cert.review_window_days"))
    issued_on = [
        today - timedelta(days=400),  # 有效
        issuing.add_years(today + timedelta(days=window // 2), -3),  # 待复审: 应复审日期 in the window
        today - timedelta(days=700),  # to be revoked
    ]
    institution_user = db.session.scalars(sa.select(User).where(User.username == "institution")).one()
    persons = [e.person for e in operators]
    _class(
        institution_user,
        persons,
        TrainingType.INITIAL,
        "低压电工作业 初次培训班（演示）",
        min(issued_on) - timedelta(days=45),
        INITIAL_HOURS,
    )
    for n, (employment, day) in enumerate(zip(operators, issued_on, strict=True)):
        person = employment.person
        photos.set_photo(person, _portrait(n * 30), actor=None, max_bytes=10 * 1024 * 1024)
        sitting = Sitting(
            title="低压电工作业 资格考试（演示）",
            kind=ExamKind.QUALIFICATION,
            subject="qualification:special_operator:1.2",
            post=Post.SPECIAL_OPERATOR.value,
            operation_code="1.2",
            spec={"pass_mark": 80, "sections": []},
            opens_at=now - timedelta(days=(today - day).days + 7),
            closes_at=now - timedelta(days=(today - day).days + 6),
            duration_minutes=120,
            region_code="320100",
        )
        db.session.add(sitting)
        db.session.flush()
        attempt = Attempt(
            sitting_id=sitting.id,
            person_id=person.id,
            state=AttemptState.GRADED,
            paper={},
            seed=n,
            started_at=sitting.opens_at,
            deadline=sitting.closes_at,
            graded_at=sitting.closes_at,
            score=88.0 + n,
            max_score=100.0,
            passed=True,
        )
        db.session.add(attempt)
        db.session.flush()
        cert = issuing.issue(attempt, actor=regulator, today=day)
        if n == 2:
            lifecycle.revoke(
                cert,
                actor=regulator,
                reason="违章作业造成事故（演示）",
                doc_number="宁应急撤〔2026〕1号",
                today=today - timedelta(days=30),
            )
    due = persons[1]  # the 复审 is due: they did the 8 学时 复审培训 (before the running 再培训 class began)
    review_class = _class(
        institution_user, [due], TrainingType.REVIEW, "低压电工作业 复审培训班（演示）", today - timedelta(days=10), 8
    )
    class_certificates.issue(review_class, due, actor=institution_user, today=today)
    lifecycle.mark_lapsed(today)
    db.session.flush()


def _class(organiser: User, persons: list[Person], training_type, title: str, ends_on, hours: int) -> TrainingClass:
    """A finished 面授 class of 1.2 低压电工作业 run by ``organiser``: everyone attended the required hours and passed
    the class exam (graded rows, as for the 资格考试 above); completions recorded."""
    course = courses.create_course(
        title=title.replace("班", "课程"),
        training_type=training_type,
        posts=[Post.SPECIAL_OPERATOR.value],
        operation_code="1.2",
        actor=organiser,
    )
    training_class = classes.create_class(
        course=course,
        title=title,
        mode=ClassMode.OFFLINE,
        starts_on=ends_on - timedelta(days=(hours - 1) // 8),
        ends_on=ends_on,
        required_hours=hours,
        post=Post.SPECIAL_OPERATOR.value,
        actor=organiser,
    )
    classes.enrol(training_class, [p.id for p in persons], actor=organiser)
    for day in range(hours // 8):
        session_date = training_class.starts_on + timedelta(days=day)
        for person in persons:  # recorded on the day itself (16:00 in Asia/Shanghai), as the rules want
            attendance.record(
                training_class,
                person.id,
                session_date=session_date,
                session_label="全天",
                minutes=8 * 45,
                actor=organiser,
                reason="签到表录入（演示）",
                now=datetime.combine(session_date, time(8)),
            )
    closes = datetime.combine(ends_on, time(8)) + timedelta(hours=2)  # 16:00 in Asia/Shanghai, as naive UTC
    sitting = Sitting(
        title=title,
        kind=ExamKind.CLASS,
        subject=f"class:{training_class.id}",
        post=Post.SPECIAL_OPERATOR.value,
        operation_code="1.2",
        spec={"pass_mark": 80, "sections": []},
        opens_at=closes - timedelta(hours=1),
        closes_at=closes,
        duration_minutes=60,
        institution_id=training_class.institution_id,
        enterprise_id=training_class.enterprise_id,
        region_code=training_class.region_code,
    )
    db.session.add(sitting)
    db.session.flush()
    training_class.exam_sitting_id = sitting.id
    for n, person in enumerate(persons):
        db.session.add(
            Attempt(
                sitting_id=sitting.id,
                person_id=person.id,
                state=AttemptState.GRADED,
                paper={},
                seed=n,
                started_at=sitting.opens_at,
                deadline=sitting.closes_at,
                graded_at=sitting.closes_at,
                score=86.0 + n,
                max_score=100.0,
                passed=True,
            )
        )
    db.session.flush()
    classes.refresh_completions(training_class, actor=organiser, now=closes)
    return training_class
