"""实操评分表 as data: the scoring items (科目) of each 操作项目 — code, name, points, 否决项 — versioned by the day a
version takes effect. A practical sitting freezes the items of the version in force on its exam day
(:func:`sheet_in_force`), so a version used by a sitting is never edited: a change is a new version
(:func:`save_sheet` with a later ``valid_from``), and each version's ``valid_to`` is the day before the next one's.

The platform admin maintains them beside the rule tables (``/exams/practical/sheets``). Functions flush; the view or
command commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa

from app.core.errors import DomainError
from app.exams import messages as _messages  # noqa: F401  (registers the exam codes)
from app.exams.practical.models import PracticalSitting, ScoreItem, ScoreSheet
from app.extensions import db
from app.rules.models import Operation

#: Points are entered in steps of half a point (on the sheet and by the examiners).
STEP = Decimal("0.5")
#: A practical exam is marked out of 100 (DOMAIN.md §2.2), so the pass mark of the rule table means what it says.
TOTAL = Decimal(100)
#: ``valid_from`` of a version in force since always (as the rule tables store it).
ALWAYS = date(2000, 1, 1)


@dataclass(frozen=True)
class ItemData:
    """One scoring item as entered: points as typed (text or a number)."""

    code: str
    name: str
    max_points: object
    critical: bool = False


def points(value, *, step: Decimal = STEP) -> Decimal | None:
    """``value`` (text or number) as a number of points in steps of ``step``; None when it is not one."""
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite() or number % step != 0:
        return None
    return number


def sheet_in_force(operation_code: str, on: date) -> ScoreSheet | None:
    """The version of ``operation_code``'s score sheet in force on ``on`` (the latest that started by then)."""
    return db.session.scalars(
        sa.select(ScoreSheet)
        .where(
            ScoreSheet.operation_code == operation_code,
            ScoreSheet.valid_from <= on,
            sa.or_(ScoreSheet.valid_to.is_(None), ScoreSheet.valid_to >= on),
        )
        .order_by(ScoreSheet.valid_from.desc())
    ).first()


def all_sheets() -> list[ScoreSheet]:
    """Every version, by 操作项目 (in catalogue order) and date."""
    sheets = db.session.scalars(sa.select(ScoreSheet)).all()
    return sorted(sheets, key=lambda s: (_code_key(s.operation_code), s.valid_from))


def _code_key(code: str) -> tuple[int, ...]:
    return tuple(int(part) for part in code.split(".") if part.isdigit())


def in_use(sheet: ScoreSheet) -> bool:
    """True once a practical sitting has frozen this version's items."""
    return bool(
        db.session.scalar(
            sa.select(sa.func.count()).select_from(PracticalSitting).where(PracticalSitting.sheet_id == sheet.id)
        )
    )


def _checked_items(items: list[ItemData]) -> list[ScoreItem]:
    """The entered rows as items (blank rows skipped), or the first problem as a DomainError."""
    out: list[ScoreItem] = []
    seen: set[str] = set()
    for n, item in enumerate(items, start=1):
        code, name, raw = item.code.strip(), item.name.strip(), str(item.max_points or "").strip()
        if not (code or name or raw):
            continue
        value = points(raw) if raw else None
        if not code or not name or value is None or value <= 0 or len(code) > 10 or len(name) > 100:
            raise DomainError("sheet.item", http_status=400, n=n)
        if code in seen:
            raise DomainError("sheet.duplicate_code", http_status=400, code=code)
        seen.add(code)
        out.append(
            ScoreItem(position=len(out), code=code, name=name, max_points=float(value), critical=bool(item.critical))
        )
    if not out:
        raise DomainError("sheet.items", http_status=400)
    total = sum(Decimal(str(i.max_points)) for i in out)
    if total != TOTAL:
        raise DomainError("sheet.total", http_status=400, total=f"{float(total):g}")
    return out


