"""Forms of the certificate pages (staff) and the public verification page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, RadioField, StringField
from wtforms.validators import DataRequired, Length, Optional

from app.core.forms import MultiCheckboxField, choices


class IssueForm(FlaskForm):
    attempts = MultiCheckboxField(_l("考生"), coerce=int)


class ClassIssueForm(FlaskForm):
    """Issue 培训合格证明 for a class: the chosen trainees come as ``person_ids`` (none: everyone who completed)."""


class DecisionForm(FlaskForm):
    """暂扣 / 发还 / 撤销 / 注销: a reason and the decision's 文号."""

    reason = StringField(_l("原因"), validators=[DataRequired(), Length(max=300)])
    doc_number = StringField(_l("决定文号"), validators=[DataRequired(), Length(max=60)])


class ReviewForm(FlaskForm):
    """复审 or 延期复审: the passed 复审考试 (attempt id), or the 10-year rule."""

    attempt_id = IntegerField(_l("复审考试成绩编号"), validators=[Optional()])
    ten_year = BooleanField(_l("连续从事本工种10年以上且无违法行为（延长复审周期）"))
    doc_number = StringField(_l("复审记录文号"), validators=[Optional(), Length(max=60)])


class ReissueForm(FlaskForm):
    mode = RadioField(
        _l("办理事项"), choices=choices([("reissue", _l("补发（遗失）")), ("replace", _l("换发（损毁）"))])
    )
    reason = StringField(_l("原因"), validators=[DataRequired(), Length(max=300)])


class VerifyForm(FlaskForm):
    """The public lookup: 证号 or 证件号码, and the holder's name (as the national query page asks)."""

    by = RadioField(_l("查询方式"), choices=choices([("number", _l("证号")), ("id", _l("证件号码"))]), default="number")
    key = StringField(_l("证号 / 证件号码"), validators=[DataRequired(), Length(max=40)])
    name = StringField(_l("姓名"), validators=[DataRequired(), Length(max=50)])
