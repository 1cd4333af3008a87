"""Exam workflows against the database: start/resume, autosave, submit, grade, expire, extend, 补考."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.archive.models import ArchiveEvent
from app.core.db import utcnow
from app.core.errors import DomainError
from app.exams import makeups, sittings
from app.exams.attempts import autosave, grading, starting, supervision
from app.exams.models import Answer, Attempt, AttemptLog, AttemptState, ExamKind, InvalidTransition
from app.extensions import db
from app.people.services import own_person
from tests.exams.conftest import answer_all, make_sitting, make_template, right_answer, wrong_answer


def events(person, kind=None):
    query = sa.select(ArchiveEvent).where(ArchiveEvent.person_id == person.id).order_by(ArchiveEvent.seq)
    rows = db.session.scalars(query).all()
    return [e for e in rows if kind is None or e.kind == kind]


def start(world, person=None, **kw):
    return starting.start_or_resume(
        world.sitting, (person or world.person).id, ip="10.0.0.1", user_agent="pytest", **kw
    )


# ---------------------------------------------------------------- start / resume


def test_start_freezes_a_paper_and_records_the_event(exam_world):
    now = utcnow()
    attempt = start(exam_world, now=now)
    assert attempt.state is AttemptState.IN_PROGRESS
    assert len(attempt.paper["items"]) == 24 and attempt.paper["seed"] == attempt.seed
    assert attempt.deadline == now + timedelta(minutes=60)
    assert (attempt.ip, attempt.user_agent) == ("10.0.0.1", "pytest")
    [event] = events(exam_world.person, "exam.started")
    assert event.enterprise_id == exam_world.enterprise.id


def test_resume_returns_the_same_attempt_and_logs_a_new_device(exam_world):
    first = start(exam_world)
    again = starting.start_or_resume(exam_world.sitting, exam_world.person.id, ip="10.0.0.2", user_agent="phone")
    assert again.id == first.id and again.paper == first.paper
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attempt)) == 1
    assert [log.kind for log in db.session.scalars(sa.select(AttemptLog))] == ["resumed"]
    assert len(events(exam_world.person, "exam.started")) == 1


def test_each_candidate_gets_a_fresh_seed(exam_world):
    seeds = {start(exam_world, person=p).seed for p in exam_world.persons}
    assert len(seeds) == 3


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (lambda s: setattr(s, "opens_at", utcnow() + timedelta(minutes=5)), "sitting.not_open"),
        (lambda s: setattr(s, "closes_at", utcnow() - timedelta(minutes=1)), "sitting.closed"),
    ],
)
def test_start_outside_the_window_is_refused(exam_world, change, code):
    change(exam_world.sitting)
    with pytest.raises(DomainError) as exc:
        start(exam_world)
    assert exc.value.code == code


def test_only_candidates_may_start(exam_world):
    with pytest.raises(DomainError, match="sitting.not_candidate"):
        start(exam_world, person=own_person(exam_world.outsider))


def test_access_code_is_checked_on_start_only(exam_world):
    exam_world.sitting.access_code = "8817"
    with pytest.raises(DomainError, match="sitting.access_code"):
        start(exam_world, access_code="1234")
    attempt = start(exam_world, access_code=" 8817 ")
    assert start(exam_world).id == attempt.id  # resuming needs no code


def test_deadline_is_cut_at_the_close_of_the_sitting(exam_world):
    now = utcnow()
    exam_world.sitting.closes_at = now + timedelta(minutes=20)
    attempt = start(exam_world, now=now)
    assert attempt.deadline == exam_world.sitting.closes_at


def test_insufficient_bank_is_refused_when_the_sitting_is_created(exam_world):
    from question_bank import PaperSpec, QuestionType, Section

    too_big = PaperSpec(title="x", sections=(Section("判断", QuestionType.TRUE_FALSE, 500, 1.0),))
    template = make_template(spec=too_big)
    with pytest.raises(DomainError, match="paper.insufficient"):
        make_sitting(template, exam_world.organiser, exam_world.persons)


# ---------------------------------------------------------------- autosave


def stored(attempt, position):
    return db.session.scalars(
        sa.select(Answer).where(Answer.attempt_id == attempt.id, Answer.position == position)
    ).one()


def test_autosave_keeps_the_latest_sequence_number(exam_world):
    attempt = start(exam_world)
    assert autosave.save_answer(attempt, 0, [0], 5).applied
    assert not autosave.save_answer(attempt, 0, [1], 3).applied  # a late retry of an older change
    assert not autosave.save_answer(attempt, 0, [1], 5).applied  # the same request again: idempotent
    assert autosave.save_answer(attempt, 0, None, 6, flagged=True).applied
    row = stored(attempt, 0)
    db.session.refresh(row)
    assert (row.response, row.flagged, row.client_seq) == (None, True, 6)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Answer)) == 1
    # cleared is SQL NULL, not JSON null: the board's "answered" count is a plain IS NOT NULL
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Answer).where(Answer.response.is_not(None))) == 0


@pytest.mark.parametrize(
    "bad",
    [
        ("x", [0], 1),
        (99, [0], 1),
        (0, [9], 1),
        (0, "A", 1),
        (0, [0, 1], 1),
        (0, [0], -1),
        (0, [0], "7"),
        (0, [True], 1),
    ],
)
def test_autosave_rejects_malformed_requests(exam_world, bad):
    attempt = start(exam_world)
    single = next(i for i, item in enumerate(attempt.paper["items"]) if item["question"]["type"] == "single")
    position, response, seq = bad
    with pytest.raises(DomainError, match="answer.invalid"):
        autosave.save_answer(attempt, single if position == 0 else position, response, seq)


def test_fill_answers_are_text_and_multi_answers_are_sets(exam_world):
    attempt = start(exam_world)
    items = attempt.paper["items"]
    fill = next(i for i, it in enumerate(items) if it["question"]["type"] == "fill")
    multi = next(i for i, it in enumerate(items) if it["question"]["type"] == "multiple")
    autosave.save_answer(attempt, fill, "以人为本", 1)
    autosave.save_answer(attempt, multi, [3, 1, 3], 1)
    with pytest.raises(DomainError):
        autosave.save_answer(attempt, fill, [1], 2)
    assert stored(attempt, multi).response == [1, 3]


def test_autosave_within_grace_is_accepted_and_after_it_refused(exam_world):
    start_at = utcnow() - timedelta(minutes=61)
    attempt = start(exam_world, now=start_at)
    autosave.save_answer(attempt, 0, [0], 1, attempt.deadline + timedelta(seconds=29))
    with pytest.raises(DomainError, match="attempt.closed"):
        autosave.save_answer(attempt, 0, [1], 2, attempt.deadline + timedelta(seconds=31))


def test_autosave_after_submission_is_refused(exam_world):
    attempt = start(exam_world)
    grading.submit(attempt)
    with pytest.raises(DomainError, match="attempt.closed"):
        autosave.save_answer(attempt, 0, [0], 1)


# ---------------------------------------------------------------- submit and grade


def test_submit_grades_once_and_repeats_return_the_same_result(exam_world):
    attempt = start(exam_world)
    answer_all(attempt, correct=24)
    grading.submit(attempt, by=exam_world.worker)
    assert attempt.state is AttemptState.GRADED
    assert (attempt.score, attempt.max_score, attempt.passed) == (100.0, 100.0, True)
    for _ in range(3):
        again = grading.submit(db.session.get(Attempt, attempt.id))
        assert (again.state, again.score) == (AttemptState.GRADED, 100.0)
    kinds = [e.kind for e in events(exam_world.person)]
    assert kinds.count("exam.submitted") == 1 and kinds.count("exam.graded") == 1


def test_grading_uses_the_template_pass_mark(exam_world):
    attempt = start(exam_world)
    paper = attempt.paper["items"]
    # wrong on every 单选 (8 × 5 = 40 points lost) → 60 points
    for pos, item in enumerate(paper):
        response = wrong_answer(attempt, pos) if item["question"]["type"] == "single" else right_answer(attempt, pos)
        autosave.save_answer(attempt, pos, response, 1)
    grading.submit(attempt)
    assert (attempt.score, attempt.passed) == (60.0, False)
    graded = events(exam_world.person, "exam.graded")[0]
    assert '"passed":false' in graded.payload and '"score":60.0' in graded.payload


def test_grading_an_open_attempt_is_an_invalid_transition(exam_world):
    attempt = start(exam_world)
    with pytest.raises(InvalidTransition):
        grading.grade_attempt(attempt)


def test_submitting_after_the_grace_records_an_expired_attempt(exam_world):
    attempt = start(exam_world, now=utcnow() - timedelta(minutes=70))
    grading.submit(attempt)
    assert attempt.state is AttemptState.GRADED
    assert events(exam_world.person, "exam.expired")


def test_expire_overdue_grades_unsubmitted_attempts_only(exam_world):
    late = start(exam_world, person=exam_world.persons[0], now=utcnow() - timedelta(minutes=62))
    autosave.save_answer(late, 0, right_answer(late, 0), 1, late.deadline)
    running = start(exam_world, person=exam_world.persons[1])
    assert grading.expire_overdue() == 1
    db.session.refresh(late)
    assert late.state is AttemptState.GRADED and late.score == 3.0 and late.submitted_at is not None
    assert running.state is AttemptState.IN_PROGRESS
    assert grading.expire_overdue() == 0


def test_expire_task_commits(exam_world, app):
    from app.exams.tasks import expire_overdue

    start(exam_world, now=utcnow() - timedelta(minutes=62))
    db.session.commit()
    assert expire_overdue() == 1
    db.session.rollback()
    assert db.session.scalar(sa.select(Attempt.state)) is AttemptState.GRADED


def test_beat_schedule_runs_the_expiry_every_minute(app):
    entry = app.config["CELERY"]["beat_schedule"]["exams-expire-overdue"]
    assert entry == {"task": "exams.expire_overdue", "schedule": 60}
    assert app.config["EXAM_GRACE_SECONDS"] == 30


# ---------------------------------------------------------------- organiser actions


def test_extend_time_moves_the_deadline_and_is_logged(exam_world):
    attempt = start(exam_world)
    before = attempt.deadline
    supervision.extend_time(attempt, 10, "断电重启", exam_world.organiser)
    assert attempt.deadline == before + timedelta(minutes=10) and attempt.extra_minutes == 10
    [log] = db.session.scalars(sa.select(AttemptLog).where(AttemptLog.kind == "time_extended")).all()
    assert log.detail["reason"] == "断电重启" and log.actor_id == exam_world.organiser.id
    assert events(exam_world.person, "exam.time_extended")


def test_extension_may_run_past_the_close_of_the_sitting(exam_world):
    now = utcnow()
    exam_world.sitting.closes_at = now + timedelta(minutes=5)
    attempt = start(exam_world, now=now)
    supervision.extend_time(attempt, 15, "网络故障", exam_world.organiser)
    assert attempt.deadline == exam_world.sitting.closes_at + timedelta(minutes=15)


@pytest.mark.parametrize(
    ("minutes", "reason", "code"),
    [(0, "x", "extend.minutes"), (500, "x", "extend.minutes"), (5, "  ", "extend.reason")],
)
def test_extend_time_validation(exam_world, minutes, reason, code):
    attempt = start(exam_world)
    with pytest.raises(DomainError, match=code):
        supervision.extend_time(attempt, minutes, reason, exam_world.organiser)


def test_extend_time_of_a_finished_attempt_is_refused(exam_world):
    attempt = start(exam_world)
    grading.submit(attempt)
    with pytest.raises(DomainError, match="attempt.closed"):
        supervision.extend_time(attempt, 5, "迟到", exam_world.organiser)


def test_focus_losses_are_counted_while_in_progress(exam_world):
    attempt = start(exam_world)
    assert supervision.record_focus_loss(attempt) == 1
    assert supervision.record_focus_loss(attempt, kind="blur") == 2
    grading.submit(attempt)
    assert supervision.record_focus_loss(attempt) == 2


# ---------------------------------------------------------------- 补考


def fail(world, sitting, person):
    attempt = starting.start_or_resume(sitting, person.id)
    answer_all(attempt, correct=5)
    return grading.submit(attempt)


def test_one_makeup_then_retraining(exam_world):
    failed, passed = exam_world.persons[0], exam_world.persons[1]
    fail(exam_world, exam_world.sitting, failed)
    ok = starting.start_or_resume(exam_world.sitting, passed.id)
    answer_all(ok, correct=24)
    grading.submit(ok)

    assert makeups.makeup_candidates(exam_world.sitting) == [failed.id]
    now = utcnow()
    makeup = makeups.create_makeup_sitting(
        exam_world.sitting,
        opens_at=now - timedelta(minutes=1),
        closes_at=now + timedelta(hours=2),
        actor=exam_world.organiser,
    )
    assert makeup.kind is ExamKind.MAKEUP and makeup.makeup_of_id == exam_world.sitting.id
    assert makeup.enterprise_id == exam_world.enterprise.id and makeup.spec == exam_world.sitting.spec
    assert sittings.is_candidate(makeup, failed.id) and not sittings.is_candidate(makeup, passed.id)
    assert makeups.outcome(starting.find_attempt(exam_world.sitting, failed.id)) == "makeup_scheduled"
    assert makeups.makeup_candidates(exam_world.sitting) == []  # the one make-up is scheduled
    with pytest.raises(DomainError, match="makeup.none"):
        makeups.create_makeup_sitting(
            exam_world.sitting, opens_at=now, closes_at=now + timedelta(hours=1), actor=exam_world.organiser
        )

    second = fail(exam_world, makeup, failed)
    assert makeups.outcome(second) == "retraining"
    assert makeups.makeup_candidates(makeup) == []
    with pytest.raises(DomainError, match="makeup.none"):
        makeups.create_makeup_sitting(
            makeup, opens_at=now, closes_at=now + timedelta(hours=1), actor=exam_world.organiser
        )


def test_retakes_are_counted_per_person_and_subject_not_per_sitting(exam_world):
    """Failing, failing the 补考, then signing up for another sitting of the same subject gives no new 补考."""
    person, now = exam_world.person, utcnow()
    fail(exam_world, exam_world.sitting, person)
    makeup = makeups.create_makeup_sitting(
        exam_world.sitting,
        opens_at=now - timedelta(minutes=1),
        closes_at=now + timedelta(hours=1),
        actor=exam_world.organiser,
    )
    fail(exam_world, makeup, person)
    again = make_sitting(exam_world.template, exam_world.organiser, [person])
    assert again.subject == exam_world.sitting.subject
    third = fail(exam_world, again, person)
    assert makeups.outcome(third) is makeups.Outcome.RETRAINING
    assert makeups.makeup_candidates(again) == []

    passed_later = make_sitting(exam_world.template, exam_world.organiser, [person])
    attempt = starting.start_or_resume(passed_later, person.id)
    answer_all(attempt, correct=24)
    grading.submit(attempt)
    fourth = fail(exam_world, make_sitting(exam_world.template, exam_world.organiser, [person]), person)
    assert makeups.outcome(fourth) is makeups.Outcome.MAKEUP_AVAILABLE  # a pass starts the count again


def test_no_makeup_when_the_template_forbids_it(exam_world):
    template = make_template(allow_makeup=False)
    sitting = make_sitting(template, exam_world.organiser, exam_world.persons)
    attempt = fail(exam_world, sitting, exam_world.person)
    assert makeups.outcome(attempt) == "retraining"
    assert makeups.makeup_candidates(sitting) == []
