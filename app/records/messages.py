"""Translated messages for the records' error codes."""

from __future__ import annotations

from flask_babel import gettext as _

from app.core.messages import register

MESSAGES = {
    "hold.reason_required": lambda p: _("请填写保全原因"),
}

register(MESSAGES)
