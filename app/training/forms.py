"""Forms of the training blueprint."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    DecimalField,
    IntegerField,
    SelectField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.core.forms import LineField, MultiCheckboxField, enum_choices
from app.people.models import Post
from app.training.models import ClassMode, LessonKind, TrainingType

#: 要求学时 of a class: the range the form offers and :func:`app.training.classes.create_class` accepts.
MIN_REQUIRED_HOURS = Decimal("0.1")
MAX_REQUIRED_HOURS = Decimal("200")


class CourseForm(FlaskForm):
    title = LineField(_l("课程名称"), validators=[DataRequired(), Length(max=120)])
    training_type = SelectField(_l("培训类型"), choices=enum_choices(TrainingType))
    posts = MultiCheckboxField(_l("适用岗位"), choices=enum_choices(Post))
    operation_code = LineField(_l("作业类别/操作项目代码（特种作业）"), validators=[Optional(), Length(max=16)])
    description = TextAreaField(_l("课程简介"), validators=[Optional(), Length(max=2000)])


class LessonForm(FlaskForm):
    title = LineField(_l("课时名称"), validators=[DataRequired(), Length(max=120)])
    kind = SelectField(_l("课件类型"), choices=enum_choices(LessonKind))
    duration_minutes = DecimalField(
        _l("学习时长（分钟；视频按文件的播放时长，不必填写）"), places=1, validators=[Optional(), NumberRange(0.1, 600)]
    )
    body = TextAreaField(_l("图文内容"), validators=[Optional(), Length(max=20000)])
    file = FileField(_l("课件文件（视频 MP4/WebM、PDF、图片 PNG/JPEG/WebP）"))


class ClassForm(FlaskForm):
    title = LineField(_l("班次名称"), validators=[DataRequired(), Length(max=120)])
    course_id = SelectField(_l("课程（开班后该版本冻结）"), coerce=int, choices=[])
    training_type = SelectField(_l("培训类型"), choices=enum_choices(TrainingType))
    mode = SelectField(_l("培训方式"), choices=enum_choices(ClassMode))
    starts_on = DateField(_l("开班日期"), validators=[DataRequired()])
    ends_on = DateField(_l("结业日期"), validators=[DataRequired()])
    #: Decimal bounds: WTForms compares the field's Decimal with them, and Decimal("0.1") < 0.1 (the float is a
    #: hair above one tenth), so a float minimum refused the very 0.1 the input's ``min`` offers.
    required_hours = DecimalField(
        _l("要求学时"),
        places=1,
        validators=[
            DataRequired(),
            NumberRange(MIN_REQUIRED_HOURS, MAX_REQUIRED_HOURS, message=_l("要求学时应在 0.1 到 200 之间")),
        ],
    )
    exam_template_id = SelectField(_l("班次考试组卷规则（逢培必考）"), coerce=int, choices=[])


class AttendanceForm(FlaskForm):
    person_id = SelectField(_l("学员"), coerce=int, choices=[])
    session_date = DateField(_l("日期"), validators=[DataRequired()])
    session_label = LineField(_l("场次（如：上午）"), validators=[Optional(), Length(max=40)])
    minutes = IntegerField(_l("时长（分钟）"), validators=[DataRequired(), NumberRange(1, 600)])
    reason = LineField(
        _l("补录原因"), validators=[DataRequired(message=_l("手工补录考勤必须填写原因")), Length(max=200)]
    )


class CorrectAttendanceForm(FlaskForm):
    minutes = IntegerField(_l("更正后的时长（分钟，0 为撤销）"), validators=[InputRequired(), NumberRange(0, 600)])
    reason = LineField(_l("更正原因"), validators=[DataRequired(message=_l("更正考勤必须填写原因")), Length(max=200)])


class DecisionForm(FlaskForm):
    note = LineField(_l("审批意见（驳回时必填）"), validators=[Optional(), Length(max=200)])


class ExamEarlyForm(FlaskForm):
    allow = BooleanField(_l("允许学时未满的学员先参加班次考试"))
    reason = LineField(_l("理由（允许时必填，监管部门可见）"), validators=[Optional(), Length(max=200)])


class ClassExamForm(FlaskForm):
    opens_at = DateTimeLocalField(_l("开始时间"), validators=[DataRequired()])
    closes_at = DateTimeLocalField(_l("结束时间"), validators=[DataRequired()])
    duration_minutes = IntegerField(_l("答题时长（分钟，留空按模板）"), validators=[Optional(), NumberRange(1, 600)])


class SignInSheetForm(FlaskForm):
    file = FileField(_l("签到表（xlsx：证件号码、日期、场次、时长（分钟））"))
    reason = LineField(
        _l("导入说明（哪一期、哪份签到表）"),
        validators=[DataRequired(message=_l("导入签到表必须写明说明")), Length(max=200)],
    )


class PickForm(FlaskForm):
    """报名: the persons ticked in the list, or everyone the search shows (``all_shown``)."""

    person_ids = MultiCheckboxField(_l("人员"), coerce=int, choices=[], validate_choice=True)


class IdListForm(FlaskForm):
    file = FileField(_l("名单（xlsx 或 csv：证件号码一列，可带姓名）"))
    valid_only = BooleanField(_l("有错误行时，仍导入无误的行"))


class ApplicationReviewForm(FlaskForm):
    application_ids = MultiCheckboxField(_l("报名申请"), coerce=int, choices=[], validate_choice=True)
    note = LineField(_l("不通过的理由"), validators=[Optional(), Length(max=200)])


class InviteForm(FlaskForm):
    enterprise_id = IntegerField(_l("单位"), validators=[DataRequired()])
    note = LineField(_l("附言（可选）"), validators=[Optional(), Length(max=200)])
