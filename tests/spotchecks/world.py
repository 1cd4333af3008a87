"""A small 逢查必考 world: a bank and a 10-question template, an enterprise with a roster, regulators."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from app.auth.ownership import OwnerScope
from app.bank.models import Bank, BankQuestion, PaperTemplate
from app.core.db import utcnow
from app.extensions import db
from app.people.models import EmploymentType, Post
from app.spotchecks import inspections, tickets
from app.tenancy.models import Industry
from question_bank import PaperSpec, Question, QuestionType, Section, Tags

TOPICS = ("重大事故隐患判定标准", "主要负责人职责", "应急处置")


def forget_question_indexes() -> None:
    """Drop the per-process question indexes (keyed by bank id and revision, both of which restart per test)."""
    from app.bank import queries

    with queries._lock:
        queries._cache.clear()


def make_bank() -> tuple[Bank, PaperTemplate]:
    """30 判断 and 30 单选 over the three spot-check topics; the correct answer is always the first option."""
    bank = Bank(name="逢查必考测试题库", scope=OwnerScope.NATIONAL)
    db.session.add(bank)
    db.session.flush()
    for i in range(60):
        topic = TOPICS[i % 3]
        industry = ["hazchem", "general"] if topic == TOPICS[0] else ["general"]
        if i < 30:
            q = Question(
                key=f"tf{i:02d}",
                type=QuestionType.TRUE_FALSE,
                stem=f"判断题{i}：{topic}",
                answer=(0,),
                tags=Tags(topic=topic, industry=industry, post=["principal"]),
            )
        else:
            q = Question(
                key=f"sc{i:02d}",
                type=QuestionType.SINGLE,
                stem=f"单选题{i}：{topic}",
                options=("甲", "乙", "丙", "丁"),
                answer=(0,),
                tags=Tags(topic=topic, industry=industry, post=["principal"]),
            )
        db.session.add(BankQuestion.from_question(q, bank_id=bank.id))
    spec = PaperSpec(
        title="逢查必考",
        time_limit_minutes=10,
        pass_mark=80,
        sections=(
            Section("判断题", QuestionType.TRUE_FALSE, 4, 10),
            Section("单选题", QuestionType.SINGLE, 6, 10, filters={"topics": list(TOPICS)}),
        ),
    )
    template = PaperTemplate(
        name="逢查必考（10题）",
        scope=OwnerScope.NATIONAL,
        spec=spec.to_dict(),
        bank_ids=[bank.id],
        allow_review=True,
        allow_makeup=True,
    )
    db.session.add(template)
    db.session.flush()
    return bank, template


@dataclass
class World:
    factory: object
    regulator: object = None
    other_regulator: object = None
    enterprise: object = None
    other_enterprise: object = None
    enterprise_admin: object = None
    template: object = None
    people: dict = field(default_factory=dict)  # name → Person

    @classmethod
    def build(cls, factory, *, principals: int = 1, managers: int = 3, operators: int = 4, workers: int = 6) -> World:
        w = cls(factory)
        w.regulator = factory.regulator("320100")
        w.other_regulator = factory.regulator("320500")
        w.enterprise = factory.enterprise(name="金陵化工有限公司", region="320102", industry=Industry.HAZCHEM)
        w.other_enterprise = factory.enterprise(
            name="苏州机械有限公司", region="320505", industry=Industry.MANUFACTURING
        )
        w.enterprise_admin = factory.enterprise_admin(w.enterprise)
        _bank, w.template = make_bank()
        types = [EmploymentType.REGULAR, EmploymentType.DISPATCHED, EmploymentType.FLEXIBLE]
        for post, count, stem in (
            (Post.PRINCIPAL, principals, "负责"),
            (Post.SAFETY_MANAGER, managers, "安管"),
            (Post.SPECIAL_OPERATOR, operators, "特种"),
            (Post.WORKER, workers, "员工"),
        ):
            for i in range(count):
                name = f"{stem}{'甲乙丙丁戊己庚辛壬癸'[i]}"
                employment = factory.employ(
                    w.enterprise,
                    name=name,
                    post=post,
                    employment_type=types[i % 3] if post is Post.WORKER else EmploymentType.REGULAR,
                )
                w.people[name] = employment.person
        factory.employ(w.other_enterprise, name="外地员工", post=Post.PRINCIPAL)
        return w

    def data(self, **overrides) -> inspections.InspectionData:
        values = {
            "inspected_on": date.today(),
            "inspectors": "李明、王强",
            "doc_number": "（宁）应急检〔2025〕12号",
            "template": self.template,
            "rule": {"principal": 1, "safety_manager": 2, "special_operator": 2, "worker": 3},
            "window_minutes": 60,
            "time_limit_minutes": 10,
            "pass_mark": 80,
        }
        values.update(overrides)
        return inspections.InspectionData(**values)

    def open(self, *, now: datetime | None = None, seed: int = 42, **overrides):
        return inspections.open_inspection(
            self.data(**overrides), self.enterprise, actor=self.regulator, now=now or utcnow(), seed=seed
        )


def answer_all(ticket, *, correct: int, now: datetime | None = None) -> None:
    """Answer every question of the ticket's attempt: the first ``correct`` right, the rest wrong."""
    from app.spotchecks import engine

    now = now or utcnow()
    attempt = ticket.attempt
    for pos, item in enumerate(attempt.paper["items"]):
        order = item["option_order"] or list(range(len(item["question"]["options"])))
        right = order.index(item["question"]["answer"][0])
        engine.save_answer(
            attempt, pos, [right if pos < correct else (right + 1) % len(order)], seq=1, now=now + timedelta(seconds=1)
        )


def claim(ticket, *, device: str = "device-1", now: datetime | None = None):
    """Confirm identity correctly and start the attempt, as the phone page does."""
    now = now or utcnow()
    person = ticket.person
    tickets.confirm_identity(ticket, name=person.name, id_number=person.id_number, device=device, now=now)
    return tickets.start_ticket_attempt(ticket, ip="10.0.0.1", user_agent="pytest-phone", now=now)


def objects_for_access_matrix(tenant_world) -> dict[str, int]:
    """An open inspection (with a ticket) and a closed one (with a finding) of tenant A, for tests/test_access_matrix."""
    forget_question_indexes()
    _bank, template = make_bank()
    data = inspections.InspectionData(
        inspected_on=date.today(),
        inspectors="甲、乙",
        doc_number="矩阵〔2025〕1号",
        template=template,
        rule={"worker": 1},
        window_minutes=60,
        time_limit_minutes=10,
        pass_mark=80,
    )
    ent, regulator = tenant_world.ent_a, tenant_world.regulator_nj
    closed = inspections.open_inspection(data, ent, actor=regulator, now=utcnow(), seed=1)
    [finding] = inspections.close_inspection(closed, actor=regulator)
    inspection = inspections.open_inspection(data, ent, actor=regulator, now=utcnow(), seed=2)
    return {"inspection_id": inspection.id, "ticket_id": inspection.active_tickets[0].id, "finding_id": finding.id}
