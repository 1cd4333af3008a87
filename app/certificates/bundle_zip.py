"""The ZIP of a bundle, built by the run holding its token, one chunk at a time.

The certificates are chosen when the run starts, within what the requester may see *then*, and written into a ZIP in
a temporary folder: a certificate whose stored PDF is missing or out of date is rendered and stored first (as its
own download would), and one that cannot be rendered is listed in the ZIP's ``README.txt`` instead. The ZIP is
bounded (``CERT_BUNDLE_MAX`` certificates, ``CERT_BUNDLE_MAX_MB``) and stored in private storage.
"""

from __future__ import annotations

import hashlib
import logging
import re
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

from app.auth.models import User
from app.certificates import rendering
from app.certificates.bundle_runs import Superseded, advance, guarded
from app.certificates.bundles import certificates_for
from app.certificates.lifecycle import effective_status
from app.certificates.models import BundleState, Certificate, CertificateBundle
from app.core import clock
from app.core.clock import format_local, local_today
from app.core.errors import DomainError
from app.core.storage import storage
from app.extensions import db

log = logging.getLogger(__name__)

#: Certificates per step: rendered together when stale (one document), then one commit of progress.
CHUNK = 20
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\s]+')


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
    if db.session.execute(guarded(bundle_id, token).values(total=len(ids), progressed_at=clock.utcnow())).rowcount != 1:
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
        guarded(bundle_id, token).values(
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
