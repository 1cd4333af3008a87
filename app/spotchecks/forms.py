import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, DateTimeLocalField, IntegerField, SelectField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp, ValidationError

from app.core.forms import LineField

NOT_BLANK = r"\S"
#: Names in the 执法人员 field are separated by 、，, ; or spaces ("李明、王强").
NAME_SEPARATORS = re.compile(r"[、,，;；/\s]+")


def inspector_names(text: str | None) -> list[str]:
    """ "李明、王强" → ["李明", "王强"] (duplicates dropped, order kept)."""
    return list(dict.fromkeys(n for n in NAME_SEPARATORS.split(text or "") if n))


def at_least_two_inspectors(form, field) -> None:
    """执法人员 must be at least two (行政处罚法 第四十二条): one name is refused with a clear message."""
    if len(inspector_names(field.data)) < 2:
        raise ValidationError(_l("执法人员不得少于两人：请填写至少两名执法人员的姓名，用顿号分隔。"))


class InspectionForm(FlaskForm):
    enterprise_id = SelectField(
        _l("被检查企业"), coerce=int, choices=[], validate_choice=False
    )  # checked against the jurisdiction in the view, with a clear message
    inspected_on = DateField(_l("检查日期"), validators=[DataRequired()])
    inspectors = LineField(_l("执法人员"), validators=[DataRequired(), Length(max=200), at_least_two_inspectors])
    doc_number = LineField(_l("执法文书号"), validators=[DataRequired(), Length(max=80)])
    template_id = SelectField(_l("试卷模板"), coerce=int, choices=[])
    safety_manager = IntegerField(_l("安全管理人员（人）"), default=2, validators=[NumberRange(0, 50)])
    special_operator = IntegerField(_l("特种作业人员（人）"), default=2, validators=[NumberRange(0, 50)])
    worker = IntegerField(_l("其他从业人员，含劳务派遣、灵活用工（人）"), default=3, validators=[NumberRange(0, 50)])
    time_limit_minutes = IntegerField(_l("答题时长（分钟）"), default=10, validators=[NumberRange(3, 60)])
    pass_mark = IntegerField(_l("合格分数"), default=80, validators=[NumberRange(1, 100)])
    window_minutes = IntegerField(_l("现场测试有效时间（分钟）"), default=60, validators=[NumberRange(10, 480)])


class ReasonForm(FlaskForm):
    reason = LineField(_l("原因"), validators=[DataRequired(), Length(max=200), Regexp(NOT_BLANK)])


class AddPersonForm(FlaskForm):
    person_id = SelectField(_l("现场人员"), coerce=int, choices=[])


class CodeForm(FlaskForm):
    code = LineField(_l("6 位考试码"), validators=[DataRequired(), Length(max=12)])


class IdentityForm(FlaskForm):
    name = LineField(_l("姓名"), validators=[DataRequired(), Length(max=50)])
    id_number = LineField(
        _l("证件号码"),
        validators=[
            DataRequired(),
            Length(max=24),
            Regexp(r"^\s*[0-9A-Za-z]{6,20}\s*$", message=_l("请输入完整的证件号码")),
        ],
    )


class NoteForm(FlaskForm):
    note = LineField(_l("说明"), validators=[Optional(), Length(max=200)])


class MakeupForm(FlaskForm):
    opens_at = DateTimeLocalField(_l("补考开始时间"), validators=[DataRequired()])
    closes_at = DateTimeLocalField(_l("补考结束时间"), validators=[DataRequired()])
    plan = LineField(_l("补考地点/说明"), validators=[Optional(), Length(max=200)])


class CloseFindingForm(FlaskForm):
    override_reason = LineField(_l("人工销号理由（无合格补考成绩时必填）"), validators=[Optional(), Length(max=200)])
