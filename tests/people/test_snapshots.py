"""The 人像抓拍 schedule rule over plain values, the random moments, and the re-encoding of an upload."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest
from PIL import Image

from app.core.errors import DomainError
from app.people.snapshots import schedule, taking
from app.people.snapshots.schedule import schedule_status

T0 = datetime(2026, 11, 29, 2, 0, 0)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_the_start_snapshot_has_no_grace():
    assert schedule_status(T0, [300], [], at(0), grace=60).ok is False
    assert schedule_status(T0, [300], [], at(30), grace=60).due is True
    assert schedule_status(T0, [300], [at(5)], at(30), grace=60) == schedule.Status(
        due=False, ok=True, passed=1, taken=1
    )


def test_a_random_moment_is_due_at_once_and_missing_after_its_grace():
    taken = [at(1)]
    assert schedule_status(T0, [300], taken, at(299), grace=60).due is False
    in_grace = schedule_status(T0, [300], taken, at(330), grace=60)
    assert (in_grace.due, in_grace.ok, in_grace.passed) == (True, True, 2)
    missing = schedule_status(T0, [300], taken, at(360), grace=60)
    assert (missing.due, missing.ok) == (True, False)
    # a snapshot from before the moment does not count for it; one after it does
    assert schedule_status(T0, [300], [at(1), at(299)], at(400), grace=60).ok is False
    assert schedule_status(T0, [300], [at(1), at(390)], at(400), grace=60).ok is True


def test_no_grace_before_the_start_snapshot_even_at_a_random_moment():
    """A page that never took its start snapshot is not credited in the grace of the next moment either."""
    for now in (at(0), at(30), at(300), at(330), at(359), at(400)):
        status = schedule_status(T0, [300, 600], [], now, grace=60)
        assert (status.due, status.ok) == (True, False), now
    # once it arrives (late, after the first moment) it covers both, and the next moment has its grace again
    late = [at(320)]
    assert schedule_status(T0, [300, 600], late, at(330), grace=60).ok is True
    assert schedule_status(T0, [300, 600], late, at(630), grace=60) == schedule.Status(
        due=True, ok=True, passed=3, taken=1
    )


def test_grace_only_when_every_earlier_moment_has_its_snapshot():
    """Moments at 300 s and 600 s, 60 s of grace. A page that skipped the 300 s snapshot gets no grace at 600 s: the
    grace is for a page taking its snapshot, not a free minute at every moment."""
    start_only = [at(2)]
    assert schedule_status(T0, [300, 600], start_only, at(330), grace=60).ok is True  # the first moment's grace
    assert schedule_status(T0, [300, 600], start_only, at(400), grace=60).ok is False
    skipped = schedule_status(T0, [300, 600], start_only, at(610), grace=60)
    assert (skipped.due, skipped.ok, skipped.passed) == (True, False, 3)
    # the page that took it (even late, before 600 s) has its grace at 600 s, and is covered again once it snaps
    kept = [at(2), at(420)]
    assert schedule_status(T0, [300, 600], kept, at(610), grace=60).ok is True
    assert schedule_status(T0, [300, 600], kept, at(661), grace=60).ok is False
    assert schedule_status(T0, [300, 600], [*kept, at(670)], at(700), grace=60).ok is True
    # one snapshot after both moments covers both: crediting goes on without any grace
    assert schedule_status(T0, [300, 600], [at(2), at(605)], at(900), grace=60) == schedule.Status(
        due=False, ok=True, passed=3, taken=2
    )


def test_random_moments_fall_inside_the_window_and_count_the_start(app):
    for _ in range(50):
        offsets = schedule.draw_offsets(1000, 4)
        assert len(offsets) == 3 and offsets == sorted(offsets) and all(100 <= s <= 900 for s in offsets)
    assert schedule.draw_offsets(1000, 1) == [] and schedule.draw_offsets(0, 3) == []
    assert len({tuple(schedule.draw_offsets(3600, 3)) for _ in range(20)}) > 1  # not a fixed schedule


def _image(fmt: str, size=(800, 600)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 20, 30)).save(out, fmt)
    return out.getvalue()


def test_an_upload_is_re_encoded_small_and_bounded(app):
    with Image.open(io.BytesIO(taking.normalise_snapshot(_image("PNG"), max_bytes=1 << 20))) as image:
        assert image.format == "JPEG" and image.size == (640, 480)
    with pytest.raises(DomainError) as too_big:
        taking.normalise_snapshot(_image("PNG"), max_bytes=100)
    assert too_big.value.code == "snapshot.too_large" and too_big.value.status == 413
    with pytest.raises(DomainError) as gif:
        taking.normalise_snapshot(_image("GIF"), max_bytes=1 << 20)
    assert gif.value.code == "snapshot.not_an_image"


def test_a_snapshot_over_the_pixel_limit_is_refused_with_its_size(app):
    """A 15 MP PNG (a small file of one colour) is refused on its header, as a registered photo of it is."""
    with pytest.raises(DomainError) as wide:
        taking.normalise_snapshot(_image("PNG", size=(5000, 3000)), max_bytes=1 << 20)
    assert wide.value.status == 413
    assert wide.value.message == "抓拍图片像素过多（5000 × 3000 像素，最多 12 百万像素）。"
