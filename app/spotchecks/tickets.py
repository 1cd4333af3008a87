"""The one-time 考试码 of a 逢查必考: issued per person drawn, claimed on one phone after an identity check, used
to answer, done when graded. The ticket is a state machine, checked at one entry (:func:`enter`) that the phone's
pages and its JSON API both use:

========== ============================================================== =====================================
state      how it gets there                                              what the holder may do
========== ============================================================== =====================================
issued     drawn (or swapped in, added, reissued)                         confirm identity on a phone
claimed    identity confirmed; bound to that phone                        answer, save, hand in (that phone)
done       graded (handed in, or the inspection closed)                   see that it is done
locked     too many wrong identities                                      nothing: the inspector reissues
void       replaced by a swap or a reissue                                nothing: the link is dead
========== ============================================================== =====================================

Failed identity tries are counted by one conditional ``UPDATE … RETURNING`` (never read-modify-write), and the
address's misses by the app's one limiter (``app.core.limits``); a URL token that is found is never limited.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from app.archive.services import record_event
from app.core import crypto, limits
from app.core.db import conditional_update, utcnow
from app.core.errors import DomainError
from app.extensions import db
from app.people.models import Person
from app.spotchecks import engine
from app.spotchecks import messages as _messages  # noqa: F401  (registers the spot-check codes)
from app.spotchecks.models import Inspection, SpotCheckTicket, TicketReason, TicketState
from question_bank import PaperSpec

#: Short codes avoid look-alikes (0/O, 1/I/L) so they can be read off a screen and typed on a phone.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 6


class Use(enum.Enum):
    """What a request through a ticket wants to do."""

    ANSWER = "answer"  # the exam page, its state, saves, focus events, handing in
    READ = "read"  # the exam's state after it is done (the page closing itself)


# ---------------------------------------------------------------- issuing


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def normalise_code(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def _code_hash(code: str) -> str:
    return crypto.blind_index("spotcheck-code", normalise_code(code))


def issue_ticket(
    inspection: Inspection,
    person_id: int,
    post: str,
    employment_type: str,
    reason: TicketReason,
    *,
    actor,
    now: datetime,
    replaces: SpotCheckTicket | None = None,
) -> SpotCheckTicket:
    token = secrets.token_urlsafe(24)
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        code_hash = _code_hash(code)
        if not db.session.scalar(sa.select(SpotCheckTicket.id).where(SpotCheckTicket.code_hash == code_hash)):
            break
    ticket = SpotCheckTicket(
        inspection=inspection,
        person_id=person_id,
        post=post,
        employment_type=employment_type,
        reason=reason,
        token_hash=_sha256(token),
        code_hash=code_hash,
        secret_enc=crypto.encrypt(f"{token} {code}"),
        issued_at=now,
        replaces_id=replaces.id if replaces else None,
        attempt_id=replaces.attempt_id if replaces else None,
    )
    db.session.add(ticket)
    engine.add_candidates(inspection.sitting, [person_id])
    if replaces is None:
        record_event(
            person_id,
            "spotcheck.sampled",
            {
                "inspection": inspection.id,
                "doc_number": inspection.doc_number,
                "enterprise": inspection.enterprise.name,
                "post": post,
                "reason": reason.value,
            },
            actor=actor,
            enterprise_id=inspection.enterprise_id,
            at=now,
        )
    return ticket


def ticket_secrets(ticket: SpotCheckTicket) -> tuple[str, str]:
    """(URL token, short code) of a ticket, for the inspector's screen only."""
    token, code = crypto.decrypt(ticket.secret_enc).split(" ")
    return token, code


# ---------------------------------------------------------------- finding a ticket


def find_ticket(token: str) -> SpotCheckTicket | None:
    if not token or len(token) > 64:
        return None
    return db.session.scalar(sa.select(SpotCheckTicket).where(SpotCheckTicket.token_hash == _sha256(token)))


def find_ticket_by_code(code: str, *, ip: str, now: datetime | None = None) -> SpotCheckTicket | None:
    """The ticket of a typed 6-character code.

    Each try first takes one of the address's allowed misses, in one atomic statement (``app.core.limits``), so a
    burst of parallel guesses evaluates exactly the limit and no more; a code that is found gives its try back.
    So only misses count: a valid code always works, even behind a NAT where a whole site shares one address.

    :raises DomainError: ``ticket.too_many`` (429) once the address has missed too often recently.
    """
    key = _misses_key(ip)
    if not limits.hit(key, _max_misses(), _miss_window(), now=now).allowed:
        raise DomainError("ticket.too_many", http_status=429)
    code = normalise_code(code)
    ticket = None
    if len(code) == CODE_LENGTH:
        ticket = db.session.scalar(sa.select(SpotCheckTicket).where(SpotCheckTicket.code_hash == _code_hash(code)))
    if ticket is not None:
        limits.release(key)
    return ticket


