"""Bulk download: the PDFs of many certificates as one ZIP, built by a Celery task while a page shows its progress.

A user asks for a bundle of certificates they may see (``app.certificates.scope``), narrowed by a filter:

============ ==========================================================================================
enterprise   持证上岗: the live certificates of an enterprise's current staff
sitting      the certificates issued on a sitting's attempts (a 资格考试's batch)
all          every certificate in the user's scope (a regulator: its jurisdiction), live or of one status
============ ==========================================================================================

The task (``certificates.build_bundle``) chooses the certificates when it starts, within what the requester may
see *then*, and writes them into a ZIP in a temporary file, one chunk at a time: a certificate whose stored PDF is
missing or out of date is rendered and stored first (as its own download would), and one that cannot be rendered
is listed in the ZIP's ``README.txt`` instead. The ZIP is bounded (``CERT_BUNDLE_MAX`` certificates,
``CERT_BUNDLE_MAX_MB``), stored in private storage and served only to the requester (``bundles_query``) until it
expires (``CERT_BUNDLE_HOURS``).

Every move of a bundle is a conditional ``UPDATE``: the start takes a fresh ``run_token`` (queued or running →
running), each chunk adds to ``done`` only under that token (``UPDATE … SET done = done + n … RETURNING done``), and
the end records the file under it. A redelivered task takes the token over; the run it replaced (if still alive)
finds its next update refused and stops (:class:`Superseded`) without touching the row.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from app.auth.models import User
from app.certificates import lifecycle, rendering
from app.certificates.lifecycle import effective_status
from app.certificates.models import LIVE, BundleState, Certificate, CertificateBundle, CertStatus
from app.certificates.scope import bundles_query, certificates_query
from app.certificates.status_sql import status_expr
from app.core import clock
from app.core.clock import format_local, local_today
from app.core.db import conditional_update
from app.core.errors import DomainError
from app.core.storage import storage
from app.exams.models import Attempt, Sitting
from app.extensions import db
from app.people.models import Employment
from app.tenancy.models import Enterprise

log = logging.getLogger(__name__)

SCOPES = ("enterprise", "sitting", "all")
#: Certificates per step: rendered together when stale (one document), then one commit of progress.
CHUNK = 20
ACTIVE = (BundleState.QUEUED, BundleState.RUNNING)
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\s]+')


#: A queued or running bundle silent for ``CERT_BUNDLE_STALL_MINUTES`` (shown; not a stored state).
STALLED_LABEL = _l("已停滞")


class Superseded(Exception):
    """Another run of the task took this bundle over (or it expired meanwhile): stop, change nothing."""


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


# ---------------------------------------------------------------- the build (driven by the task, which commits)


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


def _guarded(bundle_id: int, token: str) -> sa.Update:
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
        _guarded(bundle_id, token)
        .values(done=CertificateBundle.done + n, progressed_at=clock.utcnow())
        .returning(CertificateBundle.done)
    ).scalar_one_or_none()
    if done is None:
        raise Superseded(bundle_id)
    return done


def fail(bundle_id: int, token: str, message: str, now: datetime | None = None) -> bool:
    """Record why the run holding ``token`` gave up (shown on the progress page)."""
    moved = db.session.execute(
        _guarded(bundle_id, token).values(
            state=BundleState.FAILED, error=message[:300], finished_at=now or clock.utcnow()
        )
    )
    return moved.rowcount == 1


@dataclass
class Left:
    """A certificate that is not in the ZIP, and why (listed in README.txt)."""

    certificate: Certificate
    reason: str


def entry_name(cert: Certificate) -> str:
    """``王大锤_低压电工作业_12.pdf``: holder, item and id (unique), never the 证号 (it embeds the full ID number)."""
    name = _UNSAFE.sub("", f"{cert.person.name}_{cert.item_name}")[:80] or "certificate"
    return f"{name}_{cert.id}.pdf"


def _pdfs(certs: list[Certificate], left: list[Left]) -> list[tuple[Certificate, bytes]]:
    """Each certificate's current PDF: the stale ones rendered (together) and stored first. A certificate that
    cannot be rendered or read goes to ``left``."""
    stale_ids = {c.id for c in rendering.stale([c.id for c in certs])}
    stale = [c for c in certs if c.id in stale_ids]
    if stale:
        try:
            for cert, data in zip(stale, rendering.render_many(stale), strict=True):
                rendering.store(cert, data)
        except Exception:  # one bad card must not sink the batch: render the chunk one by one
            log.exception("bundle: rendering %d certificates together failed; one by one", len(stale))
            for cert in stale:
                try:
                    rendering.store(cert, rendering.render(cert))
                except Exception as exc:
                    log.exception("bundle: certificate %s could not be rendered", cert.id)
                    left.append(Left(cert, f"未能生成 PDF（{type(exc).__name__}）"))
    out = []
    for cert in certs:
        if cert.pdf_key is None:
            if not any(item.certificate.id == cert.id for item in left):
                left.append(Left(cert, "未能生成 PDF"))
            continue
        try:
            out.append((cert, storage().read(cert.pdf_key)))
        except OSError as exc:
            log.exception("bundle: stored PDF of certificate %s unreadable", cert.id)
            left.append(Left(cert, f"PDF 文件无法读取（{type(exc).__name__}）"))
    return out


def readme(bundle: CertificateBundle, requester: User, entries: list[tuple[str, Certificate]], left: list[Left]) -> str:
    """The ZIP's README.txt: what it holds, for whom, and what is missing and why."""
    today = local_today()
    with force_locale("zh_CN"):
        lines = [
            "安培 · 证书批量下载",
            f"内容：{bundle.title}",
            f"申请人：{requester.label}",
            f"生成时间：{format_local(clock.utcnow(), '%Y-%m-%d %H:%M')}",
            f"证书 PDF：{len(entries)} 份" + (f"；未包含：{len(left)} 份" if left else ""),
            "",
            "文件名\t姓名\t证书\t项目\t状态\t有效期至",
        ]
        lines += [
            f"{name}\t{c.person.name}\t{c.kind.label}\t{c.item_name}\t{effective_status(c, today).label}\t{c.valid_to}"
            for name, c in entries
        ]
        if left:
            lines += ["", "未包含的证书（请在证书页面单独下载）："]
            lines += [f"{x.certificate.person.name}\t{x.certificate.item_name}\t{x.reason}" for x in left]
    return "\r\n".join(lines) + "\r\n"


