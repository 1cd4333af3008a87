"""A small world for certificate tests: 南京市 regulator, enterprise A in 玄武区, candidates of a 资格考试 for
1.2 低压电工作业 with graded attempts (built as rows: the exam engine has its own tests)."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from PIL import Image, ImageDraw

from app.auth.models import User
from app.core.clock import local_today
from app.core.db import utcnow
from app.exams.models import Attempt, AttemptState, ExamKind, Sitting
from app.exams.practical.models import PracticalAttempt, PracticalSitting
from app.extensions import db
from app.people import photos
from app.people.models import Person, Post
from app.tenancy.models import Enterprise
from app.training.models import TrainingType
from tests.factories import Factory, make_id_number
from tests.training.world import trained

#: When the world's operators finished their 初次培训 (before any issue date the tests use).
TRAINED_ON = date(2025, 3, 10)


def photo_bytes(color: tuple[int, int, int] = (90, 140, 200)) -> bytes:
    """A small portrait-shaped PNG: a face-coloured oval on a blue background."""
    image = Image.new("RGB", (250, 350), color)
    ImageDraw.Draw(image).ellipse((60, 60, 190, 230), fill=(230, 200, 170))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def give_photo(person: Person) -> None:
    """Register a photo for ``person`` (issuing refuses a holder without one)."""
    photos.set_photo(person, photo_bytes(), actor=None, max_bytes=10 * 1024 * 1024)


def graded_sitting(
    organiser: Enterprise | None,
    persons_passed: list[tuple[Person, bool]],
    *,
    kind: ExamKind = ExamKind.QUALIFICATION,
    post: str = Post.SPECIAL_OPERATOR.value,
    operation_code: str = "1.2",
    region_code: str = "320102",
    title: str = "低压电工作业 资格考试",
    institution_id: int | None = None,
    on: date | None = None,
) -> Sitting:
    """A closed sitting with graded attempts, held two days ago or on ``on`` (09:00 Beijing time)."""
    now = utcnow() if on is None else datetime.combine(on, time(1, 0)) + timedelta(days=2)
    sitting = Sitting(
        title=title,
        kind=kind,
        subject=f"{kind.value}:{post}:{operation_code}",
        post=post,
        operation_code=operation_code,
        spec={"pass_mark": 80, "sections": []},
        opens_at=now - timedelta(days=2),
        closes_at=now - timedelta(days=1),
        duration_minutes=120,
        enterprise_id=organiser.id if organiser is not None and institution_id is None else None,
        institution_id=institution_id,
        region_code=region_code,
    )
    db.session.add(sitting)
    db.session.flush()
    for person, passed in persons_passed:
        db.session.add(
            Attempt(
                sitting_id=sitting.id,
                person_id=person.id,
                state=AttemptState.GRADED,
                paper={},
                seed=1,
                started_at=now - timedelta(days=2),
                deadline=now - timedelta(days=2) + timedelta(hours=2),
                graded_at=now - timedelta(days=2),
                score=90.0 if passed else 50.0,
                max_score=100.0,
                passed=passed,
            )
        )
    db.session.flush()
    return sitting


def practical_pass(person: Person, theory: Attempt, on: date, score: float = 90.0) -> PracticalAttempt:
    """A passed 实际操作考试 of ``theory``'s 操作项目 on ``on``, built as rows (the practical exam has its own tests):
    a 特种作业操作证 needs it beside the theory result."""
    sitting = PracticalSitting(
        title=f"{theory.sitting.operation_code} 实操考试",
        operation_code=theory.sitting.operation_code,
        items=[{"code": "K1", "name": "安全操作", "max": 100, "critical": False}],
        max_score=100,
        pass_mark=80,
        examiners_required=2,
        site_name="南京实操考点",
        exam_on=on,
        region_code=theory.sitting.region_code,
    )
    db.session.add(sitting)
    db.session.flush()
    attempt = PracticalAttempt(
        sitting_id=sitting.id,
        person_id=person.id,
        operation_code=sitting.operation_code,
        exam_on=on,
        theory_attempt_id=theory.id,
        attempt_no=1 + db.session.query(PracticalAttempt).filter_by(theory_attempt_id=theory.id).count(),
        signatures=2,
        score=score,
        max_score=100,
        passed=score >= 80,
        vetoed=False,
        graded_at=datetime.combine(on, time(8)),
    )
    db.session.add(attempt)
    db.session.flush()
    return attempt


@dataclass
class CertWorld:
    factory: Factory
    enterprise: Enterprise
    other_enterprise: Enterprise
    admin: User
    regulator: User  # 南京市
    other_regulator: User  # 苏州市
    persons: list[Person]
    sitting: Sitting
    extra: dict = field(default_factory=dict)

    def attempt_of(self, person: Person, sitting: Sitting | None = None) -> Attempt:
        sitting = sitting or self.sitting
        return db.session.query(Attempt).filter_by(sitting_id=sitting.id, person_id=person.id).one()

    def qualified(self, person: Person, issue_day: date, operation_code: str = "1.2") -> Attempt:
        """A passed 资格考试 of ``person`` graded five days before ``issue_day`` (a score is valid 12 months from
        its grading, and not before it), and a passed 实操 three days later: for tests that issue on a fixed day."""
        sitting = graded_sitting(
            self.enterprise, [(person, True)], operation_code=operation_code, on=issue_day - timedelta(days=5)
        )
        theory = self.attempt_of(person, sitting)
        practical_pass(person, theory, issue_day - timedelta(days=2))
        return theory


def build_cert_world(factory: Factory) -> CertWorld:
    nj = factory.jurisdiction("320100", "南京市")
    factory.entrust("320100")  # 江苏省应急管理厅 entrusts 南京市应急管理局 with 特种作业操作证
    factory.jurisdiction("320102", "玄武区", parent=nj)
    factory.jurisdiction("320500", "苏州市")
    enterprise = factory.enterprise(name="玄武化工有限公司", region="320102")
    other = factory.enterprise(name="虎丘烟花有限公司", region="320505")
    admin = factory.enterprise_admin(enterprise)
    persons = []
    for name, birth, seq in (
        ("王大锤", date(1980, 3, 1), 11),
        ("李小红", date(1990, 7, 9), 22),
        ("赵铁柱", date(1975, 1, 5), 31),
    ):
        person = factory.employ(
            enterprise,
            name=name,
            post=Post.SPECIAL_OPERATOR,
            operation_code="1.2",
            id_number=make_id_number("320102", birth, seq),
            actor=admin,
        ).person
        persons.append(person)
    for person in persons[:2]:
        give_photo(person)
    # the 初次培训 the 特种作业操作证 needs (issuing checks it: a completed class of the 操作项目)
    trained(admin, persons, operation_code="1.2", on=TRAINED_ON, exam_passed=None, title="低压电工作业 初次培训")
    sitting = graded_sitting(enterprise, [(persons[0], True), (persons[1], False), (persons[2], True)])
    for person in (persons[0], persons[2]):  # the 实操 after their theory pass (a 特种作业操作证 needs both)
        theory = db.session.query(Attempt).filter_by(sitting_id=sitting.id, person_id=person.id).one()
        practical_pass(person, theory, local_today() - timedelta(days=1))
    world = CertWorld(
        factory=factory,
        enterprise=enterprise,
        other_enterprise=other,
        admin=admin,
        regulator=factory.regulator("320100"),
        other_regulator=factory.regulator("320500"),
        persons=persons,
        sitting=sitting,
    )
    return world


def trained_for(world: CertWorld, person: Person, operation_code: str) -> None:
    """A completed 初次培训 class of another 操作项目 (a second 特种作业操作证 needs its own)."""
    trained(world.admin, [person], operation_code=operation_code, on=TRAINED_ON, exam_passed=None)


def review_trained(world: CertWorld, person: Person, on: date, hours: float = 8) -> None:
    """复审培训 of ``hours`` 学时 finished on ``on``: 复审 and 延期复审 need 8 in the year before (30号令 第二十三条)."""
    trained(
        world.admin,
        [person],
        hours=hours,
        training_type=TrainingType.REVIEW,
        operation_code="1.2",
        on=on,
        exam_passed=None,
        title=f"复审培训 {on}",
    )


def factory_entrust(tenant_world) -> None:
    """The tenant world's 南京市 regulator issues 特种作业操作证 on the province's entrustment."""
    from tests.factories import Factory

    Factory().entrust("320100")


def objects_for_access_matrix(tenant_world) -> dict:
    """Person A's 特种作业操作证, issued by the 南京市 regulator on a 资格考试 of enterprise A (on 江苏省's entrustment,
    whose row is A's too), and enterprise A's admin's ZIP bundle of it."""
    from app.certificates.issuing import issuance

    w = tenant_world
    factory_entrust(w)
    give_photo(w.person_a)
    trained(w.admin_a, [w.person_a], operation_code="1.2", on=TRAINED_ON, exam_passed=None)
    sitting = graded_sitting(w.ent_a, [(w.person_a, True)])
    attempt = db.session.query(Attempt).filter_by(sitting_id=sitting.id, person_id=w.person_a.id).one()
    practical_pass(w.person_a, attempt, local_today() - timedelta(days=1))
    cert = issuance.issue(attempt, actor=w.regulator_nj)
    from app.certificates import bundles

    bundle, _new = bundles.request_bundle(w.admin_a, scope="enterprise", ref=str(w.ent_a.id))  # A's ZIP (not built)
    from app.certificates.models import IssuingDelegation

    delegation = db.session.query(IssuingDelegation).filter_by(region_code="320100").one()  # 江苏省 → 南京市
    return {"cert_id": cert.id, "bundle_id": bundle.id, "delegation_id": delegation.id}