def count_miss(ip: str, now: datetime | None = None) -> bool:
    """Count a link (URL token) that matched no ticket; True while the address is still within its allowance.

    The token is looked up first and a found one is never limited (24 random bytes cannot be guessed anyway)."""
    return limits.hit(_misses_key(ip), _max_misses(), _miss_window(), now=now).allowed


def _misses_key(ip: str) -> str:
    return f"spotcheck-ticket-miss:{(ip or '')[:45]}"


def _max_misses() -> int:
    return current_app.config["SPOTCHECK_MAX_GUESSES"]


def _miss_window() -> timedelta:
    return timedelta(minutes=current_app.config["SPOTCHECK_GUESS_WINDOW_MINUTES"])


def ticket_problem(ticket: SpotCheckTicket, now: datetime) -> str | None:
    """Why this ticket cannot be used to answer now (a message code), or None when it can."""
    if ticket.status is TicketState.VOID:
        return "ticket.void"
    if ticket.status is TicketState.DONE:
        return "ticket.done"
    if ticket.status is TicketState.LOCKED:
        return "ticket.locked"
    inspection = ticket.inspection
    if not inspection.is_open or now > inspection.sitting.closes_at:
        return "ticket.expired"
    return None


def device_hash(device: str) -> str:
    return _sha256(device)


def holds_ticket(ticket: SpotCheckTicket, device: str | None) -> bool:
    """True when this browser (its random device value) is the one that claimed the ticket."""
    return bool(device and ticket.claimed_device and hmac.compare_digest(ticket.claimed_device, device_hash(device)))


def enter(token: str, *, device: str | None, use: Use, now: datetime | None = None) -> SpotCheckTicket:
    """The one entry through a ticket link for the exam page and its JSON API: the ticket, if this phone may do
    ``use`` with it now.

    ``ANSWER`` needs a claimed ticket, held by this phone, with its attempt, while the inspection is open: a
    voided (reissued or swapped) link, a locked or a finished ticket can no longer save or hand in anything.
    ``READ`` also allows a finished ticket (the page learns it is done and closes itself).

    :raises DomainError: ``ticket.unknown`` (404) for everything else, saying nothing more to whoever asks.
    """
    now = now or utcnow()
    ticket = find_ticket(token)
    if ticket is None or not holds_ticket(ticket, device) or ticket.attempt_id is None:
        raise DomainError("ticket.unknown", http_status=404)
    allowed = ticket.status is TicketState.CLAIMED and ticket_problem(ticket, now) is None
    if use is Use.READ:
        allowed = allowed or ticket.status is TicketState.DONE
    if not allowed:
        raise DomainError("ticket.unknown", http_status=404)
    return ticket


def _normalise_name(name: str) -> str:
    return "".join((name or "").split()).replace("•", "·").replace("．", "·").replace(".", "·")


def _normalise_id(number: str) -> str:
    return "".join((number or "").split()).upper()


