"""The operator's settings of 人像抓拍: where it is required, how many per session, grace, same-picture bits."""

from __future__ import annotations

from flask import current_app

from app.people.models import SnapshotContext


def enabled(context: SnapshotContext) -> bool:
    """Whether snapshots are required for lessons / online exams (``ANPEI_SNAPSHOTS_LESSONS`` / ``…_EXAMS``)."""
    key = "SNAPSHOTS_LESSONS" if context is SnapshotContext.LESSON else "SNAPSHOTS_EXAMS"
    return bool(current_app.config.get(key, False))


def per_session(context: SnapshotContext) -> int:
    """Snapshots per lesson page or exam attempt, the start one included (at least 1)."""
    key = "SNAPSHOTS_PER_LESSON" if context is SnapshotContext.LESSON else "SNAPSHOTS_PER_EXAM"
    return max(1, int(current_app.config.get(key, 3)))


def grace_seconds() -> int:
    return int(current_app.config.get("SNAPSHOT_GRACE_SECONDS", 60))


def same_picture_bits() -> int:
    """Hash bits (of 64) within which a snapshot is the same picture as an earlier one (``ANPEI_SNAPSHOT_SAME_…``)."""
    return int(current_app.config.get("SNAPSHOT_SAME_PICTURE_BITS", 6))
