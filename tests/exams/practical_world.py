"""实操 fixtures: the seeded score sheets, a 南京市 authority with two examiners, special operators with passed theory
exams on chosen days, and practical sittings on chosen days.

320100 南京市: ``organiser`` (also examiner 1), ``examiner`` (examiner 2), ``third`` (a third regulator of the city);
320500 苏州市: ``outsider`` (a regulator of another city). Enterprise 玄武化工 (320102) employs the candidates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from app.auth.models import User
from app.core.clock import local_today, to_utc
from app.exams.models import Attempt, AttemptState, ExamKind, Sitting
from app.exams.practical import candidates, scoring, sittings
from app.exams.practical.models import PracticalAttempt, PracticalSitting
from app.exams.practical_sheets import seed_score_sheets
from app.exams.sittings import subject_of
from app.extensions import db
from app.people.models import Person, Post
from app.tenancy.models import Enterprise

#: Points per item (K1–K4 of 1.2 低压电工作业: 20/40/20/20) that add up to the total named.
FULL = {"K1": 20, "K2": 40, "K3": 20, "K4": 20}


def marks(total: float) -> dict[str, float]:
    """Points for K1–K4 adding up to ``total`` (taken off K2 first, then K1, K3, K4)."""
    out, missing = dict(FULL), 100 - total
    for code in ("K2", "K1", "K3", "K4"):
        off = min(out[code], missing)
        out[code] -= off
        missing -= off
    return out


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    """A local (Asia/Shanghai) wall-clock time on ``day``, as stored (naive UTC)."""
    return to_utc(datetime.combine(day, time(hour, minute)))


def theory_exam(
    person: Person,
    day: date,
    *,
    operation_code: str = "1.2",
    passed: bool = True,
    score: float | None = None,
    kind: ExamKind = ExamKind.QUALIFICATION,
    post: str = Post.SPECIAL_OPERATOR.value,
    makeup_of: Sitting | None = None,
) -> Attempt:
    """A graded theory exam taken on ``day`` (09:00 local), stored as rows: the engine's own tests cover sitting one.
    A 补考 (``makeup_of``) carries its original's subject."""
    opens = at(day, 9)
    subject = makeup_of.subject if makeup_of is not None else subject_of(kind, post, operation_code)
    sitting = Sitting(
        title=f"{operation_code} {kind.value} {day}",
        kind=kind,
        subject=subject,
        post=post,
        operation_code=operation_code,
        spec={"pass_mark": 80, "sections": []},
        opens_at=opens,
        closes_at=opens + timedelta(hours=3),
        duration_minutes=120,
        region_code="320100",
        makeup_of_id=makeup_of.id if makeup_of is not None else None,
    )
    db.session.add(sitting)
    db.session.flush()
    attempt = Attempt(
        sitting_id=sitting.id,
        person_id=person.id,
        state=AttemptState.GRADED,
        paper={},
        seed=0,
        started_at=opens,
        deadline=opens + timedelta(hours=2),
        submitted_at=opens + timedelta(hours=1),
        graded_at=opens + timedelta(hours=1),
        score=score if score is not None else (88.0 if passed else 60.0),
        max_score=100.0,
        passed=passed,
    )
    db.session.add(attempt)
    db.session.flush()
    return attempt


@dataclass
class PracticalWorld:
    enterprise: Enterprise
    persons: list[Person]
    workers: list[User]
    organiser: User
    examiner: User
    third: User
    outsider: User
    enterprise_admin: User
    platform_admin: User

    @property
    def person(self) -> Person:
        return self.persons[0]

    def sitting(self, exam_on: date, *, examiners: list[User] | None = None, operation_code: str = "1.2"):
        return sittings.create_sitting(
            title=f"实操 {exam_on}",
            operation_code=operation_code,
            site_name="南京市特种作业实操考点",
            exam_on=exam_on,
            examiner_ids=[u.id for u in (examiners or [self.organiser, self.examiner])],
            actor=self.organiser,
        )

    def enrol(self, sitting: PracticalSitting, person: Person | None = None) -> PracticalAttempt:
        person = person or self.person
        candidates.add_candidates(sitting, [person.id], actor=self.organiser)
        return db.session.scalars(
            sa.select(PracticalAttempt).where(
                PracticalAttempt.sitting_id == sitting.id, PracticalAttempt.person_id == person.id
            )
        ).one()

    def score(self, attempt: PracticalAttempt, totals: tuple[float, ...], *, vetoes=((), ()), examiners=None):
        """Sign ``attempt`` by the examiners with these totals, on its exam day at 10:00 local."""
        for examiner, total, veto in zip(examiners or [self.organiser, self.examiner], totals, vetoes):
            scoring.sign(attempt, examiner, marks(total), veto, ip="10.0.0.9", now=at(attempt.exam_on))
        return attempt

    def attempt_on(self, exam_on: date, total: float, person: Person | None = None) -> PracticalAttempt:
        """A practical sitting on ``exam_on``, the person enrolled and scored by both examiners with ``total``."""
        attempt = self.enrol(self.sitting(exam_on), person)
        return self.score(attempt, (total, total))


@pytest.fixture
def practical_world(factory) -> PracticalWorld:
    nanjing = factory.jurisdiction("320100", "南京市")
    factory.jurisdiction("320102", "玄武区", parent=nanjing)
    factory.jurisdiction("320500", "苏州市")
    enterprise = factory.enterprise(name="玄武化工有限公司", region="320102")
    admin = factory.enterprise_admin(enterprise)
    persons = [
        factory.employ(enterprise, name=name, post=Post.SPECIAL_OPERATOR, operation_code="1.2", actor=admin).person
        for name in ("王电工", "李电工")
    ]
    seed_score_sheets()
    organiser, examiner, third = (factory.regulator("320100") for _ in range(3))
    organiser.display_name, examiner.display_name, third.display_name = "考评员甲", "考评员乙", "考评员丙"
    world = PracticalWorld(
        enterprise=enterprise,
        persons=persons,
        workers=[factory.worker(p) for p in persons],
        organiser=organiser,
        examiner=examiner,
        third=third,
        outsider=factory.regulator("320500"),
        enterprise_admin=admin,
        platform_admin=factory.admin(),
    )
    factory.commit()
    return world


def objects_for_access_matrix(tenant_world) -> dict:
    """A practical sitting of the 南京市 authority (regulator_nj, with a second examiner) for person A (employed at
    enterprise A, 320102), who passed the theory exam, enrolled and not yet scored; and the 1.2 score sheet."""
    from tests.factories import Factory

    w = tenant_world
    seed_score_sheets()
    second = Factory().regulator("320100")
    today = local_today()
    theory_exam(w.person_a, today - timedelta(days=20))
    sitting = sittings.create_sitting(
        title="矩阵实操",
        operation_code="1.2",
        site_name="矩阵考点",
        exam_on=today + timedelta(days=30),
        examiner_ids=[w.regulator_nj.id, second.id],
        actor=w.regulator_nj,
    )
    candidates.add_candidates(sitting, [w.person_a.id], actor=w.regulator_nj)
    attempt = db.session.scalars(sa.select(PracticalAttempt).where(PracticalAttempt.sitting_id == sitting.id)).one()
    return {"practical_sitting_id": sitting.id, "practical_attempt_id": attempt.id, "score_sheet_id": sitting.sheet_id}
