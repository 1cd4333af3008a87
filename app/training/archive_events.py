"""How the 一人一档 events training writes read (``training.*``)."""

from __future__ import annotations

from flask_babel import gettext as _

from app.archive.render import RenderedEvent, enum_label, facts, outcome_passed, renders
from app.training.models import ClassMode, CorrectionKind, TrainingType


def _class_facts(p: dict) -> list[tuple[str, str]]:
    return facts(
        (_("培训班次"), p.get("title")),
        (_("培训类型"), enum_label(TrainingType, p.get("training_type")) if p.get("training_type") else ""),
        (_("培训方式"), enum_label(ClassMode, p.get("mode")) if p.get("mode") else ""),
        (_("课程"), f"{p['course']} (v{p.get('course_version', 1)})" if p.get("course") else ""),
    )


@renders("training.enrolled")
def _training_enrolled(p: dict) -> RenderedEvent:
    via = {"application": _("培训机构审核通过单位的报名申请")}.get(p.get("via"), "")
    return RenderedEvent(_("报名培训班次"), _class_facts(p) + facts((_("方式"), via)))


def _minutes(value) -> str:
    return _("%(minutes)s 分钟", minutes=value) if value else ""


@renders("training.attended")
def _training_attended(p: dict) -> RenderedEvent:
    source = {"manual": _("手工补录"), "sheet": _("签到表导入")}.get(p.get("source"), "")
    return RenderedEvent(
        _("面授考勤"),
        _class_facts(p)
        + facts(
            (_("日期"), p.get("date")),
            (_("场次"), p.get("session")),
            (_("时长"), _minutes(p.get("minutes"))),
            (_("来源"), source),
            (_("原因"), p.get("reason")),
            (_("更正申请"), f"#{p['correction']}" if p.get("correction") else ""),
        ),
    )


@renders("training.attendance_changed")
def _attendance_changed(p: dict) -> RenderedEvent:
    return RenderedEvent(
        _("面授考勤时长更改"),
        _class_facts(p)
        + facts(
            (_("日期"), p.get("date")),
            (_("场次"), p.get("session")),
            (_("时长"), f"{_minutes(p.get('old_minutes'))} → {_minutes(p.get('minutes'))}"),
            (_("原因"), p.get("reason")),
            (_("更正申请"), f"#{p['correction']}" if p.get("correction") else ""),
        ),
    )


@renders("training.attendance_withdrawn")
def _attendance_withdrawn(p: dict) -> RenderedEvent:
    return RenderedEvent(
        _("面授考勤撤销"),
        _class_facts(p)
        + facts(
            (_("日期"), p.get("date")),
            (_("场次"), p.get("session")),
            (_("撤销的时长"), _minutes(p.get("old_minutes"))),
            (_("原因"), p.get("reason")),
            (_("更正申请"), f"#{p['correction']}" if p.get("correction") else ""),
        ),
    )


def _correction_facts(p: dict) -> list[tuple[str, str]]:
    change = p.get("change")
    minutes = _minutes(p.get("minutes"))
    if change == CorrectionKind.CHANGE.value:
        minutes = f"{_minutes(p.get('old_minutes'))} → {minutes}"
    elif change == CorrectionKind.WITHDRAW.value:
        minutes = _("撤销 %(minutes)s", minutes=_minutes(p.get("old_minutes")))
    return _class_facts(p) + facts(
        (_("更正"), enum_label(CorrectionKind, change) if change else ""),
        (_("日期"), p.get("date")),
        (_("场次"), p.get("session")),
        (_("时长"), minutes),
        (_("申请理由"), p.get("reason")),
        (_("审批意见"), p.get("note")),
    )


@renders("attendance.correction_requested")
def _correction_requested(p: dict) -> RenderedEvent:
    return RenderedEvent(_("面授考勤更正申请"), _correction_facts(p), (_("待审批"), "warn"))


@renders("attendance.correction_approved")
def _correction_approved(p: dict) -> RenderedEvent:
    return RenderedEvent(_("面授考勤更正获批"), _correction_facts(p), (_("已批准"), "ok"))


@renders("attendance.correction_rejected")
def _correction_rejected(p: dict) -> RenderedEvent:
    return RenderedEvent(_("面授考勤更正被驳回"), _correction_facts(p), (_("已驳回"), "bad"))


@renders("training.applied")
def _training_applied(p: dict) -> RenderedEvent:
    return RenderedEvent(
        _("单位提交培训报名申请"), _class_facts(p) + facts((_("报名单位"), p.get("enterprise"))), (_("待审核"), "warn")
    )


@renders("training.application_refused")
def _application_refused(p: dict) -> RenderedEvent:
    return RenderedEvent(
        _("培训报名未通过审核"),
        _class_facts(p) + facts((_("报名单位"), p.get("enterprise")), (_("理由"), p.get("note"))),
        (_("未通过"), "bad"),
    )


@renders("training.application_withdrawn")
def _application_withdrawn(p: dict) -> RenderedEvent:
    return RenderedEvent(_("单位撤回培训报名申请"), _class_facts(p) + facts((_("报名单位"), p.get("enterprise"))), None)


@renders("training.completed")
def _training_completed(p: dict) -> RenderedEvent:
    return RenderedEvent(
        _("完成培训（学时达标且班次考试合格）"),
        _class_facts(p) + facts((_("已获学时"), p.get("hours")), (_("要求学时"), p.get("required_hours"))),
        outcome_passed(True),
    )


def _held_facts(p: dict) -> list[tuple[str, str]]:
    seconds = int(p.get("seconds") or 0)
    return facts(
        (_("培训班次"), p.get("title")),
        (_("课时"), p.get("lesson_title")),
        (_("在线学习"), _("%(m)s 分 %(s)s 秒", m=seconds // 60, s=seconds % 60)),
    )


@renders("study.credit_released")
def _credit_released(p: dict) -> RenderedEvent:
    """A 复核 confirmed 本人 in a flagged 人像抓拍: the online study held in its window went into the ledger."""
    return RenderedEvent(_("人像抓拍复核为本人，待复核学时计入"), _held_facts(p), (_("计入学时"), "ok"))


@renders("study.credit_removed")
def _credit_removed(p: dict) -> RenderedEvent:
    """A 复核 found someone else in a flagged 人像抓拍: the online study held in its window is not credited."""
    return RenderedEvent(_("人像抓拍复核为非本人，待复核学时不计"), _held_facts(p), (_("不计学时"), "bad"))
