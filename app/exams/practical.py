"""特种作业 实际操作考试 (实操): sittings at a 实操考点, candidates admitted on a passed theory exam, the examiners'
signed score sheets, grading exactly once — and what the certificates layer asks of it (:func:`passed_practical`,
:func:`theory_pass`).

The rules come from the rule tables, in the version in force **on the exam day** (DOMAIN.md §2.0, §2.2):

- pass mark ``exam.practical.pass_mark`` (80 of 100) and examiners per candidate ``exam.practical.examiners`` (2),
  frozen on the sitting when it is created;
- attempts per passed theory exam ``exam.practical.attempts``: 2 before 2026-06-01 (the exam and one 补考, 30号令
  第十三条), 5 from then (应急管理部令第19号); when they are used up, ``exam.practical.retraining_after_limit`` says
  what follows: re-training (before 2026-06-01) or the theory exam again, without training (from then);
- a passed theory or practical exam stays valid ``exam.score_valid_months`` (12) from its exam day.

A candidate's score is the mean of the examiners' totals, rounded half up to one decimal (:func:`mean_score`);
they pass with a score ≥ the pass mark and no 否决项 recorded as failed by any examiner.

Concurrency, without ``SELECT … FOR UPDATE``: a signature inserts the examiner's row (``INSERT … ON CONFLICT DO
NOTHING`` on (attempt, examiner): one signature per examiner, however often the button is pressed), then moves the
attempt's ``signatures`` counter by one conditional ``UPDATE … WHERE graded_at IS NULL RETURNING signatures``. That
row lock serialises the signatures of one attempt, so the signer who brings the count to the required number sees
every other signature (committed before its lock was granted) and grades, by one conditional ``UPDATE … WHERE
graded_at IS NULL … RETURNING`` — exactly once. Refusals raise :class:`DomainError` before anything is written, or
(a race lost) after, and the boundary rolls back. Functions flush; the view, task or seed commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.archive.services import record_event
from app.auth import policy
from app.auth.models import Role, User
from app.core.clock import to_local
from app.core.db import conditional_update, insert_on_conflict, utcnow
from app.core.enums import LabelledEnum
from app.core.errors import DomainError
from app.exams import messages as _messages  # noqa: F401  (registers the exam codes)
from app.exams.models import (
    Attempt,
    AttemptState,
    ExamKind,
    PracticalAttempt,
    PracticalExaminer,
    PracticalSignature,
    PracticalSitting,
    Sitting,
)
from app.exams.practical_sheets import points, sheet_in_force
from app.extensions import db
from app.people.models import Jurisdiction, Person
from app.rules.queries import operation_name, rule_value

__all__ = [
    "PracticalAttempt",
    "PracticalOutcome",
    "PracticalSitting",
    "add_candidates",
    "create_sitting",
    "mean_score",
    "outcome",
    "passed_practical",
    "set_examiners",
    "sign",
    "theory_pass",
    "withdraw",
]


class PracticalOutcome(LabelledEnum):
    """What a practical attempt means for the candidate."""

    UPCOMING = "upcoming", _l("待考")
    PENDING = "pending", _l("待评分")
    ABSENT = "absent", _l("缺考")
    PASSED = "passed", _l("合格")
    RETAKE = "retake", _l("不合格，可再次参加实操考试")
    THEORY_AGAIN = "theory_again", _l("不合格，实操考试次数已用完，须重新参加理论考试（无需培训）")
    RETRAINING = "retraining", _l("不合格，实操考试次数已用完，须重新参加培训")


# ---------------------------------------------------------------- dates and validity


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (31 January + 1 → 28/29 February)."""
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover


def local_day(value: datetime) -> date:
    """The local (users') date of a stored UTC time: an exam at 07:30 in Shanghai is 23:30 UTC the day before."""
    return to_local(value).date()


def valid_on(taken_on: date, on: date) -> bool:
    """A result of ``taken_on`` still counts on ``on``: from its exam day for ``exam.score_valid_months`` (the
    version of that day), up to the day before the same date that many months later."""
    months = int(rule_value("exam.score_valid_months", on=taken_on))
    return taken_on <= on < add_months(taken_on, months)


