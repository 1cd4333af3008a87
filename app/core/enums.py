"""Helpers for string enums stored by value, with translated labels."""

from __future__ import annotations

import enum

import sqlalchemy as sa


class LabelledEnum(enum.StrEnum):
    """A ``str`` enum whose members carry a translated label: ``Post.PRINCIPAL.label``."""

    def __new__(cls, value: str, label: object = None):
        member = str.__new__(cls, value)
        member._value_ = value
        member._label = label if label is not None else value
        return member

    @property
    def label(self) -> str:
        return str(self._label)

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(m.value, m.label) for m in cls]

    def __str__(self) -> str:
        return self.value


def enum_column(enum_cls: type[enum.Enum]) -> sa.Enum:
    """Store an enum by value in a VARCHAR (no native PostgreSQL enum: adding a member needs no DDL)."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )
