"""What every metric is: a query of rows summed into rollup cells (``Agg``); the pieces its subclasses share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from app.dashboards.window import Ctx
from app.extensions import db
from app.people.models import Employment


@dataclass(frozen=True)
class Agg:
    """One rollup cell: an enterprise's ``num`` of ``den`` (rates) or ``num`` (counts) for a dim and month."""

    enterprise_id: int
    dim: str
    month: date
    num: int
    den: int


def current_staff(enterprises: sa.Select) -> list:
    """Conditions on ``Employment``: employed today by one of ``enterprises`` (a select of ids)."""
    return [Employment.end_date.is_(None), Employment.enterprise_id.in_(enterprises)]


class Metric:
    """One figure's rows. ``kind``: ``rate`` (num of den) or ``count``; ``timing``: ``state`` (counted on the
    day, kept under that day's month) or ``event`` (per month of the event, over the window)."""

    key: str = ""
    kind: str = "count"
    timing: str = "state"
    #: What the rows are (a person in a post, a certificate, …): the list's unit.
    unit: str = ""

    def rows(self, ctx: Ctx, enterprises: sa.Select) -> sa.Select:
        """Labelled columns ``enterprise_id``, ``dim``, ``month`` (event metrics), ``hit``, then the list's keys."""
        raise NotImplementedError

    def aggregate(self, ctx: Ctx, enterprises) -> list[Agg]:
        """The rows summed per enterprise × dim × month. ``enterprises``: a select of ids (a user's scope), or the
        ids themselves — then the statement is built once per process and day (:func:`_statement`) and only run."""
        if isinstance(enterprises, list | tuple | set):
            ids = list(enterprises)
            if not ids:
                return []
            rows = db.session.execute(_statement(self, ctx), {"enterprise_ids": ids})
        else:
            rows = db.session.execute(self.grouped(ctx, enterprises))
        out = []
        for enterprise_id, dim, m, num, count in rows:
            if self.kind == "rate":
                out.append(Agg(enterprise_id, dim or "", m or ctx.month, int(num or 0), int(count)))
            else:
                out.append(Agg(enterprise_id, dim or "", m or ctx.month, int(count), 0))
        return out

    def grouped(self, ctx: Ctx, enterprises) -> sa.Select:
        sub = self.rows(ctx, enterprises).subquery()
        month = sub.c.month if self.timing == "event" else sa.literal(ctx.month, sa.Date)
        return sa.select(
            sub.c.enterprise_id, sub.c.dim, month.label("m"), sa.func.sum(sub.c.hit), sa.func.count()
        ).group_by(sub.c.enterprise_id, sub.c.dim, *([sub.c.month] if self.timing == "event" else []))


#: Built statements by (metric, day, window, rules): building one (the certificate status as a ``CASE`` over every
#: rule version, the month limits) costs more Python than running it for one enterprise; a day's are reused.
_STATEMENTS: dict[tuple, sa.Select] = {}


def _statement(metric: Metric, ctx: Ctx) -> sa.Select:
    key = (metric.key, ctx.today, ctx.months[0], ctx.book.fingerprint)
    statement = _STATEMENTS.get(key)
    if statement is None:
        if len(_STATEMENTS) > 512:
            _STATEMENTS.clear()
        statement = _STATEMENTS[key] = metric.grouped(ctx, sa.bindparam("enterprise_ids", expanding=True))
    return statement


def hit(condition) -> sa.ColumnElement:
    return sa.case((condition, 1), else_=0)
