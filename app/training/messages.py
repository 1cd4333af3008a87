"""Translated messages for training error codes."""

from __future__ import annotations

from flask_babel import gettext as _

from app.core.messages import register

MESSAGES = {
    "course.not_owner": lambda p: _("该账号不能建设课程"),
    "course.frozen": lambda p: _("该课程版本已被班次使用，不能再修改；请先复制为新版本"),
    "lesson.duration": lambda p: _("课时时长应在 1 到 600 分钟之间"),
    "lesson.file_required": lambda p: _("请上传课件文件"),
    "lesson.file_type": lambda p: _(
        "文件类型不符：%(kind)s 课件只接受 %(allowed)s", kind=p.get("kind", ""), allowed=p.get("allowed", "")
    ),
    "lesson.file_size": lambda p: _("文件不能超过 %(mb)s MB", mb=p.get("mb", "")),
    "lesson.media_unreadable": lambda p: _(
        "读不出该视频的时长：请上传完整的 MP4（H.264）或 WebM 视频文件（录屏软件直接生成的文件可能没有时长信息，请先转码）"
    ),
    "lesson.media_duration": lambda p: _(
        "视频时长应在 1 秒到 600 分钟之间（该文件为 %(seconds)s 秒）", seconds=p.get("seconds", "")
    ),
    "class.not_organiser": lambda p: _("该账号不能开设培训班次"),
    "class.dates": lambda p: _("结束日期不能早于开始日期"),
    "class.hours": lambda p: _("要求学时应在 0.1 到 200 之间"),
    "class.empty_course": lambda p: _("课程还没有课时，不能开班"),
    "class.not_enrolable": lambda p: _("这些人员不在您可管理的花名册中：%(names)s", names=p.get("names", "")),
    "class.no_template": lambda p: _("该班次没有设置考试组卷规则"),
    "class.ended": lambda p: _("该班次已经结束"),
    "class.exam_early_reason": lambda p: _("允许学时未满先参加班次考试须写明理由"),
    "enrolment.not_applicant": lambda p: _("该账号不能为这个班次报名"),
    "enrolment.not_reviewer": lambda p: _("只有开班的培训机构可以审核报名、邀请单位"),
    "enrolment.refusal_note": lambda p: _("不通过报名申请须填写理由"),
    "enrolment.not_pending": lambda p: _("该报名申请已经处理过了"),
    "enrolment.no_such_enterprise": lambda p: _("找不到该单位（只能邀请本省的单位）"),
    "enrolment.out_of_scope": lambda p: _("有 %(count)s 人不在可报名的人员中", count=p.get("count", 0)),
    "enrolment.file": lambda p: _("名单文件无法读取：%(detail)s", detail=p.get("detail", "")),
    "class.exam_exists": lambda p: _("该班次的考试已经创建"),
    "class.no_trainees": lambda p: _("该班次还没有学员"),
    "attendance.reason": lambda p: _("记录考勤必须填写原因"),
    "attendance.minutes": lambda p: _("考勤时长应在 1 到 600 分钟之间"),
    "attendance.not_enrolled": lambda p: _("该人员不是本班次学员"),
    "attendance.duplicate": lambda p: _("该学员在该场次已有考勤记录"),
    "attendance.changed": lambda p: _("该考勤记录刚被他人更改或撤销，请刷新后重试"),
    "attendance.online_class": lambda p: _("网络班次没有面授考勤"),
    "attendance.outside_class": lambda p: _(
        "%(date)s 不在班次日期内（%(starts)s 至 %(ends)s）",
        date=p.get("date", ""),
        starts=p.get("starts", ""),
        ends=p.get("ends", ""),
    ),
    "attendance.future": lambda p: _("不能记录尚未到来的日期（%(date)s）的考勤", date=p.get("date", "")),
    "attendance.after_day": lambda p: _(
        "%(date)s 已经过去：更正须提交申请，由负责人或监管部门批准", date=p.get("date", "")
    ),
    "attendance.not_after_day": lambda p: _("当天的考勤可直接记录或更改，无需申请"),
    "attendance.daily_cap": lambda p: _(
        "超过每日学时上限：%(date)s 已记面授 %(offline)s 学时、网络学习 %(online)s 学时，上限 %(cap)s 学时，"
        "最多还能记面授 %(left)s 分钟",
        date=p.get("date", ""),
        offline=p.get("offline", ""),
        online=p.get("online", ""),
        cap=p.get("cap", ""),
        left=p.get("left", 0),
    ),
    "attendance.online_overlap": lambda p: _(
        "与网络学习重叠：%(date)s 已有网络学习 %(online)s 学时，面授 %(offline)s 学时，两者合计不能超过 %(cap)s 学时，"
        "最多还能记面授 %(left)s 分钟",
        date=p.get("date", ""),
        offline=p.get("offline", ""),
        online=p.get("online", ""),
        cap=p.get("cap", ""),
        left=p.get("left", 0),
    ),
    "correction.unchanged": lambda p: _("更正后的时长与原记录相同"),
    "correction.not_approver": lambda p: _("更正须由申请人以外的负责人或监管部门批准"),
    "correction.decided": lambda p: _("该更正申请已经处理过了"),
    "correction.gone": lambda p: _("要更正的考勤记录已被更改或撤销，请驳回后重新申请"),
    "correction.note": lambda p: _("驳回更正申请须填写理由"),
    "study.not_enrolled": lambda p: _("您不是该班次的学员"),
    "study.closed": lambda p: _("该班次不在培训期内"),
    "gate.hours_short": lambda p: _(
        "%(name)s 学时不足：要求 %(required)s 学时，已完成 %(done)s 学时",
        name=p.get("name", ""),
        required=p.get("required", ""),
        done=p.get("done", ""),
    ),
    "gate.no_training": lambda p: _("%(name)s 没有完成该操作项目的培训班次", name=p.get("name", "")),
    "gate.override_reason": lambda p: _("放行学时不足的考生必须填写原因"),
    "sheet.invalid": lambda p: _("签到表无法读取：%(detail)s", detail=p.get("detail", "")),
    "sheet.rows": lambda p: _(
        "签到表有 %(count)s 行有误，未导入任何记录：%(detail)s", count=p.get("count", 0), detail=p.get("detail", "")
    ),
}

register(MESSAGES)
