"""Issuing by rule: numbering, validity from the rule table (and the rule of the day each obligation falls due),
refusals with their reasons, results used once, the fraud bar, and who is the 考核发证机关."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.archive.models import ArchiveEvent
from app.certificates import decisions
from app.certificates.issuing import bulk, issuance
from app.certificates.models import (
    Certificate,
    CertificateBasis,
    CertKind,
    CertStatus,
    IssuingDelegation,
    RevocationGround,
)
from app.core.errors import DomainError
from app.exams.models import ExamKind
from app.extensions import db
from app.people.models import Post
from app.rules.models import Rule
from app.tenancy.models import Affiliation
from tests.certificates.world import TRAINED_ON, give_photo, graded_sitting, practical_pass, trained_for
from tests.training.world import trained

TODAY = date(2026, 11, 29)


def test_a_special_operator_certificate_is_numbered_t_plus_id_and_valid_six_years(cw):
    person = cw.persons[0]
    cert = issuance.issue(cw.qualified(person, TODAY), actor=cw.regulator, today=TODAY)
    assert cert.kind is CertKind.SPECIAL_OPERATOR
    assert cert.number == "T" + person.id_number
    assert (cert.category, cert.category_name) == ("1", "电工作业")
    assert (cert.item, cert.item_name) == ("1.2", "低压电工作业")
    assert cert.authority == "南京市应急管理局"
    assert (cert.first_issued_on, cert.valid_from, cert.valid_to) == (TODAY, TODAY, date(2032, 11, 29))
    assert cert.review_due_on is None  # 应急管理部令第19号: no 复审, 换证 at the end of the 6 years
    assert cert.status is CertStatus.VALID
    assert len(cert.verify_code) >= 24
    kinds = db.session.scalars(
        sa.select(ArchiveEvent.kind).where(ArchiveEvent.person_id == person.id).order_by(ArchiveEvent.seq)
    ).all()
    assert kinds[-1] == "certificate.issued"


def test_validity_follows_the_rule_table(cw):
    db.session.execute(sa.update(Rule).where(Rule.key == "cert.validity_years.special_operator").values(value=4))
    cert = issuance.issue(cw.qualified(cw.persons[0], TODAY), actor=cw.regulator, today=TODAY)
    assert cert.valid_to == date(2030, 11, 29)


def test_refusals_carry_their_reasons(cw):
    result = bulk.issue_bulk(cw.sitting, actor=cw.regulator)  # the world's 资格考试 was two days ago
    assert [c.person.name for c in result.issued] == ["王大锤"]
    refused = {o.attempt.person.name: o.refusal.message for o in result.refused}
    assert refused == {"李小红": "未通过该资格考试", "赵铁柱": "未登记本人证件照片"}


def test_a_second_certificate_for_the_same_item_is_refused_but_another_item_is_not(cw):
    person = cw.persons[0]
    issuance.issue(cw.qualified(person, TODAY), actor=cw.regulator, today=TODAY)
    with pytest.raises(DomainError) as refused:
        issuance.issue(cw.qualified(person, TODAY), actor=cw.regulator, today=TODAY)
    assert refused.value.message == f"已持有同一项目的有效证书（证号 T{person.id_number}）"
    trained_for(cw, person, "1.1")
    second = issuance.issue(cw.qualified(person, TODAY, "1.1"), actor=cw.regulator, today=TODAY)
    assert second.number == "T" + person.id_number and second.item_name == "高压电工作业"


def test_after_revocation_the_same_item_can_be_issued_again_keeping_the_first_date(cw):
    person = cw.persons[0]
    attempt = cw.qualified(person, TODAY)
    first = issuance.issue(attempt, actor=cw.regulator, today=TODAY)
    decisions.revoke(first, actor=cw.regulator, reason="身体条件不适合", doc_number="宁应急〔2026〕9号", today=TODAY)
    later = date(2027, 3, 1)
    with pytest.raises(DomainError) as used:  # never again from the result it was issued on
        issuance.issue(attempt, actor=cw.regulator, today=date(2026, 12, 1))
    assert used.value.message == "该考试成绩已用于办理其他证书事项，每份成绩只能使用一次"
    second = issuance.issue(cw.qualified(person, later), actor=cw.regulator, today=later)
    assert second.number == first.number
    assert second.first_issued_on == TODAY and second.valid_from == later


def test_a_certificate_revoked_for_fraud_bars_the_item_for_three_years(cw):
    """30号令 第三十条: obtained by 欺骗、贿赂 → 撤销, and no new application for the item for 3 years."""
    person = cw.persons[0]
    first = issuance.issue(cw.qualified(person, TODAY), actor=cw.regulator, today=TODAY)
    decisions.revoke(
        first,
        actor=cw.regulator,
        reason="冒名顶替参加考试",
        doc_number="宁应急撤〔2026〕9号",
        ground=RevocationGround.FRAUD,
        today=TODAY,
    )
    with pytest.raises(DomainError) as barred:
        issuance.issue(cw.qualified(person, date(2029, 11, 28)), actor=cw.regulator, today=date(2029, 11, 28))
    assert barred.value.message == (
        "该项目的证书曾因以欺骗、贿赂等不正当手段取得（或记载虚假）被撤销，2029-11-29 前不得再次申请"
    )
    trained_for(cw, person, "1.1")  # another item is not barred
    issuance.issue(cw.qualified(person, date(2027, 1, 5), "1.1"), actor=cw.regulator, today=date(2027, 1, 5))
    again = issuance.issue(cw.qualified(person, date(2029, 11, 29)), actor=cw.regulator, today=date(2029, 11, 29))
    assert again.status is CertStatus.VALID


def test_a_theory_result_counts_twelve_months_from_its_grading_and_not_before(cw):
    """安监总培训〔2013〕104号 第十条: a passing score stays valid 12 months."""
    person = cw.persons[0]
    old = cw.qualified(person, date(2025, 11, 1))
    with pytest.raises(DomainError) as expired:
        issuance.issue(old, actor=cw.regulator, today=TODAY)
    assert expired.value.message == "理论考试成绩已超过有效期（12个月），须重新参加理论考试"
    with pytest.raises(DomainError) as not_yet:
        issuance.issue(cw.qualified(person, date(2026, 12, 20)), actor=cw.regulator, today=TODAY)
    assert not_yet.value.code == "cert.theory_expired"


def test_only_the_authority_of_the_region_issues_special_operator_certificates(cw):
    """44号令 第二十条 / DOMAIN.md §2.3: the province, or a city it entrusted; never a district, another city, an
    enterprise or the platform admin."""
    attempt = cw.qualified(cw.persons[0], TODAY)
    district = cw.factory.regulator("320102")
    for user in (cw.other_regulator, district, cw.admin, cw.factory.admin()):
        with pytest.raises(DomainError) as refused:
            issuance.issue(attempt, actor=user, today=TODAY)
        assert refused.value.message == "该账号无权签发“特种作业操作证”"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 0
    province = cw.factory.regulator("320000")
    cert = issuance.issue(attempt, actor=province, today=TODAY)
    assert (cert.authority, cert.region_code) == ("江苏省应急管理厅", "320000")


def test_a_city_without_the_provinces_entrustment_does_not_issue_them(cw):
    db.session.execute(sa.delete(IssuingDelegation))
    with pytest.raises(DomainError) as refused:
        issuance.issue(cw.qualified(cw.persons[0], TODAY), actor=cw.regulator, today=TODAY)
    assert refused.value.code == "cert.not_issuer"


def test_a_manager_certificate_names_post_and_industry_and_lasts_three_years(cw):
    factory = cw.factory
    boss = factory.employ(cw.enterprise, name="钱经理", post=Post.PRINCIPAL, actor=cw.admin).person
    give_photo(boss)
    trained(cw.admin, [boss], hours=48, on=TRAINED_ON, exam_passed=None)  # 高危: 48 学时 初次培训 (3号令 第九条)
    sitting = graded_sitting(cw.enterprise, [(boss, True)], post=Post.PRINCIPAL.value, operation_code="", on=TODAY)
    cert = issuance.issue(cw.attempt_of(boss, sitting), actor=cw.regulator, today=TODAY)
    assert cert.kind is CertKind.MANAGER
    assert (cert.category_name, cert.item_name) == ("主要负责人", "危险化学品")
    assert cert.number == boss.id_number  # the default scheme: the ID number
    assert cert.valid_to == date(2029, 11, 29) and cert.review_due_on is None
    assert cert.authority == "南京市应急管理局"  # a local enterprise's manager: the city examines


def test_a_provincial_enterprises_manager_is_the_provinces_to_certify(cw):
    """44号令 第二十条: 中央/省属 enterprises' 主要负责人/安管 are examined by the province."""
    cw.enterprise.affiliation = Affiliation.PROVINCIAL
    boss = cw.factory.employ(cw.enterprise, name="孙总", post=Post.PRINCIPAL, actor=cw.admin).person
    give_photo(boss)
    trained(cw.admin, [boss], hours=48, on=TRAINED_ON, exam_passed=None)
    sitting = graded_sitting(cw.enterprise, [(boss, True)], post=Post.PRINCIPAL.value, operation_code="", on=TODAY)
    with pytest.raises(DomainError):
        issuance.issue(cw.attempt_of(boss, sitting), actor=cw.regulator, today=TODAY)
    cert = issuance.issue(cw.attempt_of(boss, sitting), actor=cw.factory.regulator("320000"), today=TODAY)
    assert cert.authority == "江苏省应急管理厅"


