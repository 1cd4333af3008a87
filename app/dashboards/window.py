"""The day and the months a dashboard computation counts for: ``Ctx`` (today, the rules, the window of months)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from app.core.clock import to_utc, zone_named
from app.rules.book import RuleBook
from app.rules.queries import cached_book

WINDOW_MONTHS = 12


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    """The first day of the month ``months`` after ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def local_midnight_utc(day: date) -> datetime:
    """Where ``day`` begins in the platform's zone, as stored (naive UTC): month and day limits of timestamps."""
    return to_utc(datetime.combine(day, time()), zone_named(""))


@dataclass(frozen=True)
class Ctx:
    """A computation's day and rules: state metrics are counted on ``today``; event metrics over ``months`` (the
    ``WINDOW_MONTHS`` months ending with today's, oldest first), up to and including today."""

    today: date
    book: RuleBook
    months: tuple[date, ...]

    @classmethod
    def on(cls, today: date, book: RuleBook | None = None, window: int = WINDOW_MONTHS) -> Ctx:
        first = add_months(today, -(window - 1))
        return cls(today, book or cached_book(), tuple(add_months(first, i) for i in range(window)))

    @property
    def month(self) -> date:
        return self.months[-1]

    def limits(self, *, timestamp: bool) -> tuple:
        """(first, after): the window's first moment and the moment after today."""
        if timestamp:
            return local_midnight_utc(self.months[0]), local_midnight_utc(self.today + timedelta(days=1))
        return self.months[0], self.today + timedelta(days=1)

    def bucket(self, column, *, timestamp: bool) -> sa.ColumnElement:
        """The month (its first day) each row's ``column`` falls in, as a ``CASE`` over the window's month limits
        computed here: the same SQL on SQLite and PostgreSQL, no date functions."""
        ends = [*self.months[1:], add_months(self.month, 1)]
        whens = [
            (column < (local_midnight_utc(end) if timestamp else end), sa.literal(month, sa.Date))
            for month, end in zip(self.months, ends)
        ]
        return sa.case(*whens, else_=sa.null())

    def within(self, column, *, timestamp: bool) -> sa.ColumnElement:
        first, after = self.limits(timestamp=timestamp)
        return sa.and_(column >= first, column < after)
