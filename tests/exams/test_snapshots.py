"""人像抓拍 in an online exam: the consent step on the exam page, the start snapshot, a refusal that lets the exam go
on and shows on the organiser's board, and who may see the snapshots."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from PIL import Image

from app.archive.models import ArchiveEvent
from app.core.clock import utcnow
from app.extensions import db
from app.people import photos
from app.people.models import Snapshot
from tests.exams.conftest import right_answer
from tests.exams.test_views import post_answer, started
from tests.pictures import ASTRONAUT, pattern, webcam


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (100, 110, 120)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def on(app, monkeypatch):
    monkeypatch.setitem(app.config, "SNAPSHOTS_EXAMS", True)
    monkeypatch.setitem(app.config, "SNAPSHOTS_PER_EXAM", 3)


def test_without_the_setting_the_exam_page_has_no_camera(exam_world, login):
    client = login(exam_world.worker)
    attempt = started(client, exam_world)
    page = client.get(f"/exams/attempts/{attempt.id}").get_data(as_text=True)
    assert "人像抓拍" not in page and "snapshot.js" not in page


def test_a_candidate_consents_and_the_start_snapshot_is_taken_and_shown_to_the_organiser(
    exam_world, login, app, factory, on
):
    w = exam_world
    photos.set_photo(w.person, jpeg(), actor=w.organiser, max_bytes=1 << 20)
    factory.commit()
    client = login(w.worker)
    attempt = started(client, w)
    page = client.get(f"/exams/attempts/{attempt.id}").get_data(as_text=True)
    assert "人像抓拍授权" in page and "同意抓拍" in page and 'data-consent="none"' in page
    assert client.get(f"/exams/attempts/{attempt.id}/snapshot").get_json() == {"due": False}  # no consent: none due
    refused = client.post(
        f"/exams/attempts/{attempt.id}/snapshot", data=pattern(1), headers={"Content-Type": "image/jpeg"}
    )
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "snapshot.no_consent"

    client.post(f"/exams/attempts/{attempt.id}/snapshots/consent", data={"decision": "yes"})
    page = client.get(f"/exams/attempts/{attempt.id}").get_data(as_text=True)
    assert 'data-consent="yes"' in page and 'data-due="yes"' in page and "人像抓拍已开启" in page
    assert client.get(f"/exams/attempts/{attempt.id}/snapshot").get_json() == {"due": True}
    taken = client.post(
        f"/exams/attempts/{attempt.id}/snapshot", data=pattern(1), headers={"Content-Type": "image/jpeg"}
    )
    assert taken.get_json() == {"saved": True, "due": False}
    assert client.get(f"/exams/attempts/{attempt.id}/snapshot").get_json() == {"due": False}
    snapshot = db.session.scalar(sa.select(Snapshot))

    organiser = login(w.organiser, c=app.test_client())
    detail = organiser.get(f"/exams/attempts/{attempt.id}/detail").get_data(as_text=True)
    assert "应抓拍 1 次，已抓拍 1 次" in detail and "已同意" in detail and "登记照片" in detail
    assert f"/exams/attempts/{attempt.id}/snapshots/{snapshot.id}" in detail
    image = organiser.get(f"/exams/attempts/{attempt.id}/snapshots/{snapshot.id}")
    assert image.status_code == 200 and image.mimetype == "image/jpeg"
    assert organiser.get(f"/exams/attempts/{attempt.id}/photo").status_code == 200

    regulator = factory.regulator("320100")
    other_regulator = factory.regulator("320500")
    factory.commit()
    assert (
        login(regulator, c=app.test_client()).get(f"/exams/attempts/{attempt.id}/snapshots/{snapshot.id}").status_code
        == 200
    )
    for user in (w.other_organiser, other_regulator):
        other = login(user, c=app.test_client())
        assert other.get(f"/exams/attempts/{attempt.id}/snapshots/{snapshot.id}").status_code == 404
        assert other.get(f"/exams/attempts/{attempt.id}/photo").status_code == 404
    for user in (w.worker, w.workers[1]):
        worker = login(user, c=app.test_client())
        assert worker.get(f"/exams/attempts/{attempt.id}/snapshots/{snapshot.id}").status_code == 403
    guest = app.test_client().get(f"/exams/attempts/{attempt.id}/snapshots/{snapshot.id}")
    assert guest.status_code == 302 and guest.location.startswith("/login")


def test_a_refusal_lets_the_exam_go_on_and_the_organiser_sees_it(exam_world, login, app, on):
    w = exam_world
    client = login(w.worker)
    attempt = started(client, w)
    client.get(f"/exams/attempts/{attempt.id}")
    client.post(f"/exams/attempts/{attempt.id}/snapshots/consent", data={"decision": "no"})
    page = client.get(f"/exams/attempts/{attempt.id}").get_data(as_text=True)
    assert "您已拒绝人像抓拍：考试可以继续，组织单位会看到您拒绝了抓拍。" in page
    assert post_answer(client, attempt, 0, right_answer(attempt, 0), 1).status_code == 200  # the exam itself goes on
    kinds = list(
        db.session.scalars(
            sa.select(ArchiveEvent.kind).where(ArchiveEvent.person_id == w.person.id).order_by(ArchiveEvent.seq)
        )
    )
    assert "snapshot.refused" in kinds

    organiser = login(w.organiser, c=app.test_client())
    board = organiser.get(f"/exams/sittings/{w.sitting.id}").get_data(as_text=True)
    assert "拒绝抓拍" in board
    detail = organiser.get(f"/exams/attempts/{attempt.id}/detail").get_data(as_text=True)
    assert "已拒绝抓拍" in detail and "应抓拍 1 次，已抓拍 0 次" in detail and "还没有抓拍" in detail


def test_the_candidate_sees_their_own_exam_snapshots_on_the_result_page(exam_world, login, app, on):
    w = exam_world
    client = login(w.worker)
    attempt = started(client, w)
    client.post(f"/exams/attempts/{attempt.id}/snapshots/consent", data={"decision": "yes"})
    client.get(f"/exams/attempts/{attempt.id}")  # the exam page draws the schedule: the start snapshot is due
    taken = client.post(
        f"/exams/attempts/{attempt.id}/snapshot", data=pattern(1), headers={"Content-Type": "image/jpeg"}
    )
    assert taken.get_json()["saved"] is True
    snapshot = db.session.scalar(sa.select(Snapshot))
    client.post(f"/exams/attempts/{attempt.id}/submit")
    result = client.get(f"/exams/attempts/{attempt.id}/result").get_data(as_text=True)
    assert "我的人像抓拍" in result and f"/me/snapshots/{snapshot.id}" in result
    assert client.get(f"/me/snapshots/{snapshot.id}").mimetype == "image/jpeg"
    organiser = login(w.organiser, c=app.test_client())
    seen_by_organiser = organiser.get(f"/exams/attempts/{attempt.id}/result")
    assert seen_by_organiser.status_code == 200
    # staff see them on the attempt's page, beside the registered photo, not as the candidate's own
    assert "我的人像抓拍" not in seen_by_organiser.get_data(as_text=True)


def test_an_exam_snapshot_without_a_face_is_refused_and_stays_due(exam_world, login, app, on, monkeypatch):
    monkeypatch.setitem(app.config, "FACE_DETECTOR", "dlib")
    client = login(exam_world.worker)
    attempt = started(client, exam_world)
    client.post(f"/exams/attempts/{attempt.id}/snapshots/consent", data={"decision": "yes"})
    client.get(f"/exams/attempts/{attempt.id}")  # draws the schedule: the start snapshot is due
    url = f"/exams/attempts/{attempt.id}/snapshot"
    refused = client.post(url, data=pattern(3), headers={"Content-Type": "image/jpeg"})
    assert refused.status_code == 422
    assert refused.get_json()["error"]["message"] == "没有拍到人脸：请正对摄像头、保持光线充足，然后重拍。"
    assert client.get(url).get_json() == {"due": True} and db.session.scalar(sa.select(sa.func.count(Snapshot.id))) == 0
    taken = client.post(url, data=webcam(ASTRONAUT), headers={"Content-Type": "image/jpeg"})
    assert taken.get_json() == {"saved": True, "due": False}


def test_the_exam_consent_step_names_the_registered_photo_only_while_it_is_compared(
    exam_world, login, app, factory, on, monkeypatch
):
    w = exam_world
    monkeypatch.setitem(app.config, "FACE_CHECKER", "test")
    photos.set_photo(w.person, jpeg(), actor=w.organiser, max_bytes=1 << 20)
    factory.commit()
    client = login(w.worker)
    attempt = started(client, w)
    page = client.get(f"/exams/attempts/{attempt.id}").get_data(as_text=True)
    assert "与登记照片对照" in page and "自动与您的登记照片比对" in page
    photos.withdraw_photo_consent(w.person, actor=w.worker, now=utcnow())
    factory.commit()
    page = client.get(f"/exams/attempts/{attempt.id}").get_data(as_text=True)
    assert "人像抓拍授权" in page and "确认是本人参加考试" in page
    assert "与登记照片对照" not in page and "自动与您的登记照片比对" not in page and "抓拍或登记照片" not in page
    organiser = login(w.organiser, c=app.test_client())
    detail = organiser.get(f"/exams/attempts/{attempt.id}/detail").get_data(as_text=True)
    assert "本人已撤回照片授权，不再用于比对" in detail and f"/exams/attempts/{attempt.id}/photo" not in detail
    assert organiser.get(f"/exams/attempts/{attempt.id}/photo").status_code == 404
