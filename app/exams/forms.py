"""Forms of the exams blueprint. Times are entered in the platform's time zone (Asia/Shanghai) and stored in UTC."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from app.core.forms import LineField, MultiCheckboxField, choices, enum_choices
from app.exams.gates import OVERRIDE_REASONS
from app.exams.models import ExamKind

#: Kinds an organiser picks; 补考 sittings come from a failed sitting's page, 逢查必考 from a spot check.
ORGANISER_KINDS = [ExamKind.TRAINING, ExamKind.QUALIFICATION, ExamKind.REVIEW]


class SittingForm(FlaskForm):
    title = LineField(_l("场次名称"), validators=[DataRequired(), Length(max=120)])
    template_id = SelectField(_l("试卷模板（组卷规则）"), coerce=int, choices=[])
    kind = SelectField(_l("考试类型"), choices=enum_choices(ORGANISER_KINDS))
    opens_at = DateTimeLocalField(_l("开始时间"), validators=[DataRequired()])
    closes_at = DateTimeLocalField(_l("结束时间"), validators=[DataRequired()])
    duration_minutes = IntegerField(_l("答题时长（分钟，留空按模板）"), validators=[Optional(), NumberRange(1, 600)])
    access_code = LineField(_l("考试口令（可选）"), validators=[Optional(), Length(max=20)])
    person_ids = MultiCheckboxField(_l("考生"), coerce=int, choices=[], validate_choice=True)
    override_code = SelectField(
        _l("学时不足放行原因（仅在需要放行时选择；记入个人档案，并报监管部门备查）"),
        choices=choices([("", _l("（不放行）")), *OVERRIDE_REASONS.items()]),
        validators=[Optional()],
    )
    override_text = LineField(
        _l("放行的具体情况（在哪里完成的培训、依据哪条规定或哪份批准文件）"), validators=[Optional(), Length(max=200)]
    )


class MakeupForm(FlaskForm):
    opens_at = DateTimeLocalField(_l("开始时间"), validators=[DataRequired()])
    closes_at = DateTimeLocalField(_l("结束时间"), validators=[DataRequired()])
    duration_minutes = IntegerField(_l("答题时长（分钟，留空同原场次）"), validators=[Optional(), NumberRange(1, 600)])
    access_code = LineField(_l("考试口令（可选）"), validators=[Optional(), Length(max=20)])


class StartForm(FlaskForm):
    access_code = LineField(_l("考试口令"), validators=[Optional(), Length(max=20)])


class ExtendForm(FlaskForm):
    minutes = IntegerField(_l("延长（分钟）"), validators=[DataRequired(), NumberRange(1, 240)])
    reason = LineField(
        _l("原因"), validators=[DataRequired(), Length(max=200), Regexp(r"\S", message=_l("请填写延时原因"))]
    )


# ---------------------------------------------------------------- 实操 (practical exams)


class PracticalSittingForm(FlaskForm):
    title = LineField(_l("场次名称（留空按操作项目）"), validators=[Optional(), Length(max=120)])
    operation_code = SelectField(_l("操作项目"), choices=[])
    exam_on = DateField(_l("考试日期"), validators=[DataRequired()])
    site_name = LineField(_l("实操考点"), validators=[DataRequired(), Length(max=120)])
    site_address = LineField(_l("考点地址"), validators=[Optional(), Length(max=200)])
    examiner_ids = MultiCheckboxField(_l("考评员"), coerce=int, choices=[], validate_choice=True)


class PracticalCandidatesForm(FlaskForm):
    person_ids = MultiCheckboxField(_l("考生"), coerce=int, choices=[], validate_choice=False)


class PracticalExaminersForm(FlaskForm):
    examiner_ids = MultiCheckboxField(_l("考评员"), coerce=int, choices=[], validate_choice=False)


class WithdrawForm(FlaskForm):
    withdraw_reason = LineField(_l("撤销原因"), validators=[Optional(), Length(max=200)])


class ScoreItemForm(Form):
    """One row of a score sheet (no CSRF of its own: it is part of :class:`ScoreSheetForm`)."""

    code = LineField(_l("代号"), validators=[Optional(), Length(max=10)])
    name = LineField(_l("评分项"), validators=[Optional(), Length(max=100)])
    max_points = LineField(_l("分值"), validators=[Optional(), Length(max=8)])
    critical = BooleanField(_l("否决项"))


class ScoreSheetForm(FlaskForm):
    operation_code = SelectField(_l("操作项目"), choices=[])
    title = LineField(_l("评分表名称"), validators=[DataRequired(), Length(max=120)])
    valid_from = DateField(_l("施行日期"), validators=[DataRequired()])
    note = LineField(_l("说明（依据、来源）"), validators=[Optional(), Length(max=300)])
    items = FieldList(FormField(ScoreItemForm), min_entries=8, max_entries=20)
