"""The bell: every role's alerts, beside the certificate reminders.

Two sources, one count. Certificate reminders stay what they are (``app.certificates.models.Notice``: 复审, 换证,
任职考核; written by ``certificates.send_reminders`` with their email copies). Everything else is an
:class:`~app.dashboards.models.Alert` written by :func:`collect` (beat, every 10 minutes), once per user, kind and
``ref`` (``INSERT … ON CONFLICT DO NOTHING``), however often it runs:

================ ======================================================================= ==========================
kind             when                                                                    to
================ ======================================================================= ==========================
``finding``      an 整改 finding not closed, its deadline within ``FINDING_DAYS`` days     the enterprise's admins,
                 or passed (once per finding and deadline)                                the person
``overdue``      findings past their deadline in the region (once a week, with the count) regulators
``exit``         a 退出 recommendation was made                                           the enterprise's admins,
                                                                                          the regulators over it, the
                                                                                          person
``snapshot``     a 人像抓拍 was flagged for 复核                                              the class's or exam's
                                                                                          organiser (its users)
``hours``        staff short of this year's 再培训 学时 (once a month, from the rollups)   the enterprise's admins
``import``       a roster or question-file import finished (or failed)                    who uploaded it
================ ======================================================================= ==========================

The page (``/alerts``) shows both, newest first; opening it marks them read. Functions flush; the task commits.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from app.auth.models import Role, User
from app.bank.models import BankImport, ImportState
from app.certificates import notice_text, reminders
from app.certificates.models import Notice
from app.core.db import conditional_update, first_row, insert_on_conflict, utcnow
from app.dashboards import snapshots
from app.dashboards.models import Alert, ExitRecommendation, ExitState, Rollup
from app.dashboards.window import month_start
from app.extensions import db
from app.people.models import ImportBatch, Person, SnapshotContext
from app.spotchecks.models import Finding, FindingState
from app.tenancy.models import Enterprise, Jurisdiction

#: A finding is alerted this many days before its deadline.
FINDING_DAYS = 3
#: Imports finished within this many hours are alerted (older ones were seen on their pages).
IMPORT_HOURS = 48


@dataclass(frozen=True)
class Item:
    """One line of the bell's page: an alert or a certificate reminder, as the reader reads it."""

    line: str
    link: str
    at: datetime
    unread: bool
    kind: str


def _add(user_ids, kind: str, ref: str, params: dict, link: str, due_on: date | None = None) -> int:
    written = 0
    for user_id in set(user_ids):
        stmt = (
            insert_on_conflict(db.session, Alert)
            .values(user_id=user_id, kind=kind, ref=ref, params=params, link=link, due_on=due_on, created_at=utcnow())
            .on_conflict_do_nothing(index_elements=["user_id", "kind", "ref"])
            .returning(Alert.id)
        )
        written += db.session.execute(stmt).scalar() is not None  # (rowcount is -1 here on PostgreSQL)
    return written


def _admins_of(enterprise_id: int) -> list[int]:
    return list(
        db.session.scalars(sa.select(User.id).where(User.role == Role.ENTERPRISE, User.enterprise_id == enterprise_id))
    )


def _logins_of(person_id: int) -> list[int]:
    return list(db.session.scalars(sa.select(User.id).where(User.role == Role.WORKER, User.person_id == person_id)))


def _regulators_over(region_code: str) -> list[int]:
    codes = {region_code[:2] + "0000", region_code[:4] + "00", region_code}
    return list(
        db.session.scalars(
            sa.select(User.id)
            .join(Jurisdiction, Jurisdiction.id == User.jurisdiction_id)
            .where(User.role == Role.REGULATOR, Jurisdiction.code.in_(codes))
        )
    )


def _findings(today: date) -> int:
    written = 0
    rows = db.session.execute(
        sa.select(Finding.id, Finding.enterprise_id, Finding.person_id, Finding.deadline, Person.name)
        .join(Person, Person.id == Finding.person_id)
        .where(Finding.status != FindingState.CLOSED, Finding.deadline <= today + timedelta(days=FINDING_DAYS))
    ).all()
    for finding_id, enterprise_id, person_id, deadline, name in rows:
        users = _admins_of(enterprise_id) + _logins_of(person_id)
        params = {"name": name, "deadline": deadline.isoformat()}
        written += _add(
            users, "finding", f"{finding_id}:{deadline}", params, f"/spotchecks/findings/{finding_id}", deadline
        )
    return written