#: Theory exams of a 特种作业 licence: the 资格考试, and 补考 of it (a 补考 carries its original's subject).
THEORY_KINDS = sa.or_(
    Sitting.kind == ExamKind.QUALIFICATION,
    sa.and_(Sitting.kind == ExamKind.MAKEUP, Sitting.subject.startswith(f"{ExamKind.QUALIFICATION.value}:")),
)


def theory_pass(person_id: int, operation_code: str, on: date) -> Attempt | None:
    """The latest graded, passed theory exam (资格考试 or its 补考) of ``operation_code`` that ``person_id`` took on
    or before ``on`` and that is still valid on ``on`` (12 months); None when there is none."""
    rows = db.session.scalars(
        sa.select(Attempt)
        .join(Sitting, Sitting.id == Attempt.sitting_id)
        .where(
            Attempt.person_id == person_id,
            Attempt.state == AttemptState.GRADED,
            Attempt.passed.is_(True),
            Sitting.operation_code == operation_code,
            THEORY_KINDS,
        )
        .order_by(Attempt.started_at.desc(), Attempt.id.desc())
    )
    return next((a for a in rows if valid_on(local_day(a.started_at), on)), None)


def passed_practical(person_id: int, operation_code: str, on: date) -> PracticalAttempt | None:
    """The latest graded, passed practical exam of ``operation_code`` that ``person_id`` took on or before ``on``
    and that is still valid on ``on`` (12 months from its exam day); None when there is none."""
    rows = db.session.scalars(
        sa.select(PracticalAttempt)
        .where(
            PracticalAttempt.person_id == person_id,
            PracticalAttempt.operation_code == operation_code,
            PracticalAttempt.graded_at.is_not(None),
            PracticalAttempt.passed.is_(True),
            PracticalAttempt.exam_on <= on,
        )
        .order_by(PracticalAttempt.exam_on.desc(), PracticalAttempt.id.desc())
    )
    return next((a for a in rows if valid_on(a.exam_on, on)), None)


# ---------------------------------------------------------------- sittings and examiners


def examiner_choices(region_code: str) -> list[User]:
    """Accounts that may examine a sitting of ``region_code``: active regulators whose jurisdiction contains it (they
    reach the sitting in scope, as its organiser does)."""
    users = db.session.scalars(
        sa.select(User)
        .join(Jurisdiction, Jurisdiction.id == User.jurisdiction_id)
        .where(User.role == Role.REGULATOR, User.active.is_(True))
        .order_by(User.display_name, User.username)
    ).all()
    return [u for u in users if region_code.startswith(u.jurisdiction.scope_prefix)]


def _checked_examiners(region_code: str, user_ids: Iterable[int], required: int) -> list[int]:
    chosen = list(dict.fromkeys(int(i) for i in user_ids))
    allowed = {u.id for u in examiner_choices(region_code)}
    for user_id in chosen:
        if user_id not in allowed:
            user = db.session.get(User, user_id)
            raise DomainError("practical.examiner_invalid", name=user.label if user else str(user_id))
    if len(chosen) < required:
        raise DomainError("practical.examiners", n=required)
    return chosen


def create_sitting(
    *,
    title: str,
    operation_code: str,
    site_name: str,
    exam_on: date,
    examiner_ids: Iterable[int],
    actor: User,
    site_address: str = "",
) -> PracticalSitting:
    """Schedule a 实操考试场次 of ``operation_code`` at a 实操考点 on ``exam_on``, organised by ``actor``'s authority
    (its jurisdiction), with the score sheet in force that day and its examiners.

    :raises DomainError: ``practical.not_organiser`` (403: only a regulator organises), ``practical.site`` (no
        考点), ``practical.no_sheet`` (no score sheet for the 操作项目 that day), ``practical.examiners`` (fewer
        distinct examiners than ``exam.practical.examiners``), ``practical.examiner_invalid``.
    """
    if not policy.may_organise_practical(actor):
        raise DomainError("practical.not_organiser", http_status=403)
    if not (site_name or "").strip():
        raise DomainError("practical.site", http_status=400)
    sheet = sheet_in_force(operation_code, exam_on)
    if sheet is None:
        raise DomainError(
            "practical.no_sheet", operation=f"{operation_code} {operation_name(operation_code)}", date=exam_on
        )
    region = actor.jurisdiction.code
    required = int(rule_value("exam.practical.examiners", region_code=region, on=exam_on))
    chosen = _checked_examiners(region, examiner_ids, required)
    sitting = PracticalSitting(
        title=(title or "").strip()[:120] or f"{operation_name(operation_code)} 实际操作考试",
        operation_code=operation_code,
        sheet_id=sheet.id,
        items=[item.frozen() for item in sheet.items],
        max_score=sheet.max_total,
        pass_mark=rule_value("exam.practical.pass_mark", region_code=region, on=exam_on),
        examiners_required=required,
        site_name=site_name.strip()[:120],
        site_address=(site_address or "").strip()[:200],
        exam_on=exam_on,
        region_code=region,
        created_by_id=actor.id,
    )
    db.session.add(sitting)
    db.session.flush()
    db.session.add_all(PracticalExaminer(sitting_id=sitting.id, user_id=user_id) for user_id in chosen)
    db.session.flush()
    db.session.refresh(sitting)
    return sitting


