"""Issuing by rule: numbering, validity from the rule table, refusals with their reasons, who may issue."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from app.archive.models import ArchiveEvent
from app.certificates import issuing, lifecycle
from app.certificates.models import Certificate, CertKind, CertStatus
from app.core.errors import DomainError
from app.exams.models import ExamKind
from app.extensions import db
from app.people.models import Post
from app.rules.models import Rule
from tests.certificates.world import TRAINED_ON, give_photo, graded_sitting, trained_for
from tests.training.world import trained

TODAY = date(2026, 11, 29)


def test_a_special_operator_certificate_is_numbered_t_plus_id_and_valid_six_years(cw):
    person = cw.persons[0]
    cert = issuing.issue(cw.attempt_of(person), actor=cw.regulator, today=TODAY)
    assert cert.kind is CertKind.SPECIAL_OPERATOR
    assert cert.number == "T" + person.id_number
    assert (cert.category, cert.category_name) == ("1", "电工作业")
    assert (cert.item, cert.item_name) == ("1.2", "低压电工作业")
    assert cert.authority == "南京市应急管理局"
    assert (cert.first_issued_on, cert.valid_from, cert.valid_to) == (TODAY, TODAY, date(2032, 11, 29))
    assert cert.review_due_on == date(2029, 11, 29)
    assert cert.status is CertStatus.VALID
    assert len(cert.verify_code) >= 24
    kinds = db.session.scalars(sa.select(ArchiveEvent.kind).where(ArchiveEvent.person_id == person.id)).all()
    assert kinds[-1] == "certificate.issued"


def test_validity_follows_the_rule_table(cw):
    db.session.execute(sa.update(Rule).where(Rule.key == "cert.validity_years.special_operator").values(value=4))
    cert = issuing.issue(cw.attempt_of(cw.persons[0]), actor=cw.regulator, today=TODAY)
    assert cert.valid_to == date(2030, 11, 29)


def test_refusals_carry_their_reasons(cw):
    result = issuing.issue_bulk(cw.sitting, actor=cw.regulator, today=TODAY)
    assert [c.person.name for c in result.issued] == ["王大锤"]
    refused = {o.attempt.person.name: o.refusal.message for o in result.refused}
    assert refused == {"李小红": "未通过该资格考试", "赵铁柱": "未登记本人证件照片"}


def test_a_second_certificate_for_the_same_item_is_refused_but_another_item_is_not(cw):
    person = cw.persons[0]
    issuing.issue(cw.attempt_of(person), actor=cw.regulator, today=TODAY)
    again = graded_sitting(cw.enterprise, [(person, True)])
    with pytest.raises(DomainError) as refused:
        issuing.issue(cw.attempt_of(person, again), actor=cw.regulator, today=TODAY)
    assert refused.value.message == f"已持有同一项目的有效证书（证号 T{person.id_number}）"
    trained_for(cw, person, "1.1")
    other_item = graded_sitting(cw.enterprise, [(person, True)], operation_code="1.1")
    second = issuing.issue(cw.attempt_of(person, other_item), actor=cw.regulator, today=TODAY)
    assert second.number == "T" + person.id_number and second.item_name == "高压电工作业"


def test_after_revocation_the_same_item_can_be_issued_again_keeping_the_first_date(cw):
    person = cw.persons[0]
    first = issuing.issue(cw.attempt_of(person), actor=cw.regulator, today=TODAY)
    lifecycle.revoke(first, actor=cw.regulator, reason="弄虚作假", doc_number="宁应急〔2026〕9号", today=TODAY)
    later = date(2027, 3, 1)
    again = graded_sitting(cw.enterprise, [(person, True)])
    second = issuing.issue(cw.attempt_of(person, again), actor=cw.regulator, today=later)
    assert second.number == first.number
    assert second.first_issued_on == TODAY and second.valid_from == later


def test_only_a_regulator_of_the_region_issues_special_operator_certificates(cw):
    attempt = cw.attempt_of(cw.persons[0])
    for user in (cw.other_regulator, cw.admin, cw.factory.admin()):
        with pytest.raises(DomainError) as refused:
            issuing.issue(attempt, actor=user, today=TODAY)
        assert refused.value.message == "该账号无权签发“特种作业操作证”"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 0


def test_a_manager_certificate_names_post_and_industry_and_lasts_three_years(cw):
    factory = cw.factory
    boss = factory.employ(cw.enterprise, name="钱经理", post=Post.PRINCIPAL, actor=cw.admin).person
    give_photo(boss)
    trained(cw.admin, [boss], hours=48, on=TRAINED_ON, exam_passed=None)  # 高危: 48 学时 初次培训 (3号令 第九条)
    sitting = graded_sitting(cw.enterprise, [(boss, True)], post=Post.PRINCIPAL.value, operation_code="")
    cert = issuing.issue(cw.attempt_of(boss, sitting), actor=cw.regulator, today=TODAY)
    assert cert.kind is CertKind.MANAGER
    assert (cert.category_name, cert.item_name) == ("主要负责人", "危险化学品")
    assert cert.number == boss.id_number  # the default scheme: the ID number
    assert cert.valid_to == date(2029, 11, 29) and cert.review_due_on is None


def test_an_enterprise_issues_training_certificates_for_its_own_training_exam_only(cw):
    person = cw.persons[0]
    training = graded_sitting(cw.enterprise, [(person, True)], kind=ExamKind.TRAINING, post="", operation_code="")
    with pytest.raises(DomainError):
        issuing.issue(cw.attempt_of(person, training), actor=cw.regulator, today=TODAY)
    cert = issuing.issue(cw.attempt_of(person, training), actor=cw.admin, today=TODAY)
    assert cert.kind is CertKind.TRAINING
    assert cert.authority == "玄武化工有限公司"
    assert cert.number == f"PX{cw.enterprise.uscc}{TODAY.year}00001"  # the issuer's series for the year
    assert cert.valid_to == date(2027, 11, 29)


def test_a_review_exam_issues_nothing(cw):
    person = cw.persons[0]
    review = graded_sitting(cw.enterprise, [(person, True)], kind=ExamKind.REVIEW)
    with pytest.raises(DomainError) as refused:
        issuing.issue(cw.attempt_of(person, review), actor=cw.regulator, today=TODAY)
    assert refused.value.code == "cert.not_qualification"
