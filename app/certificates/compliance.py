"""持证上岗: whether everyone who works in a post that needs a certificate holds a valid one for what they do, and
the enterprise's 持证上岗率.

Who needs one: every 特种作业人员 (a 特种作业操作证 for their 操作项目), and the 主要负责人 / 安全生产管理人员 of a
高危 enterprise (a 合格证 for their post). A certificate counts while it holds — 有效, 待换证 or (under 30号令) 待复审;
not 逾期未复审, 失效, 过期, 暂扣, 撤销 or 注销 — computed from the dates and the rule of each obligation's due date
(:mod:`app.certificates.obligations`), so the figure is right before the nightly job has run and nobody whose 复审
no longer exists counts as overdue.

A 高危 unit's 主要负责人/安管 must pass the authority's 考核 within ``appointment.exam_deadline_months`` (6) of taking
the post (3号令 第二十四条): a line past that deadline without a valid 合格证 is flagged (:attr:`Line.overdue`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from app.certificates import lifecycle
from app.certificates.models import DATED, HOLDS, LIVE, Certificate, CertKind, CertStatus
from app.certificates.obligations import Obligation
from app.core.clock import local_today
from app.extensions import db
from app.people.models import Employment, Post
from app.rules.queries import rule_value
from app.tenancy.models import HIGH_RISK_INDUSTRIES, Enterprise

MANAGER_POSTS = (Post.PRINCIPAL, Post.SAFETY_MANAGER)


@dataclass
class Line:
    """One person in one post: the certificate that covers it (the longest-valid one), and its status today; for a
    高危 unit's manager, the 考核 deadline after appointment."""

    employment: Employment
    certificate: Certificate | None
    status: CertStatus | None
    #: The last day of the 6 months after appointment (managers of 高危 units only), and whether it has passed
    #: without a valid 合格证.
    deadline: date | None = None
    overdue: bool = False
    #: What the holder must do next (复审, 换证 …) and by when.
    obligation: Obligation | None = None

    @property
    def holds(self) -> bool:
        return self.status in HOLDS

    @property
    def next_date(self) -> date | None:
        """When the next obligation (复审 where it still applies, else the renewal) falls due."""
        if self.obligation is not None:
            return self.obligation.due_on
        return self.certificate.valid_to if self.certificate is not None else None


@dataclass
class Report:
    enterprise: Enterprise
    lines: list[Line]

    @property
    def required(self) -> int:
        return len(self.lines)

    @property
    def holding(self) -> int:
        return sum(1 for line in self.lines if line.holds)

    @property
    def overdue(self) -> int:
        """Managers of a 高危 unit past the 6 months after appointment without a valid 合格证."""
        return sum(1 for line in self.lines if line.overdue)

    @property
    def rate(self) -> float | None:
        """持证上岗率 (0–1), None when nobody in the enterprise needs a certificate."""
        return self.holding / self.required if self.required else None


def _posts(enterprise: Enterprise) -> tuple[Post, ...]:
    return (Post.SPECIAL_OPERATOR, *MANAGER_POSTS) if enterprise.high_risk else (Post.SPECIAL_OPERATOR,)


def _covers(cert: Certificate, employment: Employment) -> bool:
    if employment.post is Post.SPECIAL_OPERATOR:
        return cert.kind is CertKind.SPECIAL_OPERATOR and cert.item == (employment.operation_code or "")
    return cert.kind is CertKind.MANAGER and cert.category == employment.post.value


def report(enterprise: Enterprise, today: date | None = None) -> Report:
    """Every current employee of ``enterprise`` in a post needing a certificate; those without a valid one first,
    then the soonest 应复审日期 / expiry."""
    today = today or local_today()
    employments = db.session.scalars(
        sa.select(Employment).where(
            Employment.enterprise_id == enterprise.id,
            Employment.end_date.is_(None),
            Employment.post.in_(_posts(enterprise)),
        )
    ).all()
    lines = _lines(employments, today, high_risk=enterprise.high_risk)
    lines.sort(key=lambda line: (line.holds, line.next_date or date.max, line.employment.person.name))
    return Report(enterprise, lines)


def lines_for(employments, today: date | None = None, *, high_risk) -> list[Line]:
    """The :class:`Line` of each of ``employments`` (any posts: the API's 三项岗位 roster asks for every manager,
    not only a 高危 unit's). ``high_risk``: a bool, or a function of the employment."""
    return _lines(employments, today or local_today(), high_risk=high_risk)


def _lines(employments, today: date, *, high_risk) -> list[Line]:
    book = lifecycle.rules()
    person_ids = {e.person_id for e in employments}
    certs: dict[int, list[Certificate]] = {}
    if person_ids:
        for cert in db.session.scalars(
            sa.select(Certificate).where(Certificate.person_id.in_(person_ids), Certificate.status.in_(LIVE + DATED))
        ):
            certs.setdefault(cert.person_id, []).append(cert)
    lines = []
    for employment in employments:
        covering = [c for c in certs.get(employment.person_id, []) if _covers(c, employment)]
        statuses = {c.id: lifecycle.effective_status(c, today, book) for c in covering}
        best = max(covering, key=lambda c: (statuses[c.id] in HOLDS, c.valid_to), default=None)
        line = Line(employment, best, statuses[best.id] if best else None)
        line.obligation = lifecycle.next_obligation(best, today, book) if best else None
        manager_of_high_risk = high_risk(employment) if callable(high_risk) else high_risk
        if manager_of_high_risk and employment.post in MANAGER_POSTS:
            months = rule_value(
                "appointment.exam_deadline_months", region_code=employment.enterprise.region_code, on=today
            )
            line.deadline = _months_after(employment.start_date, int(months))
            line.overdue = not line.holds and today > line.deadline
        lines.append(line)
    return lines


def _months_after(day: date, months: int) -> date:
    """The same day ``months`` later (clamped to the month's end): the last day of the period."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    last = [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    return date(year, month, min(day.day, last[month - 1]))


def overdue_appointments(today: date | None = None, enterprise_ids=None) -> list[Line]:
    """The 主要负责人/安管 of 高危 enterprises (all, or ``enterprise_ids``) past their 6 months without a valid 合格证."""
    today = today or local_today()
    query = (
        sa.select(Employment)
        .join(Enterprise, Enterprise.id == Employment.enterprise_id)
        .where(
            Employment.end_date.is_(None),
            Employment.post.in_(MANAGER_POSTS),
            Enterprise.industry.in_(HIGH_RISK_INDUSTRIES),
            Employment.start_date < today - timedelta(days=150),  # nobody appointed later can be past 6 months
        )
        .order_by(Employment.start_date, Employment.id)
    )
    if enterprise_ids is not None:
        query = query.where(Employment.enterprise_id.in_(enterprise_ids))
    employments = db.session.scalars(query).all()
    return [line for line in _lines(employments, today, high_risk=True) if line.overdue]
