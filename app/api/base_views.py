"""What every API call goes through, around its view: the token, the per-client limit, the scope, the client's
zone, ``Idempotency-Key`` on POSTs, ``ETag`` on GETs, the one error shape, the commit and the call log.

Order: authenticate (401) → count against the client's limit (429) → check the scope (403) → validate the request
(spectree, 422) → the view. A view reads its principal with :func:`principal` and names the objects it touched
with :func:`touched` (they go into the log). Views flush; this module commits (it is the request boundary).

查阅记录: ``represent`` names each person whose full 证件号码 an answer shows (:func:`shown_full_id`); a successful
call writes one ``people_access_log`` row per such person beside its ``api_calls`` row, naming the client and the
route. A bulk export opens one row for the call (:func:`open_export`), whose count is set when its stream ends.

Idempotency: a POST's ``Idempotency-Key`` is inserted (``INSERT … ON CONFLICT DO NOTHING``) in the same transaction
as the work. A concurrent retry's insert waits on the unique key until the first commits, then finds the stored
answer and replays it (``Idempotent-Replayed: true``); if the first failed, its row was rolled back with its work
and the retry does the work itself. Only successful answers are kept (for ``API_IDEMPOTENCY_HOURS``).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from datetime import timedelta
from functools import wraps

import sqlalchemy as sa
from flask import Response, current_app, g, has_request_context, jsonify, make_response, request
from werkzeug.exceptions import HTTPException

from app.api import clients
from app.api import messages as _messages  # noqa: F401  (registers the API codes)
from app.api.models import ApiCall, ApiClient, IdempotencyRecord
from app.api.principal import Principal, principal_of
from app.auth.access import PUBLIC_ATTR, token_authenticated
from app.core import crypto, limits
from app.core.clock import utcnow
from app.core.db import insert_on_conflict
from app.core.errors import DomainError, error_body
from app.extensions import db
from app.people.access_log import client_rows, export_row
from app.people.models import AccessLogEntry

#: At most this many object ids are logged per call.
MAX_LOGGED_IDS = 200


@dataclass
class Call:
    started: float
    client: ApiClient | None = None
    principal: Principal | None = None
    objects: list[str] = field(default_factory=list)
    error_code: str = ""
    #: Limiter events counted (key, limit, window): SQLite counts in the session's transaction, so a refusal's
    #: rollback would forget them; they are counted again after it (``_refusal``).
    counted: list[tuple] = field(default_factory=list)
    #: Persons whose full 证件号码 the answer shows (``represent``): a 查阅记录 row each.
    full_ids: set[int] = field(default_factory=set)
    #: A bulk export's 查阅记录 row, written with the call log, its count set when the stream ends.
    export: ExportEntry | None = None


@dataclass
class ExportEntry:
    """The 查阅记录 row of one bulk export: what it covers, and its id once written."""

    scope_region: str
    scope_label: str
    entry_id: int | None = None


def _hit(call: Call, key: str, limit: int, window: timedelta) -> limits.Verdict:
    call.counted.append((key, limit, window))
    return limits.hit(key, limit, window)


def principal() -> Principal:
    """The calling client as the scope functions see it."""
    return g.api_call.principal


def touched(*public_ids: str) -> None:
    """Name objects this call read or wrote (the call log keeps the first ``MAX_LOGGED_IDS``)."""
    call = g.api_call
    room = MAX_LOGGED_IDS - len(call.objects)
    if room > 0:
        call.objects.extend(public_ids[:room])


def shown_full_id(person_id: int) -> None:
    """The answer of this call shows the full 证件号码 of ``person_id`` (outside an API call: nothing to record)."""
    call = g.get("api_call") if has_request_context() else None
    if call is not None and call.principal is not None:
        call.full_ids.add(person_id)


def open_export(scope_region: str, scope_label: str) -> ExportEntry:
    """This call is a bulk export that shows full 证件号码: one 查阅记录 row for it (not one per line)."""
    entry = g.api_call.export = ExportEntry(scope_region, scope_label)
    return entry


def close_export(entry: ExportEntry, count: int) -> None:
    """Set the export's count of lines that showed a full 证件号码, when its stream ended (or was cut off)."""
    if entry.entry_id is None:
        return
    update = sa.update(AccessLogEntry).where(AccessLogEntry.id == entry.entry_id).values(row_count=count)
    if db.engine.dialect.name == "sqlite":
        db.session.execute(update)
        db.session.commit()
        return
    with db.engine.begin() as conn:
        conn.execute(update)


