"""Translated messages for question-bank error codes."""

from __future__ import annotations

from flask_babel import gettext as _

from app.core.messages import register

MESSAGES = {
    "bank_import.already_applied": lambda p: _("该批次已经确认过。"),
    "bank_import.has_errors": lambda p: _(
        "文件中有 %(count)s 处错误，按“全部导入”方式未导入任何题目。请修正后重新上传，或选择“仅导入无误的行”。",
        count=p.get("count"),
    ),
    "bank_import.nothing_valid": lambda p: _("文件中没有可导入的题目。"),
    "bank.question_changed": lambda p: _("这道题刚被其他人修改过，已有新版本：请刷新后在最新版本上操作。"),
}

register(MESSAGES)
