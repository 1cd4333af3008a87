"""面授 attendance rules with a fixed clock: the class's dates in its region's zone, nothing in the future, the daily
cap across classes and with the day's online credit, who and why, and corrections after the day that only a second
person applies — each step in the 一人一档."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from app.archive.models import ArchiveEvent
from app.auth.models import Role
from app.core.errors import DomainError
from app.extensions import db
from app.training import classes, hours, sign_in
from app.training.attendance import corrections, daily_budget, entry_rules, recording
from app.training.models import (
    Attendance,
    AttendanceCorrection,
    AttendanceDay,
    ClassMode,
    CorrectionState,
    StudyCredit,
)
from tests.training.world import offline_class

NOV_20_AFTERNOON = datetime(2026, 11, 20, 8, 0)  # 16:00 in Shanghai
NOV_22 = datetime(2026, 11, 22, 2, 0)  # 10:00 in Shanghai: the 20th is over


def record(training_class, world, minutes=90, *, on=date(2026, 11, 20), now=NOV_20_AFTERNOON, label="上午", **kw):
    return recording.record(
        training_class,
        world.person.id,
        session_date=on,
        session_label=label,
        minutes=minutes,
        actor=kw.pop("actor", world.organiser),
        reason=kw.pop("reason", "纸质签到表"),
        now=now,
        **kw,
    )


def refusal(call, *, rollback: bool = False) -> DomainError:
    """The rule's refusal of ``call``; with ``rollback``, the transaction is rolled back as the view would (for a
    refusal after writes, such as an approval whose application is refused)."""
    with pytest.raises(DomainError) as refused:
        call()
    if rollback:
        db.session.rollback()
    return refused.value


def kinds(person_id) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(ArchiveEvent.kind).where(ArchiveEvent.person_id == person_id).order_by(ArchiveEvent.seq)
        )
    )


def day_minutes(person_id, day) -> int:
    return db.session.scalar(
        sa.select(AttendanceDay.minutes).where(AttendanceDay.person_id == person_id, AttendanceDay.day == day)
    )


@pytest.fixture
def world(training_world):
    training_world.supervisor = None
    return training_world


# ---------------------------------------------------------------- dates


def test_an_entry_outside_the_class_dates_is_refused(world):
    offline = offline_class(world)
    before = refusal(lambda: record(offline, world, on=date(2026, 11, 15), now=datetime(2026, 11, 15, 8)))
    after = refusal(lambda: record(offline, world, on=date(2026, 11, 28), now=datetime(2026, 11, 28, 8)))
    assert before.code == after.code == "attendance.outside_class"
    assert before.message == "2026-11-15 不在班次日期内（2026-11-16 至 2026-11-27）"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attendance)) == 0


def test_an_entry_for_a_day_still_to_come_is_refused(world):
    offline = offline_class(world)
    refused = refusal(lambda: record(offline, world, on=date(2026, 11, 21)))  # recorded on the 20th
    assert (refused.code, refused.message) == ("attendance.future", "不能记录尚未到来的日期（2026-11-21）的考勤")


def test_today_is_the_class_regions_day_not_the_servers(world, factory):
    """At 16:30 UTC it is already the 21st in Shanghai but still the 20th in Urumqi (UTC+6): the same entry for the
    21st is today in a Nanjing class and the future in a class of a region that keeps Xinjiang time."""
    west = factory.jurisdiction("650100", "乌鲁木齐市")
    west.time_zone = "Asia/Urumqi"
    late = datetime(2026, 11, 20, 16, 30)
    nanjing = offline_class(world, "南京面授班")
    record(nanjing, world, on=date(2026, 11, 21), now=late)
    urumqi = offline_class(world, "乌鲁木齐面授班")
    urumqi.region_code = west.code
    db.session.flush()
    assert entry_rules.class_today(urumqi, late) == date(2026, 11, 20)
    assert refusal(lambda: record(urumqi, world, on=date(2026, 11, 21), now=late, label="下午")).code == (
        "attendance.future"
    )


# ---------------------------------------------------------------- the daily cap and online credit


def test_the_daily_cap_counts_the_persons_entries_of_every_class(world, factory):
    first = offline_class(world, "面授一班")
    other_organiser = factory.enterprise_admin(world.enterprise)
    second = offline_class(world, "面授二班", actor=other_organiser)
    record(first, world, 300)  # 300 of the day's 360 面授 minutes (8 学时 × 45)
    over = refusal(lambda: record(second, world, 90, actor=other_organiser))
    assert over.code == "attendance.daily_cap"
    assert over.message == (
        "超过每日学时上限：2026-11-20 已记面授 6.667 学时、网络学习 0 学时，上限 8 学时，最多还能记面授 60 分钟"
    )
    record(second, world, 60, actor=other_organiser)
    assert day_minutes(world.person.id, date(2026, 11, 20)) == 360
    assert hours.class_minutes(world.person.id, second.id) == (0, 60)


def test_an_entry_may_not_overlap_the_days_online_credit(world):
    """The online ledger has seconds per day, no times: the day's 面授 and online 学时 together stay within the cap."""
    blended = offline_class(world, "混合班", mode=ClassMode.BLENDED)
    lesson = world.course.lessons[1]
    db.session.add(  # two hours studied online that day, as the crediting rule writes them: 4 学时 of 30 minutes
        StudyCredit(
            person_id=world.person.id, class_id=blended.id, lesson_id=lesson.id, day=date(2026, 11, 20), seconds=7200
        )
    )
    db.session.flush()
    overlap = refusal(lambda: record(blended, world, 200))
    assert overlap.code == "attendance.online_overlap"
    assert "已有网络学习 4 学时" in overlap.message and "最多还能记面授 180 分钟" in overlap.message
    record(blended, world, 180)  # 4 + 4 学时: the cap exactly
    assert daily_budget.day_budget(world.person.id, date(2026, 11, 20)).left_minutes == 0


