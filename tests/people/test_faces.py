"""The 人像抓拍 face checker (app/people/faces.py) on real face photos that packages ship: scikit-image's astronaut
(Eileen Collins) as the registered 一寸 photo, and matplotlib's sample portrait of Grace Hopper as somebody else.

The "dlib" checker needs dlib-bin and face_recognition_models (requirements.txt): without them these tests fail,
they are not skipped. What is tested is the decision rule on these images: one person photographed twice (cropped,
scaled, turned, lighter or darker) is matched; another person, no face, or two faces are not, and then the record
needs review. Two photos of one woman and one of another are no accuracy benchmark: that is dlib's (99.38 % on LFW).
"""

from __future__ import annotations

import io
import multiprocessing
import os
import subprocess
import sys
import threading
from pathlib import Path

import matplotlib.cbook
import pytest
from PIL import Image, ImageEnhance
from skimage import data

from app import create_app
from app.people import faces
from app.people.faces import DlibChecker, FaceMatch, compare, get_checker
from app.people.photos import SIZE, normalise_photo
from config import ConfigError, TestingConfig

ROOT = Path(__file__).resolve().parents[2]


def jpeg(image: Image.Image, quality: int = 80) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=quality)
    return out.getvalue()


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def webcam(image: Image.Image, *, size=(640, 480)) -> bytes:
    """A snapshot as the exam page sends it: a 640 × 480 JPEG."""
    return jpeg(image.resize(size, Image.Resampling.BILINEAR), quality=75)


ASTRONAUT = Image.fromarray(data.astronaut())  # 512 × 512, one face (and a round mission patch)
HOPPER = Image.open(matplotlib.cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)).convert("RGB")


@pytest.fixture(scope="module")
def registered() -> bytes:
    """The astronaut's photo as an upload becomes a registered photo: a 295 × 413 一寸 JPEG."""
    photo = normalise_photo(png(ASTRONAUT), max_bytes=8 << 20)
    assert Image.open(io.BytesIO(photo)).size == SIZE
    return photo


@pytest.fixture
def dlib_checker(app, monkeypatch):
    monkeypatch.setitem(app.config, "FACE_CHECKER", "dlib")
    with app.app_context():
        yield


def same_person_turned_and_lighter() -> bytes:
    # another crop, turned 8°, 30 % brighter, stretched to 640 × 480
    turned = ASTRONAUT.rotate(8, resample=Image.Resampling.BICUBIC).crop((20, 0, 500, 360))
    return webcam(ImageEnhance.Brightness(turned).enhance(1.3))


def same_person_far_and_darker() -> bytes:
    # small in the frame (a face ~55 px wide: found only because the checker upsamples), darker, lower contrast
    frame = Image.new("RGB", (640, 480), (90, 90, 100))
    frame.paste(ASTRONAUT.resize((320, 320)), (260, 120))
    frame = ImageEnhance.Contrast(ImageEnhance.Brightness(frame).enhance(0.7)).enhance(0.8)
    return webcam(frame)


@pytest.mark.parametrize("snapshot", [same_person_turned_and_lighter, same_person_far_and_darker])
def test_the_registered_person_in_a_snapshot_is_matched(dlib_checker, registered, snapshot):
    match = compare(registered, snapshot())
    assert match.checker == "dlib"
    assert (match.registered_faces, match.snapshot_faces) == (1, 1)
    assert match.distance < DlibChecker.THRESHOLD
    assert match.matched and not match.needs_review


def test_somebody_else_is_not_matched_and_needs_review(dlib_checker, registered):
    match = compare(registered, webcam(HOPPER.crop((0, 60, 512, 444))))
    assert (match.registered_faces, match.snapshot_faces) == (1, 1)
    assert match.distance >= DlibChecker.THRESHOLD
    assert not match.matched and match.needs_review
    # and the other way round: Grace Hopper registered, the astronaut at the camera
    hopper_registered = normalise_photo(jpeg(HOPPER), max_bytes=8 << 20)
    assert compare(hopper_registered, same_person_turned_and_lighter()).needs_review


@pytest.mark.parametrize("picture", [data.coffee, data.chelsea], ids=["coffee", "a cat"])
def test_a_snapshot_without_a_face_needs_review(dlib_checker, registered, picture):
    match = compare(registered, webcam(Image.fromarray(picture())))
    assert match == FaceMatch("dlib", 1, 0, None, False)
    assert match.needs_review


def test_a_second_face_in_the_snapshot_needs_review_even_beside_the_registered_person(dlib_checker, registered):
    frame = Image.new("RGB", (1024, 600), (0, 0, 0))
    frame.paste(ASTRONAUT.resize((400, 400)), (0, 100))
    frame.paste(HOPPER.resize((436, 512)), (500, 40))
    match = compare(registered, jpeg(frame))  # larger than a webcam frame: scaled down to 800 px first
    assert (match.registered_faces, match.snapshot_faces) == (1, 2)
    assert match.distance < DlibChecker.THRESHOLD  # the closest pair: the registered person is one of them
    assert not match.matched


