"""One clock: times are stored as naive UTC and shown in the user's zone (Asia/Shanghai unless configured).

Every "now" and "today" in the app comes from here, so a test can fix the clock in one place and no page,
export or PDF prints a UTC time as if it were local.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context


def utcnow() -> datetime:
    """Naive UTC timestamp (SQLite keeps no zone; every stored time is UTC)."""
    return datetime.now(UTC).replace(tzinfo=None)


def zone() -> ZoneInfo:
    """The zone times are shown in: the app's configured default (Flask-Babel's ``BABEL_DEFAULT_TIMEZONE``)."""
    name = current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai") if has_app_context() else "Asia/Shanghai"
    return ZoneInfo(name)


def to_local(value: datetime) -> datetime:
    """A stored (naive UTC) time as an aware time in the display zone."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(zone())


def to_utc(value: datetime) -> datetime:
    """A local wall-clock time (naive, as typed into a form) or an aware time, as naive UTC for storage."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone())
    return value.astimezone(UTC).replace(tzinfo=None)


def local_today() -> date:
    """Today's date where the users are (a Chinese 00:30 is still yesterday in UTC)."""
    return to_local(utcnow()).date()


def format_local(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored time as the user reads it (the ``local_dt`` template filter); empty for None."""
    return to_local(value).strftime(fmt) if value else ""


def isoformat_local(value: datetime | None) -> str | None:
    """ISO 8601 with the zone's offset (``2026-11-29T13:06:00+08:00``), for JSON and exports."""
    return to_local(value).isoformat(timespec="seconds") if value else None