def test_an_enterprise_issues_training_certificates_for_its_own_training_exam_only(cw):
    person = cw.persons[0]
    training = graded_sitting(
        cw.enterprise, [(person, True)], kind=ExamKind.TRAINING, post="", operation_code="", on=TODAY
    )
    with pytest.raises(DomainError):
        issuance.issue(cw.attempt_of(person, training), actor=cw.regulator, today=TODAY)
    cert = issuance.issue(cw.attempt_of(person, training), actor=cw.admin, today=TODAY)
    assert cert.kind is CertKind.TRAINING
    assert cert.authority == "玄武化工有限公司"
    assert cert.number == f"PX{cw.enterprise.uscc}{TODAY.year}00001"  # the issuer's series for the year
    assert cert.valid_to == date(2027, 11, 29)


def test_a_review_exam_issues_nothing(cw):
    person = cw.persons[0]
    review = graded_sitting(cw.enterprise, [(person, True)], kind=ExamKind.REVIEW, on=TODAY)
    with pytest.raises(DomainError) as refused:
        issuance.issue(cw.attempt_of(person, review), actor=cw.regulator, today=TODAY)
    assert refused.value.code == "cert.not_qualification"


def test_a_special_operator_certificate_needs_a_valid_practical_pass_of_the_item(cw):
    """30号令 and 应急管理部令第19号 alike: theory **and** 实际操作考试, same 操作项目, both valid; each result used once."""
    person = cw.persons[0]
    theory = graded_sitting(cw.enterprise, [(person, True)], on=TODAY - timedelta(days=20))
    attempt = cw.attempt_of(person, theory)
    with pytest.raises(DomainError) as none:
        issuance.issue(attempt, actor=cw.regulator, today=TODAY)
    assert none.value.message == "未通过该操作项目的实际操作考试（或成绩已超过有效期）"
    other = graded_sitting(cw.enterprise, [(person, True)], operation_code="1.1", on=TODAY - timedelta(days=20))
    practical_pass(person, cw.attempt_of(person, other), TODAY - timedelta(days=10))  # another item's 实操
    old = practical_pass(person, attempt, TODAY - timedelta(days=400))  # past its 12 months
    with pytest.raises(DomainError):
        issuance.issue(attempt, actor=cw.regulator, today=TODAY)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 0
    fresh = practical_pass(person, attempt, TODAY - timedelta(days=5))
    cert = issuance.issue(attempt, actor=cw.regulator, today=TODAY)
    (basis,) = db.session.scalars(sa.select(CertificateBasis).where(CertificateBasis.certificate_id == cert.id)).all()
    assert (basis.attempt_id, basis.practical_attempt_id) == (attempt.id, fresh.id) != (attempt.id, old.id)
    assert cert.events[0].detail["practical_score"] == 90.0
    decisions.revoke(cert, actor=cw.regulator, reason="身体条件不适合", doc_number="宁应急〔2026〕9号", today=TODAY)
    second_theory = graded_sitting(cw.enterprise, [(person, True)], on=TODAY)
    with pytest.raises(DomainError) as used:  # the 实操 of the revoked card is not used again
        issuance.issue(cw.attempt_of(person, second_theory), actor=cw.regulator, today=TODAY)
    assert used.value.code == "cert.no_practical"
