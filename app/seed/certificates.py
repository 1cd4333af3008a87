"""Demo certificates: three of 金陵化工's 低压电工 hold a 特种作业操作证 issued by the 南京市 regulator (entrusted by
江苏省应急管理厅) on a passed 资格考试 — one issued under 应急管理部令第19号 (换证 in six years), one issued under
30号令 in 2022 with its 复审 of 2025 on record (its 2028 复审 no longer exists: 换证 instead), one revoked — each with
a registered photo (a real face: app/seed/portraits.py). Issuing checks training hours, so first they complete the
南京安培安全培训中心's 低压电工作业 初次培训 class (面授, well before their exams); the 30号令 card's holder did the
复审培训 of 2025 and has just completed a 复审（换证）培训 class, for which the centre issued a 培训合格证明. PDFs are
rendered on first view, not here (the seed stays fast)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from app.auth.models import User
from app.certificates import class_certificates, decisions, recompute, renewals
from app.certificates.issuing import issuance
from app.certificates.models import RevocationGround
from app.core.clock import local_today
from app.exams.models import Attempt, ExamKind
from app.exams.practical import candidates, reading, scoring, sittings
from app.exams.practical_sheets import seed_score_sheets
from app.extensions import db
from app.people import photos
from app.people.models import Employment, Person, Post
from app.seed import exam_rows
from app.seed.portraits import portrait
from app.tenancy.models import Enterprise
from app.training import classes, courses
from app.training.attendance import recording
from app.training.models import ClassMode, TrainingClass, TrainingType

#: 低压电工作业 初次培训: the class's required 学时 (its 大纲), attended as 面授 sessions of 8 学时 (45 minutes each).
INITIAL_HOURS = 24


#: The 30号令 card of the demo: issued 2022-03-15, its 复审 of 2025 done (30号令 still applied), the next one — on
#: 2028-03-15 — abolished by 应急管理部令第19号: it renews (换证) at the end of validity. Fixed dates: a card "issued
#: under the old rule" has to be from before 2026-06-01 (it is 有效 until 2028-03-15; a demo seeded later shows it 过期).
OLD_RULE_ISSUED = date(2022, 3, 15)
OLD_RULE_REVIEWED = date(2025, 2, 20)


def seed_demo_certificates(enterprise: Enterprise) -> None:
    regulator = db.session.scalars(sa.select(User).where(User.username == "regulator")).one()
    operators = db.session.scalars(
        sa.select(Employment)
        .where(Employment.enterprise_id == enterprise.id, Employment.operation_code == "1.2")
        .order_by(Employment.id)
    ).all()[:3]
    today = local_today()
    issued_on = [
        max(today - timedelta(days=100), date(2026, 6, 2)),  # 有效, under 令第19号: 换证 in 6 years
        OLD_RULE_ISSUED,  # 有效, under 30号令 with its 复审 record; 换证 ahead
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
    certs = []
    seed_score_sheets()
    examiner = db.session.scalars(sa.select(User).where(User.username == "examiner")).one()
    for n, (employment, day) in enumerate(zip(operators, issued_on, strict=True)):
        person = employment.person
        photos.set_photo(person, portrait(person.id), actor=None, max_bytes=10 * 1024 * 1024)  # a real face
        attempt = _graded(ExamKind.QUALIFICATION, "低压电工作业 资格考试（演示）", person, day - timedelta(days=7), n)
        _practical(person, day - timedelta(days=3), (regulator, examiner), n)
        certs.append(issuance.issue(attempt, actor=regulator, today=day))
    # the 30号令 card's 复审 of 2025: 8 学时 of 复审培训, a passed 复审考试, recorded in its window
    old = certs[1]
    _class(
        institution_user, [old.person], TrainingType.REVIEW, "低压电工作业 复审培训班（2025，演示）",
        OLD_RULE_REVIEWED - timedelta(days=30), 8,
    )  # fmt: skip
    review = _graded(
        ExamKind.REVIEW, "低压电工作业 复审考试（演示）", old.person, OLD_RULE_REVIEWED - timedelta(days=10), 1
    )
    renewals.review(old, actor=regulator, attempt=review, doc_number="宁应急复〔2025〕12号", today=OLD_RULE_REVIEWED)
    decisions.revoke(
        certs[2],
        actor=regulator,
        reason="违章作业造成事故（演示）",
        doc_number="宁应急撤〔2026〕1号",
        ground=RevocationGround.ACCIDENT,
        today=today - timedelta(days=30),
    )
    # a recent 复审（换证）培训 class, for which the centre issued a 培训合格证明
    review_class = _class(
        institution_user,
        [old.person],
        TrainingType.REVIEW,
        "低压电工作业 复审培训班（演示）",
        today - timedelta(days=10),
        8,
    )
    class_certificates.issue(review_class, old.person, actor=institution_user, today=today)
    recompute.recompute(today)
    db.session.flush()


def _practical(person: Person, day: date, examiners: tuple[User, User], n: int) -> None:
    """The 实操 of 1.2 on ``day``, scored and signed by both demo examiners through the services (a 特种作业操作证
    needs it beside the theory result)."""
    sitting = sittings.create_sitting(
        title="低压电工作业 实际操作考试（演示）",
        operation_code="1.2",
        site_name="南京市特种作业实操考点（江宁）",
        site_address="南京市江宁区示范路 18 号",
        exam_on=day,
        examiner_ids=[u.id for u in examiners],
        actor=examiners[0],
    )
    candidates.add_candidates(sitting, [person.id], actor=examiners[0])
    (row,) = reading.candidate_rows(sitting, day)
    for m, examiner in enumerate(examiners):
        marks = dict(zip(("K1", "K2", "K3", "K4"), (18, 36 + n, 17, 18 - m), strict=True))
        scoring.sign(row.attempt, examiner, marks, (), ip="10.32.1.21", user_agent="demo", now=_noon(day, m))


def _noon(day: date, m: int) -> datetime:
    return datetime.combine(day, time(2, 10 * m))  # 10:00 in Asia/Shanghai, as naive UTC


def _graded(kind: ExamKind, title: str, person: Person, day: date, n: int) -> Attempt:
    """A closed sitting of the 南京市 authority held on ``day`` with ``person``'s graded, passed attempt."""
    opens = datetime.combine(day, time(1))  # 09:00 in Asia/Shanghai, as naive UTC
    sitting = exam_rows.closed_sitting(kind, title, opens, opens + timedelta(hours=2))
    return exam_rows.passed_attempt(sitting, person.id, 88.0 + n, seed=n)


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
            recording.record(
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
    sitting = exam_rows.closed_sitting(
        ExamKind.CLASS,
        title,
        closes - timedelta(hours=1),
        closes,
        subject=f"class:{training_class.id}",
        duration_minutes=60,
        institution_id=training_class.institution_id,
        enterprise_id=training_class.enterprise_id,
        region_code=training_class.region_code,
    )
    training_class.exam_sitting_id = sitting.id
    for n, person in enumerate(persons):
        exam_rows.passed_attempt(sitting, person.id, 86.0 + n, seed=n)
    classes.refresh_completions(training_class, actor=organiser, now=closes)
    return training_class
