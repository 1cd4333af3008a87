"""One limiter for every "N tries per window" rule: login failures, spot-check ticket guesses, …

A counter is one row keyed by a string (``login:acct-ip:…``). Each :func:`hit` is a single atomic statement —
``INSERT … ON CONFLICT DO UPDATE SET count = count + 1 … RETURNING count`` — so N parallel requests always count
N (a read-modify-write in Python let 28 of 29 parallel wrong passwords through). Whether an event is allowed is
decided by the same statement, so no two racers can both take the last try.

On PostgreSQL counters are written on their own short, committed connection, not in the request's unit of work:
a refused or failing request must still count, and the row lock is held for one statement, not for a password
check. SQLite (the embedded mode) allows one writer at a time, so there a counter joins the session's
transaction (a second connection would wait for the first) and is committed by the caller's boundary.

Usage::

    if limits.blocked(key):                                # peek: is the key blocked now? (counts nothing)
        refuse()
    verdict = limits.hit(key, 5, timedelta(minutes=15))    # count one event, before doing the guarded thing
    if not verdict.allowed:
        refuse()                                           # over the limit (e.g. lost a parallel race)
    ...
    limits.reset(key)                                      # a success forgives the key

Plain windows allow ``limit`` events per fixed ``window``; the key is blocked from the limit-th event to the
window's end. With ``backoff=`` the limit-th event starts a block of ``backoff``; once it has passed, one more
event is allowed, and if it too uses up the allowance the block doubles (``2·backoff``, ``4·backoff``, … up to
``max_block``); the count is forgotten ``window`` after the last event.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

import sqlalchemy as sa
from sqlalchemy import orm as so

from app.core.clock import utcnow
from app.extensions import db

EPOCH = datetime(1970, 1, 1, tzinfo=UTC).replace(tzinfo=None)  # naive UTC, as every stored time


class Counter(db.Model):
    """A limiter's counter (one row per key); times are whole seconds since the epoch, so that the one SQL
    statement doing the arithmetic is the same on PostgreSQL and SQLite."""

    __tablename__ = "core_limits"

    key: so.Mapped[str] = so.mapped_column(sa.String(200), primary_key=True)
    #: Events counted in the current window.
    count: so.Mapped[int] = so.mapped_column(default=0)
    #: Events allowed so far: the limit, plus one for every backoff block that has passed.
    allowance: so.Mapped[int] = so.mapped_column(default=0)
    #: When the count starts again from zero (epoch seconds).
    window_ends: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    #: No event is allowed before this (epoch seconds), once the allowance is used up.
    blocked_until: so.Mapped[int | None] = so.mapped_column(sa.BigInteger)


@dataclass(frozen=True)
class Verdict:
    """What a :func:`hit` found: the count including this event, and whether the event was within the limit."""

    count: int
    allowance: int
    blocked_until: datetime | None = None

    @property
    def allowed(self) -> bool:
        return self.count <= self.allowance

    @property
    def remaining(self) -> int:
        """Further events allowed now (0: the key is blocked until ``blocked_until``)."""
        return max(0, self.allowance - self.count)

    def retry_after(self, now: datetime | None = None) -> int:
        """Seconds until the block ends (0 when not blocked)."""
        if self.blocked_until is None:
            return 0
        return max(0, math.ceil((self.blocked_until - (now or utcnow())).total_seconds()))


def _seconds(moment: datetime) -> int:
    return int((moment - EPOCH).total_seconds())


def _moment(seconds: int | None) -> datetime | None:
    return None if seconds is None else EPOCH + timedelta(seconds=seconds)


def hit(
    key: str,
    limit: int,
    window: timedelta,
    *,
    backoff: timedelta | None = None,
    max_block: timedelta = timedelta(hours=24),
    now: datetime | None = None,
) -> Verdict:
    """Count one event for ``key`` atomically and say whether it was within the limit.

    :param limit: events allowed per window; the limit-th one starts the block.
    :param window: a fixed window (plain), or how long the count is remembered after the last event (backoff).
    :param backoff: the first block's length; each later block doubles, up to ``max_block``.
    """
    now_s = _seconds(now or utcnow())
    window_s = int(window.total_seconds())
    params = {"k_key": key, "k_now": now_s, "k_limit": limit, "k_next_window": now_s + window_s, "k_first_block": None}
    doublings = None
    if backoff is not None:
        base_s, cap_s = int(backoff.total_seconds()), int(max_block.total_seconds())
        doublings = max(0, math.ceil(math.log2(max(cap_s, 1) / max(base_s, 1)))) if base_s < cap_s else 0
        params |= {"k_base": base_s, "k_cap": cap_s}
    # the values of a brand-new key, worked out here
    if limit <= 1:
        params["k_first_block"] = now_s + base_s if backoff is not None else now_s + window_s
    with _writing() as conn:
        row = conn.execute(_hit_statement(conn.dialect.name, doublings), params).one()
    return Verdict(count=row.count, allowance=row.allowance, blocked_until=_moment(row.blocked_until))


@cache
def _hit_statement(dialect: str, doublings: int | None) -> sa.Insert:
    """:func:`hit`'s statement, with every value bound: built once per dialect and shape (a plain window, or a
    backoff of so many doublings) — building it took a login ~3 ms of CPU, twice."""
    table = Counter.__table__
    c, a, w, b = table.c.count, table.c.allowance, table.c.window_ends, table.c.blocked_until
    now_s = sa.bindparam("k_now", type_=sa.BigInteger)
    limit = sa.bindparam("k_limit", type_=sa.Integer)
    next_window = sa.bindparam("k_next_window", type_=sa.BigInteger)  # now + window
    expired = w <= now_s
    if doublings is None:
        grant = sa.false()
        new_w = sa.case((expired, next_window), else_=w)
    else:  # a block has passed with the allowance used up: one more try
        grant = sa.and_(b.is_not(None), b <= now_s, c >= a)
        new_w = next_window
    new_c = sa.case((expired, 1), (grant, a + 1), else_=c + 1)
    new_a = sa.case((expired, limit), (grant, a + 1), else_=a)
    if doublings is None:
        block_end = new_w
    else:
        base_s, cap_s = sa.bindparam("k_base", type_=sa.BigInteger), sa.bindparam("k_cap", type_=sa.BigInteger)
        steps = new_a - limit
        block_end = now_s + sa.case(
            (steps >= doublings, cap_s), else_=base_s * sa.cast(sa.literal(1), sa.BigInteger).op("<<")(steps)
        )
    new_b = sa.case((new_c == new_a, block_end), (expired, None), else_=b)
    insert = _insert_for(dialect)(table).values(
        key=sa.bindparam("k_key"),
        count=1,
        allowance=limit,
        window_ends=next_window,
        blocked_until=sa.bindparam("k_first_block", type_=sa.BigInteger),
    )
    return insert.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={"count": new_c, "allowance": new_a, "window_ends": new_w, "blocked_until": new_b},
    ).returning(table.c.count, table.c.allowance, table.c.blocked_until)


def blocked(key: str, *, now: datetime | None = None) -> datetime | None:
    """The end of ``key``'s block, or None when an event is allowed now (counts nothing)."""
    now_s = _seconds(now or utcnow())
    table = Counter.__table__
    with _writing() as conn:
        row = conn.execute(
            sa.select(table.c.count, table.c.allowance, table.c.blocked_until).where(table.c.key == key)
        ).first()
    if row is None or row.blocked_until is None or row.blocked_until <= now_s or row.count < row.allowance:
        return None
    return _moment(row.blocked_until)


