"""A rule book: the rule tables as plain values, asked "what was ``key`` on this day, in this region".

Rules of law change on dates — 应急管理部令第19号 replaced 30号令's 3-yearly 复审 with a 6-yearly 换证 from
2026-06-01 — so a key has one row per version, each with the day it applies from (``valid_from``), and regions
may override the national row. Callers ask for the value in force **on the date an obligation fell due** (a 复审 due
on 2025-03-01 follows the rule of that day), never "today's" by default.

Pure: no database, no clock. :func:`app.rules.queries.rule_book` loads one from the tables, and
:func:`app.rules.queries.rule_case` turns the same rows into a SQL ``CASE`` for lists and dashboards, so a figure
computed in SQL equals the one computed here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class RuleRow:
    key: str
    region_code: str
    valid_from: date
    value: float
    legal_basis: str = ""


class RuleBook:
    """The versions of every rule, most specific first: a longer region prefix wins, then the later ``valid_from``."""

    def __init__(self, rows: Iterable[RuleRow]):
        self._rows: dict[str, list[RuleRow]] = {}
        for row in rows:
            self._rows.setdefault(row.key, []).append(row)
        for versions in self._rows.values():
            versions.sort(key=lambda r: (len(r.region_code), r.valid_from), reverse=True)

    def versions(self, key: str) -> list[RuleRow]:
        """Every row of ``key``, in the order they are tried (most specific first).

        :raises KeyError: when the book has no row for ``key`` (a missing rule is a configuration bug).
        """
        if key not in self._rows:
            raise KeyError(key)
        return self._rows[key]

    def row(self, key: str, *, region_code: str = "", on: date) -> RuleRow:
        """The row in force for ``region_code`` on ``on``.

        :raises KeyError: when no row of ``key`` applies then and there.
        """
        for row in self.versions(key):
            if region_code.startswith(row.region_code) and row.valid_from <= on:
                return row
        raise KeyError(f"{key} on {on.isoformat()}")

    def value(self, key: str, *, region_code: str = "", on: date) -> float:
        return self.row(key, region_code=region_code, on=on).value

    def int(self, key: str, *, region_code: str = "", on: date) -> int:
        return int(self.value(key, region_code=region_code, on=on))

    @property
    def fingerprint(self) -> int:
        """Equal for books of the same rows: a key for what is built from a book (the dashboards' statements)."""
        if not hasattr(self, "_fingerprint"):
            self._fingerprint = hash(tuple((key, tuple(rows)) for key, rows in sorted(self._rows.items())))
        return self._fingerprint

    def values(self, key: str) -> set[float]:
        """Every value ``key`` takes anywhere, at any time (for SQL that branches on them)."""
        return {row.value for row in self.versions(key)}
