"""Who owns a shared resource — a question bank, a paper template, and next a course: 国家级, a region, an
enterprise or a training institution. The owner decides who may use it (``app.auth.scope.owned_visibility``) and who
may change it (``app.auth.scope.owns``)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import orm as so

from app.core.enums import LabelledEnum, enum_column


class OwnerScope(LabelledEnum):
    NATIONAL = "national", _l("国家级")
    REGIONAL = "regional", _l("省级/地方")
    ENTERPRISE = "enterprise", _l("企业自建")
    INSTITUTION = "institution", _l("培训机构")


class OwnedMixin:
    """Owner columns: exactly one of the owner ids matches ``scope``."""

    scope: so.Mapped[OwnerScope] = so.mapped_column(enum_column(OwnerScope))
    #: For REGIONAL: the 6-digit 行政区划 code (320000 江苏省, 320100 南京市) whose subtree may use it;
    #: empty for the other scopes.
    region_code: so.Mapped[str] = so.mapped_column(sa.String(6), default="")
    enterprise_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("people_enterprises.id"))
    institution_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("people_institutions.id"))