def _overdue(today: date) -> int:
    """Regulators: the findings past their deadline in their region, once a week."""
    week = f"{today.isocalendar().year}-W{today.isocalendar().week:02d}"
    written = 0
    regulators = db.session.execute(
        sa.select(User.id, Jurisdiction.code)
        .join(Jurisdiction, Jurisdiction.id == User.jurisdiction_id)
        .where(User.role == Role.REGULATOR, User.active.is_(True))
    ).all()
    for user_id, code in regulators:
        prefix = code
        while prefix.endswith("00") and len(prefix) > 2:
            prefix = prefix[:-2]
        count = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Finding)
            .join(Enterprise, Enterprise.id == Finding.enterprise_id)
            .where(
                Finding.status != FindingState.CLOSED,
                Finding.deadline < today,
                Enterprise.region_code.startswith(prefix),
            )
        )
        if count:
            written += _add([user_id], "overdue", week, {"count": count}, "/dashboard/lists/findings_overdue")
    return written


def _exits() -> int:
    written = 0
    rows = db.session.execute(
        sa.select(ExitRecommendation, Enterprise.region_code, Person.name)
        .join(Enterprise, Enterprise.id == ExitRecommendation.enterprise_id)
        .join(Person, Person.id == ExitRecommendation.person_id)
        .where(ExitRecommendation.state == ExitState.OPEN)
    ).all()
    for item, region_code, name in rows:
        users = _admins_of(item.enterprise_id) + _regulators_over(region_code) + _logins_of(item.person_id)
        params = {"name": name, "failed_on": item.failed_on.isoformat()}
        written += _add(users, "exit", str(item.id), params, f"/dashboard/exits/{item.id}")
    return written


def _snapshots() -> int:
    """Flagged snapshots awaiting 复核, to the users of the organiser of their class or exam."""
    written = 0
    for row in db.session.execute(snapshots.with_organisers(snapshots.awaiting_review())):
        if row.enterprise_id is not None:
            users = _admins_of(row.enterprise_id)
        elif row.institution_id is not None:
            users = list(
                db.session.scalars(
                    sa.select(User.id).where(User.role == Role.INSTITUTION, User.institution_id == row.institution_id)
                )
            )
        else:
            continue  # the authority's own events: its regulators review them from the sitting's page
        name = db.session.get(Person, row.person_id).name
        context = SnapshotContext(row.context)
        if context is SnapshotContext.LESSON:
            link = f"/training/classes/{row.ref_id}/members/{row.person_id}/snapshots"
        else:
            link = f"/exams/attempts/{row.ref_id}"
        written += _add(users, "snapshot", str(row.snapshot_id), {"name": name, "context": context.value}, link)
    return written


def _hours(today: date) -> int:
    """Enterprises whose staff are short of this year's 再培训 学时 (the rollup of the month), once a month."""
    written = 0
    month = month_start(today)
    rows = db.session.execute(
        sa.select(Rollup.enterprise_id, Rollup.num, Rollup.den).where(
            Rollup.metric == "retraining", Rollup.month == month, Rollup.den > Rollup.num
        )
    ).all()
    for enterprise_id, num, den in rows:
        params = {"short": den - num, "year": today.year}
        written += _add(_admins_of(enterprise_id), "hours", f"{enterprise_id}:{month:%Y-%m}", params, "/training/hours")
    return written


