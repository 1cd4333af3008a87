"""API clients: created for a tenant with scopes, their token and signing secret shown once, rotated, revoked; and
the token check of every call.

Tokens are ``anpei_`` + 43 random URL-safe characters (256 bits), stored as sha256; signing secrets ``whsec_`` +
43 characters, stored encrypted. Functions flush; the pages commit.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from app.api import messages as _messages  # noqa: F401  (registers the API codes)
from app.api import scope as client_scope
from app.api.models import AUTHORITY_SCOPES, ApiClient, ApiScope, TenantKind
from app.core import crypto
from app.core.db import conditional_update, utcnow
from app.core.errors import DomainError
from app.extensions import db
from app.tenancy.models import Enterprise, Jurisdiction, TrainingInstitution

TOKEN_PREFIX = "anpei_"  # noqa: S105 — a public token prefix, not a secret
SECRET_PREFIX = "whsec_"  # noqa: S105 — a public secret prefix, not a secret


@dataclass(frozen=True)
class Credentials:
    """What is shown once: the bearer token and the webhook signing secret."""

    token: str
    secret: str | None


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def _new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def tenant_region(tenant) -> str:
    return tenant.code if isinstance(tenant, Jurisdiction) else tenant.region_code


def create_client(
    *,
    actor,
    name: str,
    tenant: Jurisdiction | Enterprise | TrainingInstitution | None,
    scopes,
    rate_limit: int | None = None,
    note: str = "",
) -> tuple[ApiClient, Credentials]:
    """A new client of ``tenant`` with ``scopes``.

    :raises DomainError: ``api_client.tenant_required``, ``api_client.tenant_out_of_scope`` (a regulator outside
        its area), ``api_client.scope_not_allowed`` (``inspections:write`` for a non-authority),
        ``api_client.no_scopes``.
    """
    if tenant is None:
        raise DomainError("api_client.tenant_required", http_status=400)
    kind = {
        Jurisdiction: TenantKind.JURISDICTION,
        Enterprise: TenantKind.ENTERPRISE,
        TrainingInstitution: TenantKind.INSTITUTION,
    }[type(tenant)]
    region = tenant_region(tenant)
    if not client_scope.may_bind(actor, region):
        raise DomainError("api_client.tenant_out_of_scope", http_status=403)
    chosen = sorted({ApiScope(s).value for s in scopes})
    if not chosen:
        raise DomainError("api_client.no_scopes", http_status=400)
    if kind is not TenantKind.JURISDICTION and (bad := AUTHORITY_SCOPES & set(chosen)):
        raise DomainError("api_client.scope_not_allowed", http_status=400, scope=", ".join(sorted(bad)))
    token, secret = _new_token(), _new_secret()
    client = ApiClient(
        name=name.strip()[:100],
        tenant_kind=kind,
        jurisdiction_id=tenant.id if kind is TenantKind.JURISDICTION else None,
        enterprise_id=tenant.id if kind is TenantKind.ENTERPRISE else None,
        institution_id=tenant.id if kind is TenantKind.INSTITUTION else None,
        region_code=region,
        scopes=chosen,
        token_hash=token_digest(token),
        token_hint=token[: len(TOKEN_PREFIX) + 4],
        secret_enc=crypto.encrypt(secret),
        rate_limit=rate_limit,
        note=note.strip()[:300],
        created_by_id=actor.id,
    )
    db.session.add(client)
    db.session.flush()
    return client, Credentials(token, secret)


def rotate_token(client: ApiClient, *, actor, now: datetime | None = None) -> Credentials:
    """A new token; the old one stops working at once (one conditional ``UPDATE``: of two rotations, the later
    token is the one that works)."""
    _require_active(client)
    token = _new_token()
    db.session.execute(
        conditional_update(ApiClient)
        .where(ApiClient.id == client.id, ApiClient.revoked_at.is_(None))
        .values(token_hash=token_digest(token), token_hint=token[: len(TOKEN_PREFIX) + 4], rotated_at=now or utcnow())
    )
    db.session.refresh(client)
    return Credentials(token, None)


def rotate_secret(client: ApiClient, *, actor, now: datetime | None = None) -> Credentials:
    """A new webhook signing secret: deliveries from now on are signed with it."""
    _require_active(client)
    secret = _new_secret()
    db.session.execute(
        conditional_update(ApiClient)
        .where(ApiClient.id == client.id, ApiClient.revoked_at.is_(None))
        .values(secret_enc=crypto.encrypt(secret), rotated_at=now or utcnow())
    )
    db.session.refresh(client)
    return Credentials("", secret)


def revoke(client: ApiClient, *, actor, now: datetime | None = None) -> None:
    """Stop the client for good: its token no longer authenticates and nothing more is delivered to it."""
    db.session.execute(
        conditional_update(ApiClient)
        .where(ApiClient.id == client.id, ApiClient.revoked_at.is_(None))
        .values(revoked_at=now or utcnow(), revoked_by_id=actor.id)
    )
    db.session.refresh(client)


def _require_active(client: ApiClient) -> None:
    if client.revoked_at is not None:
        raise DomainError("api_client.revoked")


def signing_secret(client: ApiClient) -> str:
    return crypto.decrypt(client.secret_enc)


def authenticate(header: str | None) -> ApiClient | None:
    """The active client whose token is in ``Authorization: Bearer <token>``, or None."""
    scheme, _sep, token = (header or "").strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        return None
    digest = token_digest(token)
    client = db.session.scalar(sa.select(ApiClient).where(ApiClient.token_hash == digest))
    if client is None or client.revoked_at is not None or not hmac.compare_digest(client.token_hash, digest):
        return None
    return client