def test_the_cap_is_a_rule_of_the_region(world):
    from app.rules.models import Rule

    db.session.add(Rule(key="attendance.daily_cap_hours", label="上限", value=6, unit="学时", region_code="320102"))
    db.session.flush()
    offline = offline_class(world)
    assert refusal(lambda: record(offline, world, 300)).code == "attendance.daily_cap"  # 6 × 45 = 270
    record(offline, world, 270)


# ---------------------------------------------------------------- who and why


def test_every_entry_keeps_who_recorded_it_and_why(world):
    offline = offline_class(world)
    assert refusal(lambda: record(offline, world, reason="  ")).code == "attendance.reason"
    entry = record(offline, world, reason="签到机故障，以纸质签到表为准")
    assert (entry.recorded_by_id, entry.reason, entry.recorded_at) == (
        world.organiser.id,
        "签到机故障，以纸质签到表为准",
        NOV_20_AFTERNOON,
    )
    event = db.session.scalars(sa.select(ArchiveEvent).where(ArchiveEvent.kind == "training.attended")).one()
    assert event.actor_id == world.organiser.id and "签到机故障" in event.payload


# ---------------------------------------------------------------- corrections after the day


@pytest.fixture
def after_the_day(world, factory):
    """A 面授 class with one entry of the 20th, seen on the 22nd; the organiser's colleague who is its 负责人, another
    colleague who is not, the regulator of the city and one of another city."""
    offline = offline_class(world)
    entry = record(offline, world, 90)
    world.offline, world.entry = offline, entry
    world.supervisor = factory.user(Role.ENTERPRISE, enterprise_id=world.enterprise.id, supervisor=True)
    world.colleague = factory.user(Role.ENTERPRISE, enterprise_id=world.enterprise.id)
    world.regulator = factory.regulator("320100")
    world.far_regulator = factory.regulator("320500")
    return world


def test_after_the_day_an_entry_is_not_recorded_directly(after_the_day):
    w = after_the_day
    refused = refusal(lambda: record(w.offline, w, 45, label="下午", now=NOV_22))
    assert refused.code == "attendance.after_day"
    assert refused.message == "2026-11-20 已经过去：更正须提交申请，由负责人或监管部门批准"
    with pytest.raises(DomainError) as change:
        recording.change(w.entry, minutes=45, actor=w.organiser, reason="记错", now=NOV_22)
    assert change.value.code == "attendance.after_day"


