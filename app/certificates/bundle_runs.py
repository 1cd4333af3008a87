"""The runs of a bundle's build: every move is a conditional ``UPDATE``.

The start takes a fresh ``run_token`` (queued or running → running), each chunk adds to ``done`` only under that
token (``UPDATE … SET done = done + n … RETURNING done``), and the end records the file under it. A redelivered task
takes the token over; the run it replaced (if still alive) finds its next update refused and stops
(:class:`Superseded`) without touching the row. A bundle silent for ``CERT_BUNDLE_STALL_MINUTES`` has stalled (its
worker died): a new run may take it over, or a new request end it.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from app.certificates.models import BundleState, CertificateBundle
from app.core import clock
from app.core.db import conditional_update
from app.core.errors import DomainError
from app.extensions import db

ACTIVE = (BundleState.QUEUED, BundleState.RUNNING)


class Superseded(Exception):
    """Another run of the task took this bundle over (or it expired meanwhile): stop, change nothing."""


def claim(bundle_id: int, now: datetime | None = None) -> str | None:
    """Start building ``bundle_id``, or take over a run that has stalled: a fresh token, counters at zero. None when
    it is done, failed, expired or gone — a redelivered task for a finished bundle does nothing — and when another
    run is still making progress (:func:`busy`)."""
    token, now = secrets.token_hex(16), now or clock.utcnow()
    moved = db.session.execute(
        conditional_update(CertificateBundle)
        .where(
            CertificateBundle.id == bundle_id,
            CertificateBundle.expires_at > now,
            sa.or_(CertificateBundle.state == BundleState.QUEUED, _silent_since(now - stall_after())),
        )
        .values(state=BundleState.RUNNING, run_token=token, done=0, started_at=now, progressed_at=now, error="")
    )
    return token if moved.rowcount == 1 else None


def stall_after() -> timedelta:
    return timedelta(minutes=current_app.config["CERT_BUNDLE_STALL_MINUTES"])


def _last_moved():
    return sa.func.coalesce(CertificateBundle.progressed_at, CertificateBundle.started_at, CertificateBundle.created_at)


def _silent_since(cutoff: datetime):
    return sa.and_(CertificateBundle.state.in_(ACTIVE), _last_moved() <= cutoff)


def stalled(bundle: CertificateBundle, now: datetime | None = None) -> bool:
    """Queued or running, and silent for ``CERT_BUNDLE_STALL_MINUTES`` (its worker died, or the broker lost it)."""
    if bundle.state not in ACTIVE:
        return False
    last = bundle.progressed_at or bundle.started_at or bundle.created_at
    return last <= (now or clock.utcnow()) - stall_after()


def busy(bundle_id: int, now: datetime | None = None) -> bool:
    """Is another run building ``bundle_id`` and moving (a duplicate delivery of its task must not restart it)?"""
    row = db.session.execute(
        sa.select(CertificateBundle.state, _last_moved()).where(CertificateBundle.id == bundle_id)
    ).first()  # the row as stored: the conditional UPDATEs do not refresh a loaded bundle
    return row is not None and row[0] is BundleState.RUNNING and row[1] > (now or clock.utcnow()) - stall_after()


def abandon(bundle_id: int, now: datetime | None = None) -> bool:
    """End a stalled bundle as failed (its page says why) so a new one can be asked for; False if it moved again
    meanwhile. A run still alive finds its token gone at its next step (:class:`Superseded`)."""
    now = now or clock.utcnow()
    message = DomainError("cert.bundle_stalled", minutes=current_app.config["CERT_BUNDLE_STALL_MINUTES"]).message
    moved = db.session.execute(
        conditional_update(CertificateBundle)
        .where(CertificateBundle.id == bundle_id, _silent_since(now - stall_after()))
        .values(state=BundleState.FAILED, run_token=None, error=message[:300], finished_at=now)
    )
    return moved.rowcount == 1


def guarded(bundle_id: int, token: str) -> sa.Update:
    return conditional_update(CertificateBundle).where(
        CertificateBundle.id == bundle_id,
        CertificateBundle.run_token == token,
        CertificateBundle.state == BundleState.RUNNING,
    )


def advance(bundle_id: int, token: str, n: int) -> int:
    """Add ``n`` to ``done`` for the run holding ``token``; the new count.

    :raises Superseded: another run holds the bundle now.
    """
    done = db.session.execute(
        guarded(bundle_id, token)
        .values(done=CertificateBundle.done + n, progressed_at=clock.utcnow())
        .returning(CertificateBundle.done)
    ).scalar_one_or_none()
    if done is None:
        raise Superseded(bundle_id)
    return done


def fail(bundle_id: int, token: str, message: str, now: datetime | None = None) -> bool:
    """Record why the run holding ``token`` gave up (shown on the progress page)."""
    moved = db.session.execute(
        guarded(bundle_id, token).values(
            state=BundleState.FAILED, error=message[:300], finished_at=now or clock.utcnow()
        )
    )
    return moved.rowcount == 1
