"""复核 of a flagged 人像抓拍 in a class: the organiser closes the flag (本人 / 非本人 with a note), once; the 待复核
count drops and the 一人一档 keeps the verdict; nobody outside the class's organisers and regulators may review."""

from __future__ import annotations

import io
import json
from datetime import datetime

import pytest
import sqlalchemy as sa
from flask import g
from PIL import Image

from app.archive.models import ArchiveEvent
from app.auth.models import Role
from app.core.errors import DomainError
from app.extensions import db
from app.people import faces
from app.people.models import ReviewVerdict, Snapshot, SnapshotContext
from app.people.snapshots import face_checks, reviews, schedule, taking
from tests.conftest import csrf_token_from


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (120, 100, 90)).save(out, "JPEG")
    return out.getvalue()


def flagged_snapshot(person_id: int, context: SnapshotContext, ref_id: int) -> Snapshot:
    """A snapshot the face checker found no match in (``record_match``, as the ``people.check_snapshot`` task)."""
    plan = schedule.open_plan(person_id, context, ref_id, span_seconds=600)
    snapshot = taking.take(plan, jpeg(), max_bytes=1 << 20)
    face_checks.record_match(
        snapshot, faces.FaceMatch("test", registered_faces=1, snapshot_faces=1, distance=0.9, matched=False)
    )
    db.session.commit()
    return snapshot


@pytest.fixture
def flagged(training_world) -> Snapshot:
    return flagged_snapshot(training_world.person.id, SnapshotContext.LESSON, training_world.training_class.id)


def urls(w, snapshot) -> tuple[str, str, str]:
    """(the trainee's snapshots page, the review URL, the class page)."""
    cid = w.training_class.id
    return (
        f"/training/classes/{cid}/members/{w.person.id}/snapshots",
        f"/training/classes/{cid}/snapshots/{snapshot.id}/review",
        f"/training/classes/{cid}",
    )


def reviewed_events(person_id: int) -> list[ArchiveEvent]:
    return list(
        db.session.scalars(
            sa.select(ArchiveEvent).where(ArchiveEvent.person_id == person_id, ArchiveEvent.kind == "snapshot.reviewed")
        )
    )


def stored(snapshot_id: int) -> Snapshot:
    db.session.expire_all()
    return db.session.get(Snapshot, snapshot_id)


def test_the_organiser_reviews_a_flagged_snapshot(training_world, flagged, login, monkeypatch):
    w = training_world
    monkeypatch.setattr("app.people.snapshot_views.utcnow", lambda: datetime(2026, 11, 29, 16, 58, 30))
    page, review, class_page = urls(w, flagged)
    client = login(w.organiser)
    assert "待复核 1" in client.get(class_page).get_data(as_text=True)
    before = client.get(page).get_data(as_text=True)
    assert "待复核：与登记照片不符" in before and 'data-testid="snapshot-review-form"' in before
    assert f'action="{review}"' in before and "确认本人" in before and "非本人" in before

    answer = client.post(review, data={"verdict": "same_person", "note": "  光线较暗，核对为本人  "})
    assert answer.status_code == 302 and answer.location.endswith(page)
    after = client.get(page).get_data(as_text=True)
    assert "复核已保存：本人。" in after
    assert "复核：本人" in after and "光线较暗，核对为本人" in after
    assert "待复核：与登记照片不符" not in after and 'data-testid="snapshot-review-form"' not in after
    reviewed = stored(flagged.id)
    assert reviewed.needs_review is False and reviewed.review_verdict is ReviewVerdict.SAME_PERSON
    assert reviewed.reviewed_by_id == w.organiser.id and reviewed.review_note == "光线较暗，核对为本人"
    assert reviewed.reviewed_at == datetime(2026, 11, 29, 16, 58, 30)
    # who reviewed, and when, as the organiser reads it (Asia/Shanghai)
    assert f'data-testid="snapshot-reviewer">{w.organiser.label} · 2026-11-30 00:58</small>' in after
    assert "待复核 1" not in client.get(class_page).get_data(as_text=True)  # the class page's count drops
    (event,) = reviewed_events(w.person.id)
    assert event.actor_id == w.organiser.id and event.at == reviewed.reviewed_at
    assert json.loads(event.payload) == {
        "context": "lesson",
        "ref": w.training_class.id,
        "snapshot": flagged.id,
        "verdict": "same_person",
        "note": "光线较暗，核对为本人",
    }


def test_a_second_review_is_refused_and_changes_nothing(training_world, flagged, login):
    w = training_world
    _page, review, _class_page = urls(w, flagged)
    client = login(w.organiser)
    client.post(review, data={"verdict": "not_same_person", "note": "不是本人，另有他人代学"})
    again = client.post(review, data={"verdict": "same_person", "note": ""}, follow_redirects=True)
    assert "这张抓拍已经复核过或无需复核，本次复核未保存。" in again.get_data(as_text=True)
    assert "复核：非本人" in again.get_data(as_text=True)
    assert stored(flagged.id).review_verdict is ReviewVerdict.NOT_SAME_PERSON
    assert len(reviewed_events(w.person.id)) == 1


