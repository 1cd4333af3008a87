"""Translated messages for spot-check error codes (services raise codes; views and the ticket API show these)."""

from __future__ import annotations

from flask_babel import gettext as _

from app.core.messages import register

MESSAGES = {
    "inspection.out_of_jurisdiction": lambda p: _(
        "%(enterprise)s 不在您的辖区内，不能对其开展检查。", enterprise=p.get("enterprise", "")
    ),
    "inspection.closed": lambda p: _("本次检查已结束。"),
    "roster.empty": lambda p: _(
        "%(enterprise)s 的花名册中没有在职人员，无法抽取考试人员。请先让企业导入花名册。",
        enterprise=p.get("enterprise", ""),
    ),
    "template.no_bank": lambda p: _("所选试卷模板没有关联题库。"),
    "template.short": lambda p: _("题库中的题目不足以组卷：%(sections)s", sections=p.get("sections", "")),
    "swap.reason_required": lambda p: _("请填写替换原因（如：现场缺席）。"),
    "swap.started": lambda p: _("%(name)s 已开始答题，不能替换。", name=p.get("name", "")),
    "add.not_on_roster": lambda p: _("此人不在该企业的在职花名册中。"),
    "add.already_sampled": lambda p: _("此人已在本次抽考名单中。"),
    "reissue.not_possible": lambda p: _("状态为“%(status)s”的考试码不能重新发放。", status=p.get("status", "")),
    "ticket.void": lambda p: _("此考试码已作废，请向检查人员索取新的考试码。"),
    "ticket.done": lambda p: _("您已完成本次测试，无需重复作答。"),
    "ticket.locked": lambda p: _("身份核验错误次数过多，此考试码已锁定。请联系现场检查人员重新发放。"),
    "ticket.expired": lambda p: _("本次检查的测试时间已结束，此考试码已失效。"),
    "ticket.other_device": lambda p: _(
        "此考试码已在另一台手机上使用。每张考试码只能在一台设备上作答；如需更换手机，请联系检查人员重新发放。"
    ),
    "ticket.not_started": lambda p: _("尚未开始答题。"),
    "ticket.unknown": lambda p: _("考试码无效。请核对检查人员出示的二维码或 6 位考试码。"),
    "ticket.too_many": lambda p: _("尝试次数过多，请稍后再试，或直接扫描检查人员出示的二维码。"),
    "identity.wrong": lambda p: _(
        "姓名或证件号码不正确，还可尝试 %(remaining)s 次。", remaining=p.get("remaining", "")
    ),
    "identity.locked": lambda p: _("身份核验错误已达 5 次，此考试码已锁定。请联系现场检查人员重新发放。"),
    "finding.closed": lambda p: _("该整改项已销号。"),
    "finding.awaiting_review": lambda p: _("该整改项正在等待监管部门复核。"),
    "finding.no_passed_makeup": lambda p: _("此人尚无合格的补考成绩。如需人工销号，请填写理由。"),
    "finding.reason_required": lambda p: _("请填写不予销号的理由。"),
    "finding.transition": lambda p: _("该整改项当前状态下不能进行此操作。"),
    "finding.exists": lambda p: _("该人员在本次检查中已有整改项。"),
    "makeup.window": lambda p: _("补考结束时间必须晚于开始时间。"),
    "makeup.exists": lambda p: _("已安排补考且尚未结束。"),
}

register(MESSAGES)
