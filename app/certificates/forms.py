"""Forms of the certificate pages (staff) and the public verification page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, RadioField, SelectField
from wtforms.validators import DataRequired, Length, Optional

from app.certificates.models import RevocationGround
from app.core.forms import LineField, MultiCheckboxField, choices, enum_choices


class IssueForm(FlaskForm):
    attempts = MultiCheckboxField(_l("考生"), coerce=int)


class ClassIssueForm(FlaskForm):
    """Issue 培训合格证明 for a class: the chosen trainees come as ``person_ids`` (none: everyone who completed)."""


class DecisionForm(FlaskForm):
    """暂扣 / 发还 / 撤销 / 注销 (and a 违章 record or a 暂扣建议): a reason and the decision's 文号; 撤销 also its
    ground (fraud bars a new application for 3 years)."""

    reason = LineField(_l("原因"), validators=[DataRequired(), Length(max=300)])
    doc_number = LineField(_l("决定文号"), validators=[DataRequired(), Length(max=60)])
    ground = SelectField(_l("撤销情形"), choices=enum_choices(RevocationGround), default=RevocationGround.OTHER.value)
    on = DateField(_l("发生日期"), validators=[Optional()])


class ReviewForm(FlaskForm):
    """复审, 延期复审, 换证 or 延期换证: the passed 复审/换证考试 it rests on (the holder's unused results are offered),
    or — a 复审 under 30号令 only — the 10-year rule, computed by the service from the employment history."""

    attempt_id = SelectField(_l("复审/换证考试成绩"), coerce=int, choices=[], validate_choice=False)
    ten_year = BooleanField(_l("按连续从事本工种10年以上且无违章延长复审周期"))
    applied_on = DateField(_l("申请日期"), validators=[Optional()])
    doc_number = LineField(_l("文号"), validators=[Optional(), Length(max=60)])


class ReissueForm(FlaskForm):
    mode = RadioField(
        _l("办理事项"), choices=choices([("reissue", _l("补发（遗失）")), ("replace", _l("换发（损毁）"))])
    )
    reason = LineField(_l("原因"), validators=[DataRequired(), Length(max=300)])


class VerifyForm(FlaskForm):
    """The public lookup: 证号 or 证件号码, and the holder's name (as the national query page asks)."""

    by = RadioField(_l("查询方式"), choices=choices([("number", _l("证号")), ("id", _l("证件号码"))]), default="number")
    key = LineField(_l("证号 / 证件号码"), validators=[DataRequired(), Length(max=40)])
    name = LineField(_l("姓名"), validators=[DataRequired(), Length(max=50)])
