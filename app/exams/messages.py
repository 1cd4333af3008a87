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
    # 实操 (practical exams): app/exams/practical.py
    "practical.not_organiser": lambda p: _("只有组织考试的应急管理部门（监管人员账号）可以安排实操考试"),
    "practical.site": lambda p: _("请填写实操考点名称"),
    "practical.no_sheet": lambda p: _(
        "%(operation)s 在 %(date)s 没有适用的实操评分表，请平台管理员先维护评分表",
        operation=p.get("operation", ""),
        date=p.get("date", ""),
    ),
    "practical.examiners": lambda p: _("请指定至少 %(n)s 名不同的考评员", n=p.get("n", 2)),
    "practical.examiner_invalid": lambda p: _(
        "%(name)s 不能担任本场考评员：考评员须为组织地区应急管理部门的在用账号", name=p.get("name", "")
    ),
    "practical.has_signatures": lambda p: _("已有考评员签名，不能再更换考评员或撤销考生"),
    "practical.no_candidates": lambda p: _("请至少选择一名尚未报名的考生"),
    "practical.not_eligible": lambda p: _("以下考生不能参加本场实操考试：%(reasons)s", reasons=p.get("reasons", "")),
    "practical.no_theory": lambda p: _(
        "%(name)s 没有在 %(date)s 仍有效的 %(operation)s 理论考试合格成绩",
        name=p.get("name", ""),
        date=p.get("date", ""),
        operation=p.get("operation", ""),
    ),
    "practical.already_passed": lambda p: _(
        "%(name)s 已通过该操作项目的实操考试（成绩仍在有效期内）", name=p.get("name", "")
    ),
    "practical.no_attempts_left": lambda p: _(
        "%(name)s 凭本次理论考试合格成绩可参加的 %(limit)s 次实操考试已用完：%(consequence)s",
        name=p.get("name", ""),
        limit=p.get("limit", ""),
        consequence=p.get("consequence", ""),
    ),
    "practical.enrol_conflict": lambda p: _("考生刚被其他场次报名，请刷新页面后重试"),
    "practical.withdraw_reason": lambda p: _("请填写撤销报名的原因"),
    "practical.graded": lambda p: _("该考生的实操成绩已生成，不能再提交评分（页面可能已过期，请刷新）"),
    "practical.not_examiner": lambda p: _("您不是本场实操考试的考评员"),
    "practical.too_few_examiners": lambda p: _("本场次考评员不足 %(n)s 人，不能评分", n=p.get("n", 2)),
    "practical.not_yet": lambda p: _("实操考试日期为 %(date)s，考试当天起才能评分", date=p.get("date", "")),
    "practical.already_signed": lambda p: _("您已为该考生签名提交评分，不能重复提交"),
    "practical.item_missing": lambda p: _("请填写“%(item)s”的得分", item=p.get("item", "")),
    "practical.item_invalid": lambda p: _("“%(item)s”的得分应为数字，以 0.5 分为单位", item=p.get("item", "")),
    "practical.item_range": lambda p: _(
        "“%(item)s”的得分应在 0 到 %(max)s 分之间", item=p.get("item", ""), max=p.get("max", "")
    ),
    "sheet.unknown_operation": lambda p: _("操作项目不在特种作业目录中"),
    "sheet.in_use": lambda p: _("该版本评分表已用于实操考试场次，不能修改；请另存为新版本"),
    "sheet.overlap": lambda p: _(
        "操作项目 %(operation)s 已有自 %(date)s 起施行的评分表版本",
        operation=p.get("operation", ""),
        date=p.get("date", ""),
    ),
    "sheet.item": lambda p: _(
        "第 %(n)s 行评分项不完整：须有代号、名称和分值（大于 0，以 0.5 分为单位）", n=p.get("n", "")
    ),
    "sheet.duplicate_code": lambda p: _("评分项代号 %(code)s 重复", code=p.get("code", "")),
    "sheet.items": lambda p: _("请至少填写一个评分项"),
    "sheet.total": lambda p: _("评分项分值合计应为 100 分（现为 %(total)s 分）", total=p.get("total", "")),
}

register(MESSAGES)
