"""Deny by default: every endpoint needs a logged-in user unless it is marked ``@public``.

Role checks use ``@roles_required`` (or ``@signed_in_as`` on the busiest JSON endpoints: the same rule without
loading the user); object checks go through ``app.auth.scope``.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, wraps
from typing import Any

import sqlalchemy as sa
from flask import abort, current_app, g, request, session
from flask_login import current_user

from app.auth.models import Role, User
from app.core.db import first_row
from app.extensions import db

PUBLIC_ATTR = "_anpei_public"
LEAN_ATTR = "_anpei_lean_login"
#: Views that authenticate a system by its bearer token (the ``/api/v1`` JSON API): no login redirect, they answer
#: 401 themselves (``app.api.base_views``).
TOKEN_ATTR = "_anpei_token_auth"  # noqa: S105 — an attribute name


def public(view: Callable) -> Callable:
    """Mark a view as reachable without logging in (login page, certificate verification, …)."""
    setattr(view, PUBLIC_ATTR, True)
    return view


def is_public_endpoint(endpoint: str | None) -> bool:
    if endpoint is None or endpoint == "static":
        return True
    view = current_app.view_functions.get(endpoint)
    return bool(view is not None and getattr(view, PUBLIC_ATTR, False))


def require_login():
    """``before_request`` hook: send guests to the login page unless the endpoint is public (or checks the login
    itself: ``@signed_in_as``; or a bearer token: ``@token_authenticated``)."""
    if is_public_endpoint(request.endpoint) or _checks_login_itself(request.endpoint) or current_user.is_authenticated:
        return None
    return current_app.login_manager.unauthorized()


def _checks_login_itself(endpoint: str | None) -> bool:
    view = current_app.view_functions.get(endpoint) if endpoint else None
    return bool(view is not None and (getattr(view, LEAN_ATTR, False) or getattr(view, TOKEN_ATTR, False)))


def token_authenticated(view: Callable) -> Callable:
    """Mark a view that checks a bearer token itself instead of the session (the API's views)."""
    setattr(view, TOKEN_ATTR, True)
    return view


@dataclass(frozen=True)
class Login:
    """The signed-in user as ``@signed_in_as`` checked it: no ORM object (``g.login``)."""

    user_id: int
    role: Role
    person_id: int | None


def signed_in_as(
    *roles: Role,
    read: Callable[[sa.Connection, int], tuple[Any, Any]] | None = None,
    write: Callable[..., Any] | None = None,
) -> Callable:
    """``@roles_required`` for the busiest JSON endpoints (the lesson heartbeat: 20,000 learners send 333 a second):
    the same rule as Flask-Login's ``load_user`` + ``is_authenticated`` + the role check — the session cookie's
    ``"<id>:<token>"``, the token equal to the user's, the account active, the role one of ``roles`` — checked with
    one prepared ``SELECT`` of four columns on :func:`lean_connection` (:func:`app.core.db.first_row`) instead of
    loading the ``User`` through the ORM session. The view reads ``g.login``, never ``current_user`` (which would
    load the user after all), and does its own work on :func:`lean_connection` too.

    ``read``: the view's own first read, made to carry the user's :func:`login_columns` too, so that the check and
    the read are one statement: ``read(conn, user_id)`` returns ``(row with the login columns or None, data)``; the
    check is the same, and ``data`` (read whoever the cookie named: the view sees it only when the check passed)
    is ``g.login_read``.

    ``write``: the view's plain write with the check inside its own ``WHERE`` (:func:`claim_holds`), so that the
    check and the write are one statement (the candidate's autosave): ``write(conn, claim, *args, **kwargs)`` gets
    the cookie's :class:`Claim`, unchecked, and returns the response when it wrote, or None when nothing matched —
    then the check runs as without ``write`` and the view answers the request its own (ORM) way, the plain
    connection given back first (a request holding one while it waits for another could starve the pool)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if write is not None:
                claim = _session_claim(roles)
                answered = None if claim is None else write(lean_connection(), claim, *args, **kwargs)
                if answered is not None:
                    return answered
            login, data = _session_login(read)
            if login is None:
                return current_app.login_manager.unauthorized()
            if login.role not in roles:
                abort(403)
            g.login, g.login_read = login, data
            if write is not None:  # the view answers the ORM way: one pooled connection at a time, never two
                close_lean_connection()
            return view(*args, **kwargs)

        wrapped._anpei_roles = roles  # read by the access-matrix test
        setattr(wrapped, LEAN_ATTR, True)
        return wrapped

    return decorator


def lean_connection() -> sa.Connection:
    """The request's plain Core connection for ``@signed_in_as`` views, without the ORM session's work around each
    statement. On PostgreSQL every statement commits by itself (no ``BEGIN``/``COMMIT`` round trips): such views
    write with single conditional statements, each safe on its own. Elsewhere (SQLite) the view calls
    ``commit()``; whatever it did not commit is rolled back when the request ends."""
    if "lean_conn" not in g:
        engine = db.engine
        g.lean_conn = (_autocommit(engine) if engine.dialect.name == "postgresql" else engine).connect()
    return g.lean_conn


def close_lean_connection(_exc: BaseException | None = None) -> None:
    """``teardown_request``: back to the pool (rolled back if uncommitted)."""
    conn = g.pop("lean_conn", None)
    if conn is not None:
        conn.close()


@cache
def _autocommit(engine: sa.Engine) -> sa.Engine:
    return engine.execution_options(isolation_level="AUTOCOMMIT")  # shares the engine's pool


@dataclass(frozen=True)
class Claim:
    """Who the session cookie says is signed in, not yet checked: a ``write`` of ``@signed_in_as`` checks it in its
    statement's ``WHERE`` (:func:`claim_holds`) with :meth:`params`."""

    user_id: int
    token: str
    roles: tuple[Role, ...]

    def params(self) -> dict[str, Any]:
        return {"lean_user": self.user_id, "lean_token": self.token}


def claim_holds(users: sa.Table, roles: tuple[Role, ...]) -> tuple[sa.ColumnElement, ...]:
    """The conditions of ``@signed_in_as``'s check on the users table, for a ``write`` that carries it (bound by
    :meth:`Claim.params`): the cookie's user, its session token (ended by a password change), the account active,
    the role one of ``roles``. The token is compared by the database, not in constant time as the check in Python
    does: 32 random hex digits behind a network round trip and a statement's run leave no timing to measure."""
    return (
        users.c.id == sa.bindparam("lean_user"),
        users.c.session_token == sa.bindparam("lean_token"),
        users.c.active == sa.true(),
        users.c.role.in_([sa.literal_column(f"'{role.value}'") for role in roles]),
    )


def _session_claim(roles: tuple[Role, ...]) -> Claim | None:
    user_id, _sep, token = str(session.get("_user_id", "")).partition(":")
    return Claim(int(user_id), token, roles) if user_id.isdigit() and token else None


def _session_login(read: Callable[[sa.Connection, int], tuple[Any, Any]] | None = None) -> tuple[Login | None, Any]:
    claim = _session_claim(())
    if claim is None:
        return None, None
    if read is None:
        row, data = first_row(lean_connection(), _login_statement(), {"lean_user": claim.user_id}), None
    else:
        row, data = read(lean_connection(), claim.user_id)
    if row is None or not row.active or not hmac.compare_digest(row.session_token, claim.token):
        return None, None
    return Login(claim.user_id, Role(row.role), row.person_id), data  # the role's value on PostgreSQL (first_row)


def login_columns(users: sa.Table) -> tuple[sa.ColumnElement, ...]:
    """The columns ``@signed_in_as`` checks, for a view's read that carries them (its ``read``)."""
    return users.c.session_token, users.c.active, users.c.role, users.c.person_id


@cache
def _login_statement() -> sa.Select:
    u = User.__table__
    return sa.select(*login_columns(u)).where(u.c.id == sa.bindparam("lean_user"))


def roles_required(*roles: Role) -> Callable:
    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapped._anpei_roles = roles  # read by the access-matrix test
        return wrapped

    return decorator
