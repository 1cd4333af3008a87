"""Every archive event kind the code writes reads as translated, typed facts: local times, labels, no raw keys."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from app.archive.render import RENDERERS, render_payload

APP = Path(__file__).resolve().parents[2] / "app"

CERT = {
    "certificate": 5,
    "cert_kind": "special_operator",
    "number": "T3201**********0011",
    "category": "电工作业",
    "item": "低压电工作业",
    "authority": "南京市应急管理局",
}

#: The class facts every training event carries (``app.training.classes.class_facts``).
CLASS = {
    "class_id": 1,
    "title": "三级安全教育",
    "training_type": "three_level",
    "mode": "offline",
    "course": "厂级教育",
    "course_version": 1,
}

#: One payload per kind, as the services write them (times naive UTC, enums by value).
PAYLOADS = {
    "person.registered": {"name": "王大锤", "id": "3201**********0011", "sex": "M", "source": "import:花名册.xlsx"},
    "employment.started": {
        "enterprise": "玄武化工有限公司",
        "post": "special_operator",
        "employment_type": "dispatched",
        "operation": "1.2",
        "job_title": "电工",
        "start_date": "2024-03-01",
        "source": "",
    },
    "employment.updated": {"changes": {"post": ["worker", "safety_manager"], "phone": ["13900000000", "13911111111"]}},
    "person.updated": {"changes": {"name": ["王大锤", "王大垂"]}},
    "person.photo": {"sha256": "0123456789abcdef0123", "replaced": None},
    "person.photo_consent_withdrawn": {"sha256": "0123456789abcdef0123"},
    "person.photo_purged": {"sha256": "0123456789abcdef0123", "reason": "withdrawn"},
    "snapshot.consent": {"context": "lesson", "ref": 7, "title": "2026 年度再培训一班"},
    "snapshot.refused": {"context": "exam", "ref": 9, "title": "三级安全教育考试"},
    "snapshot.flagged": {"context": "lesson", "ref": 7, "snapshot": 3, "checker": "dlib", "faces": 0},
    "snapshot.reviewed": {"context": "exam", "ref": 9, "snapshot": 3, "verdict": "not_same_person", "note": "代考"},
    "person.trainee": {"institution": "南京安培安全培训中心", "source": "class:3"},
    "employment.ended": {"enterprise": "玄武化工有限公司", "end_date": "2026-11-01", "reason": "调离"},
    "employment.confirmed": {"enterprise": "江宁机械有限公司", "by": "authority"},
    "person.record_downloaded": {"format": "pdf"},
    "person.correction_requested": {"field": "phone", "wrong": "13900000000", "proposed": "13911111111", "to": ""},
    "person.correction_answered": {"field": "phone", "outcome": "refused", "note": "号码已核实无误"},
    "exam.started": {
        "sitting": 1,
        "title": "2026 年度培训考试",
        "exam_kind": "training",
        "attempt": 7,
        "questions": 80,
        "deadline": "2026-11-29T05:16:41",
        "ip": "10.0.0.1",
    },
    "exam.submitted": {"sitting": 1, "title": "2026 年度培训考试", "exam_kind": "makeup", "attempt": 7, "answered": 78},
    "exam.expired": {"sitting": 1, "title": "2026 年度培训考试", "exam_kind": "training", "attempt": 7, "answered": 3},
    "exam.graded": {
        "sitting": 1,
        "title": "2026 年度培训考试",
        "exam_kind": "spotcheck",
        "attempt": 7,
        "score": 85.0,
        "max_score": 100.0,
        "pass_mark": 80,
        "passed": True,
    },
    "exam.time_extended": {
        "sitting": 1,
        "title": "年度考试",
        "exam_kind": "qualification",
        "minutes": 15,
        "reason": "断电",
    },
    "spotcheck.sampled": {
        "inspection": 3,
        "doc_number": "（宁）应急检〔2026〕31号",
        "enterprise": "玄武化工有限公司",
        "post": "principal",
        "reason": "swap_in",
    },
    "spotcheck.result": {
        "inspection": 3,
        "doc_number": "（宁）应急检〔2026〕31号",
        "enterprise": "玄武化工有限公司",
        "score": 60.0,
        "max_score": 100.0,
        "passed": False,
        "answered": True,
    },
    "spotcheck.voided": {
        "inspection": 3,
        "doc_number": "（宁）应急检〔2026〕31号",
        "enterprise": "玄武化工有限公司",
        "reason": "出差不在岗",
        "replaced": True,
    },
    "finding.opened": {
        "inspection": 3,
        "finding": 4,
        "doc_number": "（宁）应急检〔2026〕31号",
        "enterprise": "玄武化工有限公司",
        "deadline": "2026-12-29",
        "action": "重新培训并补考",
    },
    "finding.closed": {"inspection": 3, "finding": 4, "doc_number": "D", "makeup_score": None, "override": "已调离"},
    "exam.practical_graded": {
        "practical_sitting": 2,
        "attempt": 5,
        "title": "低压电工作业 实际操作考试",
        "operation": "1.2",
        "site": "南京市特种作业实操考点",
        "exam_on": "2026-07-01",
        "attempt_no": 2,
        "items": [
            {"code": "K1", "name": "安全用具使用", "max": 20, "critical": False, "scores": [18, 17.5]},
            {"code": "K2", "name": "安全操作技术", "max": 40, "critical": True, "scores": [36, 30]},
        ],
        "examiners": [
            {"name": "考评员甲", "total": 54, "signed_at": "2026-07-01T02:05:00"},
            {"name": "考评员乙", "total": 47.5, "signed_at": "2026-07-01T02:11:30"},
        ],
        "vetoed": ["K2"],
        "score": 50.8,
        "max_score": 60,
        "pass_mark": 80,
        "passed": False,
    },
    "exam.gate_overridden": {
        "title": "低压电工资格考试",
        "exam_kind": "qualification",
        "refused_because": "王大锤 学时不足：要求 48 学时，已完成 40 学时",
        "reason": "苏应急培〔2026〕12号 批准补训",
        "reason_code": "authority_approval",
    },
    "training.enrolled": {
        "class_id": 1,
        "title": "2026 年主要负责人初训班",
        "training_type": "initial",
        "mode": "blended",
        "course": "危化品主要负责人",
        "course_version": 2,
    },
    "training.attended": {
        "class_id": 1,
        "title": "三级安全教育",
        "training_type": "three_level",
        "mode": "offline",
        "course": "厂级教育",
        "course_version": 1,
        "date": "2026-11-20",
        "session": "上午",
        "minutes": 90,
        "source": "manual",
        "reason": "签到机故障",
    },
    "study.credit_released": {
        "class": 1,
        "title": "年度再培训",
        "lesson": 2,
        "lesson_title": "动火作业事故案例",
        "snapshot": 3,
        "seconds": 150,
    },
    "study.credit_removed": {"class": 1, "title": "年度再培训", "lesson": 2, "snapshot": 4, "seconds": 60},
    "training.attendance_changed": {
        **CLASS,
        "date": "2026-11-20",
        "session": "下午",
        "minutes": 90,
        "old_minutes": 135,
        "reason": "提前下课",
    },
    "training.attendance_withdrawn": {
        **CLASS,
        "date": "2026-11-20",
        "session": "下午",
        "minutes": 0,
        "old_minutes": 135,
        "reason": "误录",
        "correction": 4,
    },
    "attendance.correction_requested": {
        **CLASS,
        "correction": 4,
        "change": "add",
        "date": "2026-11-19",
        "session": "上午",
        "minutes": 180,
        "old_minutes": 0,
        "reason": "签到机故障，纸质签到表补录",
    },
    "attendance.correction_approved": {
        **CLASS,
        "correction": 4,
        "change": "change",
        "date": "2026-11-19",
        "session": "上午",
        "minutes": 90,
        "old_minutes": 180,
        "reason": "实际只上了半天",
        "note": "核对录像属实",
    },
    "attendance.correction_rejected": {
        **CLASS,
        "correction": 4,
        "change": "withdraw",
        "date": "2026-11-19",
        "session": "上午",
        "minutes": 0,
        "old_minutes": 180,
        "reason": "误录",
        "note": "签到表有本人签字",
    },
    "training.applied": {**CLASS, "enterprise": "玄武化工有限公司"},
    "training.application_refused": {**CLASS, "enterprise": "玄武化工有限公司", "note": "名额已满"},
    "training.application_withdrawn": {**CLASS, "enterprise": "玄武化工有限公司"},
    "training.completed": {
        "class_id": 1,
        "title": "年度再培训",
        "training_type": "annual",
        "mode": "online",
        "course": "年度再培训课程",
        "course_version": 1,
        "hours": "16",
        "required_hours": "16",
        "exam_passed": True,
    },
    "certificate.issued": {**CERT, "valid_from": "2026-01-10", "valid_to": "2032-01-10"},
    "certificate.reviewed": {
        **CERT,
        "status": "valid",
        "reason": "",
        "doc_number": "复审2029-1",
        "due_was": "2029-01-10",
        "next_due": "2032-01-10",
        "ten_year": False,
        "attempt": 9,
    },
    "certificate.extended": {
        **CERT,
        "status": "valid",
        "reason": "",
        "doc_number": "",
        "valid_to_was": "2032-01-10",
        "valid_to": "2038-01-10",
        "next_due": "2035-01-10",
        "attempt": 9,
    },
    "certificate.suspended": {**CERT, "status": "suspended", "reason": "逢查必考不合格", "doc_number": "宁应急暂1号"},
    "certificate.reinstated": {**CERT, "status": "valid", "reason": "整改完成", "doc_number": "宁应急还2号"},
    "certificate.revoked": {**CERT, "status": "revoked", "reason": "发生事故", "doc_number": "宁应急撤3号"},
    "certificate.cancelled": {**CERT, "status": "cancelled", "reason": "本人申请", "doc_number": "宁应急注4号"},
    "certificate.reissued": {**CERT, "status": "valid", "reason": "遗失", "doc_number": ""},
    "certificate.replaced": {**CERT, "status": "valid", "reason": "污损", "doc_number": ""},
    "certificate.lapsed": {**CERT, "status": "review_overdue", "reason": "", "doc_number": "", "from": "review_due"},
    "certificate.renewed": {
        **CERT,
        "status": "valid",
        "reason": "",
        "doc_number": "宁换1号",
        "duty": "renew",
        "applied_on": "2032-05-20",
        "valid_to_was": "2032-07-10",
        "valid_to": "2038-07-10",
        "next_due": None,
        "attempt": 9,
    },
    "certificate.rule_changed": {
        **CERT,
        "status": "valid",
        "reason": "应急管理部令第19号：每3年复审改为每6年换证",
        "doc_number": "",
        "review_due_was": "2026-07-01",
        "from": "review_overdue",
    },
    "certificate.violation": {**CERT, "reason": "未佩戴绝缘手套", "doc_number": "玄应急违1号", "on": "2027-01-01"},
    "certificate.suspension_proposed": {
        **CERT,
        "reason": "现场检查违章",
        "doc_number": "玄应急2号",
        "on": "2027-01-01",
    },
    "exit.recommended": {"exit": 1, "failures": 2, "months": 12, "failed_on": "2026-11-02"},
    "exit.acted": {"exit": 1, "action": "transfer", "note": "调往仓库"},
    "exit.closed": {"exit": 1, "note": "已调离特种作业岗位"},
}

#: What each kind must read as: (title, facts that must appear, outcome badge or None).
EXPECTED = {
    "person.photo": ("登记照片", [("照片校验值", "0123456789ab")], None),
    "person.photo_consent_withdrawn": ("撤回登记照片使用同意", [("照片校验值", "0123456789ab")], ("待删除", "warn")),
    "person.photo_purged": ("照片已按规定删除", [("照片校验值", "0123456789ab"), ("原因", "本人撤回同意")], None),
    "snapshot.consent": ("同意人像抓拍", [("场景", "在线学习"), ("班次或考试", "2026 年度再培训一班")], None),
    "snapshot.refused": ("拒绝人像抓拍", [("场景", "在线考试"), ("班次或考试", "三级安全教育考试")], None),
    "snapshot.flagged": ("人像抓拍待复核", [("场景", "在线学习"), ("比对方式", "dlib"), ("检出人脸数", "0")], None),
    "snapshot.reviewed": ("人像抓拍复核", [("场景", "在线考试"), ("复核说明", "代考")], ("非本人", "bad")),
    "person.trainee": ("成为培训机构学员", [("培训机构", "南京安培安全培训中心")], None),
    "employment.confirmed": ("确认任职", [("单位", "江宁机械有限公司"), ("确认方", "监管部门当面核实")], None),
    "person.record_downloaded": ("下载本人档案", [("格式", "PDF")], None),
    "person.correction_requested": (
        "申请更正档案",
        [("更正项目", "手机号"), ("错误之处", "13900000000"), ("应更正为", "13911111111"), ("提交给", "监管部门")],
        None,
    ),
    "person.correction_answered": (
        "答复更正申请",
        [("更正项目", "手机号"), ("说明", "号码已核实无误")],
        ("未接受", "bad"),
    ),
    "person.updated": ("个人信息变更", [("姓名", "王大锤 → 王大垂")], None),
    "person.registered": (
        "建档",
        [("证件", "3201**********0011"), ("性别", "男"), ("来源", "花名册导入 花名册.xlsx")],
        None,
    ),
    "employment.started": (
        "入职",
        [
            ("岗位类别", "特种作业人员"),
            ("用工形式", "劳务派遣"),
            ("操作项目", "1.2 低压电工作业"),
            ("入职日期", "2024-03-01"),
        ],
        None,
    ),
    "employment.updated": (
        "信息变更",
        [("岗位类别", "其他从业人员 → 安全管理人员"), ("手机号", "13900000000 → 13911111111")],
        None,
    ),
    "employment.ended": ("离职", [("离职日期", "2026-11-01"), ("原因", "调离")], None),
    "exam.started": (
        "考试开始",
        [("考试", "2026 年度培训考试"), ("类型", "培训考试"), ("题数", "80"), ("交卷截止", "2026-11-29 13:16")],
        None,
    ),
    "exam.submitted": ("交卷", [("类型", "补考"), ("已答题数", "78")], None),
    "exam.expired": ("考试超时，系统自动交卷", [("已答题数", "3")], None),
    "exam.graded": ("考试成绩", [("类型", "逢查必考"), ("得分", "85/100"), ("合格线", "80")], ("合格", "ok")),
    "exam.time_extended": ("考试延时", [("类型", "资格考试"), ("延长", "15 分钟"), ("原因", "断电")], None),
    "spotcheck.sampled": (
        "逢查必考 被抽中受测",
        [("检查文书", "（宁）应急检〔2026〕31号"), ("岗位类别", "主要负责人"), ("抽取方式", "替换缺席人员")],
        None,
    ),
    "spotcheck.result": ("逢查必考 成绩", [("得分", "60/100")], ("不合格", "bad")),
    "spotcheck.voided": (
        "逢查必考 受测作废",
        [("原因", "出差不在岗"), ("处理", "由同岗位人员替换")],
        ("已作废", "warn"),
    ),
    "finding.opened": ("整改项", [("整改措施", "重新培训并补考"), ("整改期限", "2026-12-29")], ("待整改", "bad")),
    "finding.closed": ("整改销号", [("人工销号理由", "已调离")], ("已销号", "ok")),
    "exam.practical_graded": (
        "实操考试成绩",
        [
            ("操作项目", "1.2 低压电工作业"),
            ("实操考点", "南京市特种作业实操考点"),
            ("考试日期", "2026-07-01"),
            ("考试次数", "第 2 次"),
            ("各项得分", "K1 安全用具使用：18、17.5（满分 20）；K2 安全操作技术：36、30（满分 40）"),
            ("否决项", "K2 安全操作技术"),
            ("考评员", "考评员甲（2026-07-01 10:05 签名）、考评员乙（2026-07-01 10:11 签名）"),
            ("得分", "50.8/60"),
        ],
        ("不合格", "bad"),
    ),
    "exam.gate_overridden": (
        "学时不足放行参考",
        [
            ("类型", "资格考试"),
            ("不符合条件", "王大锤 学时不足：要求 48 学时，已完成 40 学时"),
            ("放行依据", "经监管部门书面批准（须写明批准文号）"),
            ("放行原因", "苏应急培〔2026〕12号 批准补训"),
        ],
        None,
    ),
    "training.enrolled": (
        "报名培训班次",
        [("培训类型", "初次培训"), ("培训方式", "混合"), ("课程", "危化品主要负责人 (v2)")],
        None,
    ),
    "training.attended": (
        "面授考勤",
        [
            ("培训类型", "三级安全教育"),
            ("日期", "2026-11-20"),
            ("时长", "90 分钟"),
            ("来源", "手工补录"),
            ("原因", "签到机故障"),
        ],
        None,
    ),
    "study.credit_released": (
        "人像抓拍复核为本人，待复核学时计入",
        [("培训班次", "年度再培训"), ("课时", "动火作业事故案例"), ("在线学习", "2 分 30 秒")],
        ("计入学时", "ok"),
    ),
    "study.credit_removed": (
        "人像抓拍复核为非本人，待复核学时不计",
        [("培训班次", "年度再培训"), ("在线学习", "1 分 0 秒")],
        ("不计学时", "bad"),
    ),
    "training.attendance_changed": (
        "面授考勤时长更改",
        [("日期", "2026-11-20"), ("场次", "下午"), ("时长", "135 分钟 → 90 分钟"), ("原因", "提前下课")],
        None,
    ),
    "training.attendance_withdrawn": (
        "面授考勤撤销",
        [("撤销的时长", "135 分钟"), ("原因", "误录"), ("更正申请", "#4")],
        None,
    ),
    "attendance.correction_requested": (
        "面授考勤更正申请",
        [("更正", "补录"), ("日期", "2026-11-19"), ("时长", "180 分钟"), ("申请理由", "签到机故障，纸质签到表补录")],
        ("待审批", "warn"),
    ),
    "attendance.correction_approved": (
        "面授考勤更正获批",
        [("更正", "更改时长"), ("时长", "180 分钟 → 90 分钟"), ("审批意见", "核对录像属实")],
        ("已批准", "ok"),
    ),
    "attendance.correction_rejected": (
        "面授考勤更正被驳回",
        [("更正", "撤销"), ("时长", "撤销 180 分钟"), ("审批意见", "签到表有本人签字")],
        ("已驳回", "bad"),
    ),
    "training.applied": ("单位提交培训报名申请", [("报名单位", "玄武化工有限公司")], ("待审核", "warn")),
    "training.application_refused": (
        "培训报名未通过审核",
        [("报名单位", "玄武化工有限公司"), ("理由", "名额已满")],
        ("未通过", "bad"),
    ),
    "training.application_withdrawn": ("单位撤回培训报名申请", [("报名单位", "玄武化工有限公司")], None),
    "training.completed": (
        "完成培训（学时达标且班次考试合格）",
        [("已获学时", "16"), ("要求学时", "16"), ("培训方式", "网络")],
        ("合格", "ok"),
    ),
    "certificate.issued": (
        "发证",
        [("证书", "特种作业操作证"), ("类别", "电工作业 / 低压电工作业"), ("有效期", "2026-01-10 – 2032-01-10")],
        ("有效", "ok"),
    ),
    "certificate.reviewed": (
        "证书复审",
        [("方式", "复审考试合格"), ("下次应复审日期", "2032-01-10"), ("文号", "复审2029-1")],
        ("有效", "ok"),
    ),
    "certificate.extended": ("延期复审", [("新有效期至", "2038-01-10")], ("有效", "ok")),
    "certificate.suspended": ("证书暂扣", [("原因", "逢查必考不合格"), ("文号", "宁应急暂1号")], ("暂扣", "warn")),
    "certificate.reinstated": ("证书发还", [("原因", "整改完成")], ("有效", "ok")),
    "certificate.revoked": ("证书撤销", [("发证机关", "南京市应急管理局"), ("文号", "宁应急撤3号")], ("撤销", "bad")),
    "certificate.cancelled": ("证书注销", [("原因", "本人申请")], ("注销", "bad")),
    "certificate.reissued": ("证书补发", [("原因", "遗失")], ("有效", "ok")),
    "certificate.replaced": ("证书换发", [("原因", "污损")], ("有效", "ok")),
    "certificate.lapsed": ("证书状态变更", [("原状态", "待复审")], ("逾期未复审", "bad")),
    "certificate.renewed": (
        "证书换证",
        [("申请日期", "2032-05-20"), ("原有效期至", "2032-07-10"), ("新有效期至", "2038-07-10")],
        ("有效", "ok"),
    ),
    "certificate.rule_changed": (
        "依新规调整：不再复审，有效期满换证",
        [("原应复审日期", "2026-07-01"), ("依据", "应急管理部令第19号：每3年复审改为每6年换证")],
        ("有效", "ok"),
    ),
    "certificate.violation": ("违章记录", [("发生日期", "2027-01-01"), ("原因", "未佩戴绝缘手套")], None),
    "certificate.suspension_proposed": ("暂扣建议", [("原因", "现场检查违章"), ("文号", "玄应急2号")], None),
    "exit.recommended": (
        "退出建议",
        [("原因", "12个月内逢查必考2次不合格"), ("最近一次不合格", "2026-11-02")],
        ("待处理", "warn"),
    ),
    "exit.acted": ("退出建议：企业处理", [("处理方式", "调离岗位"), ("说明", "调往仓库")], ("处理中", "warn")),
    "exit.closed": ("退出建议办结", [("办结说明", "已调离特种作业岗位")], ("已办结", "ok")),
}

RAW = re.compile(r"\d{4}-\d{2}-\d{2}T|\b[a-z]+_[a-z_]+\b|\b(?:sampled|training|makeup|principal|worker|regular)\b")


def _event_kinds_written_by_the_code() -> set[str]:
    """The kind argument of every ``record_event(person, kind, …)`` and exams' ``attempt_event(sitting, person, kind,
    …)``."""
    kinds: set[str] = set()
    for path in APP.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
                continue
            position = {"record_event": 1, "attempt_event": 2}.get(node.func.id)
            if position is None or len(node.args) <= position:
                continue
            arg = node.args[position]
            for const in ast.walk(arg) if not isinstance(arg, ast.Name) else []:
                if isinstance(const, ast.Constant) and isinstance(const.value, str):
                    kinds.add(const.value)
            if isinstance(arg, ast.Name):  # exams: kind = "exam.submitted" if … else "exam.expired"
                for const in ast.walk(tree):
                    if (
                        isinstance(const, ast.Constant)
                        and isinstance(const.value, str)
                        and const.value.startswith("exam.")
                    ):
                        kinds.add(const.value)
    return kinds


def test_every_kind_the_code_writes_has_a_renderer_and_a_case_here(app):  # the app registers every domain's kinds
    written = _event_kinds_written_by_the_code()
    assert "exam.expired" in written and "spotcheck.voided" in written
    assert written <= set(RENDERERS), written - set(RENDERERS)
    assert set(RENDERERS) == set(PAYLOADS) == set(EXPECTED)


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_each_kind_reads_as_typed_translated_facts(app, kind):
    title, facts, outcome = EXPECTED[kind]
    with app.test_request_context():
        rendered = render_payload(kind, PAYLOADS[kind])
    assert rendered.title == title
    for fact in facts:
        assert fact in rendered.facts, (fact, rendered.facts)
    assert rendered.outcome == outcome
    for label, value in rendered.facts:
        assert not RAW.search(f"{label} {value}"), (label, value)
    # never the rectification label on an exam, never the IP
    if kind.startswith("exam."):
        assert all(label != "整改期限" for label, _ in rendered.facts)
        assert "10.0.0.1" not in str(rendered.facts)


def test_an_absent_person_reads_as_absent_not_zero(app):
    payload = dict(PAYLOADS["spotcheck.result"], score=0.0, passed=False, answered=False)
    with app.test_request_context():
        rendered = render_payload("spotcheck.result", payload)
    assert rendered.outcome == ("未参加", "bad")
    assert all(label != "得分" for label, _ in rendered.facts)


def test_a_closing_on_a_passed_makeup_shows_the_score(app):
    with app.test_request_context():
        rendered = render_payload("finding.closed", {"doc_number": "D", "makeup_score": 90.0, "override": ""})
    assert ("补考得分", "90") in rendered.facts


def test_english_labels(app, client):
    with app.test_request_context():
        from flask import session

        session["locale"] = "en"
        rendered = render_payload("exam.started", PAYLOADS["exam.started"])
    assert rendered.title == "Exam started"
    assert ("Type", "Training exam") in rendered.facts
    assert ("Deadline", "2026-11-29 13:16") in rendered.facts


def test_the_json_export_carries_times_with_their_offset(client, login, world):
    """Issue #15.1: JSON exports carry ISO times with the zone's offset (the chain's own UTC value beside it)."""
    login(world.admin_a)
    body = client.get(f"/people/{world.person_a.id}/timeline.json").get_json()
    assert body["exported_at"].endswith("+08:00")
    first = body["events"][0]
    assert first["at"].endswith("+08:00") and "+" not in first["at_utc"]