def build(bundle_id: int, token: str) -> Iterator[int]:
    """Build the ZIP for the run holding ``token``, yielding ``done`` after each chunk: the caller (the task)
    commits there, so the progress page sees it and rendered PDFs stay stored if the worker dies.

    :raises DomainError: ``cert.bundle_requester_gone``, ``cert.bundle_too_many``, ``cert.bundle_too_big``.
    :raises Superseded: another run took over.
    """
    bundle = db.session.get(CertificateBundle, bundle_id)
    requester = db.session.get(User, bundle.requested_by_id)
    if requester is None or not requester.active:
        raise DomainError("cert.bundle_requester_gone")
    ids = list(
        db.session.scalars(
            certificates_for(requester, bundle.scope, bundle.scope_ref, bundle.status)
            .with_only_columns(Certificate.id)
            .order_by(Certificate.id)
        )
    )
    config = current_app.config
    if len(ids) > config["CERT_BUNDLE_MAX"]:
        raise DomainError("cert.bundle_too_many", n=len(ids), max=config["CERT_BUNDLE_MAX"])
    if (
        db.session.execute(_guarded(bundle_id, token).values(total=len(ids), progressed_at=clock.utcnow())).rowcount
        != 1
    ):
        raise Superseded(bundle_id)
    yield 0
    limit, written = config["CERT_BUNDLE_MAX_MB"] * 1024 * 1024, 0
    entries: list[tuple[str, Certificate]] = []
    left: list[Left] = []
    workdir = workdir_of(bundle_id, token)
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        path = workdir / "bundle.zip"
        # PDFs are compressed already: stored as they are (deflating them again costs time for ~1 %)
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
            for start in range(0, len(ids), CHUNK):
                chunk = list(
                    db.session.scalars(
                        sa.select(Certificate)
                        .where(Certificate.id.in_(ids[start : start + CHUNK]))
                        .order_by(Certificate.id)
                    )
                )
                for cert, data in _pdfs(chunk, left):
                    written += len(data)
                    if written > limit:
                        raise DomainError("cert.bundle_too_big", mb=config["CERT_BUNDLE_MAX_MB"])
                    name = entry_name(cert)
                    archive.writestr(name, data)
                    entries.append((name, cert))
                yield advance(bundle_id, token, len(ids[start : start + CHUNK]))
            archive.writestr(
                zipfile.ZipInfo("README.txt", date_time=_zip_time()),
                readme(bundle, requester, entries, left).encode("utf-8"),
                compress_type=zipfile.ZIP_DEFLATED,
            )
        stored = storage().put_file(f"bundles/{bundle_id}/{token}.zip", path, "application/zip")
    finally:  # a failure or a takeover leaves no partial ZIP behind (a killed worker's: ``sweep_workdirs``)
        shutil.rmtree(workdir, ignore_errors=True)
    now = clock.utcnow()
    moved = db.session.execute(
        _guarded(bundle_id, token).values(
            state=BundleState.DONE,
            file_key=stored.key,
            file_size=stored.size,
            file_sha256=stored.sha256,
            finished_at=now,
            expires_at=now + timedelta(hours=config["CERT_BUNDLE_HOURS"]),
        )
    )
    if moved.rowcount != 1:
        storage().delete(stored.key)
        raise Superseded(bundle_id)
    log.info("bundle %s: %d PDFs, %d left out, %d bytes", bundle_id, len(entries), len(left), stored.size)
    yield len(ids)


