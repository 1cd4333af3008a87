"""补考 and retakes: what a result means for the candidate, and who may sit again.

The rule (30号令 第十三条, DOMAIN.md §2.2): a candidate who fails may take ``exam.makeup_attempts`` 补考 (one,
nationally) for the same subject; failing those too means re-training before any further exam. It is counted per
person and subject — the post and 作业类别/操作项目 the exam is for (``Sitting.subject``) — over the period a score
stays valid (``exam.score_valid_months``), not per sitting: two sittings of the same subject do not give two
补考. Written once, here: the board, the result page, the candidate's list and the 补考 form all ask
:func:`standing`.

Rules by date (DOMAIN.md §2.0): the rule that decides is the one in force on the day of the failed attempt being
counted (the latest one), not today's. From 2026-06-01 (应急管理部令第19号) the theory exam of a 特种作业 licence —
a 资格考试 or 复审考试 of a special operator, and their 补考 — may be retaken without limit and never sends the
candidate back to training (``exam.retakes_unlimited.special_operator``); a failure before that day keeps its old
meaning. 主要负责人/安管 and the other exams keep ``exam.makeup_attempts``. The retake count stays: the failures
since the last pass (:attr:`Standing.failures`), and each attempt's number in its run (:func:`attempt_number`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.core.clock import to_local
from app.core.db import lock_row, utcnow
from app.core.enums import LabelledEnum
from app.core.errors import DomainError
from app.exams import messages as _messages  # noqa: F401  (registers the exam codes)
from app.exams.models import Attempt, AttemptState, Candidate, ExamKind, Sitting
from app.exams.sittings import new_sitting
from app.extensions import db
from app.rules.queries import rule_value
from question_bank import PaperSpec

#: Kinds whose failures a 补考 can follow (逢查必考 failures go through their finding: ``app.spotchecks``).
RETAKE_KINDS = (ExamKind.TRAINING, ExamKind.QUALIFICATION, ExamKind.REVIEW, ExamKind.MAKEUP)


class Outcome(LabelledEnum):
    """What a result means for the candidate."""

    PENDING = "pending", _l("待评分")
    PASSED = "passed", _l("合格")
    MAKEUP_AVAILABLE = "makeup_available", _l("不合格，可补考")
    MAKEUP_SCHEDULED = "makeup_scheduled", _l("不合格，已安排补考")
    RETRAINING = "retraining", _l("不合格，需重新参加培训")


@dataclass(frozen=True)
class Standing:
    """A person's position in one subject: failures counted, 补考 used and whether one is scheduled.

    ``makeups_allowed`` and ``unlimited`` are the rules in force on the day of the latest failure."""

    failures: int
    makeups_allowed: int
    scheduled: bool
    unlimited: bool = False

    @property
    def may_retake(self) -> bool:
        return self.failures > 0 and (self.unlimited or self.failures <= self.makeups_allowed)


def _window_start(now: datetime) -> datetime:
    return now - timedelta(days=round(30.44 * rule_value("exam.score_valid_months")))


def licence_theory(subject: str) -> bool:
    """The subject is the theory exam of a 特种作业操作证: ``qualification:special_operator:1.2`` (or a 复审考试 of
    one); a 补考 carries its original's subject."""
    kind, _sep, rest = subject.partition(":")
    post, _sep, operation = rest.partition(":")
    return kind in (ExamKind.QUALIFICATION.value, ExamKind.REVIEW.value) and (
        post == "special_operator" or bool(operation)
    )


def retake_rules(subject: str, on: date) -> tuple[int, bool]:
    """(补考 allowed, unlimited) for ``subject`` by the rules in force on ``on``."""
    allowed = int(rule_value("exam.makeup_attempts", on=on))
    unlimited = licence_theory(subject) and bool(rule_value("exam.retakes_unlimited.special_operator", on=on))
    return allowed, unlimited


def standing(person_id: int, subject: str, now: datetime | None = None) -> Standing:
    """Failures of ``person_id`` in ``subject`` since their last pass (within the validity window), and whether a
    later sitting of that subject is already waiting for them."""
    now = now or utcnow()
    graded = db.session.execute(
        sa.select(Attempt.passed, Attempt.started_at)
        .join(Sitting, Attempt.sitting_id == Sitting.id)
        .where(
            Attempt.person_id == person_id,
            Attempt.state == AttemptState.GRADED,
            Sitting.subject == subject,
            Sitting.kind.in_(RETAKE_KINDS),
            Attempt.graded_at >= _window_start(now),
        )
        .order_by(Attempt.graded_at)
    ).all()
    failures, last = 0, None
    for passed, started_at in graded:
        failures = 0 if passed else failures + 1
        last = started_at
    waiting = sa.select(Candidate.sitting_id).where(Candidate.person_id == person_id)
    taken = sa.select(Attempt.sitting_id).where(Attempt.person_id == person_id)
    scheduled = failures > 0 and bool(
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Sitting)
            .where(
                Sitting.subject == subject,
                Sitting.kind == ExamKind.MAKEUP,
                Sitting.id.in_(waiting),
                Sitting.id.not_in(taken),
                Sitting.closes_at > now,
            )
        )
    )
    allowed, unlimited = retake_rules(subject, to_local(last).date() if last is not None else to_local(now).date())
    return Standing(failures, allowed, scheduled, unlimited)


