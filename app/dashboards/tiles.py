"""The tiles of a dashboard: what each figure means (numerator, denominator, date — shown in its tooltip, the PDF
and docs/dashboards.md) and its value for a place.

A region's figures add up the region rollups (one query for the whole page; state figures as of the last nightly
run, event figures over the 12 months ending with it); one enterprise's are counted live from the same metric rows
(:mod:`app.dashboards.metrics`), so they are always today's. The list behind each figure counts the same rows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.auth.models import User
from app.core.clock import local_today
from app.dashboards import rollups, scope
from app.dashboards.metrics import METRICS
from app.dashboards.models import RegionRollup, Rollup
from app.dashboards.scope import Place
from app.dashboards.window import Ctx
from app.extensions import db
from app.tenancy.models import HIGH_RISK_INDUSTRIES, Enterprise, Jurisdiction

TODAY = _l("今天")
WINDOW = _l("截至今天的最近12个月（含本月）")


@dataclass(frozen=True)
class FigureDef:
    """One figure: its metric key, a title, and its definition."""

    key: str
    title: object
    numerator: object
    denominator: object | None
    date: object

    @property
    def is_rate(self) -> bool:
        return self.denominator is not None

    @property
    def list_endpoint(self) -> str:
        return f"dashboards.list_{self.key}"

    def tooltip(self) -> str:
        parts = [f"{_l('分子')}：{self.numerator}"]
        if self.denominator is not None:
            parts.append(f"{_l('分母')}：{self.denominator}")
        parts.append(f"{_l('日期')}：{self.date}")
        return "；".join(str(p) for p in parts)


FIGURES: dict[str, FigureDef] = {
    f.key: f
    for f in (
        FigureDef(
            "licensed",
            _l("持证上岗率"),
            _l("其中持有覆盖本岗位、今天仍有效（有效、待换证、待复审）证书的人数"),
            _l("在岗特种作业人员，及高危行业企业的主要负责人、安全生产管理人员（按现任职单位计）"),
            TODAY,
        ),
        FigureDef(
            "retraining",
            _l("本年度再培训完成率"),
            _l("其中本年度已记学时达到本岗位年度再培训要求的人数（学时台账口径）"),
            _l("全部在岗人员（按现任职单位计）"),
            _l("今年1月1日至今天"),
        ),
        FigureDef(
            "theory_first",
            _l("理论考试首次通过率"),
            _l("其中首次考试即合格的人次"),
            _l("资格、复审、培训、班次考试中，考生在同一科目上的首次考试（已评分）人次"),
            WINDOW,
        ),
        FigureDef(
            "practical_first",
            _l("实操考试首次通过率"),
            _l("其中合格的人次"),
            _l("实际操作考试的首次考试（同一理论合格后的第1次，已评分）人次"),
            WINDOW,
        ),
        FigureDef(
            "spotcheck",
            _l("逢查必考合格率"),
            _l("其中合格的人次"),
            _l("检查日期在期间内的逢查必考测试已评分人次（含缺考）"),
            WINDOW,
        ),
        FigureDef("findings_open", _l("整改未销号"), _l("未销号的整改问题"), None, TODAY),
        FigureDef("findings_overdue", _l("整改逾期"), _l("已过整改期限仍未销号的整改问题"), None, TODAY),
        FigureDef(
            "certs_due_60",
            _l("60天内到期换证"),
            _l("今天仍有效、下一事项（复审、换证、延期换证）在60天内到期的证书（在岗人员持有）"),
            None,
            TODAY,
        ),
        FigureDef(
            "certs_due_90",
            _l("90天内到期换证"),
            _l("今天仍有效、下一事项在90天内到期的证书（在岗人员持有）"),
            None,
            TODAY,
        ),
        FigureDef(
            "certs_lapsed",
            _l("已失效证书"),
            _l("近365天内过期、失效或逾期未复审的证书（在岗人员持有）"),
            None,
            TODAY,
        ),
        FigureDef("certs_suspended", _l("暂扣证书"), _l("处于暂扣状态的证书（在岗人员持有）"), None, TODAY),
        FigureDef(
            "managers_overdue",
            _l("任职超6个月未取证"),
            _l("高危行业企业主要负责人、安全生产管理人员，任职已满考核期限仍无有效合格证的人数"),
            None,
            TODAY,
        ),
        FigureDef(
            "snapshots_flagged",
            _l("人像抓拍待复核"),
            _l("人脸比对未通过、尚未复核的抓拍（在岗人员）"),
            None,
            TODAY,
        ),
        FigureDef(
            "credit_held",
            _l("暂缓计入的学时"),
            _l("因抓拍待比对或待复核而暂缓计入学时的抓拍（在岗人员）"),
            None,
            TODAY,
        ),
        FigureDef(
            "gate_overrides",
            _l("学时不足放行"),
            _l("学时不足经组织方登记原因放行参加资格/复审考试的人次（在岗人员）"),
            None,
            WINDOW,
        ),
        FigureDef(
            "exits_open", _l("退出建议未办结"), _l("逢查必考12个月内两次不合格、尚未办结的退出建议"), None, TODAY
        ),
    )
}


@dataclass(frozen=True)
class TileDef:
    key: str
    title: object
    figures: tuple[str, ...]
    #: ``dim``: a bar per dim of the first figure; ``month``: its rate per month (the trend).
    chart: str | None = None


TILES: tuple[TileDef, ...] = (
    TileDef("licensed", _l("持证上岗"), ("licensed", "managers_overdue"), chart="dim"),
    TileDef("retraining", _l("再培训"), ("retraining",)),
    TileDef("theory_first", _l("理论考试首次通过率"), ("theory_first",), chart="dim"),
    TileDef("practical_first", _l("实操考试首次通过率"), ("practical_first",), chart="dim"),
    TileDef("spotcheck", _l("逢查必考"), ("spotcheck",), chart="month"),
    TileDef("findings", _l("整改"), ("findings_open", "findings_overdue")),
    TileDef("certs_due", _l("证书到期"), ("certs_due_60", "certs_due_90", "certs_lapsed", "certs_suspended")),
    TileDef("integrity", _l("学习真实性"), ("snapshots_flagged", "credit_held", "gate_overrides")),
    TileDef("exits", _l("退出机制"), ("exits_open",)),
)


@dataclass
class Value:
    """A figure's value: ``num`` of ``den`` (rates) or ``num``; broken down by dim and by month."""

    num: int = 0
    den: int = 0
    by_dim: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    by_month: dict[date, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))

    def add(self, dim: str, month: date, num: int, den: int) -> None:
        self.num += num
        self.den += den
        self.by_dim[dim][0] += num
        self.by_dim[dim][1] += den
        self.by_month[month][0] += num
        self.by_month[month][1] += den

    @property
    def rate(self) -> float | None:
        return self.num / self.den if self.den else None