def test_an_unreadable_snapshot_counts_as_no_face(dlib_checker, registered):
    assert compare(registered, b"not a jpeg") == FaceMatch("dlib", 1, 0, None, False)


def test_the_checker_is_loaded_once_per_process_and_shared_by_threads(dlib_checker, registered):
    checker = get_checker("dlib")
    assert get_checker("dlib") is checker
    snapshots = [same_person_turned_and_lighter(), webcam(HOPPER)]
    expected = [checker.compare(registered, s) for s in snapshots] * 2
    snapshots *= 2
    results: list = [None] * len(snapshots)

    def run(i):
        results[i] = checker.compare(registered, snapshots[i])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(snapshots))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == expected
    assert [r.matched for r in results] == [True, False, True, False]


def _compare_in_child(registered: bytes, snapshot: bytes, results) -> None:
    results.put(get_checker("dlib").compare(registered, snapshot))


def test_a_checker_loaded_before_a_fork_works_in_the_child(dlib_checker, registered):
    """Celery's prefork pool and gunicorn --preload fork a process that may already hold the checker."""
    checker = get_checker("dlib")
    snapshot = same_person_turned_and_lighter()
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    child = context.Process(target=_compare_in_child, args=(registered, snapshot, results))
    child.start()
    in_child = results.get(timeout=60)
    child.join(timeout=60)
    assert child.exitcode == 0
    assert in_child == checker.compare(registered, snapshot) and in_child.matched


def test_off_compares_nothing(app, monkeypatch):
    assert TestingConfig.FACE_CHECKER == "off" or "ANPEI_FACE_CHECKER" in os.environ  # off unless chosen
    monkeypatch.setitem(app.config, "FACE_CHECKER", "off")  # 人像抓拍 then only keeps snapshots to look at
    with app.app_context():
        assert compare(b"anything", b"anything") is None


def test_an_unknown_checker_is_refused_at_start_up_naming_the_valid_ones(app, monkeypatch):
    with pytest.raises(ConfigError, match="must be one of off, dlib, not 'facepp'"):
        create_app(TestingConfig, FACE_CHECKER="facepp")
    monkeypatch.setitem(app.config, "FACE_CHECKER", "facepp")  # and at first use, if it changed since
    with app.app_context(), pytest.raises(ConfigError, match="off, dlib"):
        compare(b"", b"")


def test_a_checker_whose_package_is_missing_is_refused_at_start_up(monkeypatch):
    monkeypatch.setitem(faces.PACKAGES, "dlib", {"dlib": "dlib-bin", "no_such_module_here": "no-such-package"})
    with pytest.raises(ConfigError, match="needs no-such-package"):
        faces.check_setting("dlib")


def test_importing_the_app_does_not_import_dlib():
    code = (
        "import sys; from app import create_app; from config import TestingConfig; "
        "create_app(TestingConfig, FACE_CHECKER='dlib'); "
        "print(sorted(m for m in ('dlib', '_dlib_pybind11', 'face_recognition_models') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_flask_faces_check(app, registered, tmp_path):
    (tmp_path / "registered.jpg").write_bytes(registered)
    (tmp_path / "snapshot.jpg").write_bytes(same_person_turned_and_lighter())
    (tmp_path / "hopper.jpg").write_bytes(webcam(HOPPER))
    runner = app.test_cli_runner()
    args = ["faces", "check", str(tmp_path / "registered.jpg")]
    result = runner.invoke(args=[*args, str(tmp_path / "snapshot.jpg"), "--checker", "dlib"])
    assert result.exit_code == 0, result.output
    assert "registered_faces=1 snapshot_faces=1" in result.output and result.output.strip().endswith("matched")
    result = runner.invoke(args=[*args, str(tmp_path / "hopper.jpg"), "--checker", "dlib"])
    assert result.output.strip().endswith("needs review")
    result = runner.invoke(args=[*args, str(tmp_path / "hopper.jpg")])  # the setting is off
    assert result.exit_code != 0 and "face checking is off" in result.output


def test_flask_faces_check_refuses_an_image_over_the_upload_pixel_limit_by_name(app, registered, tmp_path):
    """The face check reads pictures within the one pixel limit uploads have (12 MP): a 15 MP PNG is named and
    refused, as a photo or snapshot upload of it is, not read as "no face"."""
    (tmp_path / "registered.jpg").write_bytes(registered)
    (tmp_path / "wide.png").write_bytes(png(Image.new("RGB", (5000, 3000), (200, 180, 160))))
    result = app.test_cli_runner().invoke(
        args=["faces", "check", str(tmp_path / "registered.jpg"), str(tmp_path / "wide.png"), "--checker", "dlib"]
    )
    assert result.exit_code != 0
    assert "wide.png: 抓拍图片像素过多（5000 × 3000 像素，最多 12 百万像素）。" in result.output
