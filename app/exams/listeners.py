"""What a layer above exams hears from the engine without exams importing it: a graded attempt.

Training registers one so that passing a class exam (逢培必考) completes the trainee at once, inside the same
transaction as the grading, instead of waiting for someone to open the class page or for the periodic job.
A listener is ``fn(attempt) -> None``; it may write (flush) but never commits.
"""

from __future__ import annotations

from collections.abc import Callable

Listener = Callable[..., None]

_GRADED: list[Listener] = []


def on_graded(fn: Listener) -> Listener:
    """Call ``fn(attempt)`` after every attempt is graded (once, however often the registering module is imported)."""
    if fn not in _GRADED:
        _GRADED.append(fn)
    return fn


def graded(attempt) -> None:
    for fn in _GRADED:
        fn(attempt)
