"""Lesson files: type and size checks by content, unguessable keys, and ``app.core.storage`` (a local directory or
an S3-compatible bucket). Files are streamed only by ``training.lesson_file`` after the policy check."""

from __future__ import annotations

import secrets

from flask import current_app

from app.core.errors import DomainError
from app.core.storage import storage
from app.training.models import LessonKind

#: Accepted content per lesson kind: content type → (extension, magic check).
ACCEPTED: dict[LessonKind, dict[str, tuple[str, object]]] = {
    LessonKind.VIDEO: {
        "video/mp4": (".mp4", lambda head: head[4:8] == b"ftyp"),
        "video/webm": (".webm", lambda head: head.startswith(b"\x1a\x45\xdf\xa3")),
    },
    LessonKind.PDF: {"application/pdf": (".pdf", lambda head: head.startswith(b"%PDF-"))},
    LessonKind.IMAGE: {
        "image/png": (".png", lambda head: head.startswith(b"\x89PNG\r\n\x1a\n")),
        "image/jpeg": (".jpg", lambda head: head.startswith(b"\xff\xd8\xff")),
        "image/webp": (".webp", lambda head: head[:4] == b"RIFF" and head[8:12] == b"WEBP"),
    },
}


def max_bytes(kind: LessonKind) -> int:
    setting = "TRAINING_MAX_VIDEO_MB" if kind is LessonKind.VIDEO else "TRAINING_MAX_FILE_MB"
    default = 500 if kind is LessonKind.VIDEO else 20
    return int(current_app.config.get(setting, default)) * 1024 * 1024


def sniff(kind: LessonKind, data: bytes) -> str:
    """The content type of an upload for a lesson of ``kind``, judged by its first bytes (never by its name).

    :raises DomainError: ``lesson.file_type`` when it is none of the kind's accepted types, ``lesson.file_size``
        when it is too big.
    """
    accepted = ACCEPTED.get(kind, {})
    limit = max_bytes(kind)
    if len(data) > limit:
        raise DomainError("lesson.file_size", http_status=400, mb=limit // (1024 * 1024))
    for content_type, (_ext, check) in accepted.items():
        if check(data[:16]):
            return content_type
    allowed = ", ".join(ext for ext, _check in accepted.values())
    raise DomainError("lesson.file_type", http_status=400, kind=kind.label, allowed=allowed)


def new_key(kind: LessonKind, content_type: str) -> str:
    """An unguessable storage key (files are served only through the policy check, never by key)."""
    return f"lessons/{secrets.token_hex(16)}{ACCEPTED[kind][content_type][0]}"


def put(key: str, data: bytes, content_type: str) -> None:
    storage().put(key, data, content_type)
