"""查阅记录: who was shown a person's full 证件号码, registered photo or 人像抓拍 (written by
``app.people.access_views.record_access``, called by the endpoints that serve them).

The person seeing their own data is not recorded: the log answers "who else saw it" (个人信息保护法 第四十五条), and
the person's own views would bury those rows.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from app.auth import policy
from app.core.clock import utcnow
from app.extensions import db
from app.people.models import AccessKind, AccessLogEntry


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
    ids = [pid for pid in ids if not policy.is_own_record(user, pid)]
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


def entries_of(person_id: int, *, limit: int = 500) -> list[AccessLogEntry]:
    """The person's own log, newest first."""
    return db.session.scalars(
        sa.select(AccessLogEntry)
        .where(AccessLogEntry.person_id == person_id)
        .order_by(AccessLogEntry.at.desc(), AccessLogEntry.id.desc())
        .limit(limit)
    ).all()
