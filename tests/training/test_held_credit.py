"""Held credit (fixed clock): with face comparison on, what a learner studies in the window of a 人像抓拍 is held
until its face check answers; a match releases it into the ledger, a flag keeps it held (待复核) until the 复核:
本人 releases it, 非本人 removes it — each an 一人一档 event — and at every step the lesson's credited seconds are
the ledger's plus the held ones."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from app.archive.models import ArchiveEvent
from app.extensions import db
from app.people import faces
from app.people.models import Snapshot
from app.training.models import HeldCredit, LessonProgress, StudyCredit
from tests.training.test_snapshots import Learner

MATCH = faces.FaceMatch("test", registered_faces=1, snapshot_faces=1, distance=0.3, matched=True)
MISMATCH = faces.FaceMatch("test", registered_faces=1, snapshot_faces=1, distance=0.9, matched=False)


@pytest.fixture
def learner(training_world, login, on, checker):
    learner = Learner(login(training_world.worker), training_world, on, training_world.course.lessons[0])
    learner.consent("yes")
    learner.start()
    return learner


def ledger(person_id: int) -> tuple[int, int, int]:
    """(seconds in the ledger, seconds held, the lesson progress's credited seconds), asserting they add up."""
    db.session.expire_all()
    credited = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(StudyCredit.seconds), 0)))
    held = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(HeldCredit.seconds), 0)))
    progress = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(LessonProgress.credited_seconds), 0)).where(
            LessonProgress.person_id == person_id
        )
    )
    assert progress == credited + held
    return credited, held, progress


def events(person_id: int, prefix: str) -> list[tuple[str, dict]]:
    rows = db.session.scalars(
        sa.select(ArchiveEvent)
        .where(ArchiveEvent.person_id == person_id, ArchiveEvent.kind.like(f"{prefix}%"))
        .order_by(ArchiveEvent.id)
    )
    return [(e.kind, json.loads(e.payload)) for e in rows]


def test_credit_awaits_the_face_check_and_a_match_releases_it(learner, training_world, checker):
    person = training_world.person.id
    learner.snap()
    learner.beat(0)
    pending = learner.beat(30)  # the check has not answered yet: credited, but held
    assert (pending["credited"], pending["refusal"], pending["held"], pending["lesson_seconds"]) == (
        30,
        None,
        "check",
        30,
    )
    assert ledger(person) == (0, 30, 30)
    assert checker(MATCH)["review"] is False
    assert ledger(person) == (30, 0, 30)
    released = learner.beat(30)  # the window's later credit goes straight into the ledger
    assert (released["credited"], "held" in released) == (30, False)
    assert ledger(person) == (60, 0, 60)
    assert events(person, "study.credit") == []  # a match is routine: no 复核 decided anything
    assert db.session.scalar(sa.select(Snapshot.credit_held)) is False


def _flagged_with_held_minute(learner, training_world, checker) -> Snapshot:
    learner.snap()
    learner.beat(0)
    learner.beat(30)
    checker(MISMATCH)
    flagged = learner.beat(30)
    assert (flagged["credited"], flagged["held"], flagged["refusal"]) == (30, "review", None)
    assert ledger(training_world.person.id) == (0, 60, 60)
    return db.session.scalar(sa.select(Snapshot))


def test_a_flagged_window_is_held_as_pending_review_until_the_review_confirms_the_person(
    learner, training_world, checker, login, app
):
    w = training_world
    snapshot = _flagged_with_held_minute(learner, w, checker)
    assert snapshot.needs_review and snapshot.credit_held
    mine = learner.client.get(f"/training/mine/{w.training_class.id}").get_data(as_text=True)
    assert "另有 1 分 0 秒在线学习待复核" in mine and "网络学习 0 分钟" in mine
    organiser = login(w.organiser, c=app.test_client())
    class_page = organiser.get(f"/training/classes/{w.training_class.id}").get_data(as_text=True)
    assert "待复核 1 分 0 秒" in class_page
    snapshots_page = f"/training/classes/{w.training_class.id}/members/{w.person.id}/snapshots"
    assert "本段学时 1 分 0 秒待复核：确认本人后计入，非本人则不计" in organiser.get(snapshots_page).get_data(
        as_text=True
    )

    answer = organiser.post(
        f"/training/classes/{w.training_class.id}/snapshots/{snapshot.id}/review",
        data={"verdict": "same_person", "note": "逆光，核对为本人"},
    )
    assert answer.status_code == 302
    assert ledger(w.person.id) == (60, 0, 60)
    assert events(w.person.id, "study.credit") == [
        (
            "study.credit_released",
            {
                "class": w.training_class.id,
                "title": "2026 年度再培训一班",
                "lesson": learner.lesson.id,
                "lesson_title": "安全生产法要点",
                "snapshot": snapshot.id,
                "seconds": 60,
            },
        )
    ]
    assert "待复核" not in organiser.get(f"/training/classes/{w.training_class.id}").get_data(as_text=True)
    mine = learner.client.get(f"/training/mine/{w.training_class.id}").get_data(as_text=True)
    assert "待复核" not in mine and "网络学习 1 分钟" in mine
    after = learner.beat(30)  # the window is the person's: it credits into the ledger again
    assert (after["credited"], "held" in after) == (30, False)
    assert ledger(w.person.id) == (90, 0, 90)


