"""Bulk download: the PDFs of many certificates as one ZIP, built by a Celery task while a page shows its progress.

A user asks for a bundle of certificates they may see (``app.certificates.scope``), narrowed by a filter:

============ ==========================================================================================
enterprise   持证上岗: the live certificates of an enterprise's current staff
sitting      the certificates issued on a sitting's attempts (a 资格考试's batch)
all          every certificate in the user's scope (a regulator: its jurisdiction), live or of one status
============ ==========================================================================================

The task (``app.certificates.bundle_tasks``) builds the ZIP (``app.certificates.bundle_zip``) under a run token
(``app.certificates.bundle_runs``). The ZIP is served only to the requester (``bundles_query``) until it expires
(``CERT_BUNDLE_HOURS``); this module records a request, says a bundle's state and progress, and expires old ones.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from app.auth.models import User
from app.certificates import lifecycle
from app.certificates.bundle_runs import ACTIVE, abandon, stalled
from app.certificates.models import LIVE, BundleState, Certificate, CertificateBundle, CertStatus
from app.certificates.scope import bundles_query, certificates_query
from app.certificates.status_sql import status_expr
from app.core import clock
from app.core.clock import local_today
from app.core.db import conditional_update
from app.core.errors import DomainError
from app.exams.models import Attempt, Sitting
from app.extensions import db
from app.people.models import Employment
from app.tenancy.models import Enterprise

SCOPES = ("enterprise", "sitting", "all")

#: A queued or running bundle silent for ``CERT_BUNDLE_STALL_MINUTES`` (shown; not a stored state).
STALLED_LABEL = _l("已停滞")


def certificates_for(user: User, scope: str, ref: str = "", status: str = "") -> sa.Select:
    """The certificates a bundle of ``scope``/``ref``/``status`` holds for ``user``: always inside their scope.

    :raises DomainError: ``cert.bundle_scope`` for an unknown scope or reference.
    """
    query = certificates_query(user)
    now = status_expr(lifecycle.rules(), local_today())  # today's status, not the stored one (the nightly job lags)
    if scope == "enterprise" and ref.isdigit():
        staff = sa.select(Employment.person_id).where(
            Employment.enterprise_id == int(ref), Employment.end_date.is_(None)
        )
        query = query.where(Certificate.person_id.in_(staff))
    elif scope == "sitting" and ref.isdigit():
        query = query.where(Certificate.attempt_id.in_(sa.select(Attempt.id).where(Attempt.sitting_id == int(ref))))
        return query.where(now == CertStatus(status)) if status in CertStatus._value2member_map_ else query
    elif scope != "all":
        raise DomainError("cert.bundle_scope", http_status=400)
    if status in CertStatus._value2member_map_:
        return query.where(now == CertStatus(status))
    return query.where(now.in_(LIVE))


def title_for(scope: str, ref: str) -> str:
    """What the bundle is of, as its page and README name it (in Chinese, like the cards)."""
    if scope == "enterprise" and ref.isdigit() and (enterprise := db.session.get(Enterprise, int(ref))):
        return f"{enterprise.name} 持证上岗"
    if scope == "sitting" and ref.isdigit() and (sitting := db.session.get(Sitting, int(ref))):
        return f"{sitting.title} 发证"
    return "全部证书"


def count(query: sa.Select) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))


def request_bundle(
    user: User, *, scope: str, ref: str = "", status: str = "", now: datetime | None = None
) -> tuple[CertificateBundle, bool]:
    """Record a bundle for ``user`` to be built; the bundle and whether it is new (the caller then enqueues
    ``certificates.build_bundle`` after the commit).

    The same request while one like it is still queued or running returns that one: a double click builds once.
    One that has stalled (no progress for ``CERT_BUNDLE_STALL_MINUTES``: its worker died) is ended and a new one
    recorded.

    :raises DomainError: ``cert.bundle_scope``, ``cert.bundle_empty`` (nothing to pack), ``cert.bundle_too_many``.
    """
    now = now or clock.utcnow()
    total = count(certificates_for(user, scope, ref, status))
    if total == 0:
        raise DomainError("cert.bundle_empty")
    limit = current_app.config["CERT_BUNDLE_MAX"]
    if total > limit:
        raise DomainError("cert.bundle_too_many", n=total, max=limit)
    existing = db.session.scalars(
        bundles_query(user).where(
            CertificateBundle.scope == scope,
            CertificateBundle.scope_ref == ref,
            CertificateBundle.status == status,
            CertificateBundle.state.in_(ACTIVE),
            CertificateBundle.expires_at > now,
        )
    ).first()
    if existing is not None and not (stalled(existing, now) and abandon(existing.id, now)):
        return existing, False
    bundle = CertificateBundle(
        requested_by_id=user.id,
        scope=scope,
        scope_ref=ref,
        status=status,
        title=title_for(scope, ref),
        total=total,
        created_at=now,
        expires_at=now + timedelta(hours=current_app.config["CERT_BUNDLE_HOURS"]),
    )
    db.session.add(bundle)
    db.session.flush()
    return bundle, True


# ---------------------------------------------------------------- reading and expiry


def state_of(bundle: CertificateBundle, now: datetime | None = None) -> BundleState:
    """The state as of now: past its time it is 已过期, whether or not the hourly job has run yet."""
    if bundle.state is not BundleState.EXPIRED and bundle.expires_at <= (now or clock.utcnow()):
        return BundleState.EXPIRED
    return bundle.state


def state_label(bundle: CertificateBundle, now: datetime | None = None) -> str:
    """What the bundle's state reads as: 已停滞 for a queued or running one that stalled."""
    state = state_of(bundle, now)
    return str(STALLED_LABEL) if state in ACTIVE and stalled(bundle, now) else str(state.label)


def progress(bundle: CertificateBundle) -> dict:
    """The JSON the progress page polls."""
    state = state_of(bundle)
    percent = 100 if state is BundleState.DONE else (100 * bundle.done // bundle.total if bundle.total else 0)
    stuck = state in ACTIVE and stalled(bundle)
    return {
        "id": bundle.id,
        "state": "stalled" if stuck else state.value,
        "state_label": state_label(bundle),
        "stalled": stuck,
        "done": bundle.done,
        "total": bundle.total,
        "percent": min(percent, 100),
        "error": bundle.error,
    }


def expire(now: datetime | None = None) -> list[str]:
    """Expire bundles past ``expires_at`` (a stuck queued or running one too): the row stays as 已过期 without its
    file. Each row moves by a conditional UPDATE on the state it was read with.

    :return: the storage keys of the expired files, for the caller to delete once this is committed.
    """
    now = now or clock.utcnow()
    due = db.session.execute(
        sa.select(CertificateBundle.id, CertificateBundle.state, CertificateBundle.file_key).where(
            CertificateBundle.state != BundleState.EXPIRED, CertificateBundle.expires_at <= now
        )
    ).all()
    keys = []
    for bundle_id, state, key in due:
        moved = db.session.execute(
            conditional_update(CertificateBundle)
            .where(
                CertificateBundle.id == bundle_id,
                CertificateBundle.state == state,
                CertificateBundle.expires_at <= now,
            )
            .values(state=BundleState.EXPIRED, file_key=None, run_token=None)
        )
        if moved.rowcount == 1 and key:
            keys.append(key)
    return keys
