"""Translated messages for the rule tables' error codes."""

from __future__ import annotations

from flask_babel import gettext as _

from app.core.messages import register

MESSAGES = {
    "rule.version_exists": lambda p: _(
        "该规则在此地区已有 %(date)s 起施行的版本，请修改那一版", date=p.get("date", "")
    ),
    "rule.region_invalid": lambda p: _(
        "地区“%(value)s”不是行政区划代码前缀（2、4 或 6 位数字）", value=p.get("value", "")
    ),
}

register(MESSAGES)