def test_a_late_entry_is_applied_only_when_a_second_person_approves_it(after_the_day):
    w = after_the_day
    asked = corrections.enter(
        w.offline,
        w.person.id,
        session_date=date(2026, 11, 20),
        session_label="下午",
        minutes=135,
        actor=w.organiser,
        reason="下午签到表漏录",
        now=NOV_22,
    )
    assert isinstance(asked, AttendanceCorrection) and asked.state is CorrectionState.PENDING
    assert hours.class_minutes(w.person.id, w.offline.id) == (0, 90)  # nothing counted while it waits
    for not_second in (w.organiser, w.colleague, w.far_regulator):
        with pytest.raises(DomainError) as refused:
            corrections.approve(asked, actor=not_second, now=NOV_22)
        assert refused.value.code == "correction.not_approver"
    corrections.approve(asked, actor=w.supervisor, note="与纸质签到表核对无误", now=NOV_22)
    assert asked.state is CorrectionState.APPROVED and asked.decided_by_id == w.supervisor.id
    entry = db.session.get(Attendance, asked.attendance_id)
    assert (entry.minutes, entry.recorded_by_id, entry.correction_id) == (135, w.organiser.id, asked.id)
    assert day_minutes(w.person.id, date(2026, 11, 20)) == 225
    again = refusal(lambda: corrections.approve(asked, actor=w.regulator, now=NOV_22))
    assert again.code == "correction.decided"
    assert kinds(w.person.id)[-3:] == [
        "attendance.correction_requested",
        "attendance.correction_approved",
        "training.attended",
    ]


def test_the_supervising_regulator_approves_a_withdrawal_and_the_day_gets_its_minutes_back(after_the_day):
    w = after_the_day
    asked = corrections.correct(w.entry, minutes=0, actor=w.organiser, reason="该学员当天请假，误录", now=NOV_22)
    assert asked.kind.value == "withdraw" and asked.old_minutes == 90
    corrections.approve(asked, actor=w.regulator, now=NOV_22)
    assert db.session.get(Attendance, w.entry.id) is None
    assert day_minutes(w.person.id, date(2026, 11, 20)) == 0
    assert kinds(w.person.id)[-1] == "training.attendance_withdrawn"


def test_a_rejection_needs_a_note_and_changes_nothing(after_the_day):
    w = after_the_day
    asked = corrections.correct(w.entry, minutes=180, actor=w.organiser, reason="实际上了一整个上午", now=NOV_22)
    assert refusal(lambda: corrections.reject(asked, actor=w.regulator, note="", now=NOV_22)).code == "correction.note"
    asked = db.session.get(AttendanceCorrection, asked.id)
    corrections.reject(asked, actor=w.regulator, note="录像显示 10:30 离场", now=NOV_22)
    assert asked.state is CorrectionState.REJECTED
    assert db.session.get(Attendance, w.entry.id).minutes == 90
    assert kinds(w.person.id)[-1] == "attendance.correction_rejected"


def test_approval_checks_the_rules_again_and_refuses_a_day_filled_meanwhile(after_the_day):
    """Two requests for the same past day each fit alone; once the first is applied the second would break the cap:
    approving it is refused and it stays pending (the approval rolled back whole)."""
    w = after_the_day
    first, second = (
        corrections.request_correction(
            w.offline,
            w.person.id,
            session_date=date(2026, 11, 20),
            session_label=label,
            minutes=240,
            actor=w.organiser,
            reason="漏录",
            now=NOV_22,
        )
        for label in ("下午", "晚上")
    )
    corrections.approve(first, actor=w.supervisor, now=NOV_22)
    db.session.commit()
    refused = refusal(lambda: corrections.approve(second, actor=w.supervisor, now=NOV_22), rollback=True)
    assert refused.code == "attendance.daily_cap"
    assert db.session.get(AttendanceCorrection, second.id).state is CorrectionState.PENDING
    assert day_minutes(w.person.id, date(2026, 11, 20)) == 330


def test_on_the_day_the_organiser_corrects_alone(world):
    offline = offline_class(world)
    entry = record(offline, world, 180)
    changed = corrections.correct(entry, minutes=120, actor=world.organiser, reason="提前下课", now=NOV_20_AFTERNOON)
    assert changed.minutes == 120 and day_minutes(world.person.id, date(2026, 11, 20)) == 120
    assert "training.attendance_changed" in kinds(world.person.id)


