"""Stored files — lesson videos and handouts, registered photos, snapshots, certificate PDFs — behind one interface.

Two backends, chosen by configuration:

- ``LocalStorage``: a directory (``ANPEI_STORAGE``, default ``instance/storage``). The embedded default, and fine
  for one web host.
- ``S3Storage``: an S3-compatible object store (``ANPEI_S3_BUCKET``, ``ANPEI_S3_ENDPOINT`` for MinIO/OSS/COS…),
  so any number of web hosts serve the same files.

Nothing stored is web-readable by itself: no backend hands out a public URL. A view decides who may see a file
(``app.auth.policy``) and then streams it with :func:`send_stored`, which answers HTTP range requests (a video seeks
by range). Keys are chosen by the app (``photos/<person>/<hash>.jpg``), never by a user: :func:`check_key` refuses
anything that could climb out of the store.
"""

from __future__ import annotations

import hashlib
import logging
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from flask import Flask, Response, current_app, request, send_file
from flask_sqlalchemy.session import Session
from sqlalchemy import event

from app.extensions import db

log = logging.getLogger(__name__)

KEY = re.compile(r"^[a-z0-9_-]+(/[A-Za-z0-9_.-]+)+$")


@dataclass(frozen=True)
class Stored:
    key: str
    size: int
    sha256: str
    content_type: str


