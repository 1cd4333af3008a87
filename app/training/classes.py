"""班次: open a class on a frozen course version, enrol trainees, open the class exam (逢培必考) and decide completion
(面授 attendance and its limits: ``app.training.attendance``). Functions flush; the view or task commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from app.archive.services import record_event
from app.auth.models import Role
from app.bank.models import PaperTemplate
from app.core.clock import utcnow
from app.core.db import lock_row
from app.core.errors import DomainError
from app.exams.listeners import on_graded
from app.exams.models import Attempt, ExamKind, Sitting
from app.exams.sittings import add_candidates, new_sitting, organiser_of
from app.extensions import db
from app.people.models import Person
from app.people.trainees import add_trainee
from app.training import courses, hours
from app.training import messages as _messages  # noqa: F401  (registers the training codes)
from app.training.models import (
    Attendance,
    ClassMode,
    Course,
    Enrolment,
    Lesson,
    StudyCredit,
    TrainingClass,
    TrainingType,
)


def create_class(
    *,
    course: Course,
    title: str,
    mode: ClassMode,
    starts_on: date,
    ends_on: date,
    required_hours: float,
    actor,
    training_type: TrainingType | None = None,
    exam_template: PaperTemplate | None = None,
    post: str = "",
) -> TrainingClass:
    """Open a class on ``course`` (that version is frozen from now on), organised by the actor.

    :raises DomainError: ``class.not_organiser``, ``class.dates``, ``class.hours``, ``class.empty_course``.
    """
    if actor is None or actor.role is Role.WORKER:
        raise DomainError("class.not_organiser", http_status=403)
    if ends_on < starts_on:
        raise DomainError("class.dates", http_status=400)
    if not 0.1 <= required_hours <= 200:  # as the form states (app.training.forms.MIN_REQUIRED_HOURS)
        raise DomainError("class.hours", http_status=400)
    if not course.lessons and mode is not ClassMode.OFFLINE:
        raise DomainError("class.empty_course")
    try:
        organiser = organiser_of(actor)
    except DomainError:
        raise DomainError("class.not_organiser", http_status=403) from None
    training_class = TrainingClass(
        title=title.strip(),
        course_id=course.id,
        training_type=training_type or course.training_type,
        mode=mode,
        starts_on=starts_on,
        ends_on=ends_on,
        required_hours=required_hours,
        post=post or (course.posts[0] if len(course.posts) == 1 else ""),
        operation_code=course.operation_code,
        exam_template_id=exam_template.id if exam_template else None,
        created_by_id=actor.id,
        **organiser,
    )
    db.session.add(training_class)
    courses.freeze(course)
    db.session.flush()
    return training_class


def enrol(training_class: TrainingClass, person_ids, *, actor, via: str = "") -> int:
    """Enrol persons (the caller has checked they are in its scope); already enrolled ones are skipped.
    Each new trainee's file gets ``training.enrolled`` (``via``: e.g. ``application`` when an institution accepted
    an enterprise's 报名申请); an institution's trainee becomes its 学员; once the class exam is open, they are
    its candidates too (逢培必考: the exam opens for each when their hours are complete). Returns how many."""
    lock_row(training_class)  # an exam opened meanwhile is seen below, or it opens after with these trainees
    existing = set(db.session.scalars(sa.select(Enrolment.person_id).where(Enrolment.class_id == training_class.id)))
    added = []
    for person_id in dict.fromkeys(person_ids):
        if person_id in existing:
            continue
        db.session.add(Enrolment(class_id=training_class.id, person_id=person_id, enrolled_by_id=actor.id))
        if training_class.institution is not None:  # the institution may now see and examine its trainee
            add_trainee(
                training_class.institution,
                db.session.get(Person, person_id),
                source=f"class:{training_class.id}",
                actor=actor,
            )
        record_event(
            person_id,
            "training.enrolled",
            class_facts(training_class) | ({"via": via} if via else {}),
            actor=actor,
            enterprise_id=training_class.enterprise_id,
        )
        added.append(person_id)
    db.session.flush()
    if added and training_class.exam_sitting_id is not None:
        add_candidates(db.session.get(Sitting, training_class.exam_sitting_id), added, actor=actor)
    return len(added)


def class_facts(training_class: TrainingClass) -> dict:
    """What a ``training.*`` event of the 一人一档 says about the class (``app.training.archive_events``)."""
    return {
        "class_id": training_class.id,
        "title": training_class.title,
        "training_type": training_class.training_type.value,
        "mode": training_class.mode.value,
        "course": training_class.course.title,
        "course_version": training_class.course.version,
    }


def is_enrolled(training_class: TrainingClass, person_id: int) -> bool:
    return (
        db.session.scalar(
            sa.select(Enrolment.id).where(Enrolment.class_id == training_class.id, Enrolment.person_id == person_id)
        )
        is not None
    )


def open_class_exam(
    training_class: TrainingClass,
    *,
    opens_at: datetime,
    closes_at: datetime,
    actor,
    duration_minutes: int | None = None,
) -> Sitting:
    """逢培必考: the class exam, a sitting of kind ``class`` from the class's template, for every trainee.

    :raises DomainError: ``class.no_template``, ``class.exam_exists``, ``class.no_trainees``, and the sitting's
        own refusals (``sitting.window``, ``paper.insufficient`` …).
    """
    lock_row(training_class)  # one sitting however many clicks; every trainee enrolled until now
    if training_class.exam_sitting_id is not None:
        raise DomainError("class.exam_exists")
    template = db.session.get(PaperTemplate, training_class.exam_template_id or -1)
    if template is None:
        raise DomainError("class.no_template")
    person_ids = list(db.session.scalars(sa.select(Enrolment.person_id).where(Enrolment.class_id == training_class.id)))
    if not person_ids:
        raise DomainError("class.no_trainees")
    spec = template.paper_spec
    sitting = new_sitting(
        title=training_class.title,
        kind=ExamKind.CLASS,
        subject=f"class:{training_class.id}",
        spec=spec,
        bank_ids=list(template.bank_ids),
        opens_at=opens_at,
        closes_at=closes_at,
        duration_minutes=duration_minutes or spec.time_limit_minutes,
        organiser={
            "enterprise_id": training_class.enterprise_id,
            "institution_id": training_class.institution_id,
            "region_code": training_class.region_code,
        },
        person_ids=person_ids,
        actor=actor,
        template_id=template.id,
        post=training_class.post,
        operation_code=training_class.operation_code,
        allow_review=template.allow_review,
        allow_makeup=template.allow_makeup,
    )
    training_class.exam_sitting_id = sitting.id
    db.session.flush()
    return sitting


def set_exam_before_hours(training_class: TrainingClass, allow: bool, *, reason: str, actor, now=None) -> None:
    """逢培必考 opens for each trainee when their hours are complete; ``allow`` lets them sit it earlier. Who set it,
    when and why stay on the class, shown to the regulator.

    :raises DomainError: ``class.exam_early_reason`` when allowing without a reason.
    """
    reason = (reason or "").strip()
    if allow and not reason:
        raise DomainError("class.exam_early_reason", http_status=400)
    training_class.exam_before_hours = allow
    training_class.exam_before_hours_reason = reason[:200] if allow else ""
    training_class.exam_before_hours_by_id = actor.id if actor is not None else None
    training_class.exam_before_hours_at = now or utcnow()
    db.session.flush()


def exam_passed(training_class: TrainingClass, person_ids) -> dict[int, bool | None]:
    """Per person: True (passed the class exam or its 补考), False (sat and failed), None (no graded result)."""
    person_ids = list(person_ids)
    result: dict[int, bool | None] = dict.fromkeys(person_ids)
    if training_class.exam_sitting_id is None or not person_ids:
        return result
    rows = db.session.execute(
        sa.select(Attempt.person_id, Attempt.passed)
        .join(Sitting, Sitting.id == Attempt.sitting_id)
        .where(
            sa.or_(
                Sitting.id == training_class.exam_sitting_id, Sitting.makeup_of_id == training_class.exam_sitting_id
            ),
            Attempt.person_id.in_(person_ids),
            Attempt.passed.is_not(None),
        )
    ).all()
    for person_id, passed in rows:
        result[person_id] = bool(result.get(person_id)) or bool(passed)
    return result


@dataclass(frozen=True)
class Progress:
    person: Person
    enrolment: Enrolment
    online_seconds: int
    offline_minutes: int
    hours: float
    required: float
    exam_passed: bool | None

    @property
    def hours_done(self) -> bool:
        return self.hours + 1e-9 >= self.required

    @property
    def remaining_hours(self) -> float:
        return max(0.0, round(self.required - self.hours, 2))

    @property
    def complete(self) -> bool:
        return self.hours_done and self.exam_passed is True


def progress(training_class: TrainingClass, person_filter=None) -> list[Progress]:
    """Every trainee's hours and exam result in a class (``person_filter``: a condition on ``Enrolment``)."""
    enrolments = db.session.scalars(
        sa.select(Enrolment)
        .where(Enrolment.class_id == training_class.id, person_filter if person_filter is not None else sa.true())
        .order_by(Enrolment.id)
    ).all()
    passed = exam_passed(training_class, [e.person_id for e in enrolments])
    out = []
    for enrolment in enrolments:
        online, offline = hours.class_minutes(enrolment.person_id, training_class.id)
        out.append(
            Progress(
                person=enrolment.person,
                enrolment=enrolment,
                online_seconds=online,
                offline_minutes=offline,
                hours=hours.to_hours(online, offline, region_code=training_class.region_code),
                required=training_class.required_hours,
                exam_passed=passed.get(enrolment.person_id),
            )
        )
    return out


