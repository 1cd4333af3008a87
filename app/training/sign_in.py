"""面授 sign-in sheet import: an xlsx (or csv) with one row per trainee and session — 证件号码, 日期, 场次 (optional),
时长（分钟） — read with the roster import's bounds (bytes, unpacked size, rows, columns). Every bad row is reported
with its row number and reason, the attendance rules included (the class's dates, not in the future, the daily cap
with the person's other entries and online study, the sheet's own rows of the same day); nothing is stored unless
the whole sheet is valid. Rows of today are recorded; rows of a day already over become correction requests for a
second person to approve (``app.training.attendance``). Functions flush; the view commits."""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from app.core.clock import utcnow
from app.core.dates import parse_date
from app.core.errors import DomainError
from app.core.messages import message_for
from app.extensions import db
from app.people.identifiers import IdentifierError, id_number_from_cell, parse_resident_id
from app.people.models import IdType
from app.people.services import find_person
from app.people.table_files import FileUnreadable, read_table
from app.training.attendance import corrections, daily_budget, entry_rules, recording
from app.training.models import Attendance, ClassMode, Enrolment, TrainingClass

HEADERS = {"证件号码": "id_number", "身份证号": "id_number", "身份证号码": "id_number", "公民身份号码": "id_number"}
HEADERS |= {"日期": "date", "培训日期": "date", "场次": "label", "时长（分钟）": "minutes", "时长(分钟)": "minutes"}
HEADERS |= {"时长": "minutes", "姓名": "name"}
REQUIRED = ("id_number", "date", "minutes")


@dataclass(frozen=True)
class SheetRow:
    row: int
    person_id: int
    session_date: date
    label: str
    minutes: int


@dataclass(frozen=True)
class SheetResult:
    recorded: int
    requested: int


def _header(table: list[list[object]]) -> tuple[int, dict[str, int]] | None:
    """The first row (of the first ten: exports put a title above) naming the required columns."""
    for index, values in enumerate(table[:10]):
        cells = [re.sub(r"\s+", "", str(v)) if v is not None else "" for v in values]
        found: dict[str, int] = {}
        for i, cell in enumerate(cells):
            key = HEADERS.get(cell.lstrip("*"))
            if key and key not in found:
                found[key] = i
        if all(k in found for k in REQUIRED):
            return index, found
    return None


def parse_sheet(
    training_class: TrainingClass, data: bytes, *, filename: str = "sheet.xlsx", now: datetime | None = None
) -> tuple[list[SheetRow], list[tuple[int, str]]]:
    """The sheet's valid rows and the (row number, reason) of every other row (blank rows are skipped).

    :raises DomainError: ``sheet.invalid`` for a file that is no readable table or names no required column.
    """
    now = now or utcnow()
    try:
        table = read_table(data, filename)
    except FileUnreadable as exc:
        raise DomainError("sheet.invalid", http_status=400, detail=message_for(exc.code, exc.params)) from None
    header = _header(table)
    if header is None:
        raise DomainError("sheet.invalid", http_status=400, detail=_("缺少表头：证件号码、日期、时长（分钟）"))
    header_index, columns = header
    enrolled = set(db.session.scalars(sa.select(Enrolment.person_id).where(Enrolment.class_id == training_class.id)))
    today = entry_rules.class_today(training_class, now)
    good, errors = [], []
    for number, values in enumerate(table[header_index + 1 :], start=header_index + 2):
        cell = {key: (values[i] if i < len(values) else None) for key, i in columns.items()}
        if all(v is None or str(v).strip() == "" for v in cell.values()):
            continue
        reason, person = None, None
        try:
            parsed = parse_resident_id(id_number_from_cell(cell["id_number"]))
            person = find_person(IdType.RESIDENT_ID, parsed.number)
        except IdentifierError as exc:
            reason = message_for(exc.code, {"value": ""}) if exc.code == "id.stored_as_number" else _("证件号码无效")
        if reason is None and (person is None or person.id not in enrolled):
            reason = _("不是本班次学员")
        session_date = parse_date(cell["date"])
        minutes = _int(cell["minutes"])
        if reason is None and session_date is None:
            reason = _("日期无效")
        elif reason is None and not training_class.starts_on <= session_date <= training_class.ends_on:
            reason = _("日期不在班次日期内")
        elif reason is None and session_date > today:
            reason = _("日期尚未到来")
        if reason is None and not (minutes and 0 < minutes <= entry_rules.MAX_ENTRY_MINUTES):
            reason = _("时长应为 1 到 600 分钟")
        if reason:
            errors.append((number, reason))
            continue
        label = str(cell.get("label") or "").strip()[:40]
        good.append(SheetRow(number, person.id, session_date, label, minutes))
    return _check_days(training_class, good, errors)