def _imports(now: datetime) -> int:
    written = 0
    since = now - timedelta(hours=IMPORT_HOURS)
    for batch in db.session.scalars(
        sa.select(ImportBatch).where(ImportBatch.state.in_(("ready", "failed")), ImportBatch.created_at >= since)
    ):
        params = {"file": batch.filename, "rows": batch.row_count, "failed": batch.state == "failed"}
        written += _add([batch.user_id], "import", f"roster:{batch.id}", params, f"/people/import/{batch.token}")
    for item in db.session.scalars(
        sa.select(BankImport).where(
            BankImport.state.in_((ImportState.DONE, ImportState.FAILED)),
            BankImport.created_at >= since,
            BankImport.user_id.is_not(None),
        )
    ):
        params = {"file": item.filename, "rows": item.question_count, "failed": item.state is ImportState.FAILED}
        written += _add([item.user_id], "import", f"bank:{item.id}", params, f"/bank/{item.bank_id}")
    return written


def collect(now: datetime, today: date) -> int:
    """Write every alert due now (each once); returns how many were written."""
    written = _findings(today) + _overdue(today) + _exits() + _snapshots() + _hours(today) + _imports(now)
    db.session.flush()
    return written


# ---------------------------------------------------------------- reading


def wording(alert: Alert) -> str:
    p = alert.params or {}
    match alert.kind:
        case "finding":
            return _(
                "整改提醒：%(name)s 的整改期限为 %(deadline)s", name=p.get("name", ""), deadline=p.get("deadline", "")
            )
        case "overdue":
            return _("辖区内有 %(n)s 项整改已逾期", n=p.get("count", 0))
        case "exit":
            return _(
                "退出建议：%(name)s 12个月内逢查必考两次不合格（%(date)s），请调离岗位或重新培训并补考",
                name=p.get("name", ""),
                date=p.get("failed_on", ""),
            )
        case "snapshot":
            return _("人像抓拍待复核：%(name)s", name=p.get("name", ""))
        case "hours":
            return _("%(n)s 名在岗人员 %(year)s 年度再培训学时不足", n=p.get("short", 0), year=p.get("year", ""))
        case "import":
            if p.get("failed"):
                return _("导入失败：%(file)s", file=p.get("file", ""))
            return _("导入完成：%(file)s（%(rows)s 行）", file=p.get("file", ""), rows=p.get("rows", 0))
    return alert.kind


def unread_count(user_id: int) -> int:
    """The bell's number: unread certificate reminders and alerts, in one statement (every page's header asks: the
    statement is built once and runs prepared, building it cost more than running it)."""
    row = first_row(db.session.connection(), _unread_statement(), {"bell_user": user_id})
    return int(row[0] or 0) if row is not None else 0


@functools.cache
def _unread_statement() -> sa.Select:
    unread = [
        sa.select(sa.func.count())
        .select_from(model)
        .where(model.user_id == sa.bindparam("bell_user"), model.read_at.is_(None))
        for model in (Notice, Alert)
    ]
    return sa.select(unread[0].scalar_subquery() + unread[1].scalar_subquery())


def items_for(user_id: int, limit: int = 100) -> list[Item]:
    """The bell's page: alerts and certificate reminders, newest first."""
    items = [
        Item(wording(a), a.link, a.created_at, a.read_at is None, a.kind)
        for a in db.session.scalars(
            sa.select(Alert).where(Alert.user_id == user_id).order_by(Alert.id.desc()).limit(limit)
        )
    ]
    for notice in reminders.notices_for(user_id, limit):
        text = notice_text.wording(notice)
        items.append(
            Item(text.line, text.path, notice.created_at, notice.read_at is None, f"certificate.{notice.kind}")
        )
    items.sort(key=lambda item: (item.unread, item.at), reverse=True)
    return items[:limit]


def top_for(user_id: int, limit: int = 5) -> list[Item]:
    """A home page's alerts: unread first, then the newest."""
    return items_for(user_id, 50)[:limit]


def mark_read(user_id: int, shown_at: datetime) -> None:
    """全部标为已读: what the user's page showed — alerts and reminders that arrived by ``shown_at`` (UTC), not one
    that came in while the page was open, which the user has not seen."""
    db.session.execute(
        conditional_update(Alert)
        .where(Alert.user_id == user_id, Alert.read_at.is_(None), Alert.created_at <= shown_at)
        .values(read_at=utcnow())
    )
    reminders.mark_read(user_id, shown_at)
    db.session.flush()
