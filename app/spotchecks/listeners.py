"""What a layer above spot checks hears without spotchecks importing it: an inspection was closed.

The API registers one, so that enforcement systems subscribed to ``inspection.closed`` learn of it (an outbox row
in the same transaction). A listener is ``fn(inspection, findings) -> None``; it may write (flush), never commit.
"""

from __future__ import annotations

from collections.abc import Callable

Listener = Callable[..., None]

_CLOSED: list[Listener] = []


def on_closed(fn: Listener) -> Listener:
    """Call ``fn(inspection, findings)`` once after an inspection is closed (by whoever wins the close)."""
    if fn not in _CLOSED:
        _CLOSED.append(fn)
    return fn


def closed(inspection, findings) -> None:
    for fn in _CLOSED:
        fn(inspection, findings)
