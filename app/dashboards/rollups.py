"""Rollups: every metric per enterprise × dim × month (:class:`~app.dashboards.models.Rollup`), and their sums per
行政区划 code (:class:`~app.dashboards.models.RegionRollup`) that province, city and district tiles add up.

Kept current by beat: nightly (a local hour, ``ANPEI_NIGHTLY_HOUR``) every enterprise in keyset batches
(``dashboards.refresh_rollups``), and every ``ANPEI_ROLLUP_REFRESH_MINUTES`` the enterprises whose data changed
since the last run (:func:`changed_enterprises`: employments, certificates, graded attempts, tickets, findings,
snapshots, overrides, 退出 recommendations). A state metric (持证上岗, certificates due, open findings …) is counted
on the day and kept under that day's month; an event metric (first attempts, 逢查必考) per month of its events,
over the last 12 months. After each nightly run :func:`verify` recounts a sample of enterprises from the raw rows
and checks every region row against its enterprises: a rollup that differs from its recount is reported (and
logged) with the run.

Functions flush; the task or command commits after each batch.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from app.archive.models import ArchiveEvent
from app.certificates.models import Certificate
from app.core.db import utcnow
from app.dashboards.metric_base import Agg
from app.dashboards.metrics import METRICS
from app.dashboards.models import ExitRecommendation, RefreshRun, RegionRollup, Rollup
from app.dashboards.window import Ctx
from app.exams.models import Attempt
from app.exams.practical.models import PracticalAttempt
from app.extensions import db
from app.people.models import Employment, Snapshot
from app.spotchecks.models import Finding, Inspection, SpotCheckTicket
from app.tenancy.models import Enterprise
from app.training.models import Attendance

log = logging.getLogger(__name__)

BATCH = 500


def enterprise_batches(after: int = 0, size: int = BATCH):
    """Keyset batches of enterprise ids (``id > after`` in order): no OFFSET, and a batch committed stays done."""
    while True:
        ids = list(
            db.session.scalars(
                sa.select(Enterprise.id).where(Enterprise.id > after).order_by(Enterprise.id).limit(size)
            )
        )
        if not ids:
            return
        yield ids
        after = ids[-1]


def start_run(kind: str, as_of: date) -> RefreshRun:
    run = RefreshRun(kind=kind, as_of=as_of, started_at=utcnow())
    db.session.add(run)
    db.session.flush()
    return run


def refresh_batch(ids: list[int], ctx: Ctx, run: RefreshRun | None = None) -> int:
    """Recount every metric of the enterprises ``ids`` and replace their rows for ``ctx`` (state metrics: its month;
    event metrics: the window's months). Returns the rows written."""
    if not ids:
        return 0
    regions = dict(
        db.session.execute(sa.select(Enterprise.id, Enterprise.region_code).where(Enterprise.id.in_(ids))).all()
    )
    state = [k for k, m in METRICS.items() if m.timing == "state"]
    event = [k for k, m in METRICS.items() if m.timing == "event"]
    db.session.execute(
        sa.delete(Rollup).where(
            Rollup.enterprise_id.in_(ids),
            sa.or_(
                sa.and_(Rollup.metric.in_(state), Rollup.month == ctx.month),
                sa.and_(Rollup.metric.in_(event), Rollup.month >= ctx.months[0]),
            ),
        )
    )
    now, rows = utcnow(), []
    for key, metric in METRICS.items():
        for agg in metric.aggregate(ctx, ids):
            rows.append(
                {
                    "enterprise_id": agg.enterprise_id,
                    "region_code": regions[agg.enterprise_id],
                    "metric": key,
                    "dim": str(agg.dim),
                    "month": agg.month,
                    "num": agg.num,
                    "den": agg.den,
                    "computed_at": now,
                }
            )
    if rows:
        db.session.execute(sa.insert(Rollup), rows)
    if run is not None:
        run.enterprises += len(ids)
        run.rows += len(rows)
    db.session.flush()
    return len(rows)


def rebuild_regions(codes: set[str] | None = None) -> int:
    """The region rows as the sums of their enterprises' rows: all of them, or those of ``codes``."""
    delete = sa.delete(RegionRollup)
    source = sa.select(
        Rollup.region_code,
        Rollup.metric,
        Rollup.dim,
        Rollup.month,
        sa.func.sum(Rollup.num),
        sa.func.sum(Rollup.den),
        sa.func.count(sa.distinct(Rollup.enterprise_id)),
    ).group_by(Rollup.region_code, Rollup.metric, Rollup.dim, Rollup.month)
    if codes is not None:
        if not codes:
            return 0
        delete = delete.where(RegionRollup.region_code.in_(codes))
        source = source.where(Rollup.region_code.in_(codes))
    db.session.execute(delete)
    inserted = db.session.execute(
        sa.insert(RegionRollup).from_select(
            ["region_code", "metric", "dim", "month", "num", "den", "enterprises"], source
        )
    )
    db.session.flush()
    return inserted.rowcount or 0


def region_codes_of(ids: list[int]) -> set[str]:
    """The 行政区划 codes of the enterprises ``ids`` and of the rollup rows they have."""
    return set(db.session.scalars(sa.select(Enterprise.region_code).where(Enterprise.id.in_(ids)))) | set(
        db.session.scalars(sa.select(Rollup.region_code).where(Rollup.enterprise_id.in_(ids)).distinct())
    )


def latest_run(kind: str | None = "full") -> RefreshRun | None:
    query = sa.select(RefreshRun).where(RefreshRun.finished_at.is_not(None))
    if kind is not None:
        query = query.where(RefreshRun.kind == kind)
    return db.session.scalars(query.order_by(RefreshRun.finished_at.desc(), RefreshRun.id.desc()).limit(1)).first()


def finish_run(run: RefreshRun) -> None:
    run.finished_at = utcnow()
    db.session.flush()


def changed_enterprises(since: datetime) -> set[int]:
    """Enterprises whose figures may have moved since ``since``: their own rows changed, or a current employee's
    (certificates, graded attempts, snapshots, overrides, attendance). The nightly run recounts the rest (days
    passing, online study)."""
    persons = sa.union(
        sa.select(Certificate.person_id).where(Certificate.updated_at >= since),
        sa.select(Attempt.person_id).where(Attempt.graded_at >= since),
        sa.select(PracticalAttempt.person_id).where(PracticalAttempt.graded_at >= since),
        sa.select(Snapshot.person_id).where(sa.or_(Snapshot.taken_at >= since, Snapshot.reviewed_at >= since)),
        sa.select(ArchiveEvent.person_id).where(ArchiveEvent.kind == "exam.gate_overridden", ArchiveEvent.at >= since),
        sa.select(Attendance.person_id).where(Attendance.recorded_at >= since),
    ).subquery()
    direct = sa.union(
        sa.select(Employment.enterprise_id).where(Employment.updated_at >= since),
        sa.select(Employment.enterprise_id).where(
            Employment.end_date.is_(None), Employment.person_id.in_(sa.select(persons.c[0]))
        ),
        sa.select(Inspection.enterprise_id)
        .join(SpotCheckTicket, SpotCheckTicket.inspection_id == Inspection.id)
        .where(SpotCheckTicket.graded_at >= since),
        sa.select(Finding.enterprise_id).where(Finding.updated_at >= since),
        sa.select(ExitRecommendation.enterprise_id).where(
            sa.or_(
                ExitRecommendation.created_at >= since,
                ExitRecommendation.acted_at >= since,
                ExitRecommendation.closed_at >= since,
            )
        ),
    )
    return set(db.session.scalars(sa.select(direct.subquery().c[0])))


# ---------------------------------------------------------------- the check: rollup = recount


@dataclass(frozen=True)
class Mismatch:
    what: str
    key: tuple
    stored: tuple[int, int]
    recount: tuple[int, int]


def _stored(ids: list[int], ctx: Ctx) -> dict[tuple, tuple[int, int]]:
    state = [k for k, m in METRICS.items() if m.timing == "state"]
    rows = db.session.execute(
        sa.select(Rollup.enterprise_id, Rollup.metric, Rollup.dim, Rollup.month, Rollup.num, Rollup.den).where(
            Rollup.enterprise_id.in_(ids),
            sa.or_(
                sa.and_(Rollup.metric.in_(state), Rollup.month == ctx.month),
                sa.and_(Rollup.metric.not_in(state), Rollup.month >= ctx.months[0]),
            ),
        )
    )
    return {(e, m, d, mo): (n, dn) for e, m, d, mo, n, dn in rows}


def recount(ids: list[int], ctx: Ctx) -> dict[tuple, tuple[int, int]]:
    """The metrics of ``ids`` counted again from the raw rows, keyed as the stored rollups."""
    out: dict[tuple, tuple[int, int]] = {}
    for key, metric in METRICS.items():
        agg: Agg
        for agg in metric.aggregate(ctx, ids):
            out[(agg.enterprise_id, key, str(agg.dim), agg.month)] = (agg.num, agg.den)
    return out


def verify(ctx: Ctx, *, sample: int | None = 200, seed: int | None = None) -> tuple[int, list[Mismatch]]:
    """Recount ``sample`` enterprises (all when None) and compare with their rollups; check every region row against
    the sum of its enterprises' rows. :return: (enterprises checked, mismatches)."""
    all_ids = list(db.session.scalars(sa.select(Enterprise.id).order_by(Enterprise.id)))
    ids = all_ids if sample is None or sample >= len(all_ids) else random.Random(seed).sample(all_ids, sample)  # noqa: S311 — which rollups a check recounts: not a secret
    mismatches: list[Mismatch] = []
    for start in range(0, len(ids), BATCH):
        part = ids[start : start + BATCH]
        stored, fresh = _stored(part, ctx), recount(part, ctx)
        for key in sorted(set(stored) | set(fresh), key=str):
            a, b = stored.get(key, (0, 0)), fresh.get(key, (0, 0))
            if a != b:
                mismatches.append(Mismatch("enterprise", key, a, b))
    sums = sa.select(
        Rollup.region_code,
        Rollup.metric,
        Rollup.dim,
        Rollup.month,
        sa.func.sum(Rollup.num).label("num"),
        sa.func.sum(Rollup.den).label("den"),
    ).group_by(Rollup.region_code, Rollup.metric, Rollup.dim, Rollup.month)
    expected = {(r, m, d, mo): (int(n), int(dn)) for r, m, d, mo, n, dn in db.session.execute(sums)}
    regions = {
        (r, m, d, mo): (n, dn)
        for r, m, d, mo, n, dn in db.session.execute(
            sa.select(
                RegionRollup.region_code,
                RegionRollup.metric,
                RegionRollup.dim,
                RegionRollup.month,
                RegionRollup.num,
                RegionRollup.den,
            )
        )
    }
    for key in sorted(set(expected) | set(regions), key=str):
        a, b = regions.get(key, (0, 0)), expected.get(key, (0, 0))
        if a != b:
            mismatches.append(Mismatch("region", key, a, b))
    for m in mismatches[:20]:
        log.error("dashboards: rollup %s %s is %s, recount %s", m.what, m.key, m.stored, m.recount)
    return len(ids), mismatches


def refresh_all(as_of: date, *, commit=None) -> RefreshRun:
    """A full refresh (every enterprise, in keyset batches), then the region rows. ``commit`` (the task's or the
    command's ``db.session.commit``) is called after each batch, so a long run keeps its progress."""
    ctx = Ctx.on(as_of)
    run = start_run("full", as_of)
    for ids in enterprise_batches():
        refresh_batch(ids, ctx, run)
        if commit:
            commit()
    rebuild_regions()
    finish_run(run)
    return run


def refresh_changed(now: datetime, as_of: date) -> RefreshRun | None:
    """Recount the enterprises changed since the last run started (nothing before the first full run, and nothing
    across a month's turn: the nightly run opens the new month for every enterprise at once)."""
    full = latest_run("full")
    if full is None or full.as_of.replace(day=1) != as_of.replace(day=1):
        return None
    last = latest_run(None)
    ids = sorted(changed_enterprises(last.started_at))
    run = start_run("changed", as_of)
    ctx = Ctx.on(as_of)
    codes: set[str] = set()
    for start in range(0, len(ids), BATCH):
        part = ids[start : start + BATCH]
        codes |= region_codes_of(part)  # before: an enterprise that moved leaves its old region's sums too
        refresh_batch(part, ctx, run)
        codes |= region_codes_of(part)
    rebuild_regions(codes)
    finish_run(run)
    return run
