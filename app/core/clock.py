"""One clock: times are stored as naive UTC and shown in the user's zone (Asia/Shanghai unless configured).

Every "now" and "today" in the app comes from here, so a test can fix the clock in one place and no page,
export or PDF prints a UTC time as if it were local.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import cache
from zoneinfo import ZoneInfo

from flask import current_app, g, has_app_context, has_request_context

#: Finds the signed-in user's zone name (their jurisdiction's setting) or "" for the default. Registered by the
#: people layer (``app.people.zones``); core knows no users.
_user_zone: Callable[[], str] | None = None


def register_user_zone(find: Callable[[], str]) -> None:
    global _user_zone
    _user_zone = find


@cache
def _zone_named(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def utcnow() -> datetime:
    """Naive UTC timestamp (SQLite keeps no zone; every stored time is UTC)."""
    return datetime.now(UTC).replace(tzinfo=None)


def zone() -> ZoneInfo:
    """The zone times are shown in: the signed-in user's jurisdiction's setting, else the app's default
    (``BABEL_DEFAULT_TIMEZONE``, Asia/Shanghai). Worked out once per request, and only when a time is shown or read
    from a form (an autosave never asks)."""
    if has_request_context():
        if "anpei_zone" not in g:
            g.anpei_zone = (_user_zone() if _user_zone is not None else "") or _default_zone()
        return _zone_named(g.anpei_zone)
    return _zone_named(_default_zone())


def zone_named(name: str) -> ZoneInfo:
    """The zone of this name (an IANA name, as a jurisdiction stores it), or the app's default for ""."""
    return _zone_named(name or _default_zone())


def _default_zone() -> str:
    return current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai") if has_app_context() else "Asia/Shanghai"


def to_local(value: datetime, tz: ZoneInfo | None = None) -> datetime:
    """A stored (naive UTC) time as an aware time in the display zone (or in ``tz``)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(tz or zone())


def to_utc(value: datetime, tz: ZoneInfo | None = None) -> datetime:
    """A local wall-clock time (naive, as typed into a form, in the display zone or in ``tz``) or an aware time,
    as naive UTC for storage."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz or zone())
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


def rendered_at(value: str | None, now: datetime) -> datetime:
    """When a page was rendered (naive UTC, sent back by its form as ``isoformat()``), so that an action on "all"
    the page showed spares what arrived after; ``now`` when the value is missing or garbled, never later than it."""
    try:
        moment = datetime.fromisoformat(value or "")
    except ValueError:
        return now
    return min(moment if moment.tzinfo is None else to_utc(moment), now)
