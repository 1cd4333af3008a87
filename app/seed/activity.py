"""Demo activity on top of the demo roster: an open exam sitting and one finished 逢查必考 inspection.

Everything goes through the services the pages use (so the archive events are written as in real use), with the
demo users as actors. Called once by ``seed_demo`` right after it created the demo data; never on its own.

What it leaves behind, at 金陵化工有限公司:

- an open 培训考试 (主要负责人和安全生产管理人员, window now−1 h … now+7 days) organised by ``enterprise`` for the
  主要负责人 王建国 (``worker``, not started: try it) and the three 安全管理人员, two of whom passed and one failed;
- a 逢查必考 inspection by ``regulator`` earlier today: the default sample, one person swapped (absent), every ticket
  answered on site, one failure, closed — so the 整改清单 holds one open finding;
- a running online 再培训 class (three text lessons, 2 学时 required, the demo exam template for its class exam):
  the safety managers have studied the first lesson, 王建国 ten minutes of it (``worker`` → 我的培训); each agreed to
  人像抓拍 and has a start snapshot and one after each random moment within that time (real face photos: see
  ``app.seed.portraits``), and one safety manager's last snapshot shows someone else and is flagged for review (a
  stand-in for a face checker's mismatch), so its window's minutes are held as 待复核 until the organiser's 复核.
"""

from __future__ import annotations

import random
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import to_user_timezone

from app.auth.models import User
from app.bank.models import PaperTemplate
from app.core.db import utcnow
from app.exams import sittings
from app.exams.attempts import autosave, grading, starting
from app.exams.models import Attempt, ExamKind
from app.extensions import db
from app.people.faces import FaceMatch
from app.people.models import Employment, Post, SnapshotContext
from app.people.snapshots import consent, face_checks, schedule, taking
from app.seed.portraits import webcam_frame
from app.spotchecks import engine, inspections, tickets
from app.spotchecks.models import TicketState
from app.training import classes, courses, study
from app.training.crediting import Heartbeat
from app.training.models import ClassMode, LessonKind, TrainingType

EXAM_TEMPLATE = "主要负责人和安全生产管理人员 安全生产知识考试（演示）"
SPOTCHECK_TEMPLATE = "逢查必考 现场测试（演示）"
#: Fixed so the same roster always gives the same people (the draw stays verifiable either way).
SPOTCHECK_SEED = 20260315
PHONE_UA = (
    "Mozilla/5.0 (Linux; Android 14; demo) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36"
)


def _user(username: str) -> User:
    return db.session.scalars(sa.select(User).where(User.username == username)).one()


def _template(name: str) -> PaperTemplate:
    return db.session.scalars(sa.select(PaperTemplate).where(PaperTemplate.name == name)).one()


def _safety_managers(enterprise) -> list[Employment]:
    """The enterprise's current 安全管理人员, in the order of their person ids."""
    return db.session.scalars(
        sa.select(Employment)
        .where(
            Employment.enterprise_id == enterprise.id,
            Employment.post == Post.SAFETY_MANAGER,
            Employment.end_date.is_(None),
        )
        .order_by(Employment.person_id)
    ).all()


def _right(item: dict):
    """The correct response in display terms, read from the frozen paper item."""
    q = item["question"]
    if q["type"] == "fill":
        return q["fill_answers"][0]
    order = item["option_order"] or list(range(len(q["options"])))
    return sorted(order.index(i) for i in q["answer"])


def _wrong(item: dict):
    q = item["question"]
    if q["type"] == "fill":
        return "不清楚"
    right = _right(item)
    if q["type"] == "multiple" and len(right) > 1:  # one right option missed (some questions have every option right)
        return right[:-1]
    other = next(i for i in range(len(q["options"])) if i not in right)
    return sorted([*right, other]) if q["type"] == "multiple" else [other]


def _answer(attempt: Attempt, *, wrong: int, blank: int, rng: random.Random, start: datetime, save) -> datetime:
    """Answer the frozen paper: all right except ``wrong`` questions answered wrongly and ``blank`` left empty.

    :param save: ``save(attempt, position, response, seq, now)`` — the exam engine's autosave, as the page calls it.
    :return: the time of the last save.
    """
    items = attempt.paper["items"]
    positions = list(range(len(items)))
    missed = set(rng.sample(positions, wrong + blank))
    skipped = set(rng.sample(sorted(missed), blank))
    at = start
    for seq, pos in enumerate(positions, start=1):
        if pos in skipped:
            continue
        at += timedelta(seconds=rng.randint(8, 25))
        save(attempt, pos, _wrong(items[pos]) if pos in missed else _right(items[pos]), seq, at)
    return at


