"""Accounts. A user has exactly one role and the one scope id that role needs."""

from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import orm as so

from app.auth import passwords
from app.core.db import TimestampMixin
from app.core.enums import LabelledEnum, enum_column
from app.extensions import db
from app.tenancy.models import Enterprise, Jurisdiction, TrainingInstitution


class Role(LabelledEnum):
    ADMIN = "admin", _l("平台管理员")
    REGULATOR = "regulator", _l("监管人员")
    ENTERPRISE = "enterprise", _l("企业管理员")
    INSTITUTION = "institution", _l("培训机构")
    WORKER = "worker", _l("从业人员")


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "auth_users"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    username: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    display_name: so.Mapped[str] = so.mapped_column(sa.String(100), default="")
    #: Where reminders are emailed when SMTP is configured ("" = none); set on the account page.
    email: so.Mapped[str] = so.mapped_column(sa.String(254), default="", server_default="")
    password_hash: so.Mapped[str] = so.mapped_column(sa.String(256))
    role: so.Mapped[Role] = so.mapped_column(enum_column(Role))
    #: The scope of the role: regulator → jurisdiction, enterprise admin → enterprise,
    #: institution → institution, worker → person. Exactly one is set (none for the platform admin).
    #: The first three are ``app.tenancy`` rows (below auth); the person is ``app.people``'s (above it), so a worker's
    #: person is a foreign key only, with no relationship: ``app.people.services.own_person(user)`` loads it.
    jurisdiction_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("people_jurisdictions.id"))
    enterprise_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("people_enterprises.id"))
    institution_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("people_institutions.id"))
    person_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("people_persons.id"))
    active: so.Mapped[bool] = so.mapped_column(default=True)
    #: 负责人 of its enterprise, institution or authority: the second person who approves its colleagues'
    #: corrections (e.g. 面授 attendance after the day, ``app.auth.policy.training.may_approve_correction``).
    supervisor: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    #: Part of the id kept in the session cookie; a new value (logout, password change) makes every cookie issued
    #: before it worthless, even one copied before the logout.
    session_token: so.Mapped[str] = so.mapped_column(sa.String(32), default=lambda: secrets.token_hex(16))
    last_login_at: so.Mapped[datetime | None]

    jurisdiction: so.Mapped[Jurisdiction | None] = so.relationship()
    enterprise: so.Mapped[Enterprise | None] = so.relationship()
    institution: so.Mapped[TrainingInstitution | None] = so.relationship()

    def set_password(self, password: str) -> None:
        """Set the password and end every session of this user (a stolen cookie dies with the old password)."""
        self.password_hash = passwords.hash_password(password)
        self.rotate_session_token()

    def rotate_session_token(self) -> None:
        self.session_token = secrets.token_hex(16)

    def get_id(self) -> str:  # Flask-Login: what the session cookie holds
        return f"{self.id}:{self.session_token}"

    def check_password(self, password: str) -> bool:
        return passwords.check(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login: inactive users cannot log in
        return self.active

    @property
    def label(self) -> str:
        return self.display_name or self.username

    @property
    def role_label(self) -> str:
        """The role's translated name, to show (templates never test a role: app.auth.policy decides)."""
        return str(self.role.label)

    @property
    def signature(self) -> str:
        """Who is signed in, as the header shows it: the name, and the role unless the name already says it."""
        return self.label if self.role_label in self.label else f"{self.label} · {self.role_label}"

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role.value}>"
