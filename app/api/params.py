"""What the API's views make of a call's parameters: a public id becomes the object in the client's scope (or a
404), a cursor the next page, a person filter a condition, a required text field its stripped value."""

from __future__ import annotations

import sqlalchemy as sa

from app.api import ids
from app.api.base_views import touched
from app.api.schemas.common import PageQuery
from app.core.errors import DomainError
from app.extensions import db


def one(kind: str, public_id: str, query: sa.Select, model):
    """The object behind ``public_id`` if the client's scope reaches it; a 404 otherwise (never a 403)."""
    number = ids.decode(kind, public_id)
    if number is None:
        raise DomainError("api.not_found", http_status=404)
    obj = db.session.scalars(query.where(model.id == number)).first()
    if obj is None:
        raise DomainError("api.not_found", http_status=404)
    touched(public_id)
    return obj


def page(query: sa.Select, model, q: PageQuery) -> tuple[list, str | None]:
    """Keyset pagination on the database id (never shown: the cursor is sealed like an id)."""
    if q.cursor:
        after = ids.decode("cursor", q.cursor)
        if after is None:
            raise DomainError("api.bad_cursor", http_status=400)
        query = query.where(model.id > after)
    rows = db.session.scalars(query.order_by(model.id).limit(q.limit + 1)).all()
    more = len(rows) > q.limit
    rows = rows[: q.limit]
    return rows, ids.encode("cursor", rows[-1].id) if more and rows else None


def person_filter(query: sa.Select, column, public_id: str | None) -> sa.Select:
    """``query`` narrowed to the person ``public_id`` (by ``column``) when one is named; an unknown id matches none."""
    if public_id is None:
        return query
    return query.where(column == (ids.decode("person", public_id) or -1))


def filled(value: str, field: str) -> str:
    """A required text field, stripped; only spaces is refused (the document cannot say so portably)."""
    if not value.strip():
        raise DomainError("api.blank", http_status=422, field=field)
    return value.strip()
