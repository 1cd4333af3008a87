"""How the 一人一档 events of 退出 recommendations read (``exit.*``)."""

from __future__ import annotations

from flask_babel import gettext as _

from app.archive.render import RenderedEvent, enum_label, facts, renders
from app.dashboards.models import ExitAction


@renders("exit.recommended")
def _recommended(p: dict) -> RenderedEvent:
    return RenderedEvent(
        _("退出建议"),
        facts(
            (
                _("原因"),
                _("%(months)s个月内逢查必考%(n)s次不合格", months=p.get("months", ""), n=p.get("failures", "")),
            ),
            (_("最近一次不合格"), p.get("failed_on", "")),
            (_("建议"), _("调离岗位，或重新培训并补考合格")),
        ),
        (_("待处理"), "warn"),
    )


@renders("exit.acted")
def _acted(p: dict) -> RenderedEvent:
    return RenderedEvent(
        _("退出建议：企业处理"),
        facts((_("处理方式"), enum_label(ExitAction, p.get("action"))), (_("说明"), p.get("note", ""))),
        (_("处理中"), "warn"),
    )


@renders("exit.closed")
def _closed(p: dict) -> RenderedEvent:
    return RenderedEvent(_("退出建议办结"), facts((_("办结说明"), p.get("note", ""))), (_("已办结"), "ok"))
