"""Template globals: navigation by role, language switch, small filters."""

from __future__ import annotations

import functools
import json

from babel import Locale
from flask import Flask, current_app, has_request_context, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from app.auth.models import Role

#: Navigation per role: (endpoint, label). Pages still to come join this table, nothing else.
NAVIGATION = {
    Role.ADMIN: [
        ("home.index", _l("首页")),
        ("people.enterprises", _l("企业")),
        ("people.roster", _l("人员档案")),
        ("rules.catalogue", _l("特种作业目录")),
        ("rules.rules", _l("规则参数")),
        ("bank.index", _l("题库")),
        ("bank.templates", _l("组卷规则")),
        ("exams.sittings", _l("考试场次")),
    ],
    Role.REGULATOR: [
        ("home.index", _l("首页")),
        ("people.enterprises", _l("辖区企业")),
        ("people.roster", _l("人员档案")),
        ("bank.index", _l("题库")),
        ("bank.templates", _l("组卷规则")),
        ("exams.sittings", _l("考试场次")),
        ("spotchecks.inspections", _l("逢查必考")),
    ],
    Role.ENTERPRISE: [
        ("home.index", _l("首页")),
        ("people.roster", _l("一人一档")),
        ("people.import_roster", _l("导入花名册")),
        ("bank.index", _l("题库")),
        ("bank.templates", _l("组卷规则")),
        ("exams.sittings", _l("考试场次")),
        ("spotchecks.findings", _l("整改清单")),
    ],
    Role.INSTITUTION: [
        ("home.index", _l("首页")),
        ("bank.index", _l("题库")),
        ("bank.templates", _l("组卷规则")),
        ("exams.sittings", _l("考试场次")),
    ],
    Role.WORKER: [("home.index", _l("首页")), ("people.me", _l("我的档案")), ("exams.mine", _l("我的考试"))],
}


def json_script(text: str) -> Markup:
    """JSON text made safe inside ``<script type="application/json">`` (as Jinja's ``tojson`` does for values): ``<``,
    ``>``, ``&`` and ``'`` become ``\\u`` escapes, so no ``</script>`` in a question's text can end the element."""
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").replace("'", "\\u0027"))


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


def register(app: Flask) -> None:
    @app.context_processor
    def inject():
        nav = []
        if current_user.is_authenticated:
            nav = [
                (endpoint, str(label), url_for(endpoint))
                for endpoint, label in NAVIGATION[current_user.role]
                if endpoint in current_app.view_functions
            ]
        return {"navigation": nav, "languages": current_app.config["LANGUAGES"], "current_locale": selected_locale()}

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
