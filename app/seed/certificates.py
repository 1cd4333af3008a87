"""Demo certificates: three of 金陵化工's 低压电工 hold a 特种作业操作证 issued by the 南京市 regulator on a passed
资格考试 — one valid, one inside its 复审 window, one revoked — each with a registered photo (a drawn placeholder).
PDFs are rendered on first view, not here (the seed stays fast)."""

from __future__ import annotations

import io
from datetime import timedelta

import sqlalchemy as sa
from PIL import Image, ImageDraw

from app.auth.models import User
from app.certificates import issuing, lifecycle
from app.core.clock import local_today
from app.core.db import utcnow
from app.exams.models import Attempt, AttemptState, ExamKind, Sitting
from app.extensions import db
from app.people import photos
from app.people.models import Employment, Enterprise, Post
from app.rules.queries import rule_value


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
    lifecycle.mark_lapsed(today)
    db.session.flush()
