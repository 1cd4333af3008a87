"""面授 sign-in sheet import: an xlsx with one row per trainee and session — 证件号码, 日期, 场次 (optional),
时长（分钟）. Every bad row is reported with its row number and reason; nothing is stored unless the whole sheet is
valid. Functions flush; the view commits."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from openpyxl import load_workbook

from app.core.errors import DomainError
from app.extensions import db
from app.people.identifiers import IdentifierError, parse_resident_id
from app.people.models import IdType
from app.people.services import find_person
from app.training.classes import record_attendance
from app.training.models import Enrolment, TrainingClass

HEADERS = {"证件号码": "id_number", "身份证号": "id_number", "日期": "date", "场次": "label", "时长（分钟）": "minutes"}
HEADERS |= {"时长(分钟)": "minutes", "时长": "minutes"}


@dataclass(frozen=True)
class SheetRow:
    row: int
    person_id: int
    session_date: date
    label: str
    minutes: int


def parse_sheet(training_class: TrainingClass, data: bytes) -> tuple[list[SheetRow], list[tuple[int, str]]]:
    """The sheet's valid rows and the (row number, reason) of every other row (blank rows are skipped)."""
    try:
        sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
    except Exception as exc:  # a broken or non-xlsx file: one message, no stack trace
        raise DomainError("sheet.invalid", http_status=400, detail=type(exc).__name__) from None
    rows = sheet.iter_rows(values_only=True)
    columns: dict[str, int] = {}
    header_row = 0
    for number, values in enumerate(rows, start=1):
        cells = [str(v).strip() if v is not None else "" for v in values]
        found = {HEADERS[c]: i for i, c in enumerate(cells) if c in HEADERS}
        if "id_number" in found and "date" in found and "minutes" in found:
            columns, header_row = found, number
            break
    if not columns:
        raise DomainError("sheet.invalid", http_status=400, detail=_("缺少表头：证件号码、日期、时长（分钟）"))
    enrolled = set(db.session.scalars(sa.select(Enrolment.person_id).where(Enrolment.class_id == training_class.id)))
    good, errors = [], []
    for number, values in enumerate(rows, start=header_row + 1):
        cell = {key: (values[i] if i < len(values) else None) for key, i in columns.items()}
        if all(v in (None, "") for v in cell.values()):
            continue
        reason = None
        person = None
        try:
            parsed = parse_resident_id(str(cell["id_number"] or ""))
            person = find_person(IdType.RESIDENT_ID, parsed.number)
        except IdentifierError:
            reason = _("证件号码无效")
        if reason is None and (person is None or person.id not in enrolled):
            reason = _("不是本班次学员")
        session_date = _date(cell["date"])
        if reason is None and session_date is None:
            reason = _("日期无效")
        minutes = _int(cell["minutes"])
        if reason is None and not (minutes and 0 < minutes <= 600):
            reason = _("时长应为 1 到 600 分钟")
        if reason:
            errors.append((number, reason))
            continue
        label = str(cell.get("label") or "").strip()[:40]
        good.append(SheetRow(number, person.id, session_date, label, minutes))
    seen: dict[tuple, int] = {}
    for row in good:
        key = (row.person_id, row.session_date, row.label)
        if key in seen:
            errors.append((row.row, _("与第 %(row)s 行重复", row=seen[key])))
        seen.setdefault(key, row.row)
    return good, sorted(errors)


def _date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value or "").strip().replace("/", "-").replace(".", "-")
    try:
        return date.fromisoformat("-".join(part.zfill(2) for part in text.split("-")))
    except ValueError:
        return None


def _int(value) -> int | None:
    try:
        return int(float(str(value).strip()))
    except (TypeError, ValueError):
        return None


def import_sheet(training_class: TrainingClass, data: bytes, *, actor) -> int:
    """Record every row of a valid sheet as attendance (``source="sheet"``); returns how many.

    :raises DomainError: ``sheet.rows`` with the row errors (nothing stored), ``sheet.invalid``, and
        ``attendance.*`` (e.g. a session already recorded).
    """
    rows, errors = parse_sheet(training_class, data)
    if errors:
        detail = "；".join(_("第 %(row)s 行：%(reason)s", row=row, reason=reason) for row, reason in errors[:20])
        raise DomainError("sheet.rows", http_status=400, detail=detail, count=len(errors))
    for row in rows:
        record_attendance(
            training_class,
            row.person_id,
            session_date=row.session_date,
            session_label=row.label,
            minutes=row.minutes,
            actor=actor,
            source="sheet",
        )
    return len(rows)
