"""HTTP error pages (HTML for pages, JSON for /api/)."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

TITLES = {
    400: lambda: _("请求无效"),
    403: lambda: _("没有权限访问此页面"),
    404: lambda: _("页面不存在"),
    405: lambda: _("不支持的请求方法"),
    413: lambda: _("上传的文件太大"),
    500: lambda: _("服务器内部错误"),
}


def _render(code: int, detail: str | None = None):
    title = TITLES.get(code, TITLES[500])()
    if request.path.startswith("/api/"):
        return jsonify(error={"code": code, "message": detail or title}), code
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
