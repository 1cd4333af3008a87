"""Login with lockout after repeated failures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

import sqlalchemy as sa
from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from app.auth.models import User
from app.core.db import utcnow
from app.extensions import db


@dataclass(frozen=True)
class LoginOutcome:
    user: User | None
    #: "ok", "bad_credentials", "locked" or "inactive"
    status: str
    locked_until: datetime | None = None


def authenticate(
    username: str, password: str, *, max_failures: int, lockout_minutes: int, now: datetime | None = None
) -> LoginOutcome:
    """Check a password; count failures and lock the account for a while after ``max_failures``.

    Unknown users and wrong passwords give the same outcome, so the form does not reveal which accounts exist.
    """
    now = now or utcnow()
    user = db.session.scalars(sa.select(User).where(User.username == username.strip())).first()
    if user is None:
        _spend_a_hash_check(password)  # same cost as a wrong password: response time does not reveal accounts
        return LoginOutcome(None, "bad_credentials")
    if user.locked_until and user.locked_until > now:
        return LoginOutcome(None, "locked", user.locked_until)
    if not user.check_password(password):
        user.failed_logins += 1
        if user.failed_logins >= max_failures:
            user.locked_until = now + timedelta(minutes=lockout_minutes)
            user.failed_logins = 0
            return LoginOutcome(None, "locked", user.locked_until)
        return LoginOutcome(None, "bad_credentials")
    if not user.active:
        return LoginOutcome(None, "inactive")
    user.failed_logins, user.locked_until, user.last_login_at = 0, None, now
    return LoginOutcome(user, "ok")


@lru_cache(maxsize=4)
def _dummy_hash(method: str) -> str:
    return generate_password_hash("not-a-real-password", method=method)


def _spend_a_hash_check(password: str) -> None:
    check_password_hash(_dummy_hash(current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")), password)
