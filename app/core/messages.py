"""One catalogue of translated messages for error codes.

Each domain keeps its own table beside its code (``app/<domain>/messages.py``) and registers it here; a
:class:`~app.core.errors.DomainError` carries only a code and parameters and is turned into words when it is shown,
in the user's language.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

Render = Callable[[Mapping], str]

_CATALOGUE: dict[str, Render] = {}


def register(table: Mapping[str, Render]) -> None:
    """Add a domain's ``{code: lambda params: _(…)}`` table; a code may be registered by one table only."""
    for code, render in table.items():
        if _CATALOGUE.get(code, render) is not render:
            raise ValueError(f"message code {code!r} registered twice")
        _CATALOGUE[code] = render


def message_for(code: str, params: Mapping | None = None) -> str:
    """The translated message of ``code``; the code itself when nothing is registered (never an exception)."""
    render = _CATALOGUE.get(code)
    return render(params or {}) if render is not None else code


def known_codes() -> frozenset[str]:
    return frozenset(_CATALOGUE)
