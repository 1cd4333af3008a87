"""人像抓拍 while studying, as the learner and the organiser see it: the consent step, the server's schedule pausing
and resuming crediting (fixed clock), upload bounds, who may see the snapshots, and the face checker's review flag."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import g
from PIL import Image

from app.archive.models import ArchiveEvent
from app.auth.models import Role
from app.core.clock import utcnow
from app.extensions import db
from app.people import faces, photos
from app.people import tasks as people_tasks
from app.people.models import Snapshot, SnapshotConsent
from app.people.snapshots import reviews, taking
from tests.conftest import csrf_token_from
from tests.pictures import pattern


def jpeg(width: int = 320, height: int = 240, colour=(120, 100, 90)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "JPEG")
    return out.getvalue()


class Learner:
    def __init__(self, client, world, clock, lesson):
        self.client, self.world, self.clock, self.lesson = client, world, clock, lesson
        self.base = f"/training/mine/{world.training_class.id}"
        self.token = None
        self.pictures = 0  # each snapshot another picture: the same one again is refused

    def page(self) -> str:
        return self.client.get(f"{self.base}/lessons/{self.lesson.id}").get_data(as_text=True)

    def consent(self, decision: str):
        return self.client.post(
            f"{self.base}/snapshots/consent", data={"decision": decision, "lesson_id": str(self.lesson.id)}
        )

    def start(self) -> dict:
        data = self.client.post(f"{self.base}/lessons/{self.lesson.id}/start", json={}).get_json()
        self.token = data["token"]
        return data

    def beat(self, seconds_later: float) -> dict:
        self.clock["now"] += timedelta(seconds=seconds_later)
        body = {"token": self.token, "lesson_id": self.lesson.id, "position": 0, "visible": True, "playing": True}
        body["active"] = True  # a text lesson: the learner scrolls (issue 23: presence; no prompt drawn here)
        return self.client.post("/training/heartbeat", json=body).get_json()

    def snap(self, data: bytes | None = None, seconds_later: float = 0):
        self.clock["now"] += timedelta(seconds=seconds_later)
        if data is None:
            self.pictures += 1
            data = pattern(self.pictures)
        return self.client.post(
            f"{self.base}/lessons/{self.lesson.id}/snapshot", data=data, headers={"Content-Type": "image/jpeg"}
        )


@pytest.fixture
def learner(training_world, login, on):
    return Learner(login(training_world.worker), training_world, on, training_world.course.lessons[0])


def test_the_consent_step_comes_first_and_is_recorded_in_the_file(learner, training_world):
    page = learner.page()
    assert "人像抓拍授权" in page and "同意抓拍并开始学习" in page and 'data-consent="none"' in page
    response = learner.consent("yes")
    assert response.status_code == 302 and response.location.endswith(f"/lessons/{learner.lesson.id}")
    page = learner.page()
    assert "同意抓拍并开始学习" not in page and 'data-consent="yes"' in page
    consent = db.session.scalar(sa.select(SnapshotConsent))
    assert consent.person_id == training_world.person.id and consent.granted and consent.at == learner.clock["now"]
    kinds = db.session.scalars(
        sa.select(ArchiveEvent.kind)
        .where(ArchiveEvent.person_id == training_world.person.id)
        .order_by(ArchiveEvent.seq)
    )
    assert "snapshot.consent" in list(kinds)


def test_a_missing_snapshot_pauses_crediting_and_one_arriving_resumes_it(learner):
    learner.consent("yes")
    started = learner.start()
    assert started["snapshot"] == {"consent": True, "due": True}
    assert learner.beat(0)["credited"] == 0
    # no start snapshot yet: the next 30 s are not credited, and the page is told one is due
    missing = learner.beat(30)
    assert (missing["credited"], missing["refusal"], missing["snapshot_due"]) == (0, "snapshot", True)
    assert learner.snap(seconds_later=2).get_json() == {"saved": True, "due": False}
    assert learner.snap().status_code == 409  # nothing due: one per moment, no more
    resumed = learner.beat(28)
    assert (resumed["credited"], resumed["refusal"], resumed["snapshot_due"]) == (30, None, False)
    assert learner.beat(30)["lesson_seconds"] == 60  # 90 s after the start
    # the random moment (120 s): within the grace crediting goes on while the page takes it …
    in_grace = learner.beat(30)
    assert (in_grace["credited"], in_grace["refusal"], in_grace["snapshot_due"]) == (30, None, True)
    assert learner.beat(30)["credited"] == 30  # 150 s
    # … after it (180 s), nothing is credited until the snapshot arrives
    late = learner.beat(40)
    assert (late["credited"], late["refusal"], late["snapshot_due"]) == (0, "snapshot", True)
    assert learner.snap(seconds_later=5).get_json()["saved"] is True
    again = learner.beat(25)
    assert (again["credited"], again["refusal"], again["lesson_seconds"]) == (30, None, 150)
    assert db.session.scalar(sa.select(sa.func.count(Snapshot.id))) == 2


def test_a_refusal_credits_nothing_and_says_why(learner, training_world):
    learner.consent("no")
    page = learner.page()
    assert "您已拒绝人像抓拍：本班次在线学习不计学时。" in page and 'data-consent="no"' in page
    learner.start()
    learner.beat(0)
    refused = learner.beat(30)
    assert (refused["credited"], refused["refusal"]) == (0, "snapshot_refused")
    assert learner.snap().get_json()["error"]["code"] == "snapshot.no_consent"
    kinds = list(
        db.session.scalars(
            sa.select(ArchiveEvent.kind)
            .where(ArchiveEvent.person_id == learner.world.person.id)
            .order_by(ArchiveEvent.seq)
        )
    )
    assert "snapshot.refused" in kinds
    # changing one's mind: consent, and the next page credits again
    learner.consent("yes")
    learner.start()
    learner.snap()
    learner.beat(0)
    assert learner.beat(30)["credited"] == 30


def test_uploads_are_bounded_and_must_be_images(learner, app, monkeypatch):
    learner.consent("yes")
    learner.start()
    not_image = learner.snap(b"<html>not a picture</html>")
    assert not_image.status_code == 400
    assert not_image.get_json()["error"]["message"] == "无法识别的抓拍图片，应为 JPG、PNG 或 WebP 格式。"
    assert learner.snap(b"").get_json()["error"]["code"] == "snapshot.empty"
    monkeypatch.setitem(app.config, "SNAPSHOT_MAX_BYTES", 1024 * 1024)
    big = learner.snap(b"\xff\xd8" + b"\0" * (1024 * 1024 + 1))
    assert big.status_code == 413 and big.get_json()["error"]["code"] == "snapshot.too_large"
    bomb = io.BytesIO()
    Image.new("1", (5000, 5000)).save(bomb, "PNG")  # 25 M pixels in a few kilobytes
    assert learner.snap(bomb.getvalue()).status_code == 413
    assert db.session.scalar(sa.select(sa.func.count(Snapshot.id))) == 0
    stored = learner.snap(jpeg(3000, 2000)).get_json()
    assert stored["saved"] is True
    snapshot = db.session.scalar(sa.select(Snapshot))
    with Image.open(io.BytesIO(learner_storage_read(snapshot.storage_key))) as image:
        assert image.format == "JPEG" and max(image.size) == taking.MAX_SIDE


def learner_storage_read(key: str) -> bytes:
    from app.core.storage import storage

    return storage().read(key)


def _with_snapshot(learner) -> Snapshot:
    learner.consent("yes")
    learner.start()
    learner.snap()
    return db.session.scalar(sa.select(Snapshot))


def test_the_organiser_and_the_regional_regulator_see_the_snapshots_beside_the_registered_photo(
    learner, training_world, client, login, factory
):
    w = training_world
    photos.set_photo(w.person, jpeg(300, 400), actor=w.organiser, max_bytes=1 << 20)
    factory.commit()
    snapshot = _with_snapshot(learner)
    class_page = login(w.organiser).get(f"/training/classes/{w.training_class.id}").get_data(as_text=True)
    assert "人像抓拍" in class_page and "1 张" in class_page
    url = f"/training/classes/{w.training_class.id}/members/{w.person.id}/snapshots"
    page = client.get(url).get_data(as_text=True)
    assert "王大锤 · 人像抓拍" in page and "登记照片" in page and "已同意" in page
    assert f"/training/classes/{w.training_class.id}/snapshots/{snapshot.id}" in page
    assert f"/training/classes/{w.training_class.id}/members/{w.person.id}/photo" in page
    assert snapshot.storage_key not in page  # the storage key never reaches a page
    image = client.get(f"/training/classes/{w.training_class.id}/snapshots/{snapshot.id}")
    assert image.status_code == 200 and image.mimetype == "image/jpeg" and "no-store" in image.headers["Cache-Control"]
    assert client.get(f"/training/classes/{w.training_class.id}/members/{w.person.id}/photo").status_code == 200
    regulator = factory.regulator("320100")
    factory.commit()
    login(regulator)
    assert client.get(url).status_code == 200
    assert client.get(f"/training/classes/{w.training_class.id}/snapshots/{snapshot.id}").status_code == 200


def test_after_the_person_withdraws_the_photo_the_organiser_no_longer_compares_with_it(
    learner, training_world, client, login, factory
):
    """个人信息保护法 第十五条: from the withdrawal on the registered photo is no longer compared with — by the face
    checker, and by eye beside the snapshots — though it stays stored until the purge."""
    w = training_world
    photos.set_photo(w.person, jpeg(300, 400), actor=w.organiser, max_bytes=1 << 20)
    factory.commit()
    _with_snapshot(learner)
    photos.withdraw_photo_consent(w.person, actor=w.worker, now=utcnow())
    factory.commit()
    login(w.organiser)
    photo = f"/training/classes/{w.training_class.id}/members/{w.person.id}/photo"
    page = client.get(f"/training/classes/{w.training_class.id}/members/{w.person.id}/snapshots")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "本人已撤回照片授权，不再用于比对" in text and photo not in text
    assert 'data-testid="snapshot"' in text  # the snapshots themselves are still the working record
    assert client.get(photo).status_code == 404


def test_others_never_see_a_snapshot(learner, training_world, app, login, factory):
    w = training_world
    snapshot = _with_snapshot(learner)
    page = f"/training/classes/{w.training_class.id}/members/{w.person.id}/snapshots"
    image = f"/training/classes/{w.training_class.id}/snapshots/{snapshot.id}"
    photo = f"/training/classes/{w.training_class.id}/members/{w.person.id}/photo"
    guest = app.test_client()
    for url in (page, image, photo):
        answered = guest.get(url)
        assert answered.status_code == 302 and answered.location.startswith("/login")
    other_regulator = factory.regulator("320500")
    other_worker = factory.worker(factory.employ(factory.enterprise(region="320102"), name="路人甲").person)
    institution = factory.user(Role.INSTITUTION, institution_id=factory.institution("320102").id)
    factory.commit()
    for user in (w.other_enterprise_admin, other_regulator, institution):
        client = login(user, c=app.test_client())
        assert {client.get(url).status_code for url in (page, image, photo)} <= {403, 404}, user.username
    for user in (other_worker, w.worker, w.workers[1]):  # workers, the person included, reach no staff page
        client = login(user, c=app.test_client())
        assert {client.get(url).status_code for url in (page, image, photo)} == {403}
    # a snapshot of this class is not reachable through another class's URL either
    admin_client = login(w.organiser, c=app.test_client())
    assert (
        admin_client.get(f"/training/classes/{w.training_class.id + 1000}/snapshots/{snapshot.id}").status_code == 404
    )
    # the storage directory has no URL: neither its key nor a path under the instance folder is served
    for url in (
        f"/{snapshot.storage_key}",
        f"/storage/{snapshot.storage_key}",
        f"/static/../storage/{snapshot.storage_key}",
        f"/instance/storage/{snapshot.storage_key}",
    ):
        assert admin_client.get(url).status_code == 404, url


def test_a_mismatch_flags_the_snapshot_for_review_and_holds_its_credit(
    learner, training_world, app, login, factory, monkeypatch
):
    w = training_world
    photos.set_photo(w.person, jpeg(300, 400), actor=w.organiser, max_bytes=1 << 20)
    factory.commit()
    monkeypatch.setitem(app.config, "FACE_CHECKER", "test")
    queued = []
    monkeypatch.setattr(
        "app.people.snapshots.taking.enqueue_after_commit", lambda task, *args: queued.append((task, args))
    )
    seen = []

    def mismatch(registered, snapshot):
        seen.append((registered[:2], snapshot[:2]))
        return faces.FaceMatch("test", registered_faces=1, snapshot_faces=1, distance=0.9, matched=False)

    monkeypatch.setattr(faces, "compare", mismatch)
    snapshot = _with_snapshot(learner)
    assert queued == [(people_tasks.check_snapshot, (snapshot.id,))]  # the check runs in a task, not the request
    # .run: in this test's app (another test may have made its own app, and Celery's current one, since)
    assert people_tasks.check_snapshot.run(snapshot.id) == {"snapshot": snapshot.id, "checked": True, "review": True}
    assert seen == [(b"\xff\xd8", b"\xff\xd8")]  # both JPEGs, read from storage
    db.session.expire_all()
    flagged = db.session.get(Snapshot, snapshot.id)
    assert flagged.needs_review and flagged.face_matched is False and flagged.face_distance == 0.9
    kinds = list(
        db.session.scalars(
            sa.select(ArchiveEvent.kind).where(ArchiveEvent.person_id == w.person.id).order_by(ArchiveEvent.seq)
        )
    )
    assert "snapshot.flagged" in kinds
    learner.beat(0)
    held = learner.beat(30)  # the page studies on; its credit is held until the 复核 (tests/training/test_held_credit)
    assert (held["credited"], held["held"]) == (30, "review")
    organiser = login(w.organiser, c=app.test_client())
    page = organiser.get(f"/training/classes/{w.training_class.id}/members/{w.person.id}/snapshots")
    assert "待复核：与登记照片不符" in page.get_data(as_text=True)
    assert "待复核 1" in organiser.get(f"/training/classes/{w.training_class.id}").get_data(as_text=True)


def test_a_snapshot_without_the_csrf_header_is_refused(training_world, csrf_client, on):
    w, client = training_world, csrf_client
    page = client.get("/login").data.decode()
    client.post("/login", data={"username": w.worker.username, "password": "pw", "csrf_token": csrf_token_from(page)})
    g.pop("csrf_token", None)  # as in test_views: the test's app context outlives the login
    lesson = w.course.lessons[0]
    form = client.get(f"/training/mine/{w.training_class.id}/lessons/{lesson.id}").data.decode()
    token = re.search(r'data-csrf="([^"]+)"', form).group(1)
    client.post(
        f"/training/mine/{w.training_class.id}/snapshots/consent", data={"decision": "yes", "csrf_token": token}
    )
    client.post(
        f"/training/mine/{w.training_class.id}/lessons/{lesson.id}/start", json={}, headers={"X-CSRFToken": token}
    )
    url = f"/training/mine/{w.training_class.id}/lessons/{lesson.id}/snapshot"
    assert client.post(url, data=jpeg(), headers={"Content-Type": "image/jpeg"}).status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(Snapshot.id))) == 0
    sent = client.post(url, data=jpeg(), headers={"Content-Type": "image/jpeg", "X-CSRFToken": token})
    assert sent.get_json() == {"saved": True, "due": False}


def test_the_learner_sees_their_own_snapshots_and_how_a_review_went_but_not_the_working_record(
    learner, training_world, app, login, factory
):
    w = training_world
    snapshot = _with_snapshot(learner)
    own_url = f"/me/snapshots/{snapshot.id}"
    page = learner.client.get(f"/training/mine/{w.training_class.id}").get_data(as_text=True)
    assert "我的人像抓拍" in page and own_url in page and learner.lesson.title in page
    assert snapshot.storage_key not in page and "待人工复核" not in page
    image = learner.client.get(own_url)
    assert image.status_code == 200 and image.mimetype == "image/jpeg" and "no-store" in image.headers["Cache-Control"]
    assert image.data == learner_storage_read(snapshot.storage_key)

    # the face checker flagged it: the learner is told a person will look at it, not the checker's distance
    db.session.execute(
        sa.update(Snapshot).where(Snapshot.id == snapshot.id).values(needs_review=True, face_distance=0.91)
    )
    factory.commit()
    page = learner.client.get(f"/training/mine/{w.training_class.id}").get_data(as_text=True)
    assert "待人工复核" in page and "0.91" not in page
    reviews.review(snapshot.id, "not_same_person", "与登记照片明显不同，疑似代学", actor=w.organiser)
    factory.commit()
    page = learner.client.get(f"/training/mine/{w.training_class.id}").get_data(as_text=True)
    assert "复核：非本人" in page and "待人工复核" not in page
    assert "疑似代学" not in page and w.organiser.label not in page  # the note and the reviewer are the organiser's

    # nobody else gets it through this URL: a classmate is told it does not exist, staff have their own pages
    assert login(w.workers[1], c=app.test_client()).get(own_url).status_code == 404
    assert login(w.organiser, c=app.test_client()).get(own_url).status_code == 403
    answered = app.test_client().get(own_url)
    assert answered.status_code == 302 and answered.location.startswith("/login")


def test_the_learner_withdraws_consent_from_the_class_page_and_crediting_stops(learner, training_world):
    w = training_world
    class_page = f"/training/mine/{w.training_class.id}"
    learner.consent("yes")
    learner.start()
    learner.snap()
    learner.beat(0)
    assert learner.beat(30)["credited"] == 30
    assert "撤回人像抓拍授权" in learner.client.get(class_page).get_data(as_text=True)
    answered = learner.client.post(f"{class_page}/snapshots/consent", data={"decision": "no"})
    assert answered.status_code == 302 and answered.location.endswith(class_page)
    page = learner.client.get(class_page).get_data(as_text=True)
    assert "您拒绝了人像抓拍" in page and "撤回人像抓拍授权" not in page
    withdrawn = learner.beat(30)  # the page still open: its next beat earns nothing, and says why
    assert (withdrawn["credited"], withdrawn["refusal"]) == (0, "snapshot_refused")
    assert learner.snap().get_json()["error"]["code"] == "snapshot.no_consent"
    kinds = db.session.scalars(
        sa.select(ArchiveEvent.kind)
        .where(ArchiveEvent.person_id == w.person.id, ArchiveEvent.kind.like("snapshot.%"))
        .order_by(ArchiveEvent.id)
    )
    assert list(kinds) == ["snapshot.consent", "snapshot.refused"]
    # the same answer again changes nothing and writes nothing
    learner.client.post(f"{class_page}/snapshots/consent", data={"decision": "no"})
    assert (
        db.session.scalar(sa.select(sa.func.count(ArchiveEvent.id)).where(ArchiveEvent.kind == "snapshot.refused")) == 1
    )


def test_the_consent_step_names_the_registered_photo_only_while_it_is_compared(
    learner, training_world, app, factory, monkeypatch
):
    """A snapshot is compared with the registered photo only when there is one the person has not withdrawn
    (个人信息保护法 第十五条): the consent text promises no comparison that does not happen."""
    w = training_world
    monkeypatch.setitem(app.config, "FACE_CHECKER", "test")
    compared, checked = "与您的登记照片对照", "自动与您的登记照片比对"
    page = learner.page()
    assert "人像抓拍授权" in page and "确认是本人在学习" in page  # no photo yet: nothing to compare with
    assert compared not in page and checked not in page and "抓拍或登记照片几乎相同" not in page
    photos.set_photo(w.person, jpeg(300, 400), actor=w.organiser, max_bytes=1 << 20)
    factory.commit()
    page = learner.page()
    assert compared in page and checked in page and "抓拍或登记照片几乎相同" in page
    photos.withdraw_photo_consent(w.person, actor=w.worker, now=utcnow())
    factory.commit()
    page = learner.page()
    assert "人像抓拍授权" in page and "确认是本人在学习" in page
    assert compared not in page and checked not in page and "抓拍或登记照片几乎相同" not in page
