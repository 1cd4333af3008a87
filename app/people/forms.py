from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import DateField, HiddenField, SelectField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from app.core.forms import LineField, choices, enum_choices
from app.people.models import CorrectionField, EmploymentType, IdType, Post, ReviewVerdict
from app.tenancy.models import Affiliation, Industry

NAME_PATTERN = r"^[\u3400-\u9fffA-Za-z·•．.\s]{1,50}$"


class PersonForm(FlaskForm):
    name = LineField(
        _l("姓名"),
        validators=[DataRequired(), Length(max=50), Regexp(NAME_PATTERN, message=_l("姓名只能包含汉字、字母和间隔号"))],
    )
    id_type = SelectField(_l("证件类型"), choices=enum_choices(IdType), default=IdType.RESIDENT_ID.value)
    id_number = LineField(_l("证件号码"), validators=[DataRequired(), Length(max=30)])
    phone = LineField(_l("手机号"), validators=[Optional(), Regexp(r"^1\d{10}$", message=_l("手机号应为 11 位数字"))])
    education = LineField(_l("文化程度"), validators=[Optional(), Length(max=20)])
    post = SelectField(_l("岗位类别"), choices=enum_choices(Post), default=Post.WORKER.value)
    employment_type = SelectField(
        _l("用工形式"), choices=enum_choices(EmploymentType), default=EmploymentType.REGULAR.value
    )
    operation_code = SelectField(_l("作业类别/操作项目"), choices=[], validate_choice=False)
    job_title = LineField(_l("岗位名称"), validators=[Optional(), Length(max=50)])
    start_date = DateField(_l("入职日期"), validators=[DataRequired()])


class EditEmploymentForm(PersonForm):
    """Same fields; the 证件 and the start date are fixed once registered."""

    id_type = None
    id_number = None
    start_date = None


class EndEmploymentForm(FlaskForm):
    end_date = DateField(_l("离职日期"), validators=[DataRequired()])
    reason = LineField(_l("原因"), validators=[Optional(), Length(max=200)])


class RosterImportForm(FlaskForm):
    file = FileField(
        _l("花名册文件"), validators=[FileRequired(), FileAllowed(["xlsx", "csv"], _l("只接受 .xlsx 或 .csv 文件"))]
    )


class PhotoForm(FlaskForm):
    photo = FileField(
        _l("登记照片（一寸证件照）"),
        validators=[FileRequired(), FileAllowed(["jpg", "jpeg", "png", "webp"], _l("只接受 JPG、PNG 或 WebP 照片"))],
    )


class ConfirmImportForm(FlaskForm):
    batch = HiddenField(validators=[DataRequired()])


class EnterpriseForm(FlaskForm):
    name = LineField(_l("单位名称"), validators=[DataRequired(), Length(max=200)])
    uscc = LineField(_l("统一社会信用代码"), validators=[DataRequired(), Length(max=30)])
    industry = SelectField(_l("行业类别"), choices=enum_choices(Industry))
    affiliation = SelectField(_l("隶属关系"), choices=enum_choices(Affiliation), default=Affiliation.LOCAL.value)
    jurisdiction_id = SelectField(_l("所属行政区划"), coerce=int, choices=[])
    address = LineField(_l("地址"), validators=[Optional(), Length(max=300)])
    contact_phone = LineField(_l("联系电话"), validators=[Optional(), Length(max=30)])


class SnapshotReviewForm(FlaskForm):
    """复核 of a flagged 人像抓拍: the verdict comes from the button pressed (确认本人 / 非本人). The note's rules
    (required for 非本人, at most 200 characters) are the service's, so that its message names the field."""

    verdict = SelectField(_l("复核结论"), choices=enum_choices(ReviewVerdict))
    note = LineField(_l("复核说明"))


class CorrectionRequestForm(FlaskForm):
    """A person's 更正申请: what is wrong, what it should be, and to whom (a current employer or the authority)."""

    field = SelectField(_l("更正项目"), choices=enum_choices(CorrectionField))
    wrong = LineField(_l("错误之处"), validators=[DataRequired(), Length(max=500)])
    proposed = LineField(_l("应更正为"), validators=[DataRequired(), Length(max=500)])
    addressee = SelectField(_l("提交给"), choices=[])


class CorrectionAnswerForm(FlaskForm):
    """The employer's or authority's answer: accept (with a note) or refuse (with a reason, required)."""

    decision = SelectField(_l("答复"), choices=choices([("accept", _l("接受")), ("refuse", _l("不予更正"))]))
    note = LineField(_l("说明"), validators=[Optional(), Length(max=500)])