_WORKDIR = re.compile(r"anpei-bundle-(\d+)-([0-9a-f]{32})")


def workroot() -> Path:
    """The folder of this platform's partial ZIPs in the temporary directory, one per database: two platforms on one
    host (or two test processes) hold bundles with the same ids, and each sweeps only its own runs' folders."""
    url = sa.engine.make_url(current_app.config["SQLALCHEMY_DATABASE_URI"]).render_as_string(hide_password=True)
    return Path(tempfile.gettempdir()) / f"anpei-bundles-{hashlib.sha256(url.encode()).hexdigest()[:12]}"


def workdir_of(bundle_id: int, token: str) -> Path:
    """Where the run holding ``token`` writes its ZIP before storing it (named by bundle and run)."""
    return workroot() / f"anpei-bundle-{bundle_id}-{token}"


def sweep_workdirs() -> int:
    """Remove the partial ZIPs of runs that no longer hold their bundle: a worker killed mid-build leaves its
    folder behind, and the run that took over (or ended) the bundle removes it. Folders are listed before the
    running tokens are read, so a run that starts meanwhile is never swept."""
    found = [p for p in workroot().glob("anpei-bundle-*") if _WORKDIR.fullmatch(p.name)]
    if not found:
        return 0
    live = {
        (bundle_id, token)
        for bundle_id, token in db.session.execute(
            sa.select(CertificateBundle.id, CertificateBundle.run_token).where(
                CertificateBundle.state == BundleState.RUNNING
            )
        )
    }
    removed = 0
    for path in found:
        match = _WORKDIR.fullmatch(path.name)
        if (int(match[1]), match[2]) not in live:
            shutil.rmtree(path, ignore_errors=True)
            removed += 1
    if removed:
        log.info("bundles: removed %d partial ZIP folder(s) of runs that no longer hold their bundle", removed)
    return removed


def _zip_time() -> tuple[int, int, int, int, int, int]:
    local = datetime.fromisoformat(format_local(clock.utcnow(), "%Y-%m-%dT%H:%M:%S"))
    return (local.year, local.month, local.day, local.hour, local.minute, local.second)


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
