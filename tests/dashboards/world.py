"""A world for the dashboards: the two-city tenant world (``tests/people/world.py``) with something in every
figure, built as rows (each domain tests its own services):

enterprise A (玄武区 320102, 危险化学品, 高危)
  - 4 special operators of 1.2: one holding a valid card, one whose card is due in 30 days, one whose card lapsed
    40 days ago, one whose card is 暂扣; a safety manager appointed in 2024 without a 合格证 (past 6 months)
  - first attempts at a 资格考试 (2 passed, 1 failed, and that one's 补考 passed: not a first attempt), 实操 (1 of 2)
  - a closed inspection this month: 3 graded tickets, 1 failed with an open finding past its deadline
  - a flagged snapshot awaiting 复核; a gate override
enterprise B (江宁区 320115, 工贸): a special operator without a card, an inspection last month (1 of 1 passed)
enterprise C (虎丘区 320505, 苏州): a special operator with a valid card (another city: the 南京 regulator never sees it)
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from app.archive.services import record_event
from app.certificates.models import Certificate, CertKind, CertStatus
from app.core.clock import local_today
from app.core.db import utcnow
from app.dashboards.window import add_months
from app.exams.models import Attempt, ExamKind, Sitting
from app.exams.practical.models import PracticalAttempt, PracticalSitting
from app.extensions import db
from app.people.models import Employment, Person, Post, Snapshot, SnapshotContext
from app.spotchecks.models import Finding, FindingState, Inspection, InspectionState, SpotCheckTicket, TicketState
from app.tenancy.models import Enterprise, Industry
from tests.certificates.world import graded_sitting
from tests.factories import Factory
from tests.people.world import World, build_world

_serial = itertools.count(1)


def certificate(person: Person, *, valid_to: date, status=CertStatus.VALID, item="1.2", region="320102") -> Certificate:
    n = next(_serial)
    cert = Certificate(
        kind=CertKind.SPECIAL_OPERATOR,
        number=f"T{n:017d}",
        person_id=person.id,
        category=item.split(".")[0],
        category_name="电工作业",
        item=item,
        item_name="低压电工作业",
        authority="南京市应急管理局",
        region_code=region,
        first_issued_on=valid_to - timedelta(days=6 * 365),
        valid_from=valid_to - timedelta(days=6 * 365),
        valid_to=valid_to,
        status=status,
        verify_code=f"v{n:031d}",
    )
    db.session.add(cert)
    db.session.flush()
    return cert


def inspection(enterprise: Enterprise, regulator, on: date, results: list[tuple[Person, bool]]) -> Inspection:
    """A closed inspection of ``enterprise`` on ``on`` with graded tickets; a finding for each failure."""
    sitting = Sitting(
        title="逢查必考",
        kind=ExamKind.SPOTCHECK,
        spec={"pass_mark": 80, "sections": []},
        opens_at=datetime.combine(on, time(1)),
        closes_at=datetime.combine(on, time(3)),
        duration_minutes=10,
        region_code=enterprise.region_code,
    )
    db.session.add(sitting)
    db.session.flush()
    ins = Inspection(
        regulator_id=regulator.id,
        enterprise_id=enterprise.id,
        inspected_on=on,
        inspectors="甲、乙",
        doc_number=f"宁应急检〔2026〕{next(_serial)}号",
        sample_rule={"worker": len(results)},
        seed=1,
        status=InspectionState.CLOSED,
        sitting_id=sitting.id,
    )
    db.session.add(ins)
    db.session.flush()
    for person, passed in results:
        n = next(_serial)
        ticket = SpotCheckTicket(
            inspection_id=ins.id,
            person_id=person.id,
            post="worker",
            reason="sampled",
            token_hash=f"t{n:063d}",
            code_hash=f"c{n:063d}",
            secret_enc=b"x",
            status=TicketState.DONE,
            answered=True,
            score=90.0 if passed else 50.0,
            max_score=100.0,
            passed=passed,
            graded_at=datetime.combine(on, time(2)),
        )
        db.session.add(ticket)
        db.session.flush()
        if not passed:
            db.session.add(
                Finding(
                    inspection_id=ins.id,
                    enterprise_id=enterprise.id,
                    person_id=person.id,
                    ticket_id=ticket.id,
                    deadline=on + timedelta(days=15),
                    action="重新培训并补考",
                    status=FindingState.OPEN,
                )
            )
    db.session.flush()
    return ins


@dataclass
class DashWorld:
    w: World
    factory: Factory
    today: date
    operators: list[Employment]
    manager: Employment
    operator_b: Employment
    operator_c: Employment


def build(factory: Factory) -> DashWorld:
    w = build_world(factory)
    today = local_today()
    a, b, c = w.ent_a, w.ent_b, w.ent_c
    b.industry = Industry.MANUFACTURING
    ops = [factory.employ(a, name=f"电工{i}", post=Post.SPECIAL_OPERATOR, operation_code="1.2") for i in range(4)]
    certificate(ops[0].person, valid_to=today + timedelta(days=2000))
    certificate(ops[1].person, valid_to=today + timedelta(days=30))
    certificate(ops[2].person, valid_to=today - timedelta(days=40))
    certificate(ops[3].person, valid_to=today + timedelta(days=1500), status=CertStatus.SUSPENDED)
    manager = factory.employ(a, name="安全员老钱", post=Post.SAFETY_MANAGER)  # appointed 2024-01-01, no 合格证
    operator_b = factory.employ(b, name="焊工小周", post=Post.SPECIAL_OPERATOR, operation_code="1.2")
    operator_c = factory.employ(c, name="苏州电工", post=Post.SPECIAL_OPERATOR, operation_code="1.2")
    certificate(operator_c.person, valid_to=today + timedelta(days=900), region="320505")

    # theory: a 资格考试 last week (2 passed, 1 failed), and the failed one's 补考 (same subject: not first)
    week_ago = today - timedelta(days=7)
    sitting = graded_sitting(
        None, [(ops[0].person, True), (ops[1].person, True), (ops[2].person, False)], region_code="3201", on=week_ago
    )
    graded_sitting(
        None, [(ops[2].person, True)], kind=ExamKind.MAKEUP, region_code="3201", on=today - timedelta(days=3)
    ).subject = sitting.subject
    # practical: two first attempts (one passed)
    practical = PracticalSitting(
        title="低压电工 实操",
        operation_code="1.2",
        items=[],
        max_score=100,
        pass_mark=80,
        examiners_required=2,
        site_name="实操考点",
        exam_on=week_ago,
        region_code="320100",
    )
    db.session.add(practical)
    db.session.flush()
    theory = {a_.person_id: a_ for a_ in db.session.query(Attempt).filter(Attempt.sitting_id == sitting.id)}
    for emp, passed in ((ops[0], True), (ops[1], False)):
        db.session.add(
            PracticalAttempt(
                sitting_id=practical.id,
                person_id=emp.person_id,
                operation_code="1.2",
                exam_on=week_ago,
                theory_attempt_id=theory[emp.person_id].id,
                attempt_no=1,
                signatures=2,
                score=85.0 if passed else 60.0,
                max_score=100.0,
                passed=passed,
                graded_at=datetime.combine(week_ago, time(8)),
            )
        )
    # 逢查必考: A this month (3 graded, one failure → an open finding, past its deadline when the month is old
    # enough; the deadline is set 15 days after), B last month
    this_month = today.replace(day=1)
    ins_a = inspection(
        a, w.regulator_nj, this_month, [(ops[0].person, True), (ops[1].person, True), (ops[2].person, False)]
    )
    finding = db.session.query(Finding).filter_by(inspection_id=ins_a.id).one()
    finding.deadline = today - timedelta(days=1)
    inspection(b, w.regulator_nj, add_months(today, -1) + timedelta(days=3), [(operator_b.person, True)])
    # integrity: a flagged snapshot of ops[0] awaiting 复核, and a gate override of ops[1]
    db.session.add(
        Snapshot(
            person_id=ops[0].person_id,
            context=SnapshotContext.LESSON,
            ref_id=1,
            storage_key="snapshots/x.jpg",
            sha256="0" * 64,
            needs_review=True,
            taken_at=utcnow() - timedelta(hours=2),
        )
    )
    record_event(
        ops[1].person_id,
        "exam.gate_overridden",
        {
            "sitting": sitting.id,
            "title": sitting.title,
            "exam_kind": "qualification",
            "refused_because": "学时不足",
            "reason": "补训安排",
        },
        actor=None,
    )
    factory.commit()
    return DashWorld(w, factory, today, ops, manager, operator_b, operator_c)


def payload(event) -> dict:
    return json.loads(event.payload)


def objects_for_access_matrix(w: World) -> dict[str, int]:
    """Tenant A's records of this package: an institution of 玄武区 (320102) with a complaint and its document, and
    a 退出 recommendation for person A after two failed 逢查必考 at enterprise A."""
    from app.dashboards import complaints, exits
    from app.dashboards.models import ComplaintSource

    factory = Factory()
    institution = factory.institution("320102")
    complaint = complaints.record(
        institution, source=ComplaintSource.HOTLINE, received_on=local_today(), summary="代学", actor=w.regulator_nj
    )
    document = complaints.add_document(complaint, b"%PDF-1.4 matrix", "工单.pdf", actor=w.regulator_nj)
    today = local_today()
    inspection(w.ent_a, w.regulator_nj, today - timedelta(days=60), [(w.person_a, False)])
    inspection(w.ent_a, w.regulator_nj, today - timedelta(days=5), [(w.person_a, False)])
    [item] = exits.recommend(today)
    return {
        "institution_id": institution.id,
        "complaint_id": complaint.id,
        "document_id": document.id,
        "exit_id": item.id,
    }