def _access_rows(call: Call, status: int, route: str, at) -> tuple[list[dict], dict | None]:
    """The 查阅记录 rows of a successful call: one per person shown in full, or the export's one."""
    if call.principal is None or not 200 <= status < 300:
        return [], None
    export = None
    if call.export is not None:
        export = export_row(
            call.principal,
            route=route,
            scope_region=call.export.scope_region,
            scope_label=call.export.scope_label,
            at=at,
        )
    return client_rows(call.principal, sorted(call.full_ids), route=route, at=at), export


def _write_access(conn, call: Call, rows: list[dict], export: dict | None) -> None:
    if rows:
        conn.execute(sa.insert(AccessLogEntry), rows)
    if export is not None:
        call.export.entry_id = conn.execute(
            sa.insert(AccessLogEntry).values(**export).returning(AccessLogEntry.id)
        ).scalar_one()


def endpoint(scope: str | None = None, *, public: bool = False, replayable: bool = True):
    """Wrap an API view (below ``bp.route``, above ``api_spec.validate``).

    :param scope: the ``ApiScope`` the client needs.
    :param public: no token (public certificate verification): counted per address by the view itself.
    :param replayable: a POST that creates something needs an ``Idempotency-Key``; False for a POST that only
        looks something up (sent as a POST to keep ID numbers out of URLs and logs).
    """

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            call = g.api_call = Call(started=time.perf_counter())
            try:
                response = _run(view, call, scope, public, replayable, args, kwargs)
            except DomainError as exc:
                response = _refusal(call, exc)
            except HTTPException as exc:
                code = exc.code or 500
                name = "api.not_found" if code == 404 else f"http.{code}"
                response = _refusal(call, DomainError(name, http_status=code))
            except (sa.exc.OperationalError, sa.exc.InterfaceError):
                db.session.rollback()  # the database is unreachable: no call log to write; answered 503 (core.errors)
                raise
            except Exception:
                db.session.rollback()
                _log(call, 500)
                raise
            _log(call, response.status_code)
            return response

        if public:
            setattr(wrapped, PUBLIC_ATTR, True)
        wrapped.api_scope = scope  # read by tests/api/test_access_matrix.py
        return token_authenticated(wrapped)

    return decorator


def _run(view, call: Call, scope, public: bool, replayable: bool, args, kwargs) -> Response:
    if not public:
        client = _authenticate(call)
        call.client, call.principal = client, principal_of(client)
        g.anpei_zone = call.principal.time_zone or current_app.config["BABEL_DEFAULT_TIMEZONE"]
        limit = client.rate_limit or current_app.config["API_RATE_LIMIT"]
        verdict = _hit(call, f"api:{client.id}", limit, timedelta(minutes=1))
        if not verdict.allowed:
            raise DomainError("api.rate_limited", http_status=429, seconds=max(1, verdict.retry_after()))
        if scope is not None and not call.principal.has(scope):
            raise DomainError("api.scope_missing", http_status=403, scope=scope)
    if request.method == "POST" and replayable and not public:
        return _idempotent(view, call, args, kwargs)
    response = make_response(view(*args, **kwargs))
    if request.method == "GET" and response.status_code == 200 and not response.is_streamed:
        response.headers["Cache-Control"] = "private, no-cache"
        response.add_etag()
        response.make_conditional(request)
    return response


def _authenticate(call: Call) -> ApiClient:
    """The token's client. Failed checks are counted per address (``API_AUTH_FAILURES`` a minute, then 429): guessing
    a 256-bit token is pointless, hammering the check is not free. A valid token is never refused for its address's
    failures (a client behind the same NAT as a prober keeps working)."""
    client = clients.authenticate(request.headers.get("Authorization"))
    if client is None:
        ip = request.remote_addr or "-"
        verdict = _hit(call, f"api-auth:{ip}", current_app.config["API_AUTH_FAILURES"], timedelta(minutes=1))
        if not verdict.allowed:
            raise DomainError("api.rate_limited", http_status=429, seconds=max(1, verdict.retry_after()))
        raise DomainError("api.unauthorized", http_status=401)
    return client