def seed_demo_activity(now: datetime | None = None) -> None:
    """Add the demo activity (flushes; the caller commits). Expects the data ``seed_demo`` just created."""
    now = (now or utcnow()).replace(microsecond=0)
    rng = random.Random(2026)
    enterprise_user, regulator, worker = _user("enterprise"), _user("regulator"), _user("worker")
    enterprise = enterprise_user.enterprise
    _spotcheck(regulator, enterprise, now - timedelta(hours=2), rng)
    _exam(enterprise_user, worker, enterprise, now, rng)
    _training(enterprise_user, worker, enterprise, now)


LESSONS = [
    (
        "《安全生产法》与企业主体责任",
        "生产经营单位的主要负责人是本单位安全生产第一责任人，对本单位的安全生产工作全面负责。",
    ),
    ("危险化学品重大危险源辨识与管控", "重大危险源应登记建档，定期检测、评估、监控，并制定应急预案。"),
    ("动火、受限空间作业事故案例", "特殊作业必须办理作业票证，落实“先通风、再检测、后作业”。"),
]


def _training(organiser: User, worker: User, enterprise, now: datetime) -> None:
    """A running online class of the enterprise's annual re-training: the safety managers have studied the first
    lesson (credited by heartbeats an hour ago), the worker 王建国 ten minutes of it — so the pages show hours."""
    year = to_user_timezone(now).year
    course = courses.create_course(
        title=f"{year}年度 危险化学品企业安全生产再培训",
        training_type=TrainingType.ANNUAL,
        posts=[Post.PRINCIPAL.value, Post.SAFETY_MANAGER.value],
        actor=organiser,
    )
    for title, body in LESSONS:
        courses.add_lesson(course, title=title, kind=LessonKind.TEXT, duration_minutes=20, body=body)
    today = to_user_timezone(now).date()
    training_class = classes.create_class(
        course=course,
        title=f"{year}年度 主要负责人和安全管理人员 再培训班",
        mode=ClassMode.ONLINE,
        starts_on=today - timedelta(days=7),
        ends_on=today + timedelta(days=30),
        required_hours=2,
        exam_template=_template(EXAM_TEMPLATE),
        actor=organiser,
    )
    managers = [e.person_id for e in _safety_managers(enterprise)]
    classes.enrol(training_class, [worker.person_id, *managers], actor=organiser)
    first = course.lessons[0]
    for n, (person_id, minutes) in enumerate([(worker.person_id, 10)] + [(p, 20) for p in managers]):
        _study(person_id, training_class, first, now - timedelta(hours=1), minutes, flag=n == 1)


#: The page takes a snapshot this long after it fell due.
LAG = timedelta(seconds=5)


def _study(person_id: int, training_class, lesson, start: datetime, minutes: int, *, flag: bool) -> None:
    """Study ``lesson`` for ``minutes`` from ``start`` with 人像抓拍 as the page does it: consent, the page's schedule,
    the start snapshot, one 5 s after each random moment within the minutes studied (the person's face placed
    elsewhere in the frame each time), and heartbeats every 30 s credited by the snapshot rule. ``flag``: the last
    snapshot shows someone else and is flagged as a face checker would (``FaceMatch("demo")``): the credit of its
    window is held (待复核) until the organiser's 复核. The last one whatever the server's draw: its window runs to
    the end of the minutes studied, past at least one heartbeat (the random moments end at 90 % of them), where an
    earlier one's might close before the next heartbeat."""
    context = SnapshotContext.LESSON
    token = study.open_lesson(person_id, training_class, lesson, now=start)
    consent.record_consent(
        person_id, context, training_class.id, True, title=training_class.title, actor=None, now=start
    )
    plan = schedule.open_plan(
        person_id, context, training_class.id, item_id=lesson.id, token=token, span_seconds=minutes * 60, now=start
    )
    moments = [start + timedelta(seconds=s) for s in plan.offsets]
    taken = 0

    def snap(at: datetime) -> None:
        nonlocal taken
        other = flag and all(m <= at for m in moments)  # the last: it covers every moment left
        hold = True if other else (None if taken == 0 else False)  # the start one as the page takes it
        shot = taking.take(
            plan, webcam_frame(person_id, taken, someone_else=other), max_bytes=1 << 20, now=at, hold=hold
        )
        taken += 1
        if other:
            face_checks.record_match(shot, FaceMatch("demo", 1, 1, 0.82, matched=False))

    snap(start)
    due = list(moments)
    for k in range(minutes * 2 + 1):
        at = start + timedelta(seconds=30 * k)
        while due and due[0] + LAG <= at:
            when = due.pop(0) + LAG
            if schedule.status(plan, when).due:  # two moments within 5 s: the one taken covers both
                snap(when)
        status = schedule.lesson_status(person_id, token, at)
        hold = status.window if status.held else None
        # scrolling as they read, answering each 还在学习吗？ prompt at once
        beat = study.heartbeat(
            person_id, Heartbeat(token, lesson.id, 0, snapshot_ok=status.ok, active=True), now=at, hold=hold
        )
        if beat.prompt:
            answer = Heartbeat(token, lesson.id, 0, snapshot_ok=status.ok, answer=beat.prompt)
            study.heartbeat(person_id, answer, now=at, hold=hold)