@dataclass
class Figures:
    """Every figure of a place: ``values[key]``; ``as_of`` the day they were counted; ``live`` when counted now."""

    values: dict[str, Value]
    ctx: Ctx
    as_of: date | None
    live: bool

    def __getitem__(self, key: str) -> Value:
        return self.values[key]


def _empty() -> dict[str, Value]:
    return {key: Value() for key in METRICS}


def region_ctx() -> Ctx | None:
    """The window of the region figures: the day of the last full refresh (None before any)."""
    run = rollups.latest_run("full")
    return Ctx.on(run.as_of) if run is not None else None


def region_figures(place: Place, keys=None, ctx: Ctx | None = None) -> Figures:
    """A region's figures from the region rollups (one query; ``keys``: only these metrics)."""
    ctx = ctx or region_ctx()
    values = _empty()
    if ctx is None:
        return Figures(values, Ctx.on(local_today()), None, False)
    keys = list(keys or METRICS)
    state = [k for k in keys if METRICS[k].timing == "state"]
    event = [k for k in keys if METRICS[k].timing == "event"]
    rr = RegionRollup
    query = (
        sa.select(rr.metric, rr.dim, rr.month, sa.func.sum(rr.num), sa.func.sum(rr.den))
        .where(
            scope.region_condition(rr.region_code, place),
            sa.or_(
                sa.and_(rr.metric.in_(state), rr.month == ctx.month),
                sa.and_(rr.metric.in_(event), rr.month >= ctx.months[0], rr.month <= ctx.month),
            ),
        )
        .group_by(rr.metric, rr.dim, rr.month)
    )
    for metric, dim, month, num, den in db.session.execute(query):
        values[metric].add(dim, month, int(num or 0), int(den or 0))
    return Figures(values, ctx, ctx.today, False)


def live_figures(user: User, place: Place, keys=None, today: date | None = None) -> Figures:
    """One enterprise's figures, counted now from the metric rows."""
    ctx = Ctx.on(today or local_today())
    values = _empty()
    enterprises = list(db.session.scalars(scope.enterprise_ids(user, place)))  # the scope, then the day's statements
    for key in keys or METRICS:
        for agg in METRICS[key].aggregate(ctx, enterprises):
            values[key].add(str(agg.dim), agg.month, agg.num, agg.den)
    return Figures(values, ctx, ctx.today, True)


def figures_for(user: User, place: Place, keys=None) -> Figures:
    return region_figures(place, keys) if place.is_region else live_figures(user, place, keys)


# ---------------------------------------------------------------- drilling down


@dataclass
class ChildRow:
    """A region or enterprise one level below the place, with its key figures."""

    label: str
    args: dict
    values: dict[str, Value]


#: The figures of the drill-down table.
CHILD_FIGURES = ("licensed", "spotcheck", "findings_open", "certs_due_60", "managers_overdue", "exits_open")


#: Enterprises of a district's drill-down table per page (a district may hold thousands).
CHILD_PAGE = 50


@dataclass
class Children:
    """The drill-down table: the rows shown, and — in a district, whose enterprises come a page at a time, the
    lowest 持证上岗率 first — the page (``page``, ``pages``, ``total``, ``has_prev``/``prev_num``, ``has_next``/
    ``next_num``, as the list pages' pager reads them)."""

    rows: list[ChildRow]
    page: Any = None

    @property
    def total(self) -> int:
        return self.page.total if self.page is not None else len(self.rows)


