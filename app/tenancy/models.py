"""Tenancy: the 行政区划, the enterprises and the training institutions every account and record belongs to.

These tables sit under ``app.auth`` (a user is scoped to one of them) and under ``app.people`` (an employment is at an
enterprise); they import neither. Their table names keep the ``people_`` prefix they were created with.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import orm as so

from app.core.db import TimestampMixin
from app.core.enums import LabelledEnum, enum_column
from app.extensions import db


class Industry(LabelledEnum):
    """行业类别; the first five are 高危 under 3号令."""

    HAZCHEM = "hazchem", _l("危险化学品")
    MINING = "mining", _l("非煤矿山")
    COAL = "coal", _l("煤矿")
    METALLURGY = "metallurgy", _l("金属冶炼")
    FIREWORKS = "fireworks", _l("烟花爆竹")
    CONSTRUCTION = "construction", _l("建筑施工")
    TRANSPORT = "transport", _l("交通运输")
    MANUFACTURING = "manufacturing", _l("工贸(机械、轻工、纺织等)")
    GENERAL = "general", _l("其他行业")


class Affiliation(LabelledEnum):
    """隶属关系: who owns the enterprise. Decides which authority examines its 主要负责人/安管 (44号令 第二十条: the
    province for 中央/省属 enterprises' people, the city for the others)."""

    CENTRAL = "central", _l("中央企业")
    PROVINCIAL = "provincial", _l("省属企业")
    LOCAL = "local", _l("其他（市属及以下、民营等）")


HIGH_RISK_INDUSTRIES = frozenset(
    {Industry.HAZCHEM, Industry.MINING, Industry.COAL, Industry.METALLURGY, Industry.FIREWORKS}
)


class Jurisdiction(db.Model):
    """行政区划. A regulator sees everything whose code starts with ``scope_prefix``."""

    __tablename__ = "people_jurisdictions"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(6), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(100))
    parent_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("people_jurisdictions.id"))
    #: The zone times are shown in for users of this area (IANA name); empty: the parent's, else the platform's.
    time_zone: so.Mapped[str] = so.mapped_column(sa.String(40), default="")
    #: Its 应急管理部门's real name as printed on certificates (签发机关); empty: :attr:`authority` derives it.
    authority_name: so.Mapped[str] = so.mapped_column(sa.String(120), default="")

    parent: so.Mapped[Jurisdiction | None] = so.relationship(remote_side=[id])

    @property
    def effective_time_zone(self) -> str:
        """This area's zone, or the nearest ancestor's (a city sets it for its districts); "" for the default."""
        node, hops = self, 0
        while node is not None and hops < 4:
            if node.time_zone:
                return node.time_zone
            node, hops = node.parent, hops + 1
        return ""

    @property
    def authority(self) -> str:
        """The 应急管理部门 of this area: 江苏省 → 江苏省应急管理厅, 南京市 → 南京市应急管理局 (unless set)."""
        if self.authority_name:
            return self.authority_name
        provincial = self.code.endswith("0000") and self.name.endswith(("省", "自治区"))
        return f"{self.name}应急管理{'厅' if provincial else '局'}"

    @property
    def level(self) -> str:
        """``province`` (xx0000), ``city`` (xxxx00) or ``county`` (区/县)."""
        if self.code.endswith("0000"):
            return "province"
        return "city" if self.code.endswith("00") else "county"

    @property
    def scope_prefix(self) -> str:
        """320000 → "32" (province), 320100 → "3201" (city), 320102 → "320102" (district)."""
        code = self.code
        while code.endswith("00") and len(code) > 2:
            code = code[:-2]
        return code

    def __repr__(self) -> str:
        return f"<Jurisdiction {self.code} {self.name}>"


class Enterprise(TimestampMixin, db.Model):
    """生产经营单位."""

    __tablename__ = "people_enterprises"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    #: 统一社会信用代码, validated (GB 32100) and stored compact, upper-case.
    uscc: so.Mapped[str] = so.mapped_column(sa.String(18), unique=True)
    industry: so.Mapped[Industry] = so.mapped_column(enum_column(Industry))
    jurisdiction_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("people_jurisdictions.id"))
    #: Copy of the jurisdiction's code: scoping filters on a prefix of it without a join.
    region_code: so.Mapped[str] = so.mapped_column(sa.String(6), index=True)
    address: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    contact_phone: so.Mapped[str] = so.mapped_column(sa.String(30), default="")
    affiliation: so.Mapped[Affiliation] = so.mapped_column(enum_column(Affiliation), default=Affiliation.LOCAL)

    jurisdiction: so.Mapped[Jurisdiction] = so.relationship()

    @property
    def high_risk(self) -> bool:
        """高危 per 3号令: 煤矿、非煤矿山、危险化学品、烟花爆竹、金属冶炼."""
        return self.industry in HIGH_RISK_INDUSTRIES

    def __repr__(self) -> str:
        return f"<Enterprise {self.uscc} {self.name}>"


class TrainingInstitution(TimestampMixin, db.Model):
    """安全培训机构 (AQ 8011-2023)."""

    __tablename__ = "people_institutions"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    uscc: so.Mapped[str] = so.mapped_column(sa.String(18), unique=True)
    jurisdiction_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("people_jurisdictions.id"))
    region_code: so.Mapped[str] = so.mapped_column(sa.String(6), index=True)

    jurisdiction: so.Mapped[Jurisdiction] = so.relationship()
