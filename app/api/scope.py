"""Who may manage which API clients (the ``/api-clients`` pages). Built on ``app.auth.scope``.

=========== =========================================================================================
admin       every client; creates clients for any jurisdiction, enterprise or institution
regulator   the clients of its jurisdiction and of the jurisdictions, enterprises and institutions in it
others      none
=========== =========================================================================================
"""

from __future__ import annotations

import sqlalchemy as sa

from app.api.models import ApiClient
from app.auth.models import Role, User
from app.auth.scope import NOWHERE, one_or_404, region_prefix

MANAGERS = (Role.ADMIN, Role.REGULATOR)


def clients_query(user: User) -> sa.Select:
    query = sa.select(ApiClient)
    match user.role:
        case Role.ADMIN:
            return query
        case Role.REGULATOR:
            return query.where(ApiClient.region_code.startswith(region_prefix(user) or NOWHERE))
    return query.where(sa.false())


def get_client_or_404(user: User, client_id: int) -> ApiClient:
    return one_or_404(clients_query(user).where(ApiClient.id == client_id))


def may_bind(user: User, region_code: str) -> bool:
    """May ``user`` create a client for a tenant of ``region_code``: the admin anywhere, a regulator in its area."""
    if user.role is Role.ADMIN:
        return True
    prefix = region_prefix(user)
    return user.role is Role.REGULATOR and prefix is not None and region_code.startswith(prefix)
