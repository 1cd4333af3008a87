"""Changes to the rule tables."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from app.core.errors import DomainError
from app.extensions import db
from app.rules import messages as _messages  # noqa: F401  (registers the rule codes)
from app.rules.models import Rule


def add_rule_version(
    rule: Rule, *, value: float, valid_from: date, region_code: str = "", legal_basis: str = ""
) -> Rule:
    """A new row of ``rule.key`` in force from ``valid_from`` (for ``region_code`` and below): the rows before it stay
    and keep applying to what fell due before that day (flushes).

    :raises DomainError: ``rule.version_exists`` when the key already has a row of that region and date,
        ``rule.region_invalid`` for a region that is no 行政区划 code prefix.
    """
    if region_code and not (region_code.isdigit() and len(region_code) in (2, 4, 6)):
        raise DomainError("rule.region_invalid", value=region_code)
    clash = db.session.scalar(
        sa.select(Rule.id).where(Rule.key == rule.key, Rule.region_code == region_code, Rule.valid_from == valid_from)
    )
    if clash is not None:
        raise DomainError("rule.version_exists", date=valid_from.isoformat())
    version = Rule(
        key=rule.key,
        label=rule.label,
        value=value,
        unit=rule.unit,
        legal_basis=legal_basis or rule.legal_basis,
        region_code=region_code,
        valid_from=valid_from,
    )
    db.session.add(version)
    db.session.flush()
    return version
