"""Who may use and who may manage question banks and paper templates. Built on ``app.auth.scope``'s owner rule.

Reading a bank (drawing papers from it) is wide; managing it — import, edit, retire, export, and seeing its
answers (``app.auth.policy``) — belongs to its owner.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort

from app.auth.models import User
from app.auth.scope import one_or_404, owned_visibility, owns, owns_regionally
from app.bank.models import Bank, PaperTemplate


def banks_query(user: User) -> sa.Select:
    """Banks ``user`` may read and draw papers from."""
    return sa.select(Bank).where(owned_visibility(Bank, user))


def templates_query(user: User) -> sa.Select:
    """Paper templates ``user`` may use (and see)."""
    return sa.select(PaperTemplate).where(owned_visibility(PaperTemplate, user))


def active_templates_query(user: User) -> sa.Select:
    """Active paper templates an organiser may build a sitting from."""
    return templates_query(user).where(PaperTemplate.active.is_(True))


def get_bank_or_404(user: User, bank_id: int) -> Bank:
    return one_or_404(banks_query(user).where(Bank.id == bank_id))


def get_template_or_404(user: User, template_id: int) -> PaperTemplate:
    return one_or_404(templates_query(user).where(PaperTemplate.id == template_id))


def can_manage_bank(user: User, bank: Bank) -> bool:
    """Import, edit, retire and export."""
    return owns(user, bank)


def get_managed_bank_or_404(user: User, bank_id: int) -> Bank:
    """The bank, if ``user`` may manage it (404 out of reach, 403 readable but not theirs to manage)."""
    bank = get_bank_or_404(user, bank_id)
    if not can_manage_bank(user, bank):
        abort(403)
    return bank


def can_manage_template(user: User, template: PaperTemplate) -> bool:
    return owns_regionally(user, template) or owns(user, template)
