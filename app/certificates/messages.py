"""Translated messages for certificate error codes (refusals shown in forms, flashes and the bulk-issue list)."""

from __future__ import annotations

from flask_babel import gettext as _

from app.core.messages import register

MESSAGES = {
    # issuing: why a candidate is refused
    "cert.not_passed": lambda p: _("未通过该资格考试"),
    "cert.not_qualification": lambda p: _("该场次不是资格考试，不能据此发证"),
    "cert.already_holds": lambda p: _("已持有同一项目的有效证书（证号 %(number)s）", number=p.get("number", "")),
    "cert.no_photo": lambda p: _("未登记本人证件照片"),
    "cert.hours_short": lambda p: _("培训学时不足（还差 %(hours)s 学时）", hours=p.get("hours", "")),
    "cert.review_hours_short": lambda p: _(
        "复审培训学时不足（近一年须满 %(required)s 学时，还差 %(hours)s 学时）",
        required=p.get("required", ""),
        hours=p.get("hours", ""),
    ),
    "cert.no_training": lambda p: _("未完成该操作项目的初次培训（没有该项目的培训班次记录）"),
    # 培训合格证明 for a class
    "cert.not_enrolled": lambda p: _("不是该班次的学员"),
    "cert.class_hours_short": lambda p: _(
        "未结业：学时不足（要求 %(required)s 学时，还差 %(hours)s 学时）%(exam)s",
        required=p.get("required", ""),
        hours=p.get("hours", ""),
        exam=_("；班次考试未通过") if p.get("exam") == "failed" else _("；未参加班次考试") if p.get("exam") else "",
    ),
    "cert.class_exam_failed": lambda p: _("未结业：班次考试未通过"),
    "cert.class_exam_missing": lambda p: _("未结业：未参加班次考试（或成绩未出）"),
    "cert.class_already_issued": lambda p: _(
        "已为该班次签发过培训合格证明（证号 %(number)s，%(status)s）",
        number=p.get("number", ""),
        status=p.get("status", ""),
    ),
    "cert.no_item": lambda p: _("考试场次未注明作业类别/操作项目或岗位类别"),
    "cert.no_employer": lambda p: _("无在职单位，无法确定行业类别"),
    "cert.not_issuer": lambda p: _("该账号无权签发“%(kind)s”", kind=p.get("kind", "")),
    # lifecycle
    "cert.state_changed": lambda p: _("证书状态已变化，请刷新后重试"),
    "cert.not_live": lambda p: _("证书已%(status)s，不能办理该事项", status=p.get("status", "")),
    "cert.no_review": lambda p: _("该证书不需要复审"),
    "cert.review_window": lambda p: _(
        "复审应在应复审日期（%(due)s）前 %(days)s 天内办理", due=p.get("due", ""), days=p.get("days", "")
    ),
    "cert.review_no_exam": lambda p: _("须有通过的同一项目的复审（换证）考试成绩"),
    "cert.extend_window": lambda p: _(
        "延期复审应在有效期届满（%(due)s）前 %(days)s 天内办理", due=p.get("due", ""), days=p.get("days", "")
    ),
    "cert.ten_year_used": lambda p: _("本有效期内已按连续从事本工种10年以上延长复审周期"),
    "cert.reason_required": lambda p: _("请填写原因"),
    "cert.doc_required": lambda p: _("请填写决定文号"),
    "cert.not_authority": lambda p: _("只有发证机关所在辖区的监管部门可以办理"),
    "cert.future_date": lambda p: _("日期 %(date)s 晚于今天，不能登记", date=p.get("date", "")),
    "cert.basis_used": lambda p: _("该考试成绩已用于办理其他证书事项，每份成绩只能使用一次"),
    "cert.score_expired": lambda p: _("该考试成绩已超过有效期（12个月），不能据此办理"),
    "cert.review_abolished": lambda p: _(
        "应复审日期 %(due)s 在2026年6月1日以后：依应急管理部令第19号不再复审，有效期满时办理换证",
        due=p.get("due", ""),
    ),
    "cert.no_review_due": lambda p: _("该证书现在没有待办的复审（下一事项：%(duty)s）", duty=p.get("duty", "")),
    "cert.review_first": lambda p: _("应先办理 %(due)s 到期的复审", due=p.get("due", "")),
    "cert.renew_window": lambda p: _(
        "%(duty)s应在 %(opens)s 至 %(by)s 之间申请",
        duty=p.get("duty", ""),
        opens=p.get("opens", ""),
        by=p.get("by", ""),
    ),
    "cert.ten_year_not_met": lambda p: _(
        "不符合延长复审周期的条件：连续从事本工种 %(years)s 年（须满10年），本有效期内违章记录 %(violations)s 条（须无）",
        years=p.get("years", ""),
        violations=p.get("violations", ""),
    ),
    "cert.fraud_banned": lambda p: _(
        "该项目的证书曾因以欺骗、贿赂等不正当手段取得（或记载虚假）被撤销，%(until)s 前不得再次申请",
        until=p.get("until", ""),
    ),
    "cert.delegation_invalid": lambda p: _("只能委托设区的市级应急管理部门签发特种作业操作证"),
    "cert.delegation_exists": lambda p: _("该市已受委托签发此类证书"),
    "cert.no_practical": lambda p: _("未通过该操作项目的实际操作考试（或成绩已超过有效期）"),
    "cert.theory_expired": lambda p: _("理论考试成绩已超过有效期（12个月），须重新参加理论考试"),
    "cert.not_authority_for": lambda p: _(
        "%(kind)s由%(authority)s签发，该账号所在机关不是考核发证机关",
        kind=p.get("kind", ""),
        authority=p.get("authority", ""),
    ),
    "cert.not_suspended": lambda p: _("证书未被暂扣"),
    # ZIP bundles
    "cert.bundle_scope": lambda p: _("无法识别要打包的证书范围"),
    "cert.bundle_empty": lambda p: _("没有可打包下载的证书"),
    "cert.bundle_too_many": lambda p: _(
        "共 %(n)s 份证书，超过单次打包上限 %(max)s 份，请缩小范围（例如按状态筛选）",
        n=p.get("n", ""),
        max=p.get("max", ""),
    ),
    "cert.bundle_too_big": lambda p: _("压缩包超过 %(mb)s MB 上限，请缩小范围后重试", mb=p.get("mb", "")),
    "cert.bundle_requester_gone": lambda p: _("申请人账号已停用，未打包"),
    "cert.bundle_failed": lambda p: _("打包时出错，请稍后重试"),
    "cert.bundle_expired": lambda p: _("该压缩包已过期，请重新打包"),
    "cert.bundle_stalled": lambda p: _(
        "打包已停滞（%(minutes)s 分钟无进展），已重新打包", minutes=p.get("minutes", "")
    ),
    # the exam door
    "gate.fraud_banned": lambda p: _(
        "%(name)s 的该项目证书曾因以欺骗、贿赂等不正当手段取得被撤销，%(until)s 前不得报名",
        name=p.get("name", ""),
        until=p.get("until", ""),
    ),
    # verification
    "cert.verify_limited": lambda p: _("查询过于频繁，请稍后再试"),
}

register(MESSAGES)
