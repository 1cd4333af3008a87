"""The API client as the scope and policy functions see it: a user of its tenant.

``app.auth.scope``, each domain's ``scope.py`` and ``app.auth.policy`` take a ``User`` and read its role and the
one tenant it acts for (``jurisdiction``/``enterprise``/``institution`` and their ids; ``person_id`` for a worker;
``id`` only where a record names a user, as the examiners of a 实操 sitting). A :class:`Principal` has exactly
those attributes, so a client reaches exactly what a user of its tenant reaches — the same queries, the same
masking — and nothing more: a jurisdiction's client is a regulator of it, an enterprise's an enterprise admin, an
institution's an institution. ``id`` and ``person_id`` are None: no record names a client as its user, and a
client is nobody's own person. As an archive actor it reads "接口：<name>" (``label``) with no user id.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.api.models import ApiClient, TenantKind
from app.auth.models import Role
from app.tenancy.models import Enterprise, Jurisdiction, TrainingInstitution

ROLE_OF = {
    TenantKind.JURISDICTION: Role.REGULATOR,
    TenantKind.ENTERPRISE: Role.ENTERPRISE,
    TenantKind.INSTITUTION: Role.INSTITUTION,
}


@dataclass(frozen=True)
class Principal:
    client_id: int
    name: str
    role: Role
    scopes: frozenset[str]
    jurisdiction: Jurisdiction | None = None
    enterprise: Enterprise | None = None
    institution: TrainingInstitution | None = None

    #: Never a user: no sitting lists a client as examiner, no bundle as requester.
    id = None
    #: Nobody's own person (the worker's "their own" rules never apply).
    person_id = None
    is_authenticated = True
    active = True

    @property
    def jurisdiction_id(self) -> int | None:
        return self.jurisdiction.id if self.jurisdiction is not None else None

    @property
    def enterprise_id(self) -> int | None:
        return self.enterprise.id if self.enterprise is not None else None

    @property
    def institution_id(self) -> int | None:
        return self.institution.id if self.institution is not None else None

    @property
    def label(self) -> str:
        return f"接口：{self.name}"

    @property
    def region_code(self) -> str:
        tenant = self.jurisdiction or self.enterprise or self.institution
        if isinstance(tenant, Jurisdiction):
            return tenant.code
        return tenant.region_code if tenant is not None else ""

    @property
    def time_zone(self) -> str:
        """The zone its times are given in: its tenant's jurisdiction's (as for a user of it), "" for the default."""
        if self.jurisdiction is not None:
            return self.jurisdiction.effective_time_zone
        tenant = self.enterprise or self.institution
        return tenant.jurisdiction.effective_time_zone if tenant is not None else ""

    def has(self, scope: str) -> bool:
        return scope in self.scopes


def principal_of(client: ApiClient) -> Principal:
    return Principal(
        client_id=client.id,
        name=client.name,
        role=ROLE_OF[client.tenant_kind],
        scopes=frozenset(client.scopes or ()),
        jurisdiction=client.jurisdiction,
        enterprise=client.enterprise,
        institution=client.institution,
    )
