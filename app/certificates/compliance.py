"""持证上岗: whether everyone who works in a post that needs a certificate holds a valid one for what they do, and
the enterprise's 持证上岗率.

Who needs one: every 特种作业人员 (a 特种作业操作证 for their 操作项目), and the 主要负责人 / 安全生产管理人员 of a
高危 enterprise (a 合格证 for their post). A certificate counts while the calendar says 有效 or 待复审 (not 逾期未复审,
失效, 暂扣, 撤销 or 注销) — computed from the dates, so the figure is right before the nightly job has run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from app.certificates.lifecycle import effective_status
from app.certificates.models import HOLDS, LIVE, Certificate, CertKind, CertStatus
from app.core.clock import local_today
from app.extensions import db
from app.people.models import Employment, Enterprise, Post

MANAGER_POSTS = (Post.PRINCIPAL, Post.SAFETY_MANAGER)


@dataclass
class Line:
    """One person in one post: the certificate that covers it (the longest-valid one), and its status today."""

    employment: Employment
    certificate: Certificate | None
    status: CertStatus | None

    @property
    def holds(self) -> bool:
        return self.status in HOLDS

    @property
    def next_date(self) -> date | None:
        """What comes first: the 应复审日期 or the end of validity."""
        if self.certificate is None:
            return None
        due = self.certificate.review_due_on
        return min(due, self.certificate.valid_to) if due else self.certificate.valid_to


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
    person_ids = {e.person_id for e in employments}
    certs: dict[int, list[Certificate]] = {}
    if person_ids:
        for cert in db.session.scalars(
            sa.select(Certificate).where(Certificate.person_id.in_(person_ids), Certificate.status.in_(LIVE))
        ):
            certs.setdefault(cert.person_id, []).append(cert)
    lines = []
    for employment in employments:
        covering = [c for c in certs.get(employment.person_id, []) if _covers(c, employment)]
        best = max(covering, key=lambda c: (effective_status(c, today) in HOLDS, c.valid_to), default=None)
        lines.append(Line(employment, best, effective_status(best, today) if best else None))
    lines.sort(key=lambda line: (line.holds, line.next_date or date.max, line.employment.person.name))
    return Report(enterprise, lines)
