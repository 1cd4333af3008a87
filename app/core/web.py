"""Web glue shared by every blueprint: the one check for ``next=`` redirect targets, the one reader of numbers from a
query string or form, and the security headers."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g, request, session
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter

from app.core.errors import DomainError
from app.core.messages import register as register_messages

register_messages(
    {"request.nul_character": lambda p: _("「%(field)s」含有不可见的控制字符（NUL），请删除后重试", field=p["field"])}
)


def safe_next(target: str | None, default: str | None = None) -> str | None:
    r"""``target`` when it is a same-site path, else ``default``: the one gate for every ``next=`` redirect.

    Only a path starting with a single ``/`` passes; never an absolute URL (open redirect). Browsers drop tabs
    and newlines from URLs and read ``\`` as ``/``, so ``/<TAB>/evil`` and ``/\evil`` are refused as well as
    ``//evil``; so is anything a URL parser would read with a scheme or a host.
    """
    if not target or any(c == "\\" or ord(c) < 0x21 or ord(c) == 0x7F for c in target):
        return default
    if not target.startswith("/") or target.startswith("//"):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


# ---------------------------------------------------------------- security headers


#: The largest id a row can have (a 32-bit ``INTEGER`` key): a larger number names no row.
MAX_ID = 2**31 - 1


def whole_number(text: str | None, maximum: int = MAX_ID) -> int | None:
    """``text`` as a whole number when it is one of ASCII digits no larger than ``maximum``, else None: the one reader
    of ids and page numbers from a query string or form (``str.isdigit`` passes ``²`` and a 5,000-digit number, on
    which ``int`` or the database fails)."""
    if not text or not text.isascii() or not text.isdigit() or len(text) > len(str(maximum)):
        return None
    number = int(text)
    return number if number <= maximum else None


class IdConverter(IntegerConverter):
    """``<int:…>`` in every route: a number larger than any id (:data:`MAX_ID`) matches no route (404) instead of
    reaching the database, where SQLite fails on a 64-bit overflow and PostgreSQL on a 32-bit one."""

    def __init__(self, url_map, fixed_digits: int = 0, min: int | None = None, max: int | None = MAX_ID) -> None:
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max)


def csp_nonce() -> str:
    """This response's script nonce (``<script nonce="{{ csp_nonce() }}">``): the only inline scripts the CSP runs."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def content_security_policy(nonce: str) -> str:
    """Scripts only from this site or nonce'd; no plugins, no framing, no foreign form targets or base URL.

    ``style-src 'unsafe-inline'`` stays: a few templates set ``style=""`` attributes, and styles cannot run code.
    """
    return "; ".join(
        (
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


def security_headers(response: Response) -> Response:
    """``after_request``: the same protective headers on every response, pages, JSON, files and errors alike.

    Every response to a signed-in user is ``no-store``: person pages show full ID numbers to those allowed, and
    no page of a signed-in user should stay in a shared computer's cache after logout.
    """
    headers = response.headers
    headers.setdefault("Content-Security-Policy", content_security_policy(csp_nonce()))
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if current_app.config.get("MODE") == "production":
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if request.endpoint != "static" and _signed_in():
        headers["Cache-Control"] = "no-store"
        headers.pop("Expires", None)
    return response


def _signed_in() -> bool:
    """The session cookie names a user (Flask-Login's ``_user_id``). Read from the session, not from
    ``current_user``: after the view committed, the user row is expired, and ``is_authenticated`` would load it
    again (one query on every response; a heartbeat's fourth). A stale cookie of a logged-out user also gets
    ``no-store``, which is harmless."""
    return "_user_id" in session


# ---------------------------------------------------------------- input that no text column can hold


def refuse_nul_characters() -> None:
    """``before_request``: a NUL (U+0000) in a query argument, a form field or a JSON body is refused with a 400 that
    names the field, before any view runs. PostgreSQL cannot store it in a text column (a lookup would end in a
    500), SQLite would store it and compare differently; no real input contains one. Uploaded files are not
    fields: their readers check their own contents."""
    for source in (request.view_args or {}, request.args, request.form if request.method != "GET" else {}):
        for key in source:
            values = source.getlist(key) if hasattr(source, "getlist") else [source[key]]
            if "\x00" in key or any(isinstance(v, str) and "\x00" in v for v in values):
                raise DomainError("request.nul_character", http_status=400, field=key.replace("\x00", ""))
    if request.is_json and request.content_length:
        raw = request.get_data(cache=True)
        if b"\\u0000" in raw or b"\x00" in raw:
            field = _nul_path(request.get_json(silent=True))
            raise DomainError("request.nul_character", http_status=400, field=field or "JSON")


def _nul_path(value, path: str = "") -> str | None:
    """The dotted path of the first key or string in a JSON value that holds a NUL (``items[2].text``)."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{path}.{key}" if path else str(key)
            if "\x00" in str(key):
                return here.replace("\x00", "")
            if (found := _nul_path(item, here)) is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            if (found := _nul_path(item, f"{path}[{index}]")) is not None:
                return found
    return None


def register(app: Flask) -> None:
    app.before_request(refuse_nul_characters)
    app.after_request(security_headers)
    app.add_template_global(csp_nonce)