def count(key: str, *, now: datetime | None = None) -> int:
    """Events counted for ``key`` in its current window."""
    now_s = _seconds(now or utcnow())
    table = Counter.__table__
    with _writing() as conn:
        row = conn.execute(sa.select(table.c.count, table.c.window_ends).where(table.c.key == key)).first()
    return row.count if row is not None and row.window_ends > now_s else 0


def release(key: str) -> None:
    """Give back one counted event (a reserved try that turned out fine); never below zero."""
    table = Counter.__table__
    with _writing() as conn:
        conn.execute(sa.update(table).where(table.c.key == key, table.c.count > 0).values(count=table.c.count - 1))


def reset(key: str) -> None:
    """Forget ``key`` (after a success)."""
    table = Counter.__table__
    with _writing() as conn:
        conn.execute(sa.delete(table).where(table.c.key == key))


def purge(now: datetime | None = None) -> int:
    """Delete counters whose window and block have both ended (housekeeping)."""
    now_s = _seconds(now or utcnow())
    table = Counter.__table__
    with _writing() as conn:
        result = conn.execute(
            sa.delete(table).where(
                table.c.window_ends <= now_s,
                sa.or_(table.c.blocked_until.is_(None), table.c.blocked_until <= now_s),
            )
        )
    return result.rowcount


@contextmanager
def _writing():
    """A connection for one counter statement: autocommitted on its own on PostgreSQL; the session's on SQLite."""
    if db.engine.dialect.name == "sqlite":
        yield db.session.connection()
    else:
        with db.engine.begin() as conn:
            yield conn


def _insert_for(dialect: str):
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert
