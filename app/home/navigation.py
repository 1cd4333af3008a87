"""The navigation bar: each role's pages, in one table. Pages still to come join this table, nothing else."""

from __future__ import annotations

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.auth.models import Role
from app.home import bp

#: Navigation per role: (endpoint, label). Pages still to come join this table, nothing else.
NAVIGATION = {
    Role.ADMIN: [
        ("home.index", _l("首页")),
        ("dashboards.dashboard", _l("数据看板")),
        ("people.enterprises", _l("企业")),
        ("people.roster", _l("人员档案")),
        ("rules.catalogue", _l("特种作业目录")),
        ("rules.rules", _l("规则参数")),
        ("practical.sheets", _l("实操评分表")),
        ("bank.index", _l("题库")),
        ("bank.templates", _l("组卷规则")),
        ("exams.sittings", _l("考试场次")),
        ("practical.sittings", _l("实操考试")),
        ("training.course_list", _l("课程")),
        ("training.class_list", _l("培训班次")),
        ("spotchecks.inspections", _l("逢查必考")),
        ("certificates.index", _l("证书")),
        ("certificates.authority_list", _l("发证机关")),
        ("dashboards.institutions", _l("培训机构积分")),
        ("dashboards.complaint_list", _l("投诉举报")),
        ("dashboards.exit_list", _l("退出建议")),
        ("api_clients.index", _l("数据接口")),
        ("records.purge_runs", _l("档案清理")),
        ("records.holds", _l("法律保全")),
        ("people.access_log", _l("查阅记录")),
    ],
    Role.REGULATOR: [
        ("home.index", _l("首页")),
        ("dashboards.dashboard", _l("数据看板")),
        ("people.enterprises", _l("辖区企业")),
        ("people.roster", _l("人员档案")),
        ("bank.index", _l("题库")),
        ("bank.templates", _l("组卷规则")),
        ("exams.sittings", _l("考试场次")),
        ("practical.sittings", _l("实操考试")),
        ("training.class_list", _l("培训班次")),
        ("training.rates", _l("培训完成率")),
        ("attendance.corrections", _l("考勤更正审批")),
        ("overrides.gate_overrides", _l("学时放行记录")),
        ("records.holds", _l("法律保全")),
        ("spotchecks.inspections", _l("逢查必考")),
        ("certificates.index", _l("证书")),
        ("certificates.compliance", _l("持证上岗")),
        ("dashboards.institutions", _l("培训机构积分")),
        ("dashboards.complaint_list", _l("投诉举报")),
        ("dashboards.exit_list", _l("退出建议")),
        ("api_clients.index", _l("数据接口")),
        ("people.record_corrections", _l("档案更正申请")),
    ],
    Role.ENTERPRISE: [
        ("home.index", _l("首页")),
        ("dashboards.dashboard", _l("数据看板")),
        ("people.roster", _l("一人一档")),
        ("people.import_roster", _l("导入花名册")),
        ("bank.index", _l("题库")),
        ("bank.templates", _l("组卷规则")),
        ("exams.sittings", _l("考试场次")),
        ("training.course_list", _l("课程")),
        ("training.class_list", _l("培训班次")),
        ("enrolment.applications", _l("培训报名")),
        ("training.ledger", _l("学时台账")),
        ("spotchecks.findings", _l("整改清单")),
        ("dashboards.exit_list", _l("退出建议")),
        ("certificates.index", _l("证书")),
        ("certificates.compliance", _l("持证上岗")),
        ("people.record_corrections", _l("档案更正申请")),
    ],
    Role.INSTITUTION: [
        ("home.index", _l("首页")),
        ("dashboards.dashboard", _l("动态积分")),
        ("bank.index", _l("题库")),
        ("bank.templates", _l("组卷规则")),
        ("exams.sittings", _l("考试场次")),
        ("training.course_list", _l("课程")),
        ("training.class_list", _l("培训班次")),
        ("enrolment.applications", _l("报名审核")),
        ("attendance.corrections", _l("考勤更正")),
        ("certificates.index", _l("证书")),
    ],
    Role.WORKER: [
        ("home.index", _l("首页")),
        ("training.mine", _l("我的培训")),
        ("people.me", _l("我的档案")),
        ("exams.mine", _l("我的考试")),
        ("certificates.mine", _l("我的证书")),
    ],
}


@bp.app_template_global("navigation")
def navigation() -> list[tuple[str, str, str]]:
    """(endpoint, label, url) of the current user's pages that exist in this app: the layout's navigation bar,
    built only for a page that shows it (the exam page does not)."""
    if not current_user.is_authenticated:
        return []
    return [
        (endpoint, str(label), url_for(endpoint))
        for endpoint, label in NAVIGATION[current_user.role]
        if endpoint in current_app.view_functions
    ]