def refresh_completions(
    training_class: TrainingClass, *, actor=None, now: datetime | None = None, person_id: int | None = None
) -> int:
    """Mark every trainee (or just ``person_id``) who has the required hours and passed the class exam complete,
    once: ``completed_at`` set by a conditional update, and ``training.completed`` in the file. Returns how many
    completed now.

    Called when a class exam is graded and when attendance is recorded (the usual last steps); the periodic job
    ``training.refresh_completions`` catches hours credited online after the exam."""
    now = now or utcnow()
    done = 0
    still_open = Enrolment.completed_at.is_(None)
    if person_id is not None:
        still_open = sa.and_(still_open, Enrolment.person_id == person_id)
    for row in progress(training_class, still_open):
        if not row.complete:
            continue
        won = db.session.execute(
            sa.update(Enrolment)
            .where(Enrolment.id == row.enrolment.id, Enrolment.completed_at.is_(None))
            .values(completed_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not won:
            continue
        db.session.refresh(row.enrolment)
        record_event(
            row.person.id,
            "training.completed",
            class_facts(training_class)
            | {"hours": f"{row.hours:g}", "required_hours": f"{training_class.required_hours:g}", "exam_passed": True},
            actor=actor,
            enterprise_id=training_class.enterprise_id,
            at=now,
        )
        done += 1
    return done


@on_graded
def _class_exam_graded(attempt) -> None:
    """逢培必考: a graded class exam (or its 补考) completes the trainee at once when the hours are there too."""
    sitting = attempt.sitting
    if sitting.kind is not ExamKind.CLASS and sitting.makeup_of_id is None:
        return
    exam_ids = {sitting.id, sitting.makeup_of_id} - {None}
    training_class = db.session.scalar(sa.select(TrainingClass).where(TrainingClass.exam_sitting_id.in_(exam_ids)))
    if training_class is not None:
        refresh_completions(training_class, person_id=attempt.person_id)


def attendance_of(training_class: TrainingClass, person_ids) -> list[Attendance]:
    """The class's attendance records of these persons, by date."""
    return db.session.scalars(
        sa.select(Attendance)
        .where(Attendance.class_id == training_class.id, Attendance.person_id.in_(list(person_ids)))
        .order_by(Attendance.session_date, Attendance.session_label, Attendance.person_id)
    ).all()


def study_ledger(training_class: TrainingClass, person_ids) -> list[tuple[int, date, str, int]]:
    """(person id, local day, lesson title, seconds) of the class's online study: the auditable per-day ledger."""
    return db.session.execute(
        sa.select(StudyCredit.person_id, StudyCredit.day, Lesson.title, StudyCredit.seconds)
        .join(Lesson, Lesson.id == StudyCredit.lesson_id)
        .where(StudyCredit.class_id == training_class.id, StudyCredit.person_id.in_(list(person_ids)))
        .order_by(StudyCredit.day, StudyCredit.person_id, Lesson.position)
    ).all()
