"""Demo enrolment: the institution runs a class open for applications; it invited both demo enterprises, and
金陵化工 applied for two of its special operators, so 报名审核 has something to decide and 培训报名 something to show."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask_babel import to_user_timezone

from app.auth.models import User
from app.core.db import utcnow
from app.extensions import db
from app.people.models import Employment, Post
from app.tenancy.models import Enterprise
from app.training import classes, courses
from app.training.enrolment import applications, invitations
from app.training.models import ClassMode, LessonKind, TrainingType

LESSONS = [
    ("特种作业人员安全技术培训考核管理规定", "特种作业操作证每 3 年复审一次，复审前须接受不少于 8 学时的安全培训。"),
    ("低压电气事故案例", "停电、验电、装设接地线、悬挂标示牌和装设遮栏，是保证安全的技术措施。"),
]


def seed_demo_enrolment(applicant: Enterprise, invited: list[Enterprise]) -> None:
    institution_user = db.session.scalars(sa.select(User).where(User.username == "institution")).one()
    enterprise_user = db.session.scalars(sa.select(User).where(User.enterprise_id == applicant.id)).first()
    now = utcnow()
    today = to_user_timezone(now).date()
    course = courses.create_course(
        title="低压电工作业 复审培训课程（网络）",
        training_type=TrainingType.REVIEW,
        posts=[Post.SPECIAL_OPERATOR.value],
        operation_code="1.2",
        actor=institution_user,
    )
    for title, body in LESSONS:
        courses.add_lesson(course, title=title, kind=LessonKind.TEXT, duration_minutes=120, body=body)
    training_class = classes.create_class(
        course=course,
        title="低压电工作业 复审培训（报名中，演示）",
        mode=ClassMode.ONLINE,
        starts_on=today - timedelta(days=2),
        ends_on=today + timedelta(days=45),
        required_hours=8,
        post=Post.SPECIAL_OPERATOR.value,
        actor=institution_user,
    )
    for enterprise in [applicant, *invited]:
        invitations.invite(training_class, enterprise.id, actor=institution_user, note="欢迎报名（演示）", now=now)
    operators = db.session.scalars(
        sa.select(Employment.person_id)
        .where(
            Employment.enterprise_id == applicant.id,
            Employment.post == Post.SPECIAL_OPERATOR,
            Employment.end_date.is_(None),
        )
        .order_by(Employment.person_id.desc())
        .limit(2)
    ).all()
    applications.apply(training_class, operators, actor=enterprise_user, now=now)
