"""Login with brute-force limits that cannot be turned into a weapon.

Two counters (``app.core.limits``), both atomic in the database:

- **(account, client IP)**: ``LOGIN_MAX_FAILURES`` tries, then a block of ``LOGIN_LOCKOUT_MINUTES`` that doubles
  with every further failure. Someone guessing from one address locks only themselves out of that account: the
  account's owner, from another address, still logs in.
- **client IP across accounts**: at most ``LOGIN_IP_MAX_FAILURES`` failed logins per ``LOGIN_IP_WINDOW_MINUTES``,
  so one address cannot spray guesses over many accounts.

Every try is counted *before* its password is checked, in the one statement that decides whether it may go ahead
(and forgiven on success), so parallel requests cannot slip past the limit between a check and a count; tries
during a block are counted too but do not lengthen it. Counters are keyed by the typed user name, not by a user row: an
unknown account is counted, blocked, timed and answered exactly like a real one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from app.auth import passwords
from app.auth.models import User
from app.core import limits
from app.core.clock import utcnow
from app.extensions import db


@dataclass(frozen=True)
class LoginOutcome:
    user: User | None
    #: "ok", "bad_credentials", "locked" or "inactive"
    status: str
    locked_until: datetime | None = None


def account_key(username: str, ip: str) -> str:
    """The (account, client IP) counter; the name is hashed (a counter table lists no user names)."""
    name = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
    return f"login:acct-ip:{name}:{ip}"


def ip_key(ip: str) -> str:
    return f"login:ip:{ip}"


def authenticate(username: str, password: str, *, ip: str, now: datetime | None = None) -> LoginOutcome:
    """Check a password under the per-(account, IP) and per-IP limits.

    Unknown users and wrong passwords give the same outcome, cost and counting, so the form does not reveal which
    accounts exist; "inactive" is only told to someone who knows the password.
    """
    config = current_app.config
    now = now or utcnow()
    acct, per_ip = account_key(username, ip), ip_key(ip)
    acct_verdict = limits.hit(
        acct,
        config["LOGIN_MAX_FAILURES"],
        timedelta(hours=24),
        backoff=timedelta(minutes=config["LOGIN_LOCKOUT_MINUTES"]),
        now=now,
    )
    ip_verdict = limits.hit(
        per_ip, config["LOGIN_IP_MAX_FAILURES"], timedelta(minutes=config["LOGIN_IP_WINDOW_MINUTES"]), now=now
    )
    if not acct_verdict.allowed or not ip_verdict.allowed:  # blocked, or lost a race against parallel tries
        until = max(t for t in (acct_verdict.blocked_until, ip_verdict.blocked_until) if t)
        return LoginOutcome(None, "locked", until)
    user = db.session.scalars(sa.select(User).where(User.username == username.strip())).first()
    if user is None or not user.check_password(password):
        if user is None:
            passwords.spend_a_check(password)  # same cost as a wrong password: response time does not reveal accounts
        if acct_verdict.remaining == 0 or ip_verdict.remaining == 0:
            until = max(t for t in (acct_verdict.blocked_until, ip_verdict.blocked_until) if t)
            return LoginOutcome(None, "locked", until)
        return LoginOutcome(None, "bad_credentials")
    # the right password: this try was no failure
    limits.reset(acct)
    limits.release(per_ip)
    if not user.active:
        return LoginOutcome(None, "inactive")
    user.last_login_at = now
    if passwords.needs_rehash(user.password_hash):
        _rehash(user, password)
    return LoginOutcome(user, "ok")


def _rehash(user: User, password: str) -> None:
    """Store the right ``password`` by today's method (an older install's scrypt, a raised Argon2id cost). One
    conditional UPDATE: a password changed meanwhile is not overwritten; the sessions stay (same password)."""
    table = User.__table__
    db.session.execute(
        sa.update(table)
        .where(table.c.id == user.id, table.c.password_hash == user.password_hash)
        .values(password_hash=passwords.hash_password(password))
    )
    db.session.expire(user, ["password_hash"])
