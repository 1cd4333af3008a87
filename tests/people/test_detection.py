"""Face detection (``ANPEI_FACE_DETECTOR``, app/people/faces.py): how many faces a picture shows, on real photos that
packages ship — detection only, no identity — and the registered photo that must show one face when uploaded."""

from __future__ import annotations

import io
import os
import threading

import pytest
import sqlalchemy as sa
from PIL import Image
from skimage import data

from app import create_app
from app.extensions import db
from app.people import faces
from app.people.models import Person
from config import Config, ConfigError, TestingConfig
from tests.people.test_photos import upload
from tests.pictures import ASTRONAUT, HOPPER, frame, pattern, png, two_faces


@pytest.fixture
def detector(app, monkeypatch):
    monkeypatch.setitem(app.config, "FACE_DETECTOR", "dlib")
    with app.app_context():
        yield


def test_detection_is_on_by_default_and_off_in_the_test_configuration():
    assert os.environ.get("ANPEI_FACE_DETECTOR", "dlib") == Config.FACE_DETECTOR
    assert TestingConfig.FACE_DETECTOR == "off"  # tests about detection turn it on


@pytest.mark.parametrize(
    ("picture", "found"),
    [
        (lambda: frame(ASTRONAUT), 1),
        (lambda: frame(HOPPER, height=220, at=(400, 250)), 1),  # a small face (~90 px) in a corner
        (lambda: Image.open(io.BytesIO(two_faces())), 2),
        (lambda: Image.fromarray(data.coffee()), 0),
        (lambda: Image.fromarray(data.chelsea()), 0),  # a cat
        (lambda: Image.open(io.BytesIO(pattern(3))), 0),
    ],
    ids=["the astronaut", "Grace Hopper, small", "both", "coffee", "a cat", "grey blocks"],
)
def test_the_detector_counts_the_faces_in_real_pictures(detector, picture, found):
    assert faces.count_faces(picture()) == found


def test_off_counts_nothing(app, monkeypatch):
    monkeypatch.setitem(app.config, "FACE_DETECTOR", "off")
    with app.app_context():
        assert faces.count_faces(frame(ASTRONAUT)) is None


def test_an_unknown_detector_is_refused_at_start_up():
    with pytest.raises(ConfigError, match="ANPEI_FACE_DETECTOR must be one of off, dlib, not 'opencv'"):
        create_app(TestingConfig, FACE_DETECTOR="opencv")


def test_each_thread_detects_with_its_own_detector_and_the_same_answers(detector):
    pictures = [frame(ASTRONAUT), Image.open(io.BytesIO(two_faces())), Image.fromarray(data.coffee()), frame(HOPPER)]
    results: list = [None] * len(pictures)

    def run(i: int) -> None:
        results[i] = faces.get_detector("dlib").count(pictures[i])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(pictures))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [1, 2, 0, 1]


def test_a_registered_photo_must_show_one_face(client, login, world, app, monkeypatch):
    monkeypatch.setitem(app.config, "FACE_DETECTOR", "dlib")
    login(world.admin_a)
    page = upload(client, world.person_a, pattern(5)).get_data(as_text=True)
    assert "照片中没有检测到人脸：请上传本人正面免冠证件照，人脸位于画面中部。" in page
    group = Image.new("RGB", (500, 700), (200, 200, 205))  # two people in a portrait-shaped photo
    group.paste(ASTRONAUT.resize((300, 300)), (0, 40))
    group.paste(HOPPER.resize((280, 330)), (220, 350))
    page = upload(client, world.person_a, png(group), name="group.png").get_data(as_text=True)
    assert "照片中检测到 2 张人脸：登记照片只能有本人一人，请重新上传。" in page
    db.session.expire_all()
    assert db.session.get(Person, world.person_a.id).photo_key is None  # neither was stored
    page = upload(client, world.person_a, png(ASTRONAUT), name="photo.png").get_data(as_text=True)
    assert "已更新 王大锤 的登记照片" in page
    stored = db.session.execute(sa.select(Person.photo_key, Person.photo_phash).where(Person.id == world.person_a.id))
    key, phash = stored.one()
    assert key and len(phash) == 48
