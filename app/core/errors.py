"""The one error type of the domain, and the HTTP error pages (HTML for pages, JSON for JSON requests).

Every refusal by a rule — a closed sitting, a duplicate employment, a voided ticket — is a :class:`DomainError`
with a stable ``code`` (``"attempt.closed"``) and parameters. Services raise it; views show
:attr:`DomainError.message` in a form or a flash, and JSON endpoints answer with :func:`error_body`, the one JSON
error shape of the app::

    {"error": {"code": "attempt.closed", "message": "考试已结束，不能再作答"}, ...extra fields}
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Flask, jsonify, render_template, render_template_string, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from app.core.messages import message_for, register

register(
    {
        "request.not_json_object": lambda p: _("请求内容应为 JSON 对象"),
        "db.unavailable": lambda p: _("数据库暂时不可用，请稍后重试（已保存的内容不会丢失）"),
    }
)

#: Seconds a client is told to wait before retrying while the database is unreachable.
RETRY_AFTER_DB = 5
_DB_PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>503 · 安培 Anpei</title></head>
<body><main><h1>503</h1><p>{{ message }}</p></main></body></html>"""


class DomainError(Exception):
    """A domain rule refused an action.

    :param code: stable, dotted code whose translated text is registered in a domain's ``messages.py``.
    :param http_status: the HTTP status a JSON endpoint answers with (409 conflict with the current state by
        default; 400 for input that can never be accepted, 404 for something not there, 429 for a limit).
    :param params: values for the message (names, counts, dates — never secrets). ``code`` is positional-only, so
        a message may have a parameter called ``code`` too.
    """

    def __init__(self, code: str, /, *, http_status: int = 409, **params):
        super().__init__(code)
        self.code = code
        self.status = http_status
        self.params = params

    @property
    def message(self) -> str:
        return message_for(self.code, self.params)

    def __repr__(self) -> str:
        return f"DomainError({self.code!r}, status={self.status}, **{self.params!r})"


def error_body(code: str, message: str | None = None, **extra) -> dict:
    """The one JSON error shape: ``{"error": {"code", "message"}, **extra}``."""
    return {"error": {"code": code, "message": message if message is not None else message_for(code)}, **extra}


def json_error(exc: DomainError, **extra):
    """A ``(response, status)`` pair for a refused JSON request."""
    return jsonify(error_body(exc.code, exc.message, **extra)), exc.status


def json_object() -> dict:
    """The request's JSON body as an object; anything else (a list, a number, no body) is refused with a 400."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise DomainError("request.not_json_object", http_status=400)
    return data


TITLES = {
    400: lambda: _("请求无效"),
    403: lambda: _("没有权限访问此页面"),
    404: lambda: _("页面不存在"),
    405: lambda: _("不支持的请求方法"),
    413: lambda: _("上传的文件太大"),
    429: lambda: _("请求过于频繁，请稍后再试"),
    500: lambda: _("服务器内部错误"),
}


def _wants_json() -> bool:
    return request.path.startswith("/api/") or (request.is_json and request.method != "GET")


def _render(code: int, detail: str | None = None):
    title = TITLES.get(code, TITLES[500])()
    if _wants_json():
        return jsonify(error_body(f"http.{code}", detail or title)), code
    return render_template("errors/error.html", code=code, title=title, detail=detail), code


def register(app: Flask) -> None:
    for code in TITLES:
        app.register_error_handler(code, lambda exc, code=code: _render(code))

    @app.errorhandler(413)
    def too_large(exc):
        limit = app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
        return _render(413, _("文件不能超过 %(mb)s MB，请拆分后分批导入。", mb=limit))

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return _render(400, _("页面已过期或表单来源无效，请刷新页面后重试。"))

    @app.errorhandler(sa.exc.OperationalError)
    @app.errorhandler(sa.exc.InterfaceError)
    def database_unavailable(exc):
        """The database is unreachable (a restart, a failover, a killed connection): 503 with ``Retry-After``, not
        a 500. The session is rolled back (nothing half-written is kept) and SQLAlchemy has already dropped the
        pool's dead connections, so the retry gets fresh ones."""
        from app.extensions import db

        logging.getLogger("anpei.db").warning("database unavailable: %s", exc.orig or exc)
        db.session.rollback()
        error = DomainError("db.unavailable", http_status=503)
        if _wants_json():
            response, status = json_error(error)
        else:
            # a page of its own: the site's layout reads the signed-in user, which needs the database
            response, status = app.make_response((render_template_string(_DB_PAGE, message=error.message), 503)), 503
        response.headers["Retry-After"] = str(RETRY_AFTER_DB)
        return response, status

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        """A refusal no view caught: the message on the error page, or the JSON shape."""
        if _wants_json():
            return json_error(exc)
        return render_template("errors/error.html", code=exc.status, title=exc.message, detail=None), exc.status
