"""Translated messages for exam error codes (forms, the exam page's JSON answers)."""

from __future__ import annotations

from flask_babel import gettext as _

from app.core.messages import register

MESSAGES = {
    "sitting.window": lambda p: _("结束时间必须晚于开始时间"),
    "sitting.duration": lambda p: _("考试时长应在 1 到 600 分钟之间"),
    "sitting.not_organiser": lambda p: _("该账号不能组织考试"),
    "sitting.kind_not_allowed": lambda p: _("该账号不能组织“%(kind)s”", kind=p.get("kind", "")),
    "sitting.not_candidate": lambda p: _("您不在该场次的考生名单中"),
    "sitting.not_open": lambda p: _("考试尚未开始"),
    "sitting.closed": lambda p: _("考试已结束"),
    "sitting.access_code": lambda p: _("考试口令不正确"),
    "sitting.no_candidates": lambda p: _("请至少选择一名考生"),
    "sitting.not_eligible": lambda p: _(
        "以下考生不符合报考条件：%(reasons)s。如确需放行，请选择放行原因并写明具体情况（记入个人档案，并报监管部门备查）。",
        reasons=p.get("reasons", ""),
    ),
    "sitting.not_yet": lambda p: p.get("reason", ""),
    "override.reason": lambda p: _("放行学时不足的考生须从列表中选择放行原因"),
    "override.text": lambda p: _(
        "请写明放行的具体情况（在哪里完成的培训、依据哪条规定或哪份批准文件），至少 %(min)s 个字", min=p.get("min", 8)
    ),
    "paper.insufficient": lambda p: _("题库题量不足，无法按组卷规则出卷：%(detail)s", detail=p.get("detail", "")),
    "paper.pass_mark": lambda p: _(
        "及格分 %(pass)s 超出试卷总分 %(total)s", **{"pass": p.get("pass_mark", ""), "total": p.get("total", "")}
    ),
    "answer.invalid": lambda p: _("答案格式无效"),
    "attempt.closed": lambda p: _("考试已结束，不能再作答"),
    "extend.minutes": lambda p: _("延长时间应在 1 到 %(max)s 分钟之间", max=p.get("max", 240)),
    "extend.reason": lambda p: _("请填写延时原因"),
    "makeup.not_allowed": lambda p: _("该场次不允许补考（补考只有一次，补考不合格需重新参加培训）"),
    "makeup.none": lambda p: _("没有可以参加补考的考生"),
}

register(MESSAGES)