def confirm_identity(ticket: SpotCheckTicket, *, name: str, id_number: str, device: str, now: datetime) -> None:
    """Check name + the whole 证件号码 and bind the ticket to this device.

    The whole number, not its last digits: the masked number on every roster and export shows the last four, so
    they prove nothing. A wrong answer is counted by one conditional ``UPDATE … RETURNING`` (parallel wrong tries
    each count); reaching the limit locks the ticket until the inspector reissues it. Nothing is written to the
    person's file here. The caller commits, also on failure, so the count is kept.

    :raises DomainError: the ``ticket.*`` problem, ``ticket.other_device``, ``identity.wrong`` (with
        ``remaining``), ``identity.locked``.
    """
    if problem := ticket_problem(ticket, now):
        raise DomainError(problem)
    if ticket.claimed_device and not holds_ticket(ticket, device):
        raise DomainError("ticket.other_device")
    person: Person = ticket.person
    name_ok = hmac.compare_digest(_normalise_name(name).encode(), _normalise_name(person.name).encode())
    id_ok = hmac.compare_digest(_normalise_id(id_number).encode(), _normalise_id(person.id_number).encode())
    if not (name_ok and id_ok):
        limit = current_app.config["SPOTCHECK_IDENTITY_TRIES"]
        failed = db.session.execute(
            conditional_update(SpotCheckTicket)
            .where(SpotCheckTicket.id == ticket.id, SpotCheckTicket.status == TicketState.ISSUED)
            .values(failed_identity_attempts=SpotCheckTicket.failed_identity_attempts + 1)
            .returning(SpotCheckTicket.failed_identity_attempts)
        ).scalar()
        if failed is not None and failed >= limit:
            db.session.execute(
                conditional_update(SpotCheckTicket)
                .where(SpotCheckTicket.id == ticket.id, SpotCheckTicket.status == TicketState.ISSUED)
                .values(status=TicketState.LOCKED)
            )
        db.session.refresh(ticket)
        if ticket.status is TicketState.LOCKED:
            raise DomainError("identity.locked")
        raise DomainError("identity.wrong", remaining=max(0, limit - ticket.failed_identity_attempts))
    claimed = db.session.execute(
        conditional_update(SpotCheckTicket)
        .where(SpotCheckTicket.id == ticket.id, SpotCheckTicket.status == TicketState.ISSUED)
        .values(status=TicketState.CLAIMED, claimed_device=device_hash(device), claimed_at=now)
    ).rowcount
    db.session.refresh(ticket)
    if claimed != 1 and not holds_ticket(ticket, device):  # another phone claimed it a moment before
        raise DomainError("ticket.other_device")


def start_ticket_attempt(ticket: SpotCheckTicket, *, ip: str, user_agent: str, now: datetime) -> engine.Attempt:
    """Start (or resume) the claimed ticket's attempt through the exam engine; one attempt per person, ever."""
    if problem := ticket_problem(ticket, now):
        raise DomainError(problem)
    attempt = engine.start_or_resume(ticket.inspection.sitting, ticket.person_id, ip=ip, user_agent=user_agent, now=now)
    ticket.attempt_id = attempt.id
    db.session.flush()
    return attempt


def submit_ticket(ticket: SpotCheckTicket, *, now: datetime) -> SpotCheckTicket:
    """Hand the paper in (exactly once however often it is asked) and record the result."""
    attempt = ticket.attempt
    if attempt is None:
        raise DomainError("ticket.not_started")
    engine.submit(attempt, now=now)
    return record_result(ticket, now=now)


def record_result(ticket: SpotCheckTicket, *, now: datetime, actor=None) -> SpotCheckTicket:
    """Copy the graded attempt's score to the ticket and the person's file, exactly once: a conditional
    ``UPDATE … WHERE graded_at IS NULL`` decides between a hand-in and a close that race for it.

    A ticket nobody answered (never claimed, or locked) scores 0 and fails: the person was drawn and present.
    """
    if ticket.graded_at is not None:
        return ticket
    attempt = ticket.attempt
    if attempt is not None:
        attempt = engine.finish(attempt, now=now)
        values = {
            "answered": True,
            "score": attempt.score or 0.0,
            "max_score": attempt.max_score,
            "passed": bool(attempt.passed),
        }
    else:
        spec = PaperSpec.from_dict(ticket.inspection.sitting.spec)
        values = {"answered": False, "score": 0.0, "max_score": spec.total_points, "passed": False}
    status = sa.case((SpotCheckTicket.status == TicketState.VOID, TicketState.VOID.value), else_=TicketState.DONE.value)
    won = db.session.execute(
        conditional_update(SpotCheckTicket)
        .where(SpotCheckTicket.id == ticket.id, SpotCheckTicket.graded_at.is_(None))
        .values(graded_at=now, status=status, **values)
    ).rowcount
    db.session.refresh(ticket)
    if won != 1:
        return ticket
    inspection = ticket.inspection
    record_event(
        ticket.person_id,
        "spotcheck.result",
        {
            "inspection": inspection.id,
            "doc_number": inspection.doc_number,
            "enterprise": inspection.enterprise.name,
            "score": ticket.score,
            "max_score": ticket.max_score,
            "passed": ticket.passed,
            "answered": ticket.answered,
        },
        actor=actor,
        enterprise_id=inspection.enterprise_id,
        at=now,
    )
    return ticket
