"""The record of each verification of the whole archive (``ArchiveVerificationRun``): what a run covered and found
(:class:`Outcome`), signed when recorded (:func:`record_run`) and checked when read back (:func:`run_ok`); the last
intact run is where the next incremental run starts, and the chains a broken run since reported are checked again.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from app.archive.chain_check import ChainBreak
from app.archive.models import ArchiveVerificationRun
from app.archive.services import canonical_json
from app.core import crypto
from app.core.db import utcnow
from app.extensions import db

#: Breaks kept in a run's row (all of them are logged and printed).
DETAIL = 100


@dataclass
class Outcome:
    """What one run over the whole archive verified and found."""

    mode: str
    started_at: datetime
    first_checkpoint_id: int | None
    last_checkpoint_id: int | None
    checked: int = 0
    chains: int = 0
    sampled: int = 0
    breaks: list[ChainBreak] = field(default_factory=list)


def last_intact_run(breaks: list[ChainBreak]) -> ArchiveVerificationRun | None:
    run = db.session.scalars(
        sa.select(ArchiveVerificationRun)
        .where(ArchiveVerificationRun.result == "intact")
        .order_by(ArchiveVerificationRun.id.desc())
        .limit(1)
    ).first()
    if run is not None and not run_ok(run):
        breaks.append(ChainBreak(None, None, None, f"verification run {run.id} signature invalid"))
        return None
    return run


def broken_runs_since(base: ArchiveVerificationRun) -> list[ArchiveVerificationRun]:
    return list(
        db.session.scalars(
            sa.select(ArchiveVerificationRun).where(
                ArchiveVerificationRun.id > base.id, ArchiveVerificationRun.result == "broken"
            )
        )
    )


def _run_body(run: ArchiveVerificationRun) -> bytes:
    fields = {
        "mode": run.mode,
        "started_at": run.started_at.isoformat(timespec="microseconds"),
        "finished_at": run.finished_at.isoformat(timespec="microseconds"),
        "first": run.first_checkpoint_id,
        "last": run.last_checkpoint_id,
        "events": run.events_checked,
        "chains": run.chains_checked,
        "sampled": run.chains_sampled,
        "breaks": run.breaks,
        "result": run.result,
        "detail": run.detail,
    }
    return canonical_json(fields).encode()


def run_ok(run: ArchiveVerificationRun) -> bool:
    try:
        return hmac.compare_digest(crypto.chain_mac(_run_body(run), run.key_id), run.mac)
    except crypto.UnknownKey:
        return False


def record_run(outcome: Outcome) -> ArchiveVerificationRun:
    """Record what a run verified (flushes; the caller commits). Its breaks' chains are checked again next run."""
    run = ArchiveVerificationRun(
        mode=outcome.mode,
        started_at=outcome.started_at,
        finished_at=utcnow(),
        first_checkpoint_id=outcome.first_checkpoint_id,
        last_checkpoint_id=outcome.last_checkpoint_id,
        events_checked=outcome.checked,
        chains_checked=outcome.chains,
        chains_sampled=outcome.sampled,
        breaks=len(outcome.breaks),
        result="broken" if outcome.breaks else "intact",
        detail=[{"person": b.person_id, "seq": b.seq, "reason": b.reason} for b in outcome.breaks[:DETAIL]],
        key_id=crypto.current_kid(),
    )
    run.mac = crypto.chain_mac(_run_body(run), run.key_id)
    db.session.add(run)
    db.session.flush()
    return run