def test_not_the_person_removes_the_held_credit_and_the_window_earns_nothing_more(
    learner, training_world, checker, login, app
):
    w = training_world
    snapshot = _flagged_with_held_minute(learner, w, checker)
    organiser = login(w.organiser, c=app.test_client())
    organiser.post(
        f"/training/classes/{w.training_class.id}/snapshots/{snapshot.id}/review",
        data={"verdict": "not_same_person", "note": "他人代学"},
    )
    assert ledger(w.person.id) == (0, 0, 0)  # gone from the lesson's count too: the minute may be studied again
    assert events(w.person.id, "study.credit") == [
        (
            "study.credit_removed",
            {
                "class": w.training_class.id,
                "title": "2026 年度再培训一班",
                "lesson": learner.lesson.id,
                "lesson_title": "安全生产法要点",
                "snapshot": snapshot.id,
                "seconds": 60,
            },
        )
    ]
    kinds = [kind for kind, _payload in events(w.person.id, "snapshot.")]
    assert kinds[-2:] == ["snapshot.flagged", "snapshot.reviewed"]
    # the page still open: the rejected window earns nothing, and a new snapshot is due at once
    stopped = learner.beat(30)
    assert (stopped["credited"], stopped["refusal"], stopped["snapshot_due"]) == (0, "snapshot", True)
    assert learner.snap().get_json()["saved"] is True
    checker(MATCH)
    assert learner.beat(30)["credited"] == 30
    assert ledger(w.person.id) == (30, 0, 30)


def test_without_a_face_checker_nothing_is_held(training_world, login, on):
    learner = Learner(login(training_world.worker), training_world, on, training_world.course.lessons[0])
    learner.consent("yes")
    learner.start()
    learner.snap()
    learner.beat(0)
    assert "held" not in learner.beat(30)
    assert ledger(training_world.person.id) == (30, 0, 30)
    assert db.session.scalar(sa.select(Snapshot.credit_held)) is False


def test_held_credit_counts_in_the_days_budget_on_both_sides(learner, training_world):
    """Held seconds are released into their day later: the daily cap counts them now, for a 面授 entry and for the
    next heartbeat alike (else a released hold could take a full day past the cap)."""
    from app.core.db import first_row
    from app.training import study_sql
    from app.training.attendance import daily_budget

    person = training_world.person.id
    learner.snap()
    learner.beat(0)
    learner.beat(30)
    held = db.session.scalars(sa.select(HeldCredit)).all()
    assert [h.seconds for h in held] == [30]
    day = held[0].day
    assert daily_budget.day_budget(person, day).online_seconds == 30
    totals = first_row(db.session.connection(), study_sql.day_totals_statement(1), {"b_person": person, "day0": day})
    assert tuple(totals) == (30, 0)


def test_after_the_photo_consent_is_withdrawn_no_snapshot_is_compared_with_the_photo(
    learner, training_world, checker, monkeypatch
):
    """个人信息保护法: once the person withdraws consent to their registered photo, no new 人像抓拍 is compared with it
    (the checker, or the same-picture hash) — until the purge deletes it, a snapshot is treated as when there is no
    registered photo: kept for people to look at, its held credit released, nothing flagged."""
    from app.core.storage import storage

    person = training_world.person
    registered = storage().read(person.photo_key)
    assert learner.snap(registered).status_code == 422  # before: the registered photo again is refused
    assert learner.client.post("/me/photo/withdraw-consent").status_code == 302
    db.session.refresh(person)
    assert person.photo_key is not None  # still stored: the nightly purge deletes it
    compared = []
    monkeypatch.setattr(faces, "compare", lambda registered, snapshot: compared.append(1) or MISMATCH)

    assert learner.snap(registered).get_json()["saved"] is True  # no longer compared by hash
    learner.beat(0)
    assert learner.beat(30)["held"] == "check"  # as with no registered photo: held until the check answers
    assert checker(MISMATCH) == {
        "snapshot": db.session.scalar(sa.select(Snapshot.id)),
        "checked": False,
        "review": False,
    }
    assert compared == []  # the checker never saw the withdrawn photo
    assert ledger(person.id) == (30, 0, 30)  # released, not held for a 复核
    snapshot = db.session.scalar(sa.select(Snapshot))
    assert (snapshot.needs_review, snapshot.face_checker, snapshot.face_matched) == (False, "", None)
    assert events(person.id, "snapshot.flagged") == []
