from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from app.core.forms import LineField


class LoginForm(FlaskForm):
    username = LineField(_l("用户名"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("密码"), validators=[DataRequired(), Length(max=128)])


class AccountForm(FlaskForm):
    """The signed-in user's own settings: where reminders are emailed (empty: in-app only)."""

    email = LineField(
        _l("电子邮箱"),
        filters=[lambda value: value.strip() if value else value],
        validators=[
            Optional(),
            Length(max=254),
            Regexp(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$", message=_l("请输入有效的电子邮箱地址")),
        ],
    )
