"""Training against the database: stored credit with a fixed clock, rules, attendance, completion, the gate."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.archive.models import ArchiveEvent
from app.bank.models import PaperTemplate
from app.core.clock import utcnow
from app.core.errors import DomainError
from app.exams import sittings as exam_sittings
from app.exams.attempts import grading, starting
from app.exams.gates import GateOverride
from app.exams.models import Candidate, ExamKind, Sitting
from app.extensions import db
from app.people.models import Post
from app.tenancy.models import Industry
from app.training import classes, courses, hours, sign_in, study
from app.training.attendance import recording
from app.training.crediting import Heartbeat
from app.training.models import ClassMode, Enrolment, LessonKind, LessonProgress, StudyCredit, TrainingType
from tests.exams.conftest import answer_all
from tests.training.conftest import PDF, build_course
from tests.training.world import attend

T0 = datetime(2026, 11, 29, 2, 0, 0)  # 10:00 Shanghai
NOV_20 = datetime(2026, 11, 20, 8, 0, 0)  # 16:00 Shanghai, the day of the sessions


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def kinds_of(person) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(ArchiveEvent.kind).where(ArchiveEvent.person_id == person.id).order_by(ArchiveEvent.seq)
        )
    )


def study_for(world, person, seconds: int, *, start: datetime = T0, lesson=None) -> str:
    """Open a lesson (the video by default) and send a heartbeat every 30 s for ``seconds``, playing and visible
    (a text lesson: scrolled in every interval)."""
    lesson = lesson or world.video
    token = study.open_lesson(person.id, world.training_class, lesson, now=start)
    study.heartbeat(person.id, Heartbeat(token, lesson.id, 0), now=start)
    for t in range(30, seconds + 1, 30):
        study.heartbeat(person.id, Heartbeat(token, lesson.id, t, active=True), now=start + timedelta(seconds=t))
    return token


def credits(person) -> list[tuple[date, int]]:
    return [
        (c.day, c.seconds)
        for c in db.session.scalars(
            sa.select(StudyCredit).where(StudyCredit.person_id == person.id).order_by(StudyCredit.day)
        )
    ]


# ---------------------------------------------------------------- stored credit


def test_heartbeats_are_stored_per_local_day(training_world):
    study_for(training_world, training_world.person, 300)
    assert credits(training_world.person) == [(date(2026, 11, 29), 300)]
    assert hours.class_minutes(training_world.person.id, training_world.training_class.id) == (300, 0)


def test_a_session_across_midnight_is_split_between_the_two_days(training_world):
    start = datetime(2026, 11, 29, 15, 58, 0)  # 23:58 Shanghai
    study_for(training_world, training_world.person, 240, start=start)
    assert credits(training_world.person) == [(date(2026, 11, 29), 120), (date(2026, 11, 30), 120)]


def test_a_second_tab_takes_over_and_the_first_stops_earning(training_world):
    w, person = training_world, training_world.person
    first = study_for(w, person, 60)
    second = study.open_lesson(person.id, w.training_class, w.video, now=at(60))
    refused = study.heartbeat(person.id, Heartbeat(first, w.video.id, 90), now=at(90))
    study.heartbeat(person.id, Heartbeat(second, w.video.id, 60), now=at(61))
    accepted = study.heartbeat(person.id, Heartbeat(second, w.video.id, 90), now=at(91))
    assert (refused.credited, refused.refusal) == (0, "taken_over")
    assert (accepted.credited, accepted.refusal) == (30, None)
    assert credits(person) == [(date(2026, 11, 29), 90)]


def test_a_replayed_heartbeat_credits_once(training_world):
    w, person = training_world, training_world.person
    token = study_for(w, person, 30)
    again = study.heartbeat(person.id, Heartbeat(token, w.video.id, 30), now=at(30))
    assert again.credited == 0
    assert credits(person) == [(date(2026, 11, 29), 30)]


def test_credit_stops_at_the_lesson_duration(training_world):
    w, person = training_world, training_world.person
    study_for(w, person, 660)  # the video lasts 10 minutes
    progress = db.session.scalar(sa.select(LessonProgress).where(LessonProgress.person_id == person.id))
    assert progress.credited_seconds == 600
    assert credits(person) == [(date(2026, 11, 29), 600)]


def test_seeking_ahead_is_not_credited(training_world):
    w, person = training_world, training_world.person
    token = study_for(w, person, 30)
    jumped = study.heartbeat(person.id, Heartbeat(token, w.video.id, 500), now=at(60))
    assert (jumped.credited, jumped.refusal) == (0, "seek")
    assert credits(person) == [(date(2026, 11, 29), 30)]


def test_a_beat_the_server_answered_late_does_not_make_the_next_one_a_seek(training_world):
    # The stored session carries the lag between requests: the late beat's gap was longer than the position's
    # advance, so the next, on time, may run ahead of the shorter gap by that much. Each earns at most its own
    # server time and its position's advance (and a second): the 11 s the server made late are not credited.
    w, person = training_world, training_world.person
    token = study_for(w, person, 30)
    late = study.heartbeat(person.id, Heartbeat(token, w.video.id, 60), now=at(72))
    on_time = study.heartbeat(person.id, Heartbeat(token, w.video.id, 90), now=at(90))
    assert [(b.credited, b.refusal) for b in (late, on_time)] == [(31, None), (18, None)]
    assert credits(person) == [(date(2026, 11, 29), 79)]


# ---------------------------------------------------------------- 学时 and rules


def test_online_minutes_count_by_30_and_offline_by_45(app):
    assert hours.to_hours(30 * 60, 0) == 1
    assert hours.to_hours(0, 45) == 1
    assert hours.to_hours(15 * 60, 90) == 2.5


@pytest.mark.parametrize(
    ("post", "industry", "training_type", "key", "value"),
    [
        (Post.PRINCIPAL, Industry.HAZCHEM, TrainingType.INITIAL, "hours.initial.manager.high_risk", 48),
        (Post.PRINCIPAL, Industry.HAZCHEM, TrainingType.ANNUAL, "hours.annual.manager.high_risk", 16),
        (Post.SAFETY_MANAGER, Industry.MANUFACTURING, TrainingType.INITIAL, "hours.initial.manager.general", 32),
        (Post.SAFETY_MANAGER, Industry.GENERAL, TrainingType.ANNUAL, "hours.annual.manager.general", 12),
        (Post.PRINCIPAL, Industry.CONSTRUCTION, TrainingType.ANNUAL, "hours.annual.manager.general", 12),
        (Post.WORKER, Industry.COAL, TrainingType.THREE_LEVEL, "hours.initial.worker.high_risk", 72),
        (Post.WORKER, Industry.MINING, TrainingType.ANNUAL, "hours.annual.worker.high_risk", 20),
        (Post.WORKER, Industry.MANUFACTURING, TrainingType.INITIAL, "hours.initial.worker.general", 24),
        (Post.WORKER, Industry.GENERAL, TrainingType.ANNUAL, "hours.annual.worker.general", 8),
        (Post.WORKER, Industry.CONSTRUCTION, TrainingType.INITIAL, "hours.initial.worker.construction", 32),
        (Post.WORKER, Industry.CONSTRUCTION, TrainingType.ANNUAL, "hours.annual.worker.construction", 20),
        (Post.SPECIAL_OPERATOR, Industry.HAZCHEM, TrainingType.REVIEW, "hours.review.special_operator", 8),
        (Post.SPECIAL_OPERATOR, Industry.FIREWORKS, TrainingType.ANNUAL, "hours.annual.worker.high_risk", 20),
        (Post.SPECIAL_OPERATOR, Industry.GENERAL, TrainingType.INITIAL, None, None),
        (Post.WORKER, Industry.GENERAL, TrainingType.TRANSFER, None, None),
    ],
)
def test_required_hours_per_post_high_risk_and_training_type(app, post, industry, training_type, key, value):
    assert hours.rule_key(post, industry, training_type) == key
    assert hours.required_hours(post, industry, training_type) == value


# ---------------------------------------------------------------- courses, attendance


def test_a_course_used_by_a_class_is_frozen_and_copied_as_a_new_version(training_world):
    course = training_world.course
    with pytest.raises(DomainError) as refused:
        courses.add_lesson(course, title="新增", kind=LessonKind.TEXT, duration_minutes=5)
    assert refused.value.code == "course.frozen"
    copy = courses.new_version(course, actor=training_world.organiser)
    courses.add_lesson(copy, title="新增", kind=LessonKind.TEXT, duration_minutes=5)
    assert (copy.version, copy.family_id, len(copy.lessons), len(course.lessons)) == (2, course.id, 3, 2)


def test_a_file_is_judged_by_its_content_not_its_name(training_world):
    course = courses.create_course(title="讲义", training_type=TrainingType.ANNUAL, actor=training_world.organiser)
    with pytest.raises(DomainError) as refused:
        courses.add_lesson(
            course, title="伪装", kind=LessonKind.VIDEO, duration_minutes=5, upload=courses.Upload("x.mp4", PDF)
        )
    assert refused.value.code == "lesson.file_type"
    lesson = courses.add_lesson(
        course, title="讲义", kind=LessonKind.PDF, duration_minutes=5, upload=courses.Upload("x.pdf", PDF)
    )
    assert (lesson.content_type, lesson.file_size) == ("application/pdf", len(PDF))


def test_manual_attendance_needs_a_reason_and_credits_offline_periods(training_world, factory):
    w = training_world
    offline = classes.create_class(
        course=w.course,
        title="面授班",
        mode=ClassMode.OFFLINE,
        starts_on=date(2026, 11, 1),
        ends_on=date(2026, 11, 30),
        required_hours=2,
        actor=w.organiser,
    )
    classes.enrol(offline, [w.person.id], actor=w.organiser)
    on_the_day = {"session_date": date(2026, 11, 20), "minutes": 90, "actor": w.organiser, "now": NOV_20}
    with pytest.raises(DomainError) as refused:
        recording.record(offline, w.person.id, reason="", **on_the_day)
    assert refused.value.code == "attendance.reason"
    recording.record(offline, w.person.id, reason="签到机故障", **on_the_day)
    assert hours.class_hours(w.person.id, offline) == 2
    assert "training.attended" in kinds_of(w.person)
    with pytest.raises(DomainError) as outsider:
        recording.record(offline, w.persons[1].id, reason="x", **on_the_day)
    assert outsider.value.code == "attendance.not_enrolled"


# ---------------------------------------------------------------- 逢培必考 and completion


def pass_class_exam(world, person, *, correct: int):
    attempt = starting.start_or_resume(
        db.session.get(Sitting, world.training_class.exam_sitting_id), person.id, ip="", user_agent="", actor=None
    )
    answer_all(attempt, correct=correct)
    grading.submit(attempt)
    return attempt


def open_exam(world) -> Sitting:
    now = utcnow().replace(microsecond=0)
    return classes.open_class_exam(
        world.training_class,
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(hours=2),
        actor=world.organiser,
    )


def test_the_class_exam_is_a_class_sitting_for_every_trainee(training_world):
    sitting = open_exam(training_world)
    candidates = set(db.session.scalars(sa.select(Candidate.person_id).where(Candidate.sitting_id == sitting.id)))
    assert sitting.kind is ExamKind.CLASS
    assert candidates == {p.id for p in training_world.persons}
    with pytest.raises(DomainError) as again:
        open_exam(training_world)
    assert again.value.code == "class.exam_exists"


def test_completion_needs_both_the_hours_and_a_passed_class_exam(training_world):
    w = training_world
    hours_only, exam_only = w.persons
    classes.set_exam_before_hours(w.training_class, True, reason="集中考试安排在第一天", actor=w.organiser)
    # the whole course, 5 + 10 minutes = 0.5 学时 online = the class's requirement
    study_for(w, hours_only, 300, lesson=w.course.lessons[0])
    study_for(w, hours_only, 600, start=at(400))
    open_exam(w)
    pass_class_exam(w, exam_only, correct=24)
    assert "training.completed" not in kinds_of(exam_only)
    pass_class_exam(w, hours_only, correct=24)  # grading completes the trainee at once
    completed = dict(db.session.execute(sa.select(Enrolment.person_id, Enrolment.completed_at)).all())
    assert completed[hours_only.id] is not None and completed[exam_only.id] is None
    assert classes.refresh_completions(w.training_class) == 0
    assert kinds_of(hours_only).count("training.completed") == 1
    assert "training.completed" not in kinds_of(exam_only)


def test_a_failed_class_exam_does_not_complete(training_world):
    w = training_world
    study_for(w, w.person, 300, lesson=w.course.lessons[0])
    study_for(w, w.person, 600, start=at(400))
    open_exam(w)
    pass_class_exam(w, w.person, correct=5)
    assert classes.refresh_completions(w.training_class) == 0


# ---------------------------------------------------------------- the gate before 资格/复审考试


def qualification(world, persons, **kw) -> Sitting:
    return exam_sittings.create_sitting(
        world.template,
        title="主要负责人资格考试",
        kind=ExamKind.QUALIFICATION,
        opens_at=utcnow(),
        closes_at=utcnow() + timedelta(hours=3),
        person_ids=[p.id for p in persons],
        actor=world.admin,
        post=Post.PRINCIPAL.value,
        **kw,
    )


@pytest.fixture
def gated(training_world, factory):
    training_world.admin = factory.admin()
    return training_world


def test_a_candidate_short_of_initial_hours_is_refused_with_the_reason(gated):
    with pytest.raises(DomainError) as refused:
        qualification(gated, [gated.person])
    assert refused.value.code == "sitting.not_eligible"
    assert "王大锤 学时不足：要求 48 学时，已完成 0 学时" in refused.value.message


def test_an_override_needs_a_reason_and_is_written_into_the_file(gated):
    override = GateOverride("authority_approval", "省应急管理厅 苏应急培〔2026〕12号 批准补训后参考")
    sitting = qualification(gated, [gated.person], override=override)
    assert exam_sittings.is_candidate(sitting, gated.person.id)
    event = db.session.scalars(
        sa.select(ArchiveEvent).where(
            ArchiveEvent.person_id == gated.person.id, ArchiveEvent.kind == "exam.gate_overridden"
        )
    ).one()
    assert "苏应急培〔2026〕12号" in event.payload and "学时不足" in event.payload


def test_the_initial_hours_done_open_the_gate(gated):
    w = gated
    course = build_course(w.organiser, training_type=TrainingType.INITIAL)
    initial = classes.create_class(
        course=course,
        title="主要负责人初训",
        mode=ClassMode.BLENDED,
        starts_on=date(2026, 11, 1),
        ends_on=date(2026, 11, 30),
        required_hours=48,
        actor=w.organiser,
    )
    classes.enrol(initial, [w.person.id], actor=w.organiser)
    for day in range(6):  # 48 学时: six days of 8 (the daily cap), in sessions of 45 minutes
        for period in range(8):
            attend(initial, w.person, date(2026, 11, 2 + day), 45, w.organiser, label=f"第{period + 1}节")
    assert hours.eligible_for_exam(w.person.id, "principal", "", "qualification") == (True, None)
    sitting = qualification(w, [w.person])
    assert exam_sittings.is_candidate(sitting, w.person.id)
    assert "exam.gate_overridden" not in kinds_of(w.person)


def test_training_exams_are_not_gated(training_world):
    from tests.exams.conftest import make_sitting

    sitting = make_sitting(training_world.template, training_world.organiser, training_world.persons)
    assert exam_sittings.is_candidate(sitting, training_world.person.id)


# ---------------------------------------------------------------- sign-in sheet


def sheet(*rows) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["证件号码", "日期", "场次", "时长（分钟）"])
    for row in rows:
        book.active.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def offline_class(world, **kw):
    training_class = classes.create_class(
        course=world.course,
        title="面授班",
        mode=ClassMode.OFFLINE,
        starts_on=date(2026, 11, 1),
        ends_on=date(2026, 11, 30),
        required_hours=2,
        actor=world.organiser,
        **kw,
    )
    classes.enrol(training_class, [world.person.id], actor=world.organiser)
    return training_class


def test_a_sign_in_sheet_with_a_bad_row_stores_nothing_and_names_the_rows(training_world, factory):
    w = training_world
    offline = offline_class(w)
    outsider = factory.employ(w.enterprise, name="外人").person
    data = sheet(
        (w.person.id_number, "2026-11-20", "上午", 90),
        (outsider.id_number, "2026-11-20", "上午", 90),
        ("123", "2026-11-20", "", 45),
        (w.person.id_number, "昨天", "下午", 45),
    )
    with pytest.raises(DomainError) as refused:
        sign_in.import_sheet(offline, data, actor=w.organiser, reason="11 月 20 日签到表", now=NOV_20)
    message = refused.value.message
    assert "签到表有 3 行有误" in message
    assert (
        "第 3 行：不是本班次学员" in message and "第 4 行：证件号码无效" in message and "第 5 行：日期无效" in message
    )
    assert hours.class_minutes(w.person.id, offline.id) == (0, 0)


def test_a_valid_sign_in_sheet_credits_offline_periods(training_world):
    w = training_world
    offline = offline_class(w)
    result = sign_in.import_sheet(
        offline,
        sheet((w.person.id_number, "2026/11/20", "上午", 90), (w.person.id_number, "2026-11-20", "", 45)),
        actor=w.organiser,
        reason="11 月 20 日签到表",
        now=NOV_20,
    )
    assert (result.recorded, result.requested) == (2, 0)
    assert hours.class_hours(w.person.id, offline) == 3
    assert kinds_of(w.person).count("training.attended") == 2


def test_the_attendance_that_reaches_the_hours_completes_a_trainee_who_passed(training_world):
    w = training_world
    offline = offline_class(w, exam_template=db.session.get(PaperTemplate, w.training_class.exam_template_id))
    classes.set_exam_before_hours(offline, True, reason="考试安排在面授之前", actor=w.organiser)
    now = utcnow().replace(microsecond=0)
    classes.open_class_exam(
        offline, opens_at=now - timedelta(hours=1), closes_at=now + timedelta(hours=2), actor=w.organiser
    )
    attempt = starting.start_or_resume(
        db.session.get(Sitting, offline.exam_sitting_id), w.person.id, ip="", user_agent="", actor=None
    )
    answer_all(attempt, correct=24)
    grading.submit(attempt)
    attend(offline, w.person, date(2026, 11, 20), 45, w.organiser)
    assert "training.completed" not in kinds_of(w.person)  # 1 学时 of 2
    attend(offline, w.person, date(2026, 11, 21), 45, w.organiser)
    assert kinds_of(w.person).count("training.completed") == 1


def test_the_periodic_job_completes_trainees_who_have_passed(training_world):
    from app.training import tasks

    w = training_world
    classes.set_exam_before_hours(w.training_class, True, reason="集中考试安排在第一天", actor=w.organiser)
    open_exam(w)
    pass_class_exam(w, w.person, correct=24)  # passed first: the hours are not there yet
    study_for(w, w.person, 300, lesson=w.course.lessons[0])
    study_for(w, w.person, 600, start=at(400))
    db.session.commit()
    assert "training.completed" not in kinds_of(w.person)
    assert tasks.refresh_completions.run() == 1  # in this test's app (another test may have made its own app since)
    assert kinds_of(w.person).count("training.completed") == 1
