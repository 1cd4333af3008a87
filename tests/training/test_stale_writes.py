"""Two requests on the same row, the second one working on what it loaded before the first committed (a double
click, two approvers at once): the interleaving is played in order, the first request in an app context (and
session) of its own that commits, then the second with its now stale objects, as the view would run it (commit, or
roll back on a refusal). What is stored must be what one request alone would have stored."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.archive.models import ArchiveEvent
from app.auth.models import Role, User
from app.core.clock import utcnow
from app.exams.models import Candidate, ExamKind, Sitting
from app.extensions import db
from app.people.models import Post
from app.training import classes
from app.training.attendance import corrections, recording
from app.training.models import (
    Attendance,
    AttendanceCorrection,
    AttendanceDay,
    CorrectionState,
    TrainingClass,
)
from tests.interleaving import another_request, as_the_view
from tests.training.world import offline_class

NOV_20 = datetime(2026, 11, 20, 8, 0)  # 16:00 in Shanghai
NOV_22 = datetime(2026, 11, 22, 2, 0)  # the 20th is over
DAY = date(2026, 11, 20)


def counter_and_entries(person_id: int) -> tuple[int, int]:
    """The day's cap counter and the sum of the day's entries: always equal."""
    counter = db.session.scalar(
        sa.select(AttendanceDay.minutes).where(AttendanceDay.person_id == person_id, AttendanceDay.day == DAY)
    )
    entries = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Attendance.minutes), 0)).where(
            Attendance.person_id == person_id, Attendance.session_date == DAY
        )
    )
    return counter, entries


def events(kind: str) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(ArchiveEvent).where(ArchiveEvent.kind == kind))


@pytest.fixture
def entry(training_world, factory):
    """A 面授 class with one 120-minute entry of the 20th, committed."""
    w = training_world
    w.offline = offline_class(w)
    w.entry_id = recording.record(
        w.offline, w.person.id, session_date=DAY, minutes=120, actor=w.organiser, reason="签到表", now=NOV_20
    ).id
    w.organiser_id, w.person_id = w.organiser.id, w.person.id
    factory.commit()
    return w


def change_entry(entry_id: int, organiser_id: int, minutes: int) -> None:
    recording.change(
        db.session.get(Attendance, entry_id),
        minutes=minutes,
        actor=db.session.get(User, organiser_id),
        reason="更正",
        now=NOV_20,
    )


def test_a_withdrawal_clicked_twice_gives_the_minutes_back_once(app, entry):
    w = entry
    stale = db.session.get(Attendance, w.entry_id)  # the second click's request has loaded the entry
    with another_request(app):
        change_entry(w.entry_id, w.organiser_id, 0)
    refused = as_the_view(lambda: recording.change(stale, minutes=0, actor=w.organiser, reason="更正", now=NOV_20))
    assert counter_and_entries(w.person_id) == (0, 0)
    assert events("training.attendance_withdrawn") == 1
    assert refused is not None and refused.message == "该考勤记录刚被他人更改或撤销，请刷新后重试"


def test_a_change_submitted_twice_moves_the_counter_once(app, entry):
    w = entry
    stale = db.session.get(Attendance, w.entry_id)
    with another_request(app):
        change_entry(w.entry_id, w.organiser_id, 180)
    refused = as_the_view(lambda: recording.change(stale, minutes=180, actor=w.organiser, reason="更正", now=NOV_20))
    assert counter_and_entries(w.person_id) == (180, 180)
    assert events("training.attendance_changed") == 1
    assert refused is not None and refused.code == "attendance.changed"


def test_two_corrections_of_one_entry_approved_at_once_apply_only_one(app, entry, factory):
    w = entry
    longer, withdrawal = (
        corrections.correct(
            db.session.get(Attendance, w.entry_id), minutes=m, actor=w.organiser, reason="核对", now=NOV_22
        )
        for m in (180, 0)
    )
    supervisor = factory.user(Role.ENTERPRISE, enterprise_id=w.enterprise.id, supervisor=True)
    regulator = factory.regulator("320100")
    longer_id, supervisor_id = longer.id, supervisor.id
    factory.commit()
    stale = db.session.get(Attendance, w.entry_id)  # the second approver's request has loaded the entry (120 min)
    with another_request(app):
        corrections.approve(
            db.session.get(AttendanceCorrection, longer_id), actor=db.session.get(User, supervisor_id), now=NOV_22
        )
    assert stale.minutes == 120
    refused = as_the_view(lambda: corrections.approve(withdrawal, actor=regulator, now=NOV_22))
    assert counter_and_entries(w.person_id) == (180, 180)
    assert db.session.get(AttendanceCorrection, withdrawal.id).state is CorrectionState.PENDING
    assert refused is not None and refused.code == "correction.gone"


# ---------------------------------------------------------------- 逢培必考


def open_exam(training_class: TrainingClass, actor) -> Sitting:
    now = utcnow().replace(microsecond=0)
    return classes.open_class_exam(
        training_class, opens_at=now - timedelta(hours=1), closes_at=now + timedelta(hours=2), actor=actor
    )


def class_sittings(class_id: int) -> list[int]:
    return list(
        db.session.scalars(
            sa.select(Sitting.id).where(Sitting.kind == ExamKind.CLASS, Sitting.subject == f"class:{class_id}")
        )
    )


def test_a_class_exam_opened_twice_at_once_is_one_sitting(app, training_world):
    w = training_world
    class_id, organiser_id = w.training_class.id, w.organiser.id
    assert w.training_class.exam_sitting_id is None  # the second click's request has loaded the class
    with another_request(app):
        open_exam(db.session.get(TrainingClass, class_id), db.session.get(User, organiser_id))
    refused = as_the_view(lambda: open_exam(w.training_class, w.organiser))
    assert class_sittings(class_id) == [db.session.get(TrainingClass, class_id).exam_sitting_id]
    assert refused is not None and refused.code == "class.exam_exists"


def test_a_trainee_enrolled_while_the_exam_opens_is_its_candidate(app, training_world, factory):
    w = training_world
    newcomer = factory.employ(w.enterprise, name="赵新来", post=Post.WORKER, actor=w.organiser).person
    class_id, organiser_id, newcomer_id = w.training_class.id, w.organiser.id, newcomer.id
    factory.commit()
    assert w.training_class.exam_sitting_id is None  # the enrolling request has loaded the class
    with another_request(app):
        open_exam(db.session.get(TrainingClass, class_id), db.session.get(User, organiser_id))
    assert as_the_view(lambda: classes.enrol(w.training_class, [newcomer_id], actor=w.organiser)) is None
    sitting_id = db.session.get(TrainingClass, class_id).exam_sitting_id
    candidates = set(db.session.scalars(sa.select(Candidate.person_id).where(Candidate.sitting_id == sitting_id)))
    assert candidates == {*(p.id for p in w.persons), newcomer_id}
