"""Demo oversight on top of the demo activity: what the regulator's view shows on a fresh install.

- The worker who failed today's 逢查必考 at 金陵化工 had failed one three months ago too (added to that inspection
  on site): the second failure within 12 months makes a 退出 recommendation to 金陵化工.
- Two complaints recorded by ``regulator``: one about 南京安培安全培训中心 from the 12345 hotline, found 属实; one
  about 秦淮机械 from a 信访 letter, still 处理中.
- The institutions' 动态积分 of last month and this month, last month's 排名公告 for 南京市 (public at /rankings),
  the rollups behind the dashboards, and the bell's alerts.

Everything goes through the services the pages use. Called once by ``seed_demo``, after the other demo seeds.
"""

from __future__ import annotations

import random
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import to_user_timezone

from app.core.clock import local_today
from app.core.db import utcnow
from app.dashboards import alerts, complaints, exits, ranking, rollups
from app.dashboards.metrics import add_months
from app.dashboards.models import ComplaintSource, Verdict
from app.extensions import db
from app.people.models import Enterprise
from app.seed.activity import PHONE_UA, SPOTCHECK_TEMPLATE, _answer, _template, _user
from app.spotchecks import engine, inspections, tickets
from app.spotchecks.models import Inspection, SpotCheckTicket, TicketState


def _earlier_failure(regulator, enterprise: Enterprise, person_id: int, opened: datetime) -> None:
    """An inspection of ``enterprise`` at ``opened``: one worker drawn (passes), ``person_id`` added on site (fails)."""
    config = current_app.config
    local = to_user_timezone(opened)
    data = inspections.InspectionData(
        inspected_on=local.date(),
        inspectors="李明、王强",
        doc_number=f"（宁玄）应急检〔{local.year}〕9号",
        template=_template(SPOTCHECK_TEMPLATE),
        rule={"principal": 0, "safety_manager": 0, "special_operator": 0, "worker": 1},
        window_minutes=config["SPOTCHECK_WINDOW_MINUTES"],
        time_limit_minutes=config["SPOTCHECK_TIME_LIMIT_MINUTES"],
        pass_mark=config["SPOTCHECK_PASS_MARK"],
    )
    inspection = inspections.open_inspection(data, enterprise, actor=regulator, now=opened, seed=20260901)
    if not any(t.person_id == person_id for t in inspection.tickets):
        inspections.add_person(inspection, person_id, actor=regulator, now=opened + timedelta(minutes=2))
    db.session.refresh(inspection)
    rng = random.Random(9)
    for i, ticket in enumerate(t for t in inspection.tickets if t.status is not TicketState.VOID):
        person = ticket.person
        at = opened + timedelta(minutes=5 + i)
        tickets.confirm_identity(
            ticket, name=person.name, id_number=person.id_number, device=secrets.token_urlsafe(16), now=at
        )
        attempt = tickets.start_ticket_attempt(ticket, ip=f"192.168.1.{60 + i}", user_agent=PHONE_UA, now=at)
        last = _answer(
            attempt,
            wrong=5 if ticket.person_id == person_id else 0,
            blank=0,
            rng=rng,
            start=at,
            save=lambda a, pos, resp, seq, t: engine.save_answer(a, pos, resp, seq=seq, now=t),
        )
        tickets.submit_ticket(ticket, now=last + timedelta(seconds=20))
    inspections.close_inspection(inspection, actor=regulator, now=opened + timedelta(minutes=40))


def seed_demo_oversight(now: datetime | None = None) -> None:
    """Add the demo oversight (flushes; the caller commits)."""
    now = (now or utcnow()).replace(microsecond=0)
    today = local_today()
    regulator = _user("regulator")
    chem = _user("enterprise").enterprise
    machine = _user("enterprise2").enterprise
    institution = _user("institution").institution
    failed = db.session.scalars(
        sa.select(SpotCheckTicket)
        .join(Inspection, Inspection.id == SpotCheckTicket.inspection_id)
        .where(Inspection.enterprise_id == chem.id, SpotCheckTicket.passed.is_(False))
    ).first()
    if failed is not None:
        _earlier_failure(regulator, chem, failed.person_id, now - timedelta(days=92))
        exits.recommend(today)
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
    ranking.publish(regulator.jurisdiction, last_month, actor=regulator, today=today)
    ranking.compute(today.replace(day=1), today)
    rollups.refresh_all(today)
    alerts.collect(now, today)
