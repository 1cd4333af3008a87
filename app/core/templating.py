"""Template globals: navigation by role, language switch, small filters."""

from __future__ import annotations

import json

from flask import Flask, current_app, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.auth.models import Role

#: Navigation per role: (endpoint, label). Pages still to come join this table, nothing else.
NAVIGATION = {
    Role.ADMIN: [("home.index", _l("首页")), ("people.enterprises", _l("企业")), ("people.roster", _l("人员档案")),
                 ("rules.catalogue", _l("特种作业目录")), ("rules.rules", _l("规则参数"))],
    Role.REGULATOR: [("home.index", _l("首页")), ("people.enterprises", _l("辖区企业")), ("people.roster", _l("人员档案"))],
    Role.ENTERPRISE: [("home.index", _l("首页")), ("people.roster", _l("一人一档")), ("people.import_roster", _l("导入花名册"))],
    Role.INSTITUTION: [("home.index", _l("首页"))],
    Role.WORKER: [("home.index", _l("首页")), ("people.me", _l("我的档案"))],
}  # fmt: skip


def register(app: Flask) -> None:
    @app.context_processor
    def inject():
        nav = []
        if current_user.is_authenticated:
            nav = [(endpoint, str(label), url_for(endpoint)) for endpoint, label in NAVIGATION[current_user.role]
                   if endpoint in current_app.view_functions]  # fmt: skip
        return {"navigation": nav, "languages": current_app.config["LANGUAGES"], "current_locale": str(get_locale())}

    @app.template_filter("date")
    def format_date(value, fmt="%Y-%m-%d"):
        return value.strftime(fmt) if value else ""

    @app.template_filter("fromjson")
    def fromjson(value):
        return json.loads(value) if value else {}

    @app.template_filter("post_label")
    def post_label(value):
        from app.people.models import Post

        return Post(value).label if value in Post._value2member_map_ else value

    @app.template_filter("reject_page")
    def reject_page(args: dict) -> dict:
        """Query arguments for pager links, without the page number itself."""
        return {k: v for k, v in args.items() if k != "page"}

    @app.template_filter("datetime")
    def format_datetime(value):
        return value.strftime("%Y-%m-%d %H:%M") if value else ""