def _exam(organiser: User, worker: User, enterprise, now: datetime, rng: random.Random) -> None:
    managers = _safety_managers(enterprise)
    year = to_user_timezone(now).year
    sitting = sittings.create_sitting(
        _template(EXAM_TEMPLATE),
        title=f"{year}年度 主要负责人和安全管理人员 安全生产知识培训考试",
        kind=ExamKind.TRAINING,
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=7),
        person_ids=[worker.person_id] + [e.person_id for e in managers],
        actor=organiser,
    )
    # wrong / blank per colleague: ≤ 13 wrong of 1–1.5 points always passes (≥ 80), ≥ 21 always fails
    outcomes = [(5, 0), (9, 1), (22, 6)]
    for i, (employment, (wrong, blank)) in enumerate(zip(managers, outcomes)):
        started = now - timedelta(minutes=55 - 6 * i)
        attempt = starting.start_or_resume(
            sitting, employment.person_id, ip=f"192.168.10.{21 + i}", user_agent=PHONE_UA, now=started
        )
        last = _answer(
            attempt,
            wrong=wrong,
            blank=blank,
            rng=rng,
            start=started,
            save=lambda a, pos, resp, seq, at: autosave.save_answer(a, pos, resp, seq, at),
        )
        grading.submit(attempt, last + timedelta(seconds=40))


def _spotcheck(regulator: User, enterprise, opened: datetime, rng: random.Random) -> None:
    config = current_app.config
    local = to_user_timezone(opened)
    data = inspections.InspectionData(
        inspected_on=local.date(),
        inspectors="李明、王强",
        doc_number=f"（宁玄）应急检〔{local.year}〕17号",
        template=_template(SPOTCHECK_TEMPLATE),
        rule=dict(config["SPOTCHECK_SAMPLE_RULE"]),
        window_minutes=config["SPOTCHECK_WINDOW_MINUTES"],
        time_limit_minutes=config["SPOTCHECK_TIME_LIMIT_MINUTES"],
        pass_mark=config["SPOTCHECK_PASS_MARK"],
    )
    inspection = inspections.open_inspection(data, enterprise, actor=regulator, now=opened, seed=SPOTCHECK_SEED)

    # one special operator is out on a job: swapped for another of the same post, drawn from the seed
    absent = next(t for t in inspection.tickets if t.post == Post.SPECIAL_OPERATOR.value)
    inspections.swap_ticket(absent, actor=regulator, reason="外出作业，不在现场", now=opened + timedelta(minutes=3))
    db.session.refresh(inspection)

    present = [t for t in inspection.tickets if t.status is not TicketState.VOID]
    failing = next(t for t in present if t.post == Post.WORKER.value)
    at = opened + timedelta(minutes=5)
    for i, ticket in enumerate(present):
        person = ticket.person
        claimed = at + timedelta(minutes=i)
        tickets.confirm_identity(
            ticket, name=person.name, id_number=person.id_number, device=secrets.token_urlsafe(16), now=claimed
        )
        attempt = tickets.start_ticket_attempt(ticket, ip=f"192.168.1.{101 + i}", user_agent=PHONE_UA, now=claimed)
        wrong = 5 if ticket is failing else rng.choice((0, 0, 1, 1, 2))  # 10 × 10 points, pass mark 80
        last = _answer(
            attempt,
            wrong=wrong,
            blank=0,
            rng=rng,
            start=claimed,
            save=lambda a, pos, resp, seq, t: engine.save_answer(a, pos, resp, seq=seq, now=t),
        )
        tickets.submit_ticket(ticket, now=last + timedelta(seconds=20))
    inspections.close_inspection(inspection, actor=regulator, now=opened + timedelta(minutes=45))
