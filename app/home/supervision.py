"""What the supervising regulator's home page lists of training and exams in its region: overrides of the hours gate
(资格考试, 复审考试), corrections of 面授 attendance waiting for its approval, and classes that let trainees sit the
class exam before their hours are complete. Each through its domain's scope and policy."""

from __future__ import annotations

import sqlalchemy as sa

from app.auth.policy.training import may_approve_correction
from app.exams import gates
from app.exams import scope as exam_scope
from app.exams.models import GateOverride
from app.extensions import db
from app.training import scope as training_scope
from app.training.models import AttendanceCorrection, CorrectionState, TrainingClass


def overview(user) -> dict:
    overrides = exam_scope.gate_overrides_query(user)
    pending = db.session.scalars(
        training_scope.corrections_query(user)
        .where(AttendanceCorrection.state == CorrectionState.PENDING)
        .order_by(AttendanceCorrection.requested_at)
        .limit(200)
    ).all()
    return {
        "override_count": db.session.scalar(sa.select(sa.func.count()).select_from(overrides.subquery())),
        "recent_overrides": db.session.scalars(
            overrides.order_by(GateOverride.at.desc(), GateOverride.id.desc()).limit(5)
        ).all(),
        "override_label": gates.override_label,
        "corrections_waiting": sum(
            1 for c in pending if may_approve_correction(user, c.training_class, requested_by_id=c.requested_by_id)
        ),
        "early_exam_classes": db.session.scalars(
            training_scope.classes_query(user)
            .where(TrainingClass.exam_before_hours.is_(True))
            .order_by(TrainingClass.exam_before_hours_at.desc())
            .limit(20)
        ).all(),
    }
