"""Periodic jobs of the dashboards (scheduled in ``config.Config.celery()['beat_schedule']``): the nightly full
refresh of the rollups with its recount check, the frequent refresh of what changed."""

from __future__ import annotations

import logging

from celery import shared_task
from flask import current_app

from app.core.clock import local_today, utcnow
from app.dashboards import rollups
from app.dashboards.window import Ctx
from app.extensions import db

log = logging.getLogger(__name__)


@shared_task(name="dashboards.refresh_rollups")
def refresh_rollups() -> int:
    """Nightly: every enterprise's rollups for today, in keyset batches (one commit each), the region sums, then
    the check that a sample of rollups equals its recount."""
    today = local_today()
    run = rollups.refresh_all(today, commit=db.session.commit)
    checked, mismatches = rollups.verify(Ctx.on(today), sample=current_app.config["ROLLUP_CHECK_SAMPLE"])
    run.checked, run.mismatches = checked, len(mismatches)
    db.session.commit()
    log.info(
        "dashboards: %d rollup rows for %d enterprises; %d checked, %d mismatches",
        run.rows,
        run.enterprises,
        checked,
        len(mismatches),
    )
    return run.rows


@shared_task(name="dashboards.refresh_changed")
def refresh_changed() -> int:
    """Every few minutes: the enterprises whose data changed since the last run."""
    run = rollups.refresh_changed(utcnow(), local_today())
    db.session.commit()
    return run.enterprises if run else 0


@shared_task(name="dashboards.compute_scores")
def compute_scores() -> int:
    """Nightly: every institution's 动态积分 of this month, and of last month as of its last day (its final row)."""
    from app.dashboards import ranking
    from app.dashboards.window import add_months

    today = local_today()
    rows = ranking.compute(add_months(today, -1), today)
    db.session.commit()
    rows += ranking.compute(today.replace(day=1), today)
    db.session.commit()
    return rows


@shared_task(name="dashboards.recommend_exits")
def recommend_exits() -> int:
    """Every 10 minutes: 退出 recommendations for second 逢查必考 failures within the window."""
    from app.dashboards import exits

    created = exits.recommend(local_today())
    db.session.commit()
    return len(created)


@shared_task(name="dashboards.collect_alerts")
def collect_alerts() -> int:
    """Every 10 minutes: the bell's alerts (findings due, 退出, flagged snapshots, short hours, imports)."""
    from app.dashboards import alerts

    written = alerts.collect(utcnow(), local_today())
    db.session.commit()
    return written
