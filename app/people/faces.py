"""Face comparison for 人像抓拍: one pluggable checker behind the ``ANPEI_FACE_CHECKER`` setting.

``compare(registered_jpeg, snapshot_jpeg)`` answers whether a snapshot shows the person of the registered
一寸 photo.  The default checker is ``"off"``: no comparison is made and ``compare`` returns None, so snapshots are
only kept for people to look at.  A checker never refuses credit by itself: a mismatch (or no face found) flags
the snapshot for review by the class organiser or regulator.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app


@dataclass(frozen=True)
class FaceMatch:
    """What a checker saw: faces found in each image, and whether the snapshot's face is the registered one."""

    checker: str
    registered_faces: int
    snapshot_faces: int
    distance: float | None  # smaller is more alike; None when a face is missing
    matched: bool

    @property
    def needs_review(self) -> bool:
        return not self.matched


def checker_name() -> str:
    return current_app.config.get("FACE_CHECKER", "off")


def compare(registered_jpeg: bytes, snapshot_jpeg: bytes) -> FaceMatch | None:
    """Compare the two images with the configured checker; None when face checking is off."""
    name = checker_name()
    if name == "off":
        return None
    raise NotImplementedError(f"face checker {name!r}")  # the real checker lands with #13