def _idempotent(view, call: Call, args, kwargs) -> Response:
    key = request.headers.get("Idempotency-Key", "")
    if not 1 <= len(key) <= 200 or any(not 0x21 <= ord(ch) <= 0x7E for ch in key):
        raise DomainError("api.idempotency_key_required", http_status=400)
    fingerprint = hashlib.sha256(f"{request.method} {request.path}\n".encode() + request.get_data()).hexdigest()
    client_id = call.client.id
    for _try in range(2):
        claimed = db.session.execute(
            insert_on_conflict(db.session, IdempotencyRecord)
            .values(client_id=client_id, key=key, fingerprint=fingerprint, created_at=utcnow())
            .on_conflict_do_nothing(index_elements=["client_id", "key"])
            .returning(IdempotencyRecord.id)
        ).scalar()
        if claimed is not None:
            break
        # the key was used: by a request that committed (a concurrent one waited for it on the unique key)
        stored = db.session.execute(
            sa.select(IdempotencyRecord.fingerprint, IdempotencyRecord.status, IdempotencyRecord.body_enc).where(
                IdempotencyRecord.client_id == client_id, IdempotencyRecord.key == key
            )
        ).first()
        if stored is None:
            continue  # purged in between: claim it again
        if stored.fingerprint != fingerprint:
            raise DomainError("api.idempotency_key_reused", http_status=422)
        db.session.rollback()
        response = Response(crypto.decrypt_bytes(stored.body_enc), status=stored.status, mimetype="application/json")
        response.headers["Idempotent-Replayed"] = "true"
        return response
    response = make_response(view(*args, **kwargs))
    if 200 <= response.status_code < 300:
        db.session.execute(
            sa.update(IdempotencyRecord)
            .where(IdempotencyRecord.id == claimed)
            .values(status=response.status_code, body_enc=crypto.encrypt_bytes(response.get_data()))
        )
        db.session.commit()
    else:
        db.session.rollback()
    return response


def _refusal(call: Call, exc: DomainError) -> Response:
    db.session.rollback()  # whatever the refused call had flushed
    if db.engine.dialect.name == "sqlite":  # the rollback took the limiter's counts with it: count them again
        for key, limit, window in call.counted:
            limits.hit(key, limit, window)
    call.error_code = exc.code
    response = jsonify(error_body(exc.code, exc.message))
    response.status_code = exc.status
    if exc.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="anpei"'
    if exc.status == 429:
        response.headers["Retry-After"] = str(exc.params.get("seconds", 60))
    return response


def _log(call: Call, status: int) -> None:
    """One ``api_calls`` row, on its own committed connection on PostgreSQL (the call's transaction may have been
    rolled back); SQLite has one writer, so there it rides on the session, committed here."""
    entry = {
        "client_id": call.client.id if call.client is not None else None,
        "at": utcnow(),
        "method": request.method[:8],
        "route": str(request.url_rule or request.path)[:200],
        "status": status,
        "error_code": call.error_code[:60],
        "objects": call.objects[:MAX_LOGGED_IDS],
        "ip": (request.remote_addr or "")[:45],
        "duration_ms": int((time.perf_counter() - call.started) * 1000),
    }
    rows, export = _access_rows(call, status, entry["route"], entry["at"])
    seen = None
    if call.client is not None:
        fresh = entry["at"] - timedelta(seconds=60)
        seen = (
            sa.update(ApiClient)
            .where(ApiClient.id == call.client.id)
            .where(sa.or_(ApiClient.last_used_at.is_(None), ApiClient.last_used_at < fresh))
            .values(last_used_at=entry["at"])
            .execution_options(synchronize_session=False)
        )
    if db.engine.dialect.name == "sqlite":
        db.session.execute(sa.insert(ApiCall).values(**entry))
        _write_access(db.session, call, rows, export)
        if seen is not None:
            db.session.execute(seen)
        db.session.commit()
        return
    with db.engine.begin() as conn:
        conn.execute(sa.insert(ApiCall).values(**entry))
        _write_access(conn, call, rows, export)
        if seen is not None:
            conn.execute(seen)
