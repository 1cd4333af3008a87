"""Template filters and globals that every page may use: times in the user's zone, JSON, language switch.

Domain-specific filters and the navigation belong to their own packages (``core`` imports no domain).
"""

from __future__ import annotations

import functools
import json
from datetime import date, datetime

from babel import Locale
from flask import Flask, current_app, has_request_context, session
from markupsafe import Markup

from app.core.clock import format_local, zone


def json_script(text: str) -> Markup:
    """JSON text made safe inside ``<script type="application/json">`` (as Jinja's ``tojson`` does for values): ``<``,
    ``>``, ``&`` and ``'`` become ``\\u`` escapes, so no ``</script>`` in a question's text can end the element."""
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").replace("'", "\\u0027"))  # noqa: S704 — <, >, & and ' escaped just above: safe inside <script type=application/json>


def selected_locale() -> str:
    """zh_CN unless the user picked another language (kept in the session)."""
    chosen = session.get("locale") if has_request_context() else None
    return chosen if chosen in current_app.config["LANGUAGES"] else current_app.config["BABEL_DEFAULT_LOCALE"]


@functools.cache
def parsed_locale(code: str) -> Locale:
    """A parsed ``babel.Locale``: Flask-Babel would parse the selector's string on every request (0.2 ms, most
    of it scanning Babel's list of locale names)."""
    return Locale.parse(code)


def locale_selector() -> Locale:
    """Flask-Babel's selector: :func:`selected_locale`, parsed once per process."""
    return parsed_locale(selected_locale())


def format_iso_local(value, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """An ISO time kept in JSON (naive = UTC, or with an offset) as the user reads it; a bare date stays a date."""
    if not value:
        return ""
    text = str(value)
    try:
        if len(text) <= 10:
            return date.fromisoformat(text).isoformat()
        return format_local(datetime.fromisoformat(text.replace("Z", "+00:00")), fmt)
    except ValueError:
        return text


def timezone_selector() -> str:
    """Flask-Babel's zone: the same as every time shown by ``app.core.clock``."""
    return zone().key


def format_score(value) -> str:
    """92.5 → "92.5", 90.0 → "90"."""
    return "" if value is None else f"{value:g}"


def register(app: Flask) -> None:
    @app.context_processor
    def inject():
        return {"languages": current_app.config["LANGUAGES"], "current_locale": selected_locale()}

    app.add_template_filter(format_local, "local_dt")
    app.add_template_filter(format_local, "datetime")
    app.add_template_filter(format_score, "score")
    app.add_template_filter(format_iso_local, "iso_local")

    @app.template_filter("date")
    def format_date(value, fmt="%Y-%m-%d"):
        return value.strftime(fmt) if value else ""

    @app.template_filter("fromjson")
    def fromjson(value):
        return json.loads(value) if value else {}

    @app.template_filter("reject_page")
    def reject_page(args: dict) -> dict:
        """Query arguments for pager links, without the page number itself."""
        return {k: v for k, v in args.items() if k != "page"}