def outcome(attempt: Attempt, now: datetime | None = None) -> Outcome:
    """What ``attempt``'s result means for the candidate now."""
    if attempt.state is not AttemptState.GRADED:
        return Outcome.PENDING
    if attempt.passed:
        return Outcome.PASSED
    sitting = attempt.sitting
    if sitting.kind not in RETAKE_KINDS or not sitting.allow_makeup:
        return Outcome.RETRAINING
    now = now or utcnow()
    current = standing(attempt.person_id, sitting.subject, now)
    if not current.may_retake:
        return Outcome.RETRAINING
    return Outcome.MAKEUP_SCHEDULED if current.scheduled else Outcome.MAKEUP_AVAILABLE


def attempt_number(attempt: Attempt) -> int:
    """Which attempt of its run ``attempt`` is (1 = the first since the person last passed the subject, within the
    validity window before it): the retake count a candidate and an organiser read on the result."""
    sitting = attempt.sitting
    earlier = db.session.execute(
        sa.select(Attempt.passed)
        .join(Sitting, Attempt.sitting_id == Sitting.id)
        .where(
            Attempt.person_id == attempt.person_id,
            Attempt.id != attempt.id,
            Attempt.state == AttemptState.GRADED,
            Sitting.subject == sitting.subject,
            Sitting.kind.in_(RETAKE_KINDS),
            Attempt.started_at < attempt.started_at,
            Attempt.started_at >= _window_start(attempt.started_at),
        )
        .order_by(Attempt.started_at)
    ).scalars()
    failures = 0
    for passed in earlier:
        failures = 0 if passed else failures + 1
    return failures + 1


def makeup_candidates(sitting: Sitting, now: datetime | None = None) -> list[int]:
    """Persons who failed ``sitting`` and may still take a 补考 of its subject (none scheduled yet)."""
    if sitting.kind not in RETAKE_KINDS or not sitting.allow_makeup:
        return []
    failed = db.session.scalars(
        sa.select(Attempt)
        .where(Attempt.sitting_id == sitting.id, Attempt.state == AttemptState.GRADED, Attempt.passed.is_(False))
        .order_by(Attempt.person_id)
    ).all()
    return [a.person_id for a in failed if outcome(a, now) is Outcome.MAKEUP_AVAILABLE]


def makeups_of(sitting: Sitting) -> list[Sitting]:
    return list(db.session.scalars(sa.select(Sitting).where(Sitting.makeup_of_id == sitting.id).order_by(Sitting.id)))


def create_makeup_sitting(
    original: Sitting,
    *,
    opens_at: datetime,
    closes_at: datetime,
    actor,
    person_ids: Iterable[int] | None = None,
    organiser: dict | None = None,
    duration_minutes: int | None = None,
    title: str | None = None,
    access_code: str = "",
) -> Sitting:
    """Schedule the 补考 of ``original``: its frozen paper rules (spec, banks), a fresh paper for each candidate.

    :param person_ids: who sits it; by default everyone who failed ``original`` and may still retake. A 逢查必考
        finding names its one person (the spot check's own follow-up, outside the retake count's kinds).
    :param organiser: enterprise_id / institution_id / region_code; by default the original's organiser.
    :raises DomainError: ``makeup.not_allowed`` for a sitting without 补考, ``makeup.none`` when nobody is eligible.

    Who is eligible is decided under a lock on ``original``'s row (:func:`app.core.db.lock_row`), held until the transaction ends: a
    second request scheduling the 补考 of the same sitting (a double click, two organisers) waits for this one, then
    sees its 补考 and is refused, instead of giving the same candidates a second one.
    """
    follow_up = person_ids is not None
    if not follow_up:
        lock_row(original, key_share=True)  # candidates starting or answering it are not held up
        if original.kind not in RETAKE_KINDS or not original.allow_makeup:
            raise DomainError("makeup.not_allowed")
    chosen = list(person_ids) if follow_up else makeup_candidates(original)
    if not chosen:
        raise DomainError("makeup.none")
    return new_sitting(
        title=title or f"{original.title}（补考）",
        kind=ExamKind.MAKEUP,
        subject=original.subject,
        post=original.post,
        operation_code=original.operation_code,
        template_id=original.template_id,
        spec=PaperSpec.from_dict(original.spec),
        bank_ids=original.bank_ids,
        opens_at=opens_at,
        closes_at=closes_at,
        duration_minutes=duration_minutes or original.duration_minutes,
        access_code=access_code,
        allow_review=original.allow_review,
        allow_makeup=original.allow_makeup,
        organiser=organiser
        or {
            "enterprise_id": original.enterprise_id,
            "institution_id": original.institution_id,
            "region_code": original.region_code,
        },
        makeup_of=original,
        person_ids=chosen,
        actor=actor,
    )
