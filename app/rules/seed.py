"""Idempotent seeding of the reference data (catalogue and rule tables)."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.rules.catalogue_data import ALWAYS, CATALOGUE, RULES
from app.rules.models import Operation, Rule


def seed_reference() -> tuple[int, int]:
    """Insert catalogue nodes and national rule versions (key, valid_from) that are missing; never overwrite edited
    values.

    A national rule row is identified by its key and ``valid_from``: a later version of a rule (a 6th element in
    ``RULES``) is added beside the version already stored.

    :return: (operations added, rules added)
    """
    existing_ops = set(db.session.scalars(sa.select(Operation.code).where(Operation.regime == "aj30")))
    added_ops = 0
    for code, name, items in CATALOGUE:
        for node_code, node_name, parent in [(code, name, None)] + [(c, n, code) for c, n in items]:
            if node_code not in existing_ops:
                db.session.add(Operation(regime="aj30", code=node_code, name=node_name, parent_code=parent))
                added_ops += 1
    existing_rules = set(db.session.execute(sa.select(Rule.key, Rule.valid_from).where(Rule.region_code == "")))
    added_rules = 0
    for key, label, value, unit, basis, *since in RULES:
        valid_from = since[0] if since else ALWAYS
        if (key, valid_from) not in existing_rules:
            db.session.add(
                Rule(
                    key=key,
                    label=label,
                    value=value,
                    unit=unit,
                    legal_basis=basis,
                    region_code="",
                    valid_from=valid_from,
                )
            )
            added_rules += 1
    db.session.flush()
    return added_ops, added_rules