def _signed_count(sitting: PracticalSitting) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(PracticalSignature)
        .join(PracticalAttempt, PracticalAttempt.id == PracticalSignature.attempt_id)
        .where(PracticalAttempt.sitting_id == sitting.id)
    )


def set_examiners(sitting: PracticalSitting, user_ids: Iterable[int]) -> None:
    """Replace the sitting's examiners (an examiner falls ill) — only before anyone has signed.

    :raises DomainError: ``practical.has_signatures``, ``practical.examiners``, ``practical.examiner_invalid``.
    """
    if _signed_count(sitting):
        raise DomainError("practical.has_signatures")
    chosen = _checked_examiners(sitting.region_code, user_ids, sitting.examiners_required)
    sitting.examiners.clear()
    db.session.flush()
    db.session.add_all(PracticalExaminer(sitting_id=sitting.id, user_id=user_id) for user_id in chosen)
    db.session.flush()
    db.session.refresh(sitting)


# ---------------------------------------------------------------- candidates


@dataclass(frozen=True)
class Admission:
    """Why a person may sit a practical sitting: the theory pass it rests on and the attempt's number on it."""

    person_id: int
    theory: Attempt
    attempt_no: int
    limit: int


def admission(sitting: PracticalSitting, person_id: int) -> Admission:
    """Check that ``person_id`` may sit ``sitting``: a theory pass of its 操作项目 valid on the exam day, no valid
    practical pass yet, and an attempt left on that theory pass (``exam.practical.attempts`` on the exam day).

    :raises DomainError: ``practical.no_theory``, ``practical.already_passed``, ``practical.no_attempts_left``
        (each naming the person).
    """
    person = db.session.get(Person, person_id)
    name = person.name if person else str(person_id)
    code, day = sitting.operation_code, sitting.exam_on
    theory = theory_pass(person_id, code, day)
    if theory is None:
        raise DomainError("practical.no_theory", name=name, operation=f"{code} {operation_name(code)}", date=day)
    if passed_practical(person_id, code, day) is not None:
        raise DomainError("practical.already_passed", name=name)
    last = db.session.scalars(
        sa.select(PracticalAttempt)
        .where(PracticalAttempt.person_id == person_id, PracticalAttempt.theory_attempt_id == theory.id)
        .order_by(PracticalAttempt.attempt_no.desc())
    ).first()
    number = (last.attempt_no if last else 0) + 1
    limit = int(rule_value("exam.practical.attempts", region_code=sitting.region_code, on=day))
    if number > limit:
        consequence = outcome(last, day) if last.is_graded else None
        raise DomainError(
            "practical.no_attempts_left",
            name=name,
            limit=limit,
            consequence=consequence.label if consequence in _EXHAUSTED else _("须先完成已报名的实操考试"),
        )
    return Admission(person_id, theory, number, limit)


