"""人像抓拍 with the organiser of their class or exam: the one query the bell and the 动态积分 read."""

from __future__ import annotations

import sqlalchemy as sa

from app.auth.models import Role
from app.dashboards import snapshots
from app.exams.models import Attempt
from app.extensions import db
from app.people.models import Snapshot, SnapshotContext
from tests.certificates.world import graded_sitting
from tests.training.world import trained


def shot(person_id: int, context: SnapshotContext, ref_id: int, *, flagged: bool) -> Snapshot:
    snapshot = Snapshot(
        person_id=person_id,
        context=context,
        ref_id=ref_id,
        storage_key=f"s/{context.value}-{ref_id}.jpg",
        sha256="2" * 64,
        needs_review=flagged,
    )
    db.session.add(snapshot)
    db.session.flush()
    return snapshot


def test_each_snapshot_comes_with_the_organiser_of_its_class_or_exam(dw, factory):
    w = dw.w
    person = dw.operators[0].person
    institution = factory.institution("320102")
    inst_user = factory.user(Role.INSTITUTION, institution_id=institution.id)
    training_class = trained(inst_user, [person], hours=1, exam_passed=None)
    sitting = graded_sitting(w.ent_a, [(person, True)])
    attempt = db.session.scalars(sa.select(Attempt).where(Attempt.sitting_id == sitting.id)).one()
    in_class = shot(person.id, SnapshotContext.LESSON, training_class.id, flagged=True)
    in_exam = shot(person.id, SnapshotContext.EXAM, attempt.id, flagged=True)
    cleared = shot(person.id, SnapshotContext.EXAM, attempt.id, flagged=False)

    rows = db.session.execute(snapshots.with_organisers(snapshots.awaiting_review())).all()
    found = {
        r.snapshot_id: (SnapshotContext(r.context), r.enterprise_id, r.institution_id, r.ref_id, r.person_id)
        for r in rows
    }
    assert cleared.id not in found
    assert {k: v for k, v in found.items() if k in (in_class.id, in_exam.id)} == {
        in_class.id: (SnapshotContext.LESSON, None, institution.id, training_class.id, person.id),
        in_exam.id: (SnapshotContext.EXAM, w.ent_a.id, None, attempt.id, person.id),
    }