def children(place: Place, ctx: Ctx | None = None, page: int = 1) -> Children:
    """The regions (province → cities → districts) or, in a district, one page of the enterprises below ``place``,
    each with its key figures from the rollups."""
    ctx = ctx or region_ctx()
    if ctx is None or not place.is_region:
        return Children([])
    state = [k for k in CHILD_FIGURES if METRICS[k].timing == "state"]
    event = [k for k in CHILD_FIGURES if METRICS[k].timing == "event"]
    if place.level == "district":
        return _enterprise_page(place, ctx, page, state, event)
    r = RegionRollup
    width = {"nation": 2, "province": 4, "city": 6}[place.level]
    key_col = sa.func.substr(r.region_code, 1, width)
    cells = _child_cells(r, key_col, scope.region_condition(r.region_code, place), ctx, state, event)
    codes = {k: k.ljust(6, "0") for k in cells}
    names = dict(
        db.session.execute(
            sa.select(Jurisdiction.code, Jurisdiction.name).where(Jurisdiction.code.in_(list(codes.values())))
        ).all()
    )
    rows = []
    for key, values in cells.items():
        code = codes[key]
        label = names.get(code, code)
        if code == place.region_code:
            label = f"{label}（{_l('本级')}）"
        rows.append(ChildRow(label, {"region": code}, values))
    rows.sort(key=lambda row: row.args["region"])
    return Children(rows)


def _window(r, ctx: Ctx, state: list[str], event: list[str]) -> sa.ColumnElement[bool]:
    """The rollup rows the drill-down table reads: the state figures of the month, the event figures of the window."""
    return sa.or_(
        sa.and_(r.metric.in_(state), r.month == ctx.month),
        sa.and_(r.metric.in_(event), r.month >= ctx.months[0], r.month <= ctx.month),
    )


def _child_cells(r, key_col, where, ctx: Ctx, state: list[str], event: list[str]) -> dict[object, dict[str, Value]]:
    query = (
        sa.select(key_col, r.metric, sa.func.sum(r.num), sa.func.sum(r.den))
        .where(where, _window(r, ctx, state, event))
        .group_by(key_col, r.metric)
    )
    cells: dict[object, dict[str, Value]] = defaultdict(lambda: {k: Value() for k in CHILD_FIGURES})
    for key, metric, num, den in db.session.execute(query):
        cells[key][metric].add("", ctx.month, int(num or 0), int(den or 0))
    return cells


def _enterprise_page(place: Place, ctx: Ctx, page: int, state: list[str], event: list[str]) -> Children:
    """One page of a district's enterprises (those with figures in the window), ordered in SQL by 持证上岗率 (lowest
    first; none last), then name: only the page's figures are read and built."""
    r = Rollup
    in_district = r.region_code.startswith(place.prefix)
    licensed = sa.and_(r.metric == "licensed", r.month == ctx.month)
    keys = (
        sa.select(
            r.enterprise_id.label("enterprise_id"),
            sa.func.sum(sa.case((licensed, r.num), else_=0)).label("num"),
            sa.func.sum(sa.case((licensed, r.den), else_=0)).label("den"),
        )
        .where(in_district, _window(r, ctx, state, event))
        .group_by(r.enterprise_id)
        .subquery()
    )
    rate = sa.case((keys.c.den > 0, sa.cast(keys.c.num, sa.Float) / keys.c.den), else_=2.0)
    ordered = (
        sa.select(keys.c.enterprise_id)
        .join(Enterprise, Enterprise.id == keys.c.enterprise_id)
        .order_by(rate, Enterprise.name, keys.c.enterprise_id)
    )
    shown = db.paginate(ordered, page=max(1, page), per_page=CHILD_PAGE, error_out=False, max_per_page=CHILD_PAGE)
    ids = list(shown.items)
    names = dict(db.session.execute(sa.select(Enterprise.id, Enterprise.name).where(Enterprise.id.in_(ids))).all())
    cells = _child_cells(r, r.enterprise_id, sa.and_(in_district, r.enterprise_id.in_(ids)), ctx, state, event)
    return Children([ChildRow(names[k], {"enterprise": k}, cells[k]) for k in ids], shown)


def dim_label(metric: str, dim: str, operations: dict[str, str] | None = None) -> str:
    """How a dim reads: an industry (and 高危), an exam subject, a 操作项目, a certificate kind, a snapshot context."""
    from app.dashboards import labels

    return labels.dim_label(metric, dim, operations)


def high_risk_split(value: Value) -> list[tuple[str, int, int]]:
    """持证上岗 of 高危 and other industries."""
    high, other = [0, 0], [0, 0]
    for dim, (num, den) in value.by_dim.items():
        target = high if dim in {i.value for i in HIGH_RISK_INDUSTRIES} else other
        target[0] += num
        target[1] += den
    return [(str(_l("高危行业")), *high), (str(_l("其他行业")), *other)]
