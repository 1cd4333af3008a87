"""The form of the API-client pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.api.models import ApiScope, TenantKind
from app.core.forms import LineField, MultiCheckboxField, enum_choices


class ClientForm(FlaskForm):
    name = LineField(_l("名称（对接的系统）"), validators=[DataRequired(), Length(max=100)])
    tenant_kind = SelectField(_l("所属单位类型"), choices=enum_choices(TenantKind))
    tenant_code = LineField(_l("行政区划代码或统一社会信用代码"), validators=[DataRequired(), Length(min=6, max=18)])
    scopes = MultiCheckboxField(_l("权限"), choices=enum_choices(ApiScope))
    rate_limit = IntegerField(
        _l("每分钟请求上限（留空用平台默认值）"), validators=[Optional(), NumberRange(min=1, max=100000)]
    )
    note = LineField(_l("备注"), validators=[Optional(), Length(max=300)])