def save_sheet(
    sheet: ScoreSheet | None,
    *,
    operation_code: str,
    title: str,
    valid_from: date,
    items: list[ItemData],
    note: str = "",
) -> ScoreSheet:
    """Create a version (``sheet`` None) or change one no sitting has used yet; then re-chain the versions of the
    操作项目 (each ends the day before the next begins).

    :raises DomainError: ``sheet.unknown_operation``, ``sheet.in_use`` (a used version: save a new version),
        ``sheet.overlap`` (another version starts that day), ``sheet.item``, ``sheet.duplicate_code``,
        ``sheet.items``, ``sheet.total`` (the items must add up to 100).
    """
    known = db.session.scalar(sa.select(sa.func.count()).select_from(Operation).where(Operation.code == operation_code))
    if not known:
        raise DomainError("sheet.unknown_operation", http_status=400)
    if sheet is not None and in_use(sheet):
        raise DomainError("sheet.in_use")
    checked = _checked_items(items)
    clash = db.session.scalars(
        sa.select(ScoreSheet).where(ScoreSheet.operation_code == operation_code, ScoreSheet.valid_from == valid_from)
    ).first()
    if clash is not None and clash is not sheet:
        raise DomainError("sheet.overlap", operation=operation_code, date=valid_from.isoformat())
    if sheet is None:
        sheet = ScoreSheet(operation_code=operation_code)
        db.session.add(sheet)
    sheet.operation_code, sheet.title, sheet.valid_from = operation_code, title.strip()[:120], valid_from
    sheet.note = (note or "").strip()[:300]
    if sheet.items:  # the old rows go first: the new ones may reuse their codes (unique per sheet)
        sheet.items.clear()
        db.session.flush()
    sheet.items = checked
    db.session.flush()
    _rechain(operation_code)
    return sheet


def _rechain(operation_code: str) -> None:
    versions = db.session.scalars(
        sa.select(ScoreSheet).where(ScoreSheet.operation_code == operation_code).order_by(ScoreSheet.valid_from)
    ).all()
    for current, following in zip(versions, [*versions[1:], None]):
        current.valid_to = following.valid_from - timedelta(days=1) if following is not None else None
    db.session.flush()


# ---------------------------------------------------------------- reference data

#: Score sheets seeded for a few 操作项目 (DOMAIN.md §4: 4 科目 K1–K4, 100 points, pass 80). The point splits and the
#: 否决项 are the ones commonly used by exam centres — typical, NOT an official 考核标准: check them against the
#: province's standard and edit them on the score-sheet page (a new version when one has been used).
TYPICAL_NOTE = "常见分值划分（参考），非官方考核标准；请按本省考核标准核对"
DEFAULT_SHEETS: list[tuple[str, str, list[tuple[str, str, int, bool]]]] = [
    (
        "1.2",
        "低压电工作业 实际操作考试评分表",
        [
            ("K1", "安全用具使用", 20, False),
            ("K2", "安全操作技术", 40, True),  # 否决项: 触电、短路、带电接线等
            ("K3", "作业现场安全隐患排除", 20, False),
            ("K4", "作业现场应急处置", 20, False),
        ],
    ),
    (
        "2.1",
        "熔化焊接与热切割作业 实际操作考试评分表",
        [
            ("K1", "焊接与热切割安全用具使用", 10, False),
            ("K2", "焊接与热切割安全操作技术", 50, True),  # 否决项: 未经检查动火、引发火灾等
            ("K3", "作业现场安全隐患排除", 20, False),
            ("K4", "作业现场应急处置", 20, False),
        ],
    ),
    (
        "3.2",
        "高处安装、维护、拆除作业 实际操作考试评分表",
        [
            ("K1", "安全防护用品使用", 20, True),  # 否决项: 未正确系挂安全带等
            ("K2", "安全操作技术", 40, True),  # 否决项: 高处坠落、坠物伤人等
            ("K3", "作业现场安全隐患排除", 20, False),
            ("K4", "作业现场应急处置", 20, False),
        ],
    ),
]


def seed_score_sheets() -> int:
    """Add the default score sheet of each 操作项目 in :data:`DEFAULT_SHEETS` that has none (idempotent; never
    touches a sheet that exists). :return: how many were added."""
    have = set(db.session.scalars(sa.select(ScoreSheet.operation_code)))
    added = 0
    for code, title, rows in DEFAULT_SHEETS:
        if code in have:
            continue
        save_sheet(
            None,
            operation_code=code,
            title=title,
            valid_from=ALWAYS,
            items=[ItemData(*row) for row in rows],
            note=TYPICAL_NOTE,
        )
        added += 1
    return added