def add_candidates(sitting: PracticalSitting, person_ids: Iterable[int], *, actor: User | None) -> int:
    """Enrol candidates, all or none: each is checked by :func:`admission`, and a refusal of any names every refused
    candidate with the reason. Already enrolled persons are skipped. :return: how many were added.

    The numbers are unique per (person, theory pass) in the database, so two sittings enrolling the same person at
    once cannot both take the last attempt: the second gets ``practical.enrol_conflict``.

    :raises DomainError: ``practical.no_candidates``, ``practical.not_eligible``, ``practical.enrol_conflict``.
    """
    enrolled = set(
        db.session.scalars(sa.select(PracticalAttempt.person_id).where(PracticalAttempt.sitting_id == sitting.id))
    )
    new = [pid for pid in dict.fromkeys(int(p) for p in person_ids) if pid not in enrolled]
    if not new:
        raise DomainError("practical.no_candidates", http_status=400)
    admitted, refused = [], []
    for person_id in new:
        try:
            admitted.append(admission(sitting, person_id))
        except DomainError as exc:
            refused.append(exc.message)
    if refused:
        raise DomainError("practical.not_eligible", reasons="；".join(refused))
    now = utcnow()
    for a in admitted:
        stored = db.session.execute(
            insert_on_conflict(db.session, PracticalAttempt)
            .values(
                sitting_id=sitting.id,
                person_id=a.person_id,
                operation_code=sitting.operation_code,
                exam_on=sitting.exam_on,
                theory_attempt_id=a.theory.id,
                attempt_no=a.attempt_no,
                signatures=0,
                added_at=now,
                added_by_id=actor.id if actor else None,
            )
            .on_conflict_do_nothing()
            .returning(PracticalAttempt.id)
        ).first()
        if stored is None:
            raise DomainError("practical.enrol_conflict")
    return len(admitted)


