"""Who is the 考核发证机关 of a certificate (44号令 第二十条; DOMAIN.md §2.3): configuration per jurisdiction.

================  ===================================================================================================
特种作业操作证     the province's 应急管理厅; it may entrust a city bureau (``IssuingDelegation`` rows, kept by the
                  platform admin or the province)
合格证             the province for the people of 中央/省属 enterprises (``Enterprise.affiliation``); the city for the
                  others (the province where the platform has no such city)
培训合格证明        the enterprise or institution that ran the training (not an authority: ``app.auth.policy``)
================  ===================================================================================================

A district or county bureau never issues; it may still record a 违章 or propose a 暂扣 from an inspection
(``app.certificates.decisions``). The 签发机关 printed on a card is the issuing jurisdiction's
:attr:`~app.tenancy.models.Jurisdiction.authority`.
"""

from __future__ import annotations

import sqlalchemy as sa

from app.certificates.models import CertKind, IssuingDelegation
from app.core.errors import DomainError
from app.extensions import db
from app.tenancy.models import Affiliation, Jurisdiction


def province_of(code: str) -> str:
    return code[:2] + "0000"


def city_of(code: str) -> str:
    return code[:4] + "00"


def authorities_for(kind: CertKind, region_code: str, affiliation: Affiliation | None = None) -> tuple[str, ...]:
    """The 行政区划 codes whose 应急管理部门 may issue ``kind`` for a person or exam of ``region_code``."""
    if kind not in (CertKind.SPECIAL_OPERATOR, CertKind.MANAGER) or not region_code:
        return ()
    province, city = province_of(region_code), city_of(region_code)
    delegated = set(
        db.session.scalars(
            sa.select(IssuingDelegation.region_code).where(
                IssuingDelegation.kind == kind, IssuingDelegation.region_code == city
            )
        )
    )
    if kind is CertKind.SPECIAL_OPERATOR:
        return (province, *sorted(delegated - {province}))
    if affiliation in (Affiliation.CENTRAL, Affiliation.PROVINCIAL) or city == province:
        return (province,)
    city_exists = db.session.scalar(sa.select(sa.func.count()).where(Jurisdiction.code == city))
    return (city,) if city_exists else (province,)


def authority_name(code: str) -> str:
    """The 签发机关 of the jurisdiction ``code`` as printed (its ``authority``), or "" when unknown."""
    jurisdiction = db.session.scalars(sa.select(Jurisdiction).where(Jurisdiction.code == code)).first()
    return jurisdiction.authority if jurisdiction else ""


def delegations() -> list[IssuingDelegation]:
    return list(
        db.session.scalars(sa.select(IssuingDelegation).order_by(IssuingDelegation.kind, IssuingDelegation.region_code))
    )


def delegate(kind: CertKind, city_code: str, *, actor, doc_number: str = "") -> IssuingDelegation:
    """The province of ``city_code`` entrusts its city bureau with issuing ``kind`` (flushes)."""
    if kind is not CertKind.SPECIAL_OPERATOR or city_of(city_code) != city_code or city_code == province_of(city_code):
        raise DomainError("cert.delegation_invalid", http_status=400)
    exists = sa.select(IssuingDelegation.id).where(
        IssuingDelegation.kind == kind, IssuingDelegation.region_code == city_code
    )
    if db.session.scalar(exists) is not None:
        raise DomainError("cert.delegation_exists")
    row = IssuingDelegation(
        kind=kind,
        region_code=city_code,
        granted_by=province_of(city_code),
        doc_number=doc_number,
        created_by_id=actor.id,
    )
    db.session.add(row)
    db.session.flush()
    return row