def _check_days(training_class: TrainingClass, rows: list[SheetRow], errors: list) -> tuple[list, list]:
    """Duplicates within the sheet and of recorded sessions, and the daily cap of each person's day with every
    earlier row of the sheet (so a sheet that would go over is refused whole, naming the rows that go over)."""
    seen: dict[tuple, int] = {}
    used: dict[tuple[int, date], int] = defaultdict(int)
    good = []
    for row in rows:
        key = (row.person_id, row.session_date, row.label)
        if key in seen:
            errors.append((row.row, _("与第 %(row)s 行重复", row=seen[key])))
            continue
        seen[key] = row.row
        recorded = db.session.scalar(
            sa.select(Attendance.id).where(
                Attendance.class_id == training_class.id,
                Attendance.person_id == row.person_id,
                Attendance.session_date == row.session_date,
                Attendance.session_label == row.label,
            )
        )
        if recorded is not None:
            errors.append((row.row, message_for("attendance.duplicate")))
            continue
        budget = daily_budget.day_budget(row.person_id, row.session_date, region_code=training_class.region_code)
        day = (row.person_id, row.session_date)
        if used[day] + row.minutes > budget.left_minutes:
            left = max(0, budget.left_minutes - used[day])
            errors.append((row.row, _("超过当天学时上限（面授与网络学习合计），最多还能记 %(left)s 分钟", left=left)))
            continue
        used[day] += row.minutes
        good.append(row)
    return good, sorted(errors)


def _int(value) -> int | None:
    try:
        number = float(str(value).strip())
    except (TypeError, ValueError):
        return None
    return int(number) if number.is_integer() else None


def import_sheet(
    training_class: TrainingClass,
    data: bytes,
    *,
    actor,
    reason: str,
    filename: str = "sheet.xlsx",
    now: datetime | None = None,
) -> SheetResult:
    """Record every row of a valid sheet (``source="sheet"``, the import's ``reason`` and the file's sha256): today's
    rows at once, those of a day already over as correction requests.

    :raises DomainError: ``sheet.rows`` with the row errors (nothing stored), ``sheet.invalid``,
        ``attendance.online_class``, ``attendance.reason``, and a rule's refusal if the day changed meanwhile.
    """
    now = now or utcnow()
    if training_class.mode is ClassMode.ONLINE:
        raise DomainError("attendance.online_class")
    if not (reason or "").strip():
        raise DomainError("attendance.reason", http_status=400)
    rows, errors = parse_sheet(training_class, data, filename=filename, now=now)
    if errors:
        detail = "；".join(_("第 %(row)s 行：%(reason)s", row=row, reason=why) for row, why in errors[:20])
        raise DomainError("sheet.rows", http_status=400, detail=detail, count=len(errors))
    if not rows:
        raise DomainError("sheet.invalid", http_status=400, detail=_("没有考勤记录"))
    sha256 = hashlib.sha256(data).hexdigest()
    recorded = requested = 0
    for row in rows:
        common = {"minutes": row.minutes, "session_label": row.label, "actor": actor, "reason": reason}
        common |= {"source": "sheet", "sheet_sha256": sha256, "now": now}
        try:
            if entry_rules.is_after_the_day(training_class, row.session_date, now):
                corrections.request_correction(training_class, row.person_id, session_date=row.session_date, **common)
                requested += 1
            else:
                recording.record(training_class, row.person_id, session_date=row.session_date, **common)
                recorded += 1
        except DomainError as exc:  # the day changed since the check (another entry): say which row
            raise DomainError(
                "sheet.rows",
                http_status=409,
                detail=_("第 %(row)s 行：%(reason)s", row=row.row, reason=exc.message),
                count=1,
            ) from None
    return SheetResult(recorded=recorded, requested=requested)
