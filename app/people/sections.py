"""Sections of a person's record that layers above people fill, without people importing them.

The 一人一档 page and PDF show the person's certificates (持证情况) and this year's 培训学时; the 逢查必考 page shows
each drawn person's certificates. Those facts live in ``app.certificates`` and ``app.training``, above people, so
they register a provider here (named in ``app.WIRING``) and the views that render the pages ask this module and pass
the answer to the template — no template calls back into an upper layer.

Providers:

- certificates: ``fn(user, person_ids, today) -> {person_id: [(certificate, status), ...]}``, the certificates in
  ``user``'s scope with their status on ``today``, newest expiry first; one query for all ``person_ids``.
- training hours: ``fn(person, year) -> (required or None, credited)``.

With no provider wired, a section is empty (no certificates; no training record).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

from app.core.clock import local_today

CertificatesProvider = Callable[..., dict[int, list[tuple]]]
HoursProvider = Callable[..., tuple[float | None, float]]

_certificates: list[CertificatesProvider] = []
_hours: list[HoursProvider] = []


def register_certificates(fn: CertificatesProvider) -> CertificatesProvider:
    _certificates[:] = [fn]
    return fn


def register_training_hours(fn: HoursProvider) -> HoursProvider:
    _hours[:] = [fn]
    return fn


def certificates_of(user, person_ids: Iterable[int], today: date | None = None) -> dict[int, list[tuple]]:
    """person id → its certificates ``user`` may see, each with its status today (missing ids hold none)."""
    ids = sorted(set(person_ids))
    if not _certificates or not ids:
        return {}
    return _certificates[0](user, ids, today or local_today())


def training_hours_of(person, year: int | None = None) -> tuple[float | None, float] | None:
    """(hours required this year or None, hours credited), or None when no training layer is wired."""
    if not _hours:
        return None
    return _hours[0](person, year or local_today().year)