def test_a_racing_review_loses_in_the_service(training_world, flagged):
    """Two reviewers who both saw the form: the conditional UPDATE lets one win, the other gets the refusal."""
    w = training_world
    first = reviews.review(flagged.id, "same_person", "", actor=w.organiser)
    assert first.reviewed_at is not None and first.needs_review is False
    with pytest.raises(DomainError) as lost:
        reviews.review(flagged.id, ReviewVerdict.NOT_SAME_PERSON, "代学", actor=w.organiser)
    assert lost.value.code == "snapshot.review_closed"
    db.session.commit()
    assert stored(flagged.id).review_verdict is ReviewVerdict.SAME_PERSON and len(reviewed_events(w.person.id)) == 1
    # a snapshot the checker never flagged has nothing to review either
    plan = schedule.open_plan(w.persons[1].id, SnapshotContext.LESSON, w.training_class.id, span_seconds=600)
    clean = taking.take(plan, jpeg(), max_bytes=1 << 20)
    with pytest.raises(DomainError) as unflagged:
        reviews.review(clean.id, "same_person", "", actor=w.organiser)
    assert unflagged.value.code == "snapshot.review_closed"


def test_not_same_person_needs_a_note_and_nothing_is_stored_without_one(training_world, flagged, login):
    w = training_world
    _page, review, class_page = urls(w, flagged)
    client = login(w.organiser)
    refused = client.post(review, data={"verdict": "not_same_person", "note": "   "}, follow_redirects=True)
    assert "复核说明：判定为非本人时必须填写依据。" in refused.get_data(as_text=True)
    kept = stored(flagged.id)
    assert kept.needs_review is True and kept.reviewed_at is None and kept.review_verdict is None
    assert reviewed_events(w.person.id) == [] and "待复核 1" in client.get(class_page).get_data(as_text=True)
    with pytest.raises(DomainError) as no_note:
        reviews.review(flagged.id, "not_same_person", "", actor=w.organiser)
    assert no_note.value.code == "snapshot.review_note_required" and no_note.value.params == {"field": "note"}
    # no verdict, or one that does not exist: refused the same way
    for data in ({"note": "x"}, {"verdict": "maybe", "note": "x"}):
        body = client.post(review, data=data, follow_redirects=True).get_data(as_text=True)
        assert "请选择复核结论：本人或非本人。" in body
    too_long = client.post(review, data={"verdict": "not_same_person", "note": "长" * 201}, follow_redirects=True)
    assert "复核说明不能超过 200 个字。" in too_long.get_data(as_text=True)
    assert stored(flagged.id).reviewed_at is None
    done = client.post(review, data={"verdict": "not_same_person", "note": "非本人，系同事代学"}, follow_redirects=True)
    assert "复核：非本人" in done.get_data(as_text=True) and "非本人，系同事代学" in done.get_data(as_text=True)


def test_the_regional_regulator_may_review(training_world, flagged, login, factory):
    w = training_world
    regulator = factory.regulator("320100")
    factory.commit()
    page, review, _class_page = urls(w, flagged)
    client = login(regulator)
    assert 'data-testid="snapshot-review-form"' in client.get(page).get_data(as_text=True)
    client.post(review, data={"verdict": "same_person", "note": ""})
    assert stored(flagged.id).reviewed_by_id == regulator.id


def test_outsiders_cannot_review(training_world, flagged, login, factory, app):
    w = training_world
    page, review, _class_page = urls(w, flagged)
    other_regulator = factory.regulator("320500")
    institution = factory.user(Role.INSTITUTION, institution_id=factory.institution("320102").id)
    factory.commit()
    data = {"verdict": "not_same_person", "note": "越权复核"}
    for user in (w.other_enterprise_admin, other_regulator, institution, w.worker, w.workers[1]):
        client = login(user, c=app.test_client())
        assert client.post(review, data=data).status_code in (403, 404), user.username
        assert 'data-testid="snapshot-review-form"' not in client.get(page).get_data(as_text=True)
    guest = app.test_client().post(review, data=data)
    assert guest.status_code == 302 and guest.location.startswith("/login")
    # the organiser cannot reach it through another class's URL either
    organiser = login(w.organiser, c=app.test_client())
    elsewhere = f"/training/classes/{w.training_class.id + 1000}/snapshots/{flagged.id}/review"
    assert organiser.post(elsewhere, data=data).status_code == 404
    unchanged = stored(flagged.id)
    assert unchanged.needs_review is True and unchanged.reviewed_at is None and reviewed_events(w.person.id) == []


def test_a_review_without_the_csrf_token_is_refused(training_world, flagged, csrf_client):
    w, client = training_world, csrf_client
    page = client.get("/login").data.decode()
    client.post(
        "/login", data={"username": w.organiser.username, "password": "pw", "csrf_token": csrf_token_from(page)}
    )
    g.pop("csrf_token", None)  # as in test_snapshots: the test's app context outlives the login
    _page, review, _class_page = urls(w, flagged)
    assert client.post(review, data={"verdict": "same_person", "note": ""}).status_code == 400
    assert stored(flagged.id).reviewed_at is None