def withdraw(attempt: PracticalAttempt, reason: str) -> None:
    """Take a candidate off a sitting (enrolled by mistake, or never came and should not use up an attempt): only
    while no examiner has signed. One conditional ``DELETE``.

    :raises DomainError: ``practical.withdraw_reason`` (a reason is required), ``practical.has_signatures``.
    """
    if not (reason or "").strip():
        raise DomainError("practical.withdraw_reason", http_status=400)
    gone = db.session.execute(
        sa.delete(PracticalAttempt)
        .where(
            PracticalAttempt.id == attempt.id,
            PracticalAttempt.signatures == 0,
            PracticalAttempt.graded_at.is_(None),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if gone != 1:
        raise DomainError("practical.has_signatures")
    db.session.expunge(attempt)


# ---------------------------------------------------------------- scoring


@dataclass(frozen=True)
class Marks:
    """One examiner's checked entries: points per item code, the 否决项 recorded as failed, the total."""

    scores: dict[str, float]
    vetoes: list[str]
    total: float


def read_marks(items: list[dict], scores: Mapping[str, object], vetoes: Iterable[str] = ()) -> Marks:
    """Check an examiner's entries against the sitting's items: every item given, 0 … its points, in half points.

    :param scores: item code → points as typed (text or number).
    :param vetoes: codes of 否决项 the examiner recorded as failed (codes of other items are ignored).
    :raises DomainError: ``practical.item_missing``, ``practical.item_invalid``, ``practical.item_range`` (400).
    """
    checked: dict[str, float] = {}
    total = Decimal(0)
    for item in items:
        label = f"{item['code']} {item['name']}"
        raw = scores.get(item["code"])
        if raw is None or str(raw).strip() == "":
            raise DomainError("practical.item_missing", http_status=400, item=label)
        value = points(raw)
        if value is None:
            raise DomainError("practical.item_invalid", http_status=400, item=label)
        if not 0 <= value <= Decimal(str(item["max"])):
            raise DomainError("practical.item_range", http_status=400, item=label, max=f"{item['max']:g}")
        checked[item["code"]] = float(value)
        total += value
    critical = [item["code"] for item in items if item["critical"]]
    chosen = set(vetoes)
    return Marks(checked, [code for code in critical if code in chosen], float(total))


def mean_score(totals: Iterable[float]) -> float:
    """The examiners' mean total, rounded half up to one decimal (80.25 → 80.3; Python's ``round`` would give
    80.2): the score printed is the score compared with the pass mark."""
    values = [Decimal(str(t)) for t in totals]
    mean = sum(values) / len(values)
    return float(mean.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def signatures_of(attempt: PracticalAttempt) -> list[PracticalSignature]:
    return list(
        db.session.scalars(
            sa.select(PracticalSignature)
            .where(PracticalSignature.attempt_id == attempt.id)
            .order_by(PracticalSignature.signed_at, PracticalSignature.id)
        )
    )


def has_signed(attempt: PracticalAttempt, user_id: int) -> bool:
    return bool(
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(PracticalSignature)
            .where(PracticalSignature.attempt_id == attempt.id, PracticalSignature.examiner_id == user_id)
        )
    )


def sign(
    attempt: PracticalAttempt,
    examiner: User,
    scores: Mapping[str, object],
    vetoes: Iterable[str] = (),
    *,
    ip: str = "",
    user_agent: str = "",
    now: datetime | None = None,
) -> PracticalAttempt:
    """An examiner enters a candidate's points for every item and signs with their own login (this submission is the
    signature: user, time, IP). When the required number of examiners have signed, the attempt is graded, once.

    :return: the attempt (graded when this signature completed it).
    :raises DomainError: ``practical.graded`` (already graded: a stale page), ``practical.not_examiner`` (403),
        ``practical.too_few_examiners`` (the sitting has fewer examiners than it needs), ``practical.not_yet``
        (before the exam day), ``practical.already_signed``, or the entry's refusal (:func:`read_marks`).
    """
    now = now or utcnow()
    sitting = attempt.sitting
    if attempt.graded_at is not None:
        raise DomainError("practical.graded")
    if not policy.may_score_practical(examiner, sitting):
        raise DomainError("practical.not_examiner", http_status=403)
    if len(sitting.examiner_ids) < sitting.examiners_required:
        raise DomainError("practical.too_few_examiners", n=sitting.examiners_required)
    if local_day(now) < sitting.exam_on:
        raise DomainError("practical.not_yet", date=sitting.exam_on)
    if has_signed(attempt, examiner.id):
        raise DomainError("practical.already_signed")
    marks = read_marks(sitting.items, scores, vetoes)
    stored = db.session.execute(
        insert_on_conflict(db.session, PracticalSignature)
        .values(
            attempt_id=attempt.id,
            examiner_id=examiner.id,
            scores=marks.scores,
            vetoes=marks.vetoes,
            total=marks.total,
            signed_at=now,
            ip=(ip or "")[:45],
            user_agent=(user_agent or "")[:300],
        )
        .on_conflict_do_nothing(index_elements=["attempt_id", "examiner_id"])
        .returning(PracticalSignature.id)
    ).first()
    if stored is None:  # the same examiner's other request signed first
        raise DomainError("practical.already_signed")
    count = db.session.execute(
        conditional_update(PracticalAttempt)
        .where(PracticalAttempt.id == attempt.id, PracticalAttempt.graded_at.is_(None))
        .values(signatures=PracticalAttempt.signatures + 1)
        .returning(PracticalAttempt.signatures)
    ).scalar()
    if count is None:  # graded meanwhile by the other examiners' signatures
        raise DomainError("practical.graded")
    if count >= sitting.examiners_required:
        _grade(attempt, now)
    db.session.refresh(attempt)
    return attempt


def _grade(attempt: PracticalAttempt, now: datetime) -> bool:
    """Grade from the signatures, once: True for the one caller whose conditional UPDATE won."""
    sitting = attempt.sitting
    signed = signatures_of(attempt)
    score = mean_score(s.total for s in signed)
    vetoed = sorted({code for s in signed for code in s.vetoes})
    passed = not vetoed and score >= sitting.pass_mark
    won = db.session.execute(
        conditional_update(PracticalAttempt)
        .where(
            PracticalAttempt.id == attempt.id,
            PracticalAttempt.graded_at.is_(None),
            PracticalAttempt.signatures >= sitting.examiners_required,
        )
        .values(graded_at=now, score=score, max_score=sitting.max_score, passed=passed, vetoed=bool(vetoed))
        .returning(PracticalAttempt.id)
    ).first()
    if won is None:
        return False
    record_event(
        attempt.person_id,
        "exam.practical_graded",
        {
            "practical_sitting": sitting.id,
            "attempt": attempt.id,
            "title": sitting.title,
            "operation": sitting.operation_code,
            "site": sitting.site_name,
            "exam_on": sitting.exam_on.isoformat(),
            "attempt_no": attempt.attempt_no,
            "items": [
                {
                    "code": item["code"],
                    "name": item["name"],
                    "max": item["max"],
                    "critical": item["critical"],
                    "scores": [s.scores.get(item["code"]) for s in signed],
                }
                for item in sitting.items
            ],
            "examiners": [
                {"name": s.examiner.label, "total": s.total, "signed_at": s.signed_at.isoformat(timespec="seconds")}
                for s in signed
            ],
            "vetoed": vetoed,
            "score": score,
            "max_score": sitting.max_score,
            "pass_mark": sitting.pass_mark,
            "passed": passed,
        },
        at=now,
    )
    return True


# ---------------------------------------------------------------- what a result means


_EXHAUSTED = (PracticalOutcome.THEORY_AGAIN, PracticalOutcome.RETRAINING)


def attempts_allowed(attempt: PracticalAttempt) -> int:
    """``exam.practical.attempts`` in force on the attempt's exam day (for its sitting's region)."""
    return int(rule_value("exam.practical.attempts", region_code=attempt.sitting.region_code, on=attempt.exam_on))


def outcome(attempt: PracticalAttempt, today: date) -> PracticalOutcome:
    """What ``attempt`` means for the candidate, by the rules in force on its exam day: a failed attempt below the
    limit leaves another; the last one sends them back to the theory exam (from 2026-06-01) or to training (before).
    """
    if attempt.graded_at is None:
        if today < attempt.exam_on:
            return PracticalOutcome.UPCOMING
        if today > attempt.exam_on and attempt.signatures == 0:
            return PracticalOutcome.ABSENT
        return PracticalOutcome.PENDING
    if attempt.passed:
        return PracticalOutcome.PASSED
    if attempt.attempt_no < attempts_allowed(attempt):
        return PracticalOutcome.RETAKE
    retraining = rule_value(
        "exam.practical.retraining_after_limit", region_code=attempt.sitting.region_code, on=attempt.exam_on
    )
    return PracticalOutcome.RETRAINING if retraining else PracticalOutcome.THEORY_AGAIN


# ---------------------------------------------------------------- reads for the pages


@dataclass(frozen=True)
class CandidateRow:
    attempt: PracticalAttempt
    signatures: list[PracticalSignature]
    outcome: PracticalOutcome
    attempts_allowed: int


def candidate_rows(sitting: PracticalSitting, today: date) -> list[CandidateRow]:
    """The sitting's candidates with their signatures and what each result means, by name."""
    attempts = db.session.scalars(
        sa.select(PracticalAttempt)
        .join(Person, Person.id == PracticalAttempt.person_id)
        .where(PracticalAttempt.sitting_id == sitting.id)
        .order_by(Person.name, Person.id)
    ).all()
    signed: dict[int, list[PracticalSignature]] = {a.id: [] for a in attempts}
    for s in db.session.scalars(
        sa.select(PracticalSignature)
        .where(PracticalSignature.attempt_id.in_(list(signed)))
        .order_by(PracticalSignature.signed_at, PracticalSignature.id)
    ):
        signed[s.attempt_id].append(s)
    return [CandidateRow(a, signed[a.id], outcome(a, today), attempts_allowed(a)) for a in attempts]


def my_practicals(person_id: int, today: date) -> list[CandidateRow]:
    """The person's practical attempts, newest exam day first (the candidate's exam list)."""
    attempts = db.session.scalars(
        sa.select(PracticalAttempt)
        .where(PracticalAttempt.person_id == person_id)
        .order_by(PracticalAttempt.exam_on.desc(), PracticalAttempt.id.desc())
    ).all()
    return [CandidateRow(a, [], outcome(a, today), attempts_allowed(a)) for a in attempts]


def theory_candidates(operation_code: str, on: date, person_ids: sa.Select) -> list[tuple[Person, Attempt]]:
    """Persons among ``person_ids`` (a SELECT of person ids) with a theory pass of ``operation_code`` valid on
    ``on``, with that pass: the choices of the enrolment form (the limits are checked on enrolment)."""
    passed = (
        sa.select(Attempt.person_id)
        .join(Sitting, Sitting.id == Attempt.sitting_id)
        .where(
            Attempt.state == AttemptState.GRADED,
            Attempt.passed.is_(True),
            Sitting.operation_code == operation_code,
            THEORY_KINDS,
        )
    )
    persons = db.session.scalars(
        sa.select(Person)
        .where(Person.id.in_(passed), Person.id.in_(person_ids))
        .order_by(Person.name, Person.id)
        .limit(500)
    ).all()
    out = []
    for person in persons:
        theory = theory_pass(person.id, operation_code, on)
        if theory is not None:
            out.append((person, theory))
    return out
