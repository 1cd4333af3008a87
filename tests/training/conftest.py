"""Training fixtures: an enterprise (危险化学品, 高危) with staff, an institution, a course of a text lesson and a
10-minute video lesson (a real MP4), and an online class with a class-exam template."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pytest

from app.auth.models import Role, User
from app.bank.models import PaperTemplate
from app.people import faces, photos
from app.people import tasks as people_tasks
from app.people.models import Person, Post
from app.people.snapshots import schedule
from app.tenancy.models import Enterprise
from app.training import classes, courses, study
from app.training.models import ClassMode, Course, LessonKind, TrainingClass, TrainingType
from tests.exams.conftest import _fast_passwords, make_template  # noqa: F401  (fixture re-used)
from tests.pictures import pattern

#: Real videos (tests/training/media/make_media.py made them): 10 minutes and 12 s of H.264, 6 s of VP9 in WebM.
MEDIA = Path(__file__).parent / "media"
MP4 = (MEDIA / "lesson-10min.mp4").read_bytes()
SHORT_MP4 = (MEDIA / "lesson-12s.mp4").read_bytes()
WEBM = (MEDIA / "lesson-6s.webm").read_bytes()
#: The smallest bytes each check accepts as a real file of its type.
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + b"0" * 200
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@dataclass
class TrainingWorld:
    enterprise: Enterprise
    organiser: User
    other_enterprise_admin: User
    course: Course
    template: PaperTemplate
    training_class: TrainingClass
    persons: list[Person]
    workers: list[User]

    @property
    def person(self) -> Person:
        return self.persons[0]

    @property
    def worker(self) -> User:
        return self.workers[0]

    @property
    def video(self):
        return self.course.lessons[1]


def build_course(actor, *, training_type=TrainingType.ANNUAL) -> Course:
    """A text lesson of 5 minutes and a video lesson of 10 (the file's length)."""
    course = courses.create_course(title="危化企业年度再培训", training_type=training_type, actor=actor)
    courses.add_lesson(course, title="安全生产法要点", kind=LessonKind.TEXT, duration_minutes=5, body="第一条……")
    courses.add_lesson(course, title="动火作业事故案例", kind=LessonKind.VIDEO, upload=courses.Upload("case.mp4", MP4))
    return course


@pytest.fixture
def training_world(factory) -> TrainingWorld:
    enterprise = factory.enterprise(name="玄武化工有限公司", region="320102")
    other = factory.enterprise(name="江宁机械有限公司", region="320115")
    organiser = factory.enterprise_admin(enterprise)
    persons = [
        factory.employ(enterprise, name=name, post=post, actor=organiser).person
        for name, post in (("王大锤", Post.PRINCIPAL), ("李小红", Post.WORKER))
    ]
    course = build_course(organiser)
    template = make_template()
    training_class = classes.create_class(
        course=course,
        title="2026 年度再培训一班",
        mode=ClassMode.ONLINE,
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
        required_hours=0.5,
        actor=organiser,
        exam_template=template,
    )
    classes.enrol(training_class, [p.id for p in persons], actor=organiser)
    world = TrainingWorld(
        enterprise=enterprise,
        organiser=organiser,
        other_enterprise_admin=factory.enterprise_admin(other),
        course=course,
        template=template,
        training_class=training_class,
        persons=persons,
        workers=[factory.user(Role.WORKER, person_id=p.id) for p in persons],
    )
    factory.commit()
    return world


@pytest.fixture
def on(app, monkeypatch):
    """Snapshots required for lessons: the start one and one more, drawn 120 s after the start; 60 s of grace."""
    monkeypatch.setitem(app.config, "SNAPSHOTS_LESSONS", True)
    monkeypatch.setitem(app.config, "SNAPSHOTS_PER_LESSON", 2)
    monkeypatch.setitem(app.config, "SNAPSHOT_GRACE_SECONDS", 60)
    monkeypatch.setattr(schedule, "draw_offsets", lambda span, count: [120] * (count - 1))
    clock = {"now": datetime(2026, 11, 29, 2, 0, 0)}
    monkeypatch.setattr(study, "utcnow", lambda: clock["now"])
    monkeypatch.setattr("app.training.learner_views.utcnow", lambda: clock["now"])
    monkeypatch.setattr("app.training.learner_views.local_today", lambda: clock["now"].date())
    return clock


@pytest.fixture
def checker(app, monkeypatch, training_world, factory):
    """A face checker that answers what ``answers`` holds next; its tasks are queued and run by ``check()``."""
    photos.set_photo(training_world.person, pattern(100), actor=training_world.organiser, max_bytes=1 << 20)
    factory.commit()
    monkeypatch.setitem(app.config, "FACE_CHECKER", "test")
    queued: list[int] = []
    monkeypatch.setattr(
        "app.people.snapshots.taking.enqueue_after_commit", lambda task, snapshot_id: queued.append(snapshot_id)
    )
    answers: list[faces.FaceMatch] = []
    monkeypatch.setattr(faces, "compare", lambda registered, snapshot: answers.pop(0))

    def check(answer: faces.FaceMatch) -> dict:
        answers.append(answer)
        return people_tasks.check_snapshot.run(queued.pop(0))

    return check
