"""Translated messages for the dashboards' error codes (complaints, 退出 recommendations, rankings)."""

from __future__ import annotations

from flask_babel import gettext as _

from app.core.messages import register

MESSAGES = {
    "complaint.summary_required": lambda p: _("请填写投诉内容摘要"),
    "complaint.future_date": lambda p: _("受理日期不能晚于今天"),
    "complaint.changed": lambda p: _("核查结论已被他人修改，请刷新后再办理"),
    "complaint.same_verdict": lambda p: _("核查结论没有变化"),
    "complaint.document_type": lambda p: _("材料须为 PDF、JPG 或 PNG 文件"),
    "complaint.document_size": lambda p: _("材料为空或超过 %(mb)s MB", mb=p.get("mb", "")),
    "complaint.subject": lambda p: _("请选择本辖区的培训机构或企业"),
    "dashboards.drill_down": lambda p: _("明细超过 %(n)s 人：请下钻到市、区县或企业后查看", n=p.get("n", "")),
    "exit.note_required": lambda p: _("请填写说明"),
    "exit.changed": lambda p: _("该退出建议的状态已变化，请刷新后再办理"),
    "ranking.reason_required": lambda p: _("请填写暂缓公布的原因"),
    "ranking.already_held": lambda p: _("该机构已在复核中，暂缓公布"),
    "ranking.not_held": lambda p: _("该机构没有暂缓公布"),
    "ranking.already_published": lambda p: _("该月的排名已经公告，公告一经发布不再修改"),
    "ranking.month_ahead": lambda p: _("不能公告尚未开始的月份"),
}

register(MESSAGES)
