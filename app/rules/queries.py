"""Reads of the reference data."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from app.core.clock import local_today
from app.extensions import db
from app.rules.models import Operation, Rule


def _code_key(code: str) -> tuple[int, ...]:
    return tuple(int(part) for part in code.split(".") if part.isdigit())


def catalogue_tree() -> list[tuple[Operation, list[Operation]]]:
    """作业类别 with their 操作项目, in code order (1, 1.1, …, 10, 11; not string order)."""
    ops = db.session.scalars(sa.select(Operation).where(Operation.regime == "aj30")).all()
    categories = sorted((o for o in ops if o.parent_code is None), key=lambda o: _code_key(o.code))
    items = sorted((o for o in ops if o.parent_code is not None), key=lambda o: _code_key(o.code))
    return [(c, [i for i in items if i.parent_code == c.code]) for c in categories]


def operation_choices(*, categories: bool = False) -> list[tuple[str, str]]:
    """Select options for a 操作项目 field: "1.2 低压电工作业" (a 作业类别 without items is itself a choice).

    :param categories: also offer each 作业类别 before its items (for filters: "1" covers "1.1", "1.2", …).
    """
    choices = []
    for category, items in catalogue_tree():
        current = [i for i in items if i.valid_to is None]
        if categories and current and category.valid_to is None:
            choices.append((category.code, f"{category.code} {category.name}"))
        for op in current or ([category] if category.valid_to is None else []):
            choices.append(
                (op.code, f"{op.code} {category.name} / {op.name}" if op is not category else f"{op.code} {op.name}")
            )
    return choices


def operation_name(code: str | None) -> str:
    if not code:
        return ""
    op = db.session.scalars(sa.select(Operation).where(Operation.code == code)).first()
    return op.name if op else code


def rule_value(key: str, *, region_code: str = "", on: date | None = None) -> float:
    """The figure in force for ``key``: the most specific region override, then the national value.

    :raises KeyError: when no row exists for ``key`` (a missing rule is a configuration bug, not a default).
    """
    on = on or local_today()
    rows = db.session.scalars(sa.select(Rule).where(Rule.key == key, Rule.valid_from <= on)).all()
    applicable = [r for r in rows if region_code.startswith(r.region_code)]
    if not applicable:
        raise KeyError(key)
    best = max(applicable, key=lambda r: (len(r.region_code), r.valid_from))
    return best.value
