"""查阅记录 at the request boundary: each time a person's full 证件号码, registered photo or a 人像抓拍 is shown to
someone else, the endpoint that serves it calls :func:`record_access` after its policy check (one function, not
copies); the row is written by ``app.people.access_log``. The person reads the log on ``/me/access-log`` (the
viewer's role and organisation, not the viewer's name); the platform admin queries it on ``/access-log``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask import abort, has_request_context, render_template, request
from flask_login import current_user

from app.auth.access import roles_required
from app.auth.models import Role, User
from app.auth.policy import people as people_policy
from app.core.clock import to_utc
from app.extensions import db
from app.people import bp
from app.people.access_log import entries_of, log_access
from app.people.identifiers import IdentifierError, parse_resident_id
from app.people.models import AccessKind, AccessLogEntry, IdType, Person
from app.people.services import find_person


def record_access(user, person_ids: int | Iterable[int], kind: AccessKind, *, ref_id: int | None = None) -> None:
    """Record that ``user`` was shown ``kind`` of each person in ``person_ids`` by the current endpoint, and commit
    (the GET that serves the data commits nothing else)."""
    endpoint = (request.endpoint or "") if has_request_context() else ""
    if log_access(user, person_ids, kind, endpoint=endpoint, ref_id=ref_id):
        db.session.commit()


# ---------------------------------------------------------------- pages


@bp.route("/me/access-log")
@roles_required(Role.WORKER)
def my_access_log():
    """查阅记录 as the person reads it: when, what, and the viewer's role and organisation."""
    if current_user.person_id is None:
        abort(404)
    return render_template("people/my_access_log.html", entries=entries_of(current_user.person_id), roles=_ROLES)


_ROLES = {role.value: role for role in Role}


@bp.route("/access-log")
@roles_required(Role.ADMIN)
def access_log():
    """The platform admin's query: by person (name or full 证件号码), viewer (account or name, or an API client's
    name) and local dates. Bulk API exports (no person) are listed with their scope and count."""
    if not people_policy.may_query_access_log(current_user):
        abort(403)
    query = sa.select(AccessLogEntry).outerjoin(AccessLogEntry.person).outerjoin(AccessLogEntry.viewer)
    if q := request.args.get("q", "").strip():
        ids = [p.id for t in IdType if (p := _person_by_number(t, q)) is not None]
        query = query.where(AccessLogEntry.person_id.in_(ids) if ids else Person.name.contains(q, autoescape=True))
    if viewer := request.args.get("viewer", "").strip():
        query = query.where(
            sa.or_(
                User.username == viewer,
                User.display_name.contains(viewer, autoescape=True),
                AccessLogEntry.client_name.contains(viewer, autoescape=True),
            )
        )
    since, until = _day(request.args.get("since")), _day(request.args.get("until"))
    if since is not None:
        query = query.where(AccessLogEntry.at >= to_utc(datetime.combine(since, time.min)))
    if until is not None:
        query = query.where(AccessLogEntry.at < to_utc(datetime.combine(until + timedelta(days=1), time.min)))
    page = db.paginate(
        query.order_by(AccessLogEntry.at.desc(), AccessLogEntry.id.desc()),
        page=request.args.get("page", 1, type=int),
        per_page=100,
        error_out=False,
    )
    return render_template(
        "people/access_log.html", page=page, roles=_ROLES, q=q, viewer=viewer, since=since, until=until
    )


def _person_by_number(id_type: IdType, text: str) -> Person | None:
    try:
        number = parse_resident_id(text, id_type=id_type.value).number
    except IdentifierError:
        return None
    return find_person(id_type, number)


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None
