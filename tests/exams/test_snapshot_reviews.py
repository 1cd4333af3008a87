"""复核 of a flagged 人像抓拍 of an exam attempt: the organiser closes the flag from the attempt's page, the board's
抓拍待复核 count drops, and outsiders cannot review."""

from __future__ import annotations

import json

import sqlalchemy as sa

from app.archive.models import ArchiveEvent
from app.extensions import db
from app.people.models import ReviewVerdict, Snapshot, SnapshotContext
from tests.exams.test_views import started
from tests.training.test_snapshot_reviews import flagged_snapshot, stored


def test_the_organiser_reviews_a_flagged_exam_snapshot(exam_world, login, app):
    w = exam_world
    attempt = started(login(w.worker), w)
    flagged = flagged_snapshot(w.person.id, SnapshotContext.EXAM, attempt.id)
    detail, review = (
        f"/exams/attempts/{attempt.id}/detail",
        f"/exams/attempts/{attempt.id}/snapshots/{flagged.id}/review",
    )
    board = f"/exams/sittings/{w.sitting.id}"
    client = login(w.organiser, c=app.test_client())
    assert "抓拍待复核 1" in client.get(board).get_data(as_text=True)
    page = client.get(detail).get_data(as_text=True)
    assert 'data-testid="snapshot-review-form"' in page and f'action="{review}"' in page

    refused = client.post(review, data={"verdict": "not_same_person", "note": ""}, follow_redirects=True)
    assert "复核说明：判定为非本人时必须填写依据。" in refused.get_data(as_text=True)
    assert stored(flagged.id).needs_review is True

    answer = client.post(review, data={"verdict": "not_same_person", "note": "画面中为另一名男子"})
    assert answer.status_code == 302 and answer.location.endswith(detail)
    page = client.get(detail).get_data(as_text=True)
    assert "复核已保存：非本人。" in page and "复核：非本人" in page and "画面中为另一名男子" in page
    assert 'data-testid="snapshot-review-form"' not in page
    assert "抓拍待复核" not in client.get(board).get_data(as_text=True)
    reviewed = stored(flagged.id)
    assert reviewed.review_verdict is ReviewVerdict.NOT_SAME_PERSON and reviewed.reviewed_by_id == w.organiser.id
    (event,) = db.session.scalars(
        sa.select(ArchiveEvent).where(ArchiveEvent.person_id == w.person.id, ArchiveEvent.kind == "snapshot.reviewed")
    ).all()
    payload = json.loads(event.payload)
    assert (payload["context"], payload["ref"], payload["verdict"]) == ("exam", attempt.id, "not_same_person")

    again = client.post(review, data={"verdict": "same_person", "note": ""}, follow_redirects=True)
    assert "这张抓拍已经复核过或无需复核，本次复核未保存。" in again.get_data(as_text=True)
    assert stored(flagged.id).review_verdict is ReviewVerdict.NOT_SAME_PERSON


def test_outsiders_cannot_review_an_exam_snapshot(exam_world, login, app, factory):
    w = exam_world
    attempt = started(login(w.worker), w)
    flagged = flagged_snapshot(w.person.id, SnapshotContext.EXAM, attempt.id)
    review = f"/exams/attempts/{attempt.id}/snapshots/{flagged.id}/review"
    other_regulator = factory.regulator("320500")
    factory.commit()
    data = {"verdict": "not_same_person", "note": "越权复核"}
    for user in (w.other_organiser, other_regulator, w.worker, w.outsider):
        client = login(user, c=app.test_client())
        assert client.post(review, data=data).status_code in (403, 404), user.username
    # the snapshot is reachable only through its own attempt's URL
    organiser = login(w.organiser, c=app.test_client())
    assert (
        organiser.post(f"/exams/attempts/{attempt.id + 1000}/snapshots/{flagged.id}/review", data=data).status_code
        == 404
    )
    unchanged: Snapshot = stored(flagged.id)
    assert unchanged.needs_review is True and unchanged.reviewed_at is None