# ---------------------------------------------------------------- sign-in sheets


def sheet(*rows, title: str | None = None) -> bytes:
    book = Workbook()
    if title:
        book.active.append([title])
    book.active.append(["证件号码", "日期", "场次", "时长（分钟）"])
    for row in rows:
        book.active.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_sheet_over_the_daily_cap_is_refused_whole_naming_the_rows(world):
    offline = offline_class(world)
    number = world.person.id_number
    data = sheet(
        (number, "2026-11-20", "上午", 180),
        (number, "2026-11-20", "下午", 180),
        (number, "2026-11-20", "晚上", 45),
        (number, "2026-11-21", "上午", 45),
        title="第一期面授签到表",
    )
    with pytest.raises(DomainError) as refused:
        sign_in.import_sheet(offline, data, actor=world.organiser, reason="第一期签到表", now=NOV_20_AFTERNOON)
    assert refused.value.message == (
        "签到表有 2 行有误，未导入任何记录：第 5 行：超过当天学时上限（面授与网络学习合计），最多还能记 0 分钟；"
        "第 6 行：日期尚未到来"
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attendance)) == 0


def test_a_sheets_rows_of_a_past_day_become_corrections_with_the_files_hash(world):
    offline = offline_class(world)
    number = world.person.id_number
    data = sheet((number, "2026-11-20", "上午", 180), (number, "2026-11-21", "上午", 180))
    result = sign_in.import_sheet(
        offline, data, actor=world.organiser, reason="第一期签到表", now=datetime(2026, 11, 21, 9)
    )
    assert (result.recorded, result.requested) == (1, 1)
    (entry,) = db.session.scalars(sa.select(Attendance)).all()
    (asked,) = db.session.scalars(sa.select(AttendanceCorrection)).all()
    assert (entry.session_date, entry.source, entry.reason) == (date(2026, 11, 21), "sheet", "第一期签到表")
    assert entry.sheet_sha256 == asked.sheet_sha256 and len(entry.sheet_sha256) == 64
    assert (asked.session_date, asked.source, asked.state) == (date(2026, 11, 20), "sheet", CorrectionState.PENDING)


def test_a_sheet_reads_dates_as_people_type_them(world):
    """The 日期 shapes of real sheets (``app.core.dates``): 年月日 with full-width digits, an Excel serial in a
    number cell, a datetime as a CSV export prints it."""
    offline = offline_class(world)
    serial = (date(2026, 11, 20) - date(1899, 12, 30)).days
    shapes = ("２０２６年１１月２０日", serial, "2026/11/20 00:00:00")
    data = sheet(*[(world.person.id_number, day, label, 30) for day, label in zip(shapes, ("一", "二", "三"))])
    result = sign_in.import_sheet(offline, data, actor=world.organiser, reason="签到表", now=NOV_20_AFTERNOON)
    assert result.recorded == 3
    assert {e.session_date for e in db.session.scalars(sa.select(Attendance))} == {date(2026, 11, 20)}


def test_a_sheet_reads_ids_as_exports_hold_them(world, factory):
    """WPS/Excel shapes: a title row, an ID with spaces, a 15-digit first-generation ID stored as a number."""
    from tests.factories import make_id_number

    offline = offline_class(world)
    old = factory.employ(world.enterprise, name="老身份证", id_number=make_id_number("320102", date(1968, 3, 4), 35))
    classes.enrol(offline, [old.person.id], actor=world.organiser)
    fifteen = int(old.person.id_number[:6] + old.person.id_number[8:17])  # 320102680304035, as a number cell
    spaced = " ".join(world.person.id_number[i : i + 6] for i in range(0, 18, 6))
    data = sheet((spaced, "2026-11-20", "上午", 90), (fifteen, "2026-11-20", "上午", 90), title="签到表")
    result = sign_in.import_sheet(offline, data, actor=world.organiser, reason="签到表", now=NOV_20_AFTERNOON)
    assert result.recorded == 2
    assert hours.class_minutes(old.person.id, offline.id) == (0, 90)
