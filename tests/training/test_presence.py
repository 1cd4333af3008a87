"""人像抓拍 that proves presence, as the learner and the organiser see it (fixed clock): a snapshot must show exactly
one face (the real dlib detector on packaged face photos) and must not be a picture sent before — an earlier snapshot
or the registered photo, also re-encoded, cropped or lit differently; a refused snapshot is not stored, the moment
stays due and the learner retakes it."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa
from PIL import Image, ImageEnhance
from skimage import data

from app.extensions import db
from app.people import photos
from app.people.models import Snapshot
from app.people.snapshots import schedule
from tests.pictures import ASTRONAUT, HOPPER, frame, jpeg, pattern, png, two_faces, webcam
from tests.training.test_snapshots import Learner


@pytest.fixture
def detector(app, monkeypatch):
    monkeypatch.setitem(app.config, "FACE_DETECTOR", "dlib")


@pytest.fixture
def learner(training_world, login, on, detector, factory):
    """The worker, with the astronaut's photo registered, on the first lesson's page (consented, started)."""
    photos.set_photo(training_world.person, png(ASTRONAUT), actor=training_world.organiser, max_bytes=8 << 20)
    factory.commit()
    learner = Learner(login(training_world.worker), training_world, on, training_world.course.lessons[0])
    learner.consent("yes")
    learner.start()
    return learner


def stored_count() -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count(Snapshot.id)))


def refusal(response) -> tuple[int, str, str]:
    error = response.get_json()["error"]
    return response.status_code, error["code"], error["message"]


def test_a_snapshot_without_a_face_or_with_two_is_refused_and_the_learner_retakes_it(learner, training_world):
    no_face = learner.snap(pattern(7))
    assert refusal(no_face) == (422, "snapshot.no_face", "没有拍到人脸：请正对摄像头、保持光线充足，然后重拍。")
    assert refusal(learner.snap(jpeg(Image.fromarray(data.coffee()))))[1] == "snapshot.no_face"
    crowd = learner.snap(two_faces())
    assert refusal(crowd) == (422, "snapshot.several_faces", "画面中有 2 张人脸：抓拍时镜头前只能有您本人，请重拍。")
    assert stored_count() == 0
    learner.beat(0)
    paused = learner.beat(30)  # none of them counts as taken: crediting waits, and the page still has one due
    assert (paused["credited"], paused["refusal"], paused["snapshot_due"]) == (0, "snapshot", True)
    retaken = learner.snap(webcam(ASTRONAUT))
    assert retaken.get_json() == {"saved": True, "due": False}
    assert learner.beat(30)["credited"] == 30
    snapshot = db.session.scalar(sa.select(Snapshot))
    assert snapshot.face_detector == "dlib" and len(snapshot.phash) == 48
    page = learner.client.application.test_client()
    organiser = training_world.organiser
    page.post("/login", data={"username": organiser.username, "password": "pw"})
    html = page.get(
        f"/training/classes/{training_world.training_class.id}/members/{training_world.person.id}/snapshots"
    ).get_data(as_text=True)
    assert "检测到一张人脸" in html


def _crop(image: Image.Image, share: float) -> Image.Image:
    w, h = image.size
    dx, dy = round(w * share), round(h * share)
    return image.crop((dx, dy, w - dx, h - dy)).resize((w, h))


def test_the_same_picture_again_is_refused_also_re_encoded_cropped_or_lit_differently(
    training_world, login, on, detector, factory, monkeypatch, app
):
    monkeypatch.setitem(app.config, "SNAPSHOTS_PER_LESSON", 3)
    monkeypatch.setattr(schedule, "draw_offsets", lambda span, count: [120, 240])
    photos.set_photo(training_world.person, png(ASTRONAUT), actor=training_world.organiser, max_bytes=8 << 20)
    factory.commit()
    learner = Learner(login(training_world.worker), training_world, on, training_world.course.lessons[0])
    learner.consent("yes")
    learner.start()
    first = frame(ASTRONAUT)
    assert learner.snap(jpeg(first)).get_json()["saved"] is True
    learner.clock["now"] += timedelta(seconds=121)  # the first random moment (120 s) has passed
    registered = Image.open(io.BytesIO(learner.client.get(f"/people/{training_world.person.id}/photo").data))
    same_again = {
        "re-encoded at quality 60": jpeg(first, quality=60),
        "3 % cropped": jpeg(_crop(first, 0.03)),
        "15 % brighter": jpeg(ImageEnhance.Brightness(first).enhance(1.15)),
        "20 % darker, 2 % cropped": jpeg(_crop(ImageEnhance.Brightness(first).enhance(0.8), 0.02)),
    }
    for name, picture in same_again.items():
        assert refusal(learner.snap(picture)) == (
            422,
            "snapshot.same_picture",
            "这张照片与您之前的一张抓拍几乎相同，不能算作新的抓拍：请稍微调整姿势或位置后重拍。",
        ), name
    for name, picture in {
        "the photo": jpeg(registered),
        "the photo, 3 % cropped": jpeg(_crop(registered, 0.03)),
    }.items():
        assert refusal(learner.snap(picture)) == (
            422,
            "snapshot.same_as_photo",
            "这张照片与您的登记照片几乎相同：抓拍必须是摄像头此刻拍下的画面，请重拍。",
        ), name
    assert stored_count() == 1
    # another real picture is accepted: the same face elsewhere in the frame (as a person moves) …
    assert learner.snap(webcam(ASTRONAUT, height=300, at=(20, 150))).get_json()["saved"] is True
    # … and, at the next moment (240 s), a different person's face: detection says nothing about who it is
    assert learner.snap(webcam(HOPPER), seconds_later=120).get_json()["saved"] is True
    assert stored_count() == 3


def test_the_hash_distances_the_rule_rests_on(app):
    """The figures in docs/snapshots.md: how many hash bits (of 64) a copy of a picture keeps apart from it, and how
    many another picture does; the rule refuses up to ``SNAPSHOT_SAME_PICTURE_BITS`` (6)."""
    base = frame(ASTRONAUT)
    photo = Image.open(io.BytesIO(photos.normalise_photo(png(ASTRONAUT), max_bytes=8 << 20)))

    def distance(original: Image.Image, copy: Image.Image) -> int:
        stored = photos.picture_hash(original)
        return photos.hash_distance(stored, photos.picture_hash(Image.open(io.BytesIO(jpeg(copy)))))

    assert distance(base, Image.open(io.BytesIO(jpeg(base, quality=60)))) <= 1
    assert distance(base, ImageEnhance.Brightness(base).enhance(1.15)) <= 2
    for share in (0.03, 0.05, 0.08):
        assert distance(base, _crop(base, share)) <= 4, share
        assert distance(photo, _crop(photo, share)) <= 4, share
    assert distance(base, frame(ASTRONAUT, height=300, at=(20, 150))) >= 24  # the same face, moved: another picture
    assert distance(base, frame(HOPPER)) >= 24
    assert distance(photo, base) >= 16  # the registered photo and a webcam frame of the same face


def test_the_consent_step_says_what_is_checked(training_world, login, on, app, monkeypatch, factory):
    # a registered photo to compare with (without one, or once withdrawn, no comparison is promised:
    # tests/training/test_snapshots.py)
    photos.set_photo(training_world.person, png(ASTRONAUT), actor=training_world.organiser, max_bytes=8 << 20)
    factory.commit()
    client = login(training_world.worker)
    page_url = f"/training/mine/{training_world.training_class.id}/lessons/{training_world.course.lessons[0].id}"
    detection = "每张照片由本平台自动检测画面中是否恰好有一张人脸（只检测有无人脸，不识别身份，不保存人脸特征）"
    comparison = "照片还由本平台自动与您的登记照片比对（人脸识别）"
    same = "与您之前的抓拍或登记照片几乎相同的照片不算抓拍，需要重拍。"
    monkeypatch.setitem(app.config, "FACE_DETECTOR", "dlib")
    page = client.get(page_url).get_data(as_text=True)
    assert detection in page and same in page and "页面在后台时不抓拍。" in page and comparison not in page
    monkeypatch.setitem(app.config, "FACE_CHECKER", "dlib")
    page = client.get(page_url).get_data(as_text=True)
    assert comparison in page and "复核前该时段的学时暂不计入，确认本人后计入，判定非本人则不计" in page
    monkeypatch.setitem(app.config, "FACE_DETECTOR", "off")
    monkeypatch.setitem(app.config, "FACE_CHECKER", "off")
    page = client.get(page_url).get_data(as_text=True)
    assert detection not in page and comparison not in page and same in page
