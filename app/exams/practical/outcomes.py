"""What a practical attempt means for the candidate: attempts per passed theory exam
``exam.practical.attempts`` (2 before 2026-06-01, 5 from then) and, once they are used up,
``exam.practical.retraining_after_limit`` (re-training before 2026-06-01, the theory exam again from then)."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l

from app.core.enums import LabelledEnum
from app.exams.practical.models import PracticalAttempt
from app.rules.queries import rule_value


class PracticalOutcome(LabelledEnum):
    """What a practical attempt means for the candidate."""

    UPCOMING = "upcoming", _l("待考")
    PENDING = "pending", _l("待评分")
    ABSENT = "absent", _l("缺考")
    PASSED = "passed", _l("合格")
    RETAKE = "retake", _l("不合格，可再次参加实操考试")
    THEORY_AGAIN = "theory_again", _l("不合格，实操考试次数已用完，须重新参加理论考试（无需培训）")
    RETRAINING = "retraining", _l("不合格，实操考试次数已用完，须重新参加培训")


EXHAUSTED = (PracticalOutcome.THEORY_AGAIN, PracticalOutcome.RETRAINING)


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
