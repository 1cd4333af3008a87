"""特种作业目录 (catalogue) and rule tables, seeded from DOMAIN.md and editable by the platform admin."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy import orm as so

from app.core.db import TimestampMixin
from app.extensions import db


class Operation(TimestampMixin, db.Model):
    """A node of the 特种作业目录: 作业类别 ("1") or 操作项目 ("1.2").

    Data, not schema: provinces add sub-items, items get retired (``valid_to``), other regimes
    (煤矿 92号令, 特种设备, 住建) live beside the 30号令 tree under their own ``regime``.
    """

    __tablename__ = "rules_operations"
    __table_args__ = (sa.UniqueConstraint("regime", "code"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    regime: so.Mapped[str] = so.mapped_column(sa.String(20), default="aj30")
    code: so.Mapped[str] = so.mapped_column(sa.String(10))
    name: so.Mapped[str] = so.mapped_column(sa.String(100))
    #: Code of the 作业类别 this 操作项目 belongs to; None for a 作业类别.
    parent_code: so.Mapped[str | None] = so.mapped_column(sa.String(10))
    note: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    valid_from: so.Mapped[date | None]
    valid_to: so.Mapped[date | None]

    @property
    def is_category(self) -> bool:
        return self.parent_code is None


class Rule(TimestampMixin, db.Model):
    """One figure of the rule tables, e.g. ``hours.initial.manager.high_risk`` = 48 (学时).

    ``region_code`` empty = national default; a jurisdiction's value overrides it for codes under its
    prefix. ``valid_from`` lets a new regulation take effect on a date without losing the old figure.
    """

    __tablename__ = "rules_rules"
    __table_args__ = (sa.UniqueConstraint("key", "region_code", "valid_from"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    key: so.Mapped[str] = so.mapped_column(sa.String(80), index=True)
    label: so.Mapped[str] = so.mapped_column(sa.String(200))
    value: so.Mapped[float]
    unit: so.Mapped[str] = so.mapped_column(sa.String(20))
    legal_basis: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    region_code: so.Mapped[str] = so.mapped_column(sa.String(6), default="")
    valid_from: so.Mapped[date] = so.mapped_column(default=date(2000, 1, 1))
