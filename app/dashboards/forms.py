"""Forms of the regulator's pages: complaints, 退出 recommendations, holds and publishing."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, HiddenField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Regexp

from app.core.forms import LineField, enum_choices
from app.dashboards.models import ComplaintSource, ExitAction, Verdict

NOT_BLANK = r"\S"


class ComplaintForm(FlaskForm):
    #: "i<id>" (an institution) or "e<id>" (an enterprise) in the regulator's region, checked in the view.
    subject = SelectField(_l("被投诉单位"), choices=[], validate_choice=False, validators=[DataRequired()])
    source = SelectField(_l("来源"), choices=enum_choices(ComplaintSource))
    received_on = DateField(_l("受理日期"), validators=[DataRequired()])
    summary = TextAreaField(
        _l("内容摘要（不含投诉人信息）"), validators=[DataRequired(), Length(max=4000), Regexp(NOT_BLANK)]
    )


class VerdictForm(FlaskForm):
    verdict = SelectField(_l("核查结论"), choices=enum_choices(Verdict))
    #: The verdict the page showed: a colleague's decision made meanwhile wins.
    seen = HiddenField()


class DocumentForm(FlaskForm):
    document = FileField(_l("材料（PDF、JPG、PNG）"), validators=[FileRequired()])


class ExitActForm(FlaskForm):
    action = SelectField(_l("处理方式"), choices=enum_choices(ExitAction))
    note = LineField(_l("说明"), validators=[DataRequired(), Length(max=300), Regexp(NOT_BLANK)])


class NoteForm(FlaskForm):
    note = LineField(_l("办结说明"), validators=[DataRequired(), Length(max=300), Regexp(NOT_BLANK)])


class HoldForm(FlaskForm):
    reason = LineField(_l("暂缓公布原因"), validators=[DataRequired(), Length(max=300), Regexp(NOT_BLANK)])


class PublishForm(FlaskForm):
    month = LineField(_l("公告月份（YYYY-MM）"), validators=[DataRequired(), Regexp(r"^\d{4}-(0[1-9]|1[0-2])$")])
