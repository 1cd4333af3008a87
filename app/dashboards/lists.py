"""The lists behind the figures: the rows of a metric (:mod:`app.dashboards.metrics`) for a place, filtered,
paginated, with the columns a user reads, and the same rows as an xlsx file. A figure's value is the count of its
list (rates: all rows are the denominator, ``?hit=1`` the numerator)."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _
from openpyxl import Workbook
from sqlalchemy import orm as so

from app.archive.models import ArchiveEvent
from app.auth.models import User
from app.certificates.issuing.numbering import masked_number
from app.certificates.models import Certificate
from app.certificates.status_sql import next_due_expr, status_expr
from app.core.clock import format_local
from app.core.errors import DomainError
from app.dashboards import labels, scope
from app.dashboards.metric_base import current_staff
from app.dashboards.metrics import METRICS
from app.dashboards.models import ExitRecommendation
from app.dashboards.scope import Place
from app.dashboards.staff_metrics import Retraining
from app.dashboards.tiles import FIGURES
from app.dashboards.window import Ctx
from app.exams.models import Attempt
from app.exams.practical.models import PracticalAttempt
from app.extensions import db
from app.people.models import Employment, Person, Snapshot
from app.spotchecks.models import Finding, SpotCheckTicket
from app.tenancy.models import Enterprise

#: Rows an xlsx export holds at most (the file says so when there were more).
EXPORT_MAX = 50_000
#: People the 再培训 list counts at once (their 学时 are summed in Python, batch by batch).
RETRAINING_MAX = 20_000


@dataclass(frozen=True)
class Filters:
    """``hit``: 1 (the numerator's rows), 0 (the others), None (all); ``dim``; ``month`` (event metrics)."""

    hit: int | None = None
    dim: str | None = None
    month: date | None = None


@dataclass
class ListPage:
    title: str
    columns: list[str]
    rows: list[list]
    total: int
    hits: int | None
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _link(text: str, endpoint: str, **values) -> tuple[str, str]:
    return (text, url_for(endpoint, **values))


def _person(person: Person) -> tuple[str, str]:
    return _link(person.name, "people.person", person_id=person.id)


def _yes(flag) -> str:
    return _("是") if flag else _("否")


def _by_id(model, ids, *options) -> dict:
    if not ids:
        return {}
    return {obj.id: obj for obj in db.session.scalars(sa.select(model).options(*options).where(model.id.in_(ids)))}


def _enterprises(rows) -> dict[int, str]:
    ids = {r.enterprise_id for r in rows}
    return (
        dict(db.session.execute(sa.select(Enterprise.id, Enterprise.name).where(Enterprise.id.in_(ids))).all())
        if ids
        else {}
    )


# ---------------------------------------------------------------- one builder per unit of rows


def _employment_rows(metric: str, rows, ctx: Ctx) -> tuple[list[str], list[list]]:
    employments = _by_id(Employment, [r.employment_id for r in rows], so.joinedload(Employment.person))
    names = _enterprises(rows)
    operations = labels.operation_names()
    held: dict[int, list[tuple[Certificate, str]]] = {}
    if metric == "licensed" and rows:
        status = status_expr(ctx.book, ctx.today)
        for cert, st in db.session.execute(
            sa.select(Certificate, status).where(Certificate.person_id.in_({r.person_id for r in rows}))
        ):
            held.setdefault(cert.person_id, []).append((cert, st))
    out = []
    for r in rows:
        e = employments[r.employment_id]
        cells = [names.get(r.enterprise_id, ""), _person(e.person), e.post.label]
        cells.append(f"{e.operation_code} {operations.get(e.operation_code, '')}".strip() if e.operation_code else "")
        if metric == "licensed":
            covering = [
                (c, st)
                for c, st in held.get(r.person_id, [])
                if (c.kind.value == "special_operator" and c.item == (e.operation_code or ""))
                or (c.kind.value == "manager" and c.category == e.post.value)
            ]
            cells.append(_yes(r.hit))
            cells.append("；".join(f"{masked_number(c.number)} {st.label}" for c, st in covering))
        else:
            cells.append(e.start_date.isoformat())
        out.append(cells)
    if metric == "licensed":
        columns = [_("企业"), _("姓名"), _("岗位"), _("操作项目"), _("持证上岗"), _("相关证书（今日状态）")]
    else:
        columns = [_("企业"), _("姓名"), _("岗位"), _("操作项目"), _("任职日期")]
    return columns, out


def _attempt_rows(metric: str, rows, ctx: Ctx) -> tuple[list[str], list[list]]:
    names, operations = _enterprises(rows), labels.operation_names()
    out = []
    if metric == "practical_first":
        attempts = _by_id(PracticalAttempt, [r.ref_id for r in rows], so.joinedload(PracticalAttempt.person))
        for r in rows:
            a = attempts[r.ref_id]
            out.append(
                [
                    names.get(r.enterprise_id, ""),
                    _person(a.person),
                    labels.dim_label(metric, r.dim, operations),
                    a.exam_on.isoformat(),
                    f"{a.score:g}" if a.score is not None else "",
                    _("合格") if a.passed else _("不合格"),
                ]
            )
        return [_("企业"), _("姓名"), _("操作项目"), _("考试日期"), _("成绩"), _("结果")], out
    if metric == "gate_overrides":
        events = _by_id(ArchiveEvent, [r.ref_id for r in rows])
        persons = _by_id(Person, {r.person_id for r in rows})
        for r in rows:
            payload = json.loads(events[r.ref_id].payload)
            out.append(
                [
                    names.get(r.enterprise_id, ""),
                    _person(persons[r.person_id]),
                    format_local(events[r.ref_id].at),
                    payload.get("title", ""),
                    payload.get("reason", ""),
                ]
            )
        return [_("企业"), _("姓名"), _("时间"), _("考试"), _("放行原因")], out
    attempts = _by_id(Attempt, [r.ref_id for r in rows], so.joinedload(Attempt.person))
    for r in rows:
        a = attempts[r.ref_id]
        out.append(
            [
                names.get(r.enterprise_id, ""),
                _person(a.person),
                labels.dim_label(metric, r.dim, operations),
                format_local(a.graded_at),
                f"{a.score:g}" if a.score is not None else "",
                _("合格") if a.passed else _("不合格"),
            ]
        )
    return [_("企业"), _("姓名"), _("科目"), _("评分时间"), _("成绩"), _("结果")], out


def _ticket_rows(metric: str, rows, ctx: Ctx) -> tuple[list[str], list[list]]:
    tickets = _by_id(
        SpotCheckTicket,
        [r.ticket_id for r in rows],
        so.joinedload(SpotCheckTicket.person),
        so.joinedload(SpotCheckTicket.inspection),
    )
    names = _enterprises(rows)
    out = []
    for r in rows:
        t = tickets[r.ticket_id]
        out.append(
            [
                names.get(r.enterprise_id, ""),
                _link(t.inspection.inspected_on.isoformat(), "spotchecks.inspection", inspection_id=t.inspection_id),
                t.inspection.doc_number,
                _person(t.person),
                _("未参加") if t.absent else (f"{t.score:g}" if t.score is not None else ""),
                _("合格") if t.passed else _("不合格"),
            ]
        )
    return [_("企业"), _("检查日期"), _("执法文书号"), _("姓名"), _("成绩"), _("结果")], out


def _finding_rows(metric: str, rows, ctx: Ctx) -> tuple[list[str], list[list]]:
    findings = _by_id(Finding, [r.finding_id for r in rows], so.joinedload(Finding.person))
    names = _enterprises(rows)
    out = []
    for r in rows:
        f = findings[r.finding_id]
        out.append(
            [
                names.get(r.enterprise_id, ""),
                _person(f.person),
                _link(f.deadline.isoformat(), "spotchecks.finding", finding_id=f.id),
                f.status.label,
                _yes(f.is_overdue(ctx.today)),
            ]
        )
    return [_("企业"), _("姓名"), _("整改期限"), _("状态"), _("逾期")], out


def _certificate_rows(metric: str, rows, ctx: Ctx) -> tuple[list[str], list[list]]:
    ids = [r.certificate_id for r in rows]
    found = {}
    if ids:
        for cert, status, due in db.session.execute(
            sa.select(Certificate, status_expr(ctx.book, ctx.today), next_due_expr(ctx.book))
            .options(so.joinedload(Certificate.person))
            .where(Certificate.id.in_(ids))
        ):
            found[cert.id] = (cert, status, due)
    names = _enterprises(rows)
    out = []
    for r in rows:
        cert, status, due = found[r.certificate_id]
        out.append(
            [
                names.get(r.enterprise_id, ""),
                _person(cert.person),
                _link(cert.kind.label, "certificates.detail", cert_id=cert.id),
                cert.item_name,
                cert.valid_to.isoformat(),
                due.isoformat() if due else "",
                status.label,
            ]
        )
    return [_("企业"), _("持证人"), _("证书"), _("项目"), _("有效期至"), _("下一事项日期"), _("今日状态")], out


def _snapshot_rows(metric: str, rows, ctx: Ctx) -> tuple[list[str], list[list]]:
    snaps = _by_id(Snapshot, [r.snapshot_id for r in rows])
    persons = _by_id(Person, {r.person_id for r in rows})
    names = _enterprises(rows)
    out = [
        [
            names.get(r.enterprise_id, ""),
            _person(persons[r.person_id]),
            snaps[r.snapshot_id].context.label,
            format_local(snaps[r.snapshot_id].taken_at),
        ]
        for r in rows
    ]
    return [_("企业"), _("姓名"), _("场景"), _("抓拍时间")], out


def _exit_rows(metric: str, rows, ctx: Ctx) -> tuple[list[str], list[list]]:
    exits = _by_id(ExitRecommendation, [r.exit_id for r in rows], so.joinedload(ExitRecommendation.person))
    names = _enterprises(rows)
    out = []
    for r in rows:
        x = exits[r.exit_id]
        out.append(
            [
                names.get(r.enterprise_id, ""),
                _person(x.person),
                _link(x.failed_on.isoformat(), "dashboards.exit_page", exit_id=x.id),
                x.state.label,
                x.action.label if x.action else "",
            ]
        )
    return [_("企业"), _("姓名"), _("第二次不合格日期"), _("状态"), _("处理方式")], out


BUILDERS = {
    "licensed": _employment_rows,
    "managers_overdue": _employment_rows,
    "theory_first": _attempt_rows,
    "practical_first": _attempt_rows,
    "gate_overrides": _attempt_rows,
    "spotcheck": _ticket_rows,
    "findings_open": _finding_rows,
    "findings_overdue": _finding_rows,
    "certs_due_60": _certificate_rows,
    "certs_due_90": _certificate_rows,
    "certs_lapsed": _certificate_rows,
    "certs_suspended": _certificate_rows,
    "snapshots_flagged": _snapshot_rows,
    "credit_held": _snapshot_rows,
    "exits_open": _exit_rows,
}
#: The order of each unit's rows in a list.
ORDER = {
    "employment": "employment_id",
    "attempt": "ref_id",
    "practical_attempt": "ref_id",
    "override": "ref_id",
    "ticket": "ticket_id",
    "finding": "finding_id",
    "certificate": "certificate_id",
    "snapshot": "snapshot_id",
    "exit": "exit_id",
}


def list_page(
    key: str, user: User, place: Place, ctx: Ctx, filters: Filters = Filters(), *, page: int = 1, per_page: int = 50
) -> ListPage:
    """One page of the rows behind figure ``key`` for ``place``, with the total (and, for rates, the hits)."""
    title = str(FIGURES[key].title)
    enterprises = scope.enterprise_ids(user, place)
    if key == "retraining":
        return _retraining_page(title, ctx, enterprises, filters, page, per_page)
    metric = METRICS[key]
    sub = metric.rows(ctx, enterprises).subquery()
    conditions = []
    if filters.hit is not None:
        conditions.append(sub.c.hit == filters.hit)
    if filters.dim is not None:
        conditions.append(sub.c.dim == filters.dim)
    if filters.month is not None and metric.timing == "event":
        conditions.append(sub.c.month == filters.month)
    counts = db.session.execute(
        sa.select(sa.func.count(), sa.func.sum(sub.c.hit)).select_from(sub).where(*conditions)
    ).one()
    total, hits = int(counts[0]), int(counts[1] or 0)
    order = sub.c[ORDER[metric.unit]]
    found = db.session.execute(
        sa.select(sub)
        .where(*conditions)
        .order_by(sub.c.enterprise_id, order)
        .limit(per_page)
        .offset((max(page, 1) - 1) * per_page)
    ).all()
    columns, rows = BUILDERS[key](key, found, ctx)
    if not columns:
        columns = [_("企业")]
    return ListPage(title, columns, rows, total, hits if metric.kind == "rate" else None, page, per_page)


def _retraining_page(title, ctx: Ctx, enterprises, filters: Filters, page: int, per_page: int) -> ListPage:
    """The 学时台账 of everyone in post, by the ledger's rule in Python (``hours_between`` per batch): at most
    ``RETRAINING_MAX`` people at once — a province's list asks to drill down first (its tile reads the rollups)."""
    staff = db.session.scalar(sa.select(sa.func.count()).select_from(Employment).where(*current_staff(enterprises)))
    if staff > RETRAINING_MAX:
        raise DomainError("dashboards.drill_down", n=RETRAINING_MAX)
    lines = Retraining().lines(ctx, enterprises)
    if filters.hit is not None:
        lines = [line for line in lines if int(Retraining.complete(line[1], line[2])) == filters.hit]
    hits = sum(1 for _e, required, done in lines if Retraining.complete(required, done))
    start = (max(page, 1) - 1) * per_page
    chosen = lines[start : start + per_page]
    persons = _by_id(Person, {e.person_id for e, _r, _d in chosen})
    rows = [
        [
            e.enterprise.name,
            _person(persons[e.person_id]),
            e.post.label,
            f"{required:g}",
            f"{done:g}",
            _yes(Retraining.complete(required, done)),
        ]
        for e, required, done in chosen
    ]
    columns = [_("企业"), _("姓名"), _("岗位"), _("要求学时"), _("已记学时"), _("已完成")]
    return ListPage(title, columns, rows, len(lines), hits, page, per_page)


def xlsx(key: str, user: User, place: Place, ctx: Ctx, filters: Filters = Filters()) -> bytes:
    """Every row of the list (up to ``EXPORT_MAX``) as an xlsx workbook, with the figure's definition at the end."""
    book = Workbook()
    sheet = book.active
    sheet.title = str(FIGURES[key].title)[:31]
    first = list_page(key, user, place, ctx, filters, page=1, per_page=1000)
    sheet.append(first.columns)
    written, page = 0, first
    while True:
        for row in page.rows:
            sheet.append([cell[0] if isinstance(cell, tuple) else cell for cell in row])
        written += len(page.rows)
        if written >= page.total or written >= EXPORT_MAX or not page.rows:
            break
        page = list_page(key, user, place, ctx, filters, page=page.page + 1, per_page=1000)
    figure = FIGURES[key]
    sheet.append([])
    sheet.append([_("共计"), first.total] + ([_("其中计入分子"), first.hits] if first.hits is not None else []))
    if written < first.total:
        sheet.append([_("仅导出前 %(n)s 行", n=written)])
    sheet.append([_("口径"), figure.tooltip()])
    sheet.append([_("范围"), place.name, _("统计日"), ctx.today.isoformat()])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
