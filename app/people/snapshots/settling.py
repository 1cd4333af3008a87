"""Held credit settled by a snapshot's check or 复核: the layer that keeps the credit (``app.training.held``)
registers with :func:`on_credit_settled` (named in ``app.WIRING``) and is told, in the same transaction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from app.people.models import Snapshot

#: Listeners told when a 复核 or a face check settles a snapshot's held credit: ``fn(snapshot, keep=, actor=, now=)``
#: (``keep``: 本人 or a match, the credit goes into the ledger; else it is removed). They write and never commit.
_SETTLERS: list[Callable[..., None]] = []


def on_credit_settled(fn: Callable[..., None]) -> Callable[..., None]:
    """Register ``fn`` (once, however often its module is imported): the layer that holds credit hears here."""
    if fn not in _SETTLERS:
        _SETTLERS.append(fn)
    return fn


def settle_credit(snapshot: Snapshot, *, keep: bool, actor, now: datetime) -> None:
    for fn in _SETTLERS:
        fn(snapshot, keep=keep, actor=actor, now=now)
