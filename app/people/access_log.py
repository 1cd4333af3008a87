"""查阅记录: who was shown a person's full 证件号码, registered photo or 人像抓拍 (written by
``app.people.access_views.record_access``, called by the endpoints that serve them), and which API clients were
shown full 证件号码 (rows made here, written by the API's call log, ``app.api.base_views``).

The person seeing their own data is not recorded: the log answers "who else saw it" (个人信息保护法 第四十五条), and
the person's own views would bury those rows.

An API response names each person whose full number it showed (one row per person and call). A bulk export
(NDJSON, up to millions of lines) is one row per call instead — no person, the lines that showed a full number
(``row_count``), the 行政区划 prefix it covered (``scope_region``) and what it was (``scope_label``) — and the person
sees on their page each export whose region covered them: a region of an employer they worked for that day, or one
their records belong to (``app.people.sections.record_regions_of``: the region that issued a certificate of theirs).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from app.auth.policy import people as people_policy
from app.core.clock import to_utc, utcnow
from app.extensions import db
from app.people import sections
from app.people.models import AccessKind, AccessLogEntry, Employment
from app.tenancy.models import Enterprise


def viewer_org(user) -> str:
    """The organisation a user acts for, as shown to the person: its enterprise, institution or authority."""
    if user.enterprise is not None:
        return user.enterprise.name
    if user.institution is not None:
        return user.institution.name
    if user.jurisdiction is not None:
        return user.jurisdiction.authority
    return ""


def log_access(
    user, person_ids: int | Iterable[int], kind: AccessKind, *, endpoint: str, ref_id: int | None = None
) -> int:
    """Add one row per person in ``person_ids`` (one INSERT, not committed) but the user's own; return how many."""
    ids = [person_ids] if isinstance(person_ids, int) else list(dict.fromkeys(person_ids))
    ids = [pid for pid in ids if not people_policy.is_own_record(user, pid)]
    if not ids:
        return 0
    now, role, org = utcnow(), user.role.value, viewer_org(user)
    db.session.execute(
        sa.insert(AccessLogEntry),
        [
            {
                "at": now,
                "person_id": pid,
                "viewer_id": user.id,
                "viewer_role": role,
                "viewer_org": org,
                "kind": kind,
                "endpoint": endpoint[:80],
                "ref_id": ref_id,
            }
            for pid in ids
        ],
    )
    return len(ids)


def client_rows(client, person_ids: Iterable[int], *, route: str, at: datetime) -> list[dict]:
    """The rows for an API call that showed ``client`` (``app.api.principal.Principal``) the full 证件号码 of each of
    ``person_ids``: one per person, naming the client and the call's URL rule."""
    role, org = client.role.value, viewer_org(client)
    return [
        {
            "at": at,
            "person_id": pid,
            "viewer_id": None,
            "viewer_role": role,
            "viewer_org": org[:200],
            "client_id": client.client_id,
            "client_name": client.name[:100],
            "kind": AccessKind.FULL_ID,
            "endpoint": route[:80],
            "ref_id": None,
            "row_count": None,
            "scope_region": "",
            "scope_label": "",
        }
        for pid in dict.fromkeys(person_ids)
    ]


def export_row(client, *, route: str, scope_region: str, scope_label: str, at: datetime) -> dict:
    """The one row of a bulk export by ``client``; ``row_count`` is set when the export ends (NULL: cut off before)."""
    return {
        **client_rows(client, [None], route=route, at=at)[0],
        "scope_region": scope_region[:6],
        "scope_label": scope_label[:200],
    }


def entries_of(person_id: int, *, limit: int = 500) -> list[AccessLogEntry]:
    """The person's own log, newest first: each showing of their data, and each bulk export that covered them."""
    rows = db.session.scalars(
        sa.select(AccessLogEntry)
        .where(AccessLogEntry.person_id == person_id)
        .order_by(AccessLogEntry.at.desc(), AccessLogEntry.id.desc())
        .limit(limit)
    ).all()
    rows = [*rows, *exports_covering(person_id, limit=limit)]
    rows.sort(key=lambda e: (e.at, e.id), reverse=True)
    return rows[:limit]


def _prefixes(region_code: str) -> list[str]:
    """The ``Jurisdiction.scope_prefix`` values whose area contains ``region_code`` (320102 → 32, 3201, 320102)."""
    return sorted({region_code[:n] for n in (2, 4, 6) if len(region_code) >= n})


def _day_start(day: date) -> datetime:
    return to_utc(datetime.combine(day, time.min))


def _spans(person_ids: list[int]) -> list[tuple[str, date, date | None]]:
    """(region, first day, last day or None) in which an export of that region covered one of ``person_ids``: each
    employment's enterprise region over its days, and each region of their records from its day on."""
    spans: list[tuple[str, date, date | None]] = []
    for start in range(0, len(person_ids), 1000):  # bounded IN lists
        spans += [
            (region, first, last)
            for region, first, last in db.session.execute(
                sa.select(Enterprise.region_code, Employment.start_date, Employment.end_date)
                .join(Enterprise, Enterprise.id == Employment.enterprise_id)
                .where(Employment.person_id.in_(person_ids[start : start + 1000]))
            )
        ]
    for regions in sections.record_regions_of(person_ids).values():
        spans += [(region, since, None) for region, since in regions]
    return spans


def _covered(person_ids: list[int]):
    """The condition on bulk-export rows that covered any of ``person_ids`` (None: nothing could): per prefix of a
    region, the union of its days (overlapping spans merged, so a hold on a large enterprise stays a short OR)."""
    days: dict[str, list[tuple[date, date | None]]] = {}
    for region, start, end in _spans(person_ids):
        for prefix in _prefixes(region or ""):
            days.setdefault(prefix, []).append((start, end))
    at = AccessLogEntry.at
    parts = []
    for prefix, spans in sorted(days.items()):
        merged: list[list] = []
        for start, end in sorted(spans, key=lambda span: span[0]):
            last = merged[-1] if merged else None
            if last is not None and (last[1] is None or start <= last[1] + timedelta(days=1)):
                last[1] = None if last[1] is None or end is None else max(last[1], end)
            else:
                merged.append([start, end])
        parts += [
            sa.and_(
                AccessLogEntry.scope_region == prefix,
                at >= _day_start(start),
                *([at < _day_start(end + timedelta(days=1))] if end is not None else []),
            )
            for start, end in merged
        ]
    if not parts:
        return None
    return sa.and_(
        AccessLogEntry.person_id.is_(None),
        sa.or_(AccessLogEntry.row_count.is_(None), AccessLogEntry.row_count > 0),
        sa.or_(*parts),
    )


def exports_covering(person_id: int, *, limit: int = 500) -> list[AccessLogEntry]:
    """The bulk API exports (one row each) whose region covered the person when they ran: a region of an employer
    the person worked for that day, or of a record of theirs from its date on (``sections.record_regions_of``)."""
    covered = _covered([person_id])
    if covered is None:
        return []
    return db.session.scalars(
        sa.select(AccessLogEntry)
        .where(covered)
        .order_by(AccessLogEntry.at.desc(), AccessLogEntry.id.desc())
        .limit(limit)
    ).all()


def exports_covering_any(person_ids: list[int]):
    """The condition on ``people_access_log`` rows of the bulk exports that covered any of ``person_ids`` — the
    rows each of them reads on their own log (:func:`exports_covering`); ``false`` for none. The purge keeps these
    for persons under a legal hold."""
    covered = _covered(person_ids) if person_ids else None
    return sa.false() if covered is None else covered
