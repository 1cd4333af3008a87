"""Demo oversight on top of the demo activity: what the regulator's view shows on a fresh install.

- Two complaints recorded by ``regulator``: one about 南京安培安全培训中心 from the 12345 hotline, found 属实; one
  about 秦淮机械 from a 信访 letter, still 处理中.
- The institutions' 动态积分 of last month and this month, last month's 排名公告 for 南京市 (public at /rankings),
  the rollups behind the dashboards, and the bell's alerts.

Everything goes through the services the pages use. Called once by ``seed_demo``, after the other demo seeds.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from app.core.clock import local_today
from app.core.db import utcnow
from app.dashboards import alerts, complaints, exits, ranking, ranking_publication, rollups
from app.dashboards.models import ComplaintSource, Verdict
from app.dashboards.window import add_months
from app.seed.activity import _user


def seed_demo_oversight(now: datetime | None = None) -> None:
    """Add the demo oversight (flushes; the caller commits)."""
    now = (now or utcnow()).replace(microsecond=0)
    today = local_today()
    regulator = _user("regulator")
    machine = _user("enterprise2").enterprise
    institution = _user("institution").institution
    exits.recommend(today)  # none on the demo data: one failure each (a second within 12 months would make one)
    hotline = complaints.record(
        institution,
        source=ComplaintSource.HOTLINE,
        received_on=today - timedelta(days=10),
        summary="学员反映：面授课时明显少于签到记录，存在代签到。",
        actor=regulator,
    )
    complaints.decide(hotline, Verdict.SUBSTANTIATED, seen=Verdict.PENDING, actor=regulator)
    complaints.record(
        machine,
        source=ComplaintSource.PETITION,
        received_on=today - timedelta(days=3),
        summary="来信反映：焊工未经培训上岗。",
        actor=regulator,
    )
    last_month = add_months(today, -1)
    ranking.compute(last_month, today)
    ranking_publication.publish(regulator.jurisdiction, last_month, actor=regulator, today=today)
    ranking.compute(today.replace(day=1), today)
    rollups.refresh_all(today)
    alerts.collect(now, today)