class Storage(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> Stored: ...

    def put_file(self, key: str, path: Path, content_type: str) -> Stored:
        """Store the file at ``path`` without reading it into memory (large exports: ZIP bundles)."""
        ...

    def read(self, key: str) -> bytes: ...

    def read_range(self, key: str, start: int, end: int) -> bytes:
        """Bytes ``start`` to ``end`` inclusive."""
        ...

    def size(self, key: str) -> int | None:
        """The file's size, or None when there is no such file."""
        ...

    def delete(self, key: str) -> None: ...


def check_key(key: str) -> str:
    """A key is a folder and a file name of plain characters: no ``..``, no absolute path, no backslash."""
    if not KEY.fullmatch(key) or ".." in key:
        raise ValueError(f"bad storage key: {key!r}")
    return key


def _stored(key: str, data: bytes, content_type: str) -> Stored:
    return Stored(key, len(data), hashlib.sha256(data).hexdigest(), content_type)


def _stored_file(key: str, path: Path, content_type: str) -> Stored:
    digest, size = hashlib.sha256(), 0
    with Path(path).open("rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
            size += len(block)
    return Stored(key, size, digest.hexdigest(), content_type)


class LocalStorage:
    """Files in a directory; written to a temporary name and renamed, so a reader never sees half a file."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put(self, key: str, data: bytes, content_type: str) -> Stored:
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        partial.write_bytes(data)
        partial.replace(path)
        return _stored(key, data, content_type)

    def put_file(self, key: str, path: Path, content_type: str) -> Stored:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        shutil.copyfile(path, partial)
        partial.replace(target)
        return _stored_file(key, target, content_type)

    def read(self, key: str) -> bytes:
        return self.path(key).read_bytes()

    def read_range(self, key: str, start: int, end: int) -> bytes:
        with self.path(key).open("rb") as f:
            f.seek(start)
            return f.read(end - start + 1)

    def size(self, key: str) -> int | None:
        path = self.path(key)
        return path.stat().st_size if path.is_file() else None

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)


class S3Storage:
    """Objects in an S3-compatible bucket (boto3), under an optional prefix."""

    def __init__(self, bucket: str, *, prefix: str = "", endpoint_url: str | None = None, region: str | None = None):
        import boto3  # only production deployments with an object store need it loaded

        self.bucket, self.prefix = bucket, prefix.strip("/")
        self.client = boto3.client("s3", endpoint_url=endpoint_url, region_name=region)

    def _name(self, key: str) -> str:
        check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def put(self, key: str, data: bytes, content_type: str) -> Stored:
        self.client.put_object(Bucket=self.bucket, Key=self._name(key), Body=data, ContentType=content_type)
        return _stored(key, data, content_type)

    def put_file(self, key: str, path: Path, content_type: str) -> Stored:
        self.client.upload_file(str(path), self.bucket, self._name(key), ExtraArgs={"ContentType": content_type})
        return _stored_file(key, path, content_type)

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.bucket, Key=self._name(key))["Body"].read()

    def read_range(self, key: str, start: int, end: int) -> bytes:
        obj = self.client.get_object(Bucket=self.bucket, Key=self._name(key), Range=f"bytes={start}-{end}")
        return obj["Body"].read()

    def size(self, key: str) -> int | None:
        from botocore.exceptions import ClientError

        try:
            return self.client.head_object(Bucket=self.bucket, Key=self._name(key))["ContentLength"]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._name(key))


def init_app(app: Flask) -> None:
    """Pick the backend once per app: S3 when a bucket is configured, the local directory otherwise."""
    if bucket := app.config.get("S3_BUCKET"):
        backend: Storage = S3Storage(
            bucket,
            prefix=app.config.get("S3_PREFIX", ""),
            endpoint_url=app.config.get("S3_ENDPOINT"),
            region=app.config.get("S3_REGION"),
        )
    else:
        backend = LocalStorage(app.config["STORAGE_DIR"])
    app.extensions["anpei_storage"] = backend


def storage() -> Storage:
    return current_app.extensions["anpei_storage"]


def delete_after_commit(*keys: str) -> None:
    """Delete the stored files ``keys`` once the current transaction commits: a file is never gone while the row
    that stopped naming it could still roll back. Dropped on rollback — of the whole transaction, or of the
    savepoint they were queued in — and when the session is closed uncommitted (a savepoint released keeps them for
    its parent: nothing is deleted before the outermost commit); a failed deletion is logged (the row no longer
    names the file)."""
    session = db.session()
    queued_in = session.get_nested_transaction() or session.get_transaction() or session.begin()
    session.info.setdefault("storage_deletes", []).extend((queued_in, key) for key in keys)


@event.listens_for(Session, "after_commit")
def _delete_committed(session):
    if session.in_nested_transaction():  # a savepoint released: its deletions now wait for its parent
        released = session.get_nested_transaction()
        session.info["storage_deletes"] = [
            (released.parent if tx is released else tx, key) for tx, key in session.info.get("storage_deletes", [])
        ]
        return
    for _tx, key in session.info.pop("storage_deletes", []):
        try:
            storage().delete(key)
        except Exception:  # the commit stands: a file left behind is logged, not raised into the request
            log.exception("stored file %s not deleted after commit", key)


@event.listens_for(Session, "after_rollback")
def _keep_rolled_back(session):
    if session.in_nested_transaction():  # a savepoint rolled back: only what was queued inside it is dropped
        undone = session.get_nested_transaction()
        session.info["storage_deletes"] = [
            (tx, key) for tx, key in session.info.get("storage_deletes", []) if tx is not undone
        ]
        return
    session.info.pop("storage_deletes", None)


@event.listens_for(Session, "after_transaction_end")
def _drop_ended(session, transaction):
    # Session.close() ends the transaction without a rollback event; what it had queued goes with it (a commit ran
    # its deletions just before this).
    if transaction.parent is None:
        session.info.pop("storage_deletes", None)


#: Larger ranges are cut to this size: a player asks again for the rest (a whole video is never read into memory).
MAX_RANGE = 4 * 1024 * 1024


def send_stored(key: str, *, content_type: str, download_name: str | None = None) -> Response:
    """Stream a stored file to a client already allowed to see it, answering ``Range`` requests (206) as players
    and PDF viewers send them. Never cached by shared caches (the files are personal)."""
    backend = storage()
    if isinstance(backend, LocalStorage):
        response = send_file(
            backend.path(key), mimetype=content_type, conditional=True, download_name=download_name, max_age=0
        )
    else:
        response = _send_s3(backend, key, content_type)
        if download_name:
            response.headers["Content-Disposition"] = f'attachment; filename="{download_name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _send_s3(backend: Storage, key: str, content_type: str) -> Response:
    size = backend.size(key)
    if size is None:
        return Response(status=404)
    byte_range = request.range.range_for_length(size) if request.range else None
    if byte_range is None:
        start, end, status = 0, min(size, MAX_RANGE) - 1, 200 if size <= MAX_RANGE else 206
    else:
        start, stop = byte_range
        start, end, status = start, min(stop, start + MAX_RANGE) - 1, 206
    body = backend.read_range(key, start, end) if size else b""
    response = Response(body, status=status, mimetype=content_type)
    response.headers["Accept-Ranges"] = "bytes"
    if status == 206:
        response.headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    return response
