"""培训合格证明 for a completed class: who may have one and why not, who issues it, its number, the card (text and QR),
the public page, the lifecycle that applies (revocation; no 复审), the pages; and the 学时 check on the 特种作业操作证
path (issuing.training_hours_shortfall, with the exam gate's logged override)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.archive.models import ArchiveEvent
from app.auth.models import Role
from app.certificates import class_certificates, decisions, rendering, renewals
from app.certificates.issuing import bulk, issuance, numbering
from app.certificates.models import Certificate, CertKind, CertStatus
from app.core.errors import DomainError
from app.exams import sittings
from app.exams.gates import GateOverride
from app.exams.models import ExamKind
from app.extensions import db
from app.people.models import Person, Post
from app.training import classes
from app.training.models import Enrolment, TrainingType
from tests.certificates.test_pdf import png_of, text_of, zxingcpp
from tests.certificates.world import give_photo, graded_sitting, practical_pass
from tests.factories import make_id_number
from tests.training.world import attend, pass_class_exam, trained

TODAY = date(2026, 11, 29)
ENDED = date(2026, 11, 20)


@pytest.fixture
def cls(cw):
    """An institution's 16-学时 初次培训 class of 1.2: 王大锤 completed it; 李小红 is 8 学时 short (exam passed);
    赵铁柱 has the hours but failed the class exam."""
    institution = cw.factory.institution("320102")
    organiser = cw.factory.user(Role.INSTITUTION, institution_id=institution.id)
    wang, li, zhao = cw.persons
    training_class = trained(organiser, [wang, zhao], hours=16, operation_code="1.2", on=ENDED, exam_passed=None)
    classes.enrol(training_class, [li.id], actor=organiser)
    attend(training_class, li, ENDED, 360, organiser, label="上午")
    pass_class_exam(training_class, [wang, li])
    pass_class_exam(training_class, [zhao], passed=False)
    cw.extra.update(institution=institution, organiser=organiser)
    db.session.commit()
    return training_class


def test_only_a_completed_trainee_is_issued_and_the_others_are_told_why(cw, cls):
    organiser = cw.extra["organiser"]
    wang, li, zhao = cw.persons
    refusals = {o.person.name: o.refusal and o.refusal.message for o in class_certificates.preview(cls)}
    assert refusals == {
        "王大锤": None,
        "李小红": "未结业：学时不足（要求 16 学时，还差 8 学时）",
        "赵铁柱": "未结业：班次考试未通过",
    }
    cert = class_certificates.issue(cls, wang, actor=organiser, today=TODAY)
    assert cert.kind is CertKind.TRAINING and cert.training_class_id == cls.id
    with pytest.raises(DomainError) as twice:
        class_certificates.issue(cls, wang, actor=organiser, today=TODAY)
    assert twice.value.message == f"已为该班次签发过培训合格证明（证号 {cert.number}，有效）"
    with pytest.raises(DomainError) as short:
        class_certificates.issue(cls, li, actor=organiser, today=TODAY)
    assert short.value.code == "cert.class_hours_short" and "还差 8 学时" in short.value.message
    with pytest.raises(DomainError) as failed:
        class_certificates.issue(cls, zhao, actor=organiser, today=TODAY)
    assert failed.value.code == "cert.class_exam_failed"


def test_short_hours_and_no_exam_are_both_named(cw, cls):
    late = cw.factory.employ(cw.enterprise, name="孙晚到", actor=cw.admin).person
    classes.enrol(cls, [late.id], actor=cw.extra["organiser"])
    (outcome,) = class_certificates.preview(cls, Enrolment.person_id == late.id)
    assert outcome.refusal.message == "未结业：学时不足（要求 16 学时，还差 16 学时）；未参加班次考试"


def test_the_issuer_is_the_organiser_named_on_the_card_and_numbers_follow_its_series(cw, cls):
    organiser, institution = cw.extra["organiser"], cw.extra["institution"]
    wang, li, _zhao = cw.persons
    for outsider in (cw.regulator, cw.admin):  # a regulator issues no 培训合格证明; the enterprise did not run it
        with pytest.raises(DomainError) as refused:
            class_certificates.issue(cls, wang, actor=outsider, today=TODAY)
        assert refused.value.code == "cert.not_issuer"
    first = class_certificates.issue(cls, wang, actor=organiser, today=TODAY)
    attend(cls, li, ENDED - timedelta(days=1), 360, organiser, label="下午")  # 8 学时 a day at most
    (second,) = class_certificates.issue_bulk(cls, actor=organiser, today=TODAY).issued  # everyone completed, once
    assert second.person_id == li.id
    assert (first.authority, first.institution_id, first.enterprise_id) == (institution.name, institution.id, None)
    assert [first.number, second.number] == [f"PX{institution.uscc}2026{n:05d}" for n in (1, 2)]
    assert (first.valid_from, first.valid_to, first.review_due_on) == (TODAY, date(2027, 11, 29), None)
    assert first.facts == {
        "training_type": "初次培训",
        "mode": "面授",
        "class_title": cls.title,
        "course": cls.course.title,
        "course_version": 1,
        "post": "",
        "hours": "16",
        "required_hours": "16",
        "starts_on": "2026-11-18",
        "ends_on": "2026-11-20",
        "organiser": institution.name,
    }
    kinds = db.session.scalars(
        sa.select(ArchiveEvent.kind).where(ArchiveEvent.person_id == li.id).order_by(ArchiveEvent.seq)
    ).all()
    assert kinds[-2:] == ["training.completed", "certificate.issued"]  # 结业, then 发证
    assert numbering.next_serial(f"training:{institution.uscc}:2027") == 1  # a new year starts a new series


def test_no_photo_is_needed_and_the_card_shows_the_training_and_a_qr_to_the_public_page(app, cw, cls, tmp_path):
    organiser, institution = cw.extra["organiser"], cw.extra["institution"]
    wang = cw.persons[0]
    db.session.execute(sa.update(Person).where(Person.id == wang.id).values(photo_key=None))
    db.session.expire_all()
    cert = class_certificates.issue(cls, wang, actor=organiser, today=TODAY)
    pdf = rendering.render(cert)
    text = text_of(pdf)
    for expected in (
        "培训合格证明",
        "王大锤",
        wang.id_masked,
        "初次培训",
        cls.course.title,
        "16 学时（要求 16 学时）",
        "2026年11月18日 至 2026年11月20日",
        "2026年11月29日 至 2027年11月29日",
        institution.name,
        cert.number,
    ):
        assert expected in text, expected
    assert wang.id_number not in text and "应复审日期" not in text
    image = png_of(pdf, tmp_path)
    assert [r.text for r in zxingcpp.read_barcodes(image)] == [f"{app.config['PUBLIC_BASE_URL']}/v/{cert.verify_code}"]


def test_a_batch_of_mixed_kinds_renders_each_with_its_own_card(cw, cls):
    operator_cert = issuance.issue(cw.qualified(cw.persons[0], TODAY), actor=cw.regulator, today=TODAY)
    training_cert = class_certificates.issue(cls, cw.persons[0], actor=cw.extra["organiser"], today=TODAY)
    first, second, third = rendering.render_many([training_cert, operator_cert, training_cert])
    assert "培训合格证明" in text_of(first) and "中华人民共和国特种作业操作证" in text_of(second)
    assert text_of(third) == text_of(first)


def test_the_public_page_shows_it_masked(client, cw, cls):
    cert = class_certificates.issue(cls, cw.persons[0], actor=cw.extra["organiser"], today=TODAY)
    db.session.commit()
    html = client.get(f"/v/{cert.verify_code}").get_data(as_text=True)
    for shown in (
        "培训合格证明",
        'data-testid="verify-status">有效<',
        "王*锤",
        cw.persons[0].id_masked,
        "培训类型",
        "初次培训",
        cls.course.title,
        'data-field="hours">16<',
        "2026-11-18 – 2026-11-20",
        cw.extra["institution"].name,
        numbering.masked_number(cert.number),
    ):
        assert shown in html, shown
    assert "王大锤" not in html and cw.persons[0].id_number not in html and cert.number not in html


def test_the_issuer_revokes_it_and_there_is_no_review(cw, cls):
    organiser = cw.extra["organiser"]
    cert = class_certificates.issue(cls, cw.persons[0], actor=organiser, today=TODAY)
    with pytest.raises(DomainError) as no_review:
        renewals.review(cert, actor=organiser, ten_year=True, today=TODAY)
    assert no_review.value.code == "cert.no_review"
    with pytest.raises(DomainError):  # the regulator of the region is not its issuer (app.auth.policy)
        decisions.revoke(cert, actor=cw.regulator, reason="弄虚作假", doc_number="宁应急〔2026〕1号", today=TODAY)
    decisions.revoke(cert, actor=organiser, reason="代签到", doc_number="安培〔2026〕3号", today=TODAY)
    assert cert.status is CertStatus.REVOKED and cert.live_key is None
    with pytest.raises(DomainError) as again:  # the completion does not give a second one
        class_certificates.issue(cls, cw.persons[0], actor=organiser, today=TODAY)
    assert again.value.message == f"已为该班次签发过培训合格证明（证号 {cert.number}，撤销）"


def test_the_class_page_offers_issuing_and_the_pages_issue_one_or_all(client, login, cw, cls):
    organiser = cw.extra["organiser"]
    login(organiser)
    page = client.get(f"/training/classes/{cls.id}").get_data(as_text=True)
    assert 'data-testid="class-certificates"' in page and page.count('data-testid="issue-member"') == 1
    listing = client.get(f"/certificates/classes/{cls.id}/issue").get_data(as_text=True)
    assert "可签发" in listing and "还差 8 学时" in listing and "班次考试未通过" in listing
    response = client.post(
        f"/certificates/classes/{cls.id}/issue", data={"person_ids": cw.persons[0].id, "back": "class"}
    )
    assert response.status_code == 302 and response.location.endswith(f"/training/classes/{cls.id}")
    assert db.session.scalars(sa.select(Certificate.person_id)).all() == [cw.persons[0].id]
    client.post(f"/certificates/classes/{cls.id}/issue")  # everyone else who completed: nobody
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 1

    login(cw.regulator)  # sees the class, issues nothing
    assert 'data-testid="class-certificates"' not in client.get(f"/training/classes/{cls.id}").get_data(as_text=True)
    assert client.post(f"/certificates/classes/{cls.id}/issue").status_code == 403


# ---------------------------------------------------------------- 学时 before a 特种作业操作证 / 合格证


def test_a_special_operator_without_the_initial_hours_is_refused_with_the_shortfall(cw):
    newcomer = cw.factory.employ(
        cw.enterprise,
        name="周新人",
        post=Post.SPECIAL_OPERATOR,
        operation_code="1.2",
        id_number=make_id_number("320102", date(1995, 5, 5), 41),
        actor=cw.admin,
    ).person
    give_photo(newcomer)
    sitting = graded_sitting(cw.enterprise, [(newcomer, True)], on=TODAY)
    attempt = cw.attempt_of(newcomer, sitting)
    with pytest.raises(DomainError) as untrained:
        issuance.issue(attempt, actor=cw.regulator, today=TODAY)
    assert untrained.value.message == "未完成该操作项目的初次培训（没有该项目的培训班次记录）"
    partial = trained(cw.admin, [newcomer], hours=16, operation_code="1.2", on=ENDED, exam_passed=None)
    short = class_hours_cut(partial, newcomer, minutes=5 * 45)  # 11 of 16 学时 attended
    assert short == 11
    preview = {o.attempt.person.name: o.refusal and o.refusal.message for o in bulk.preview(sitting)}
    assert preview == {"周新人": "培训学时不足（还差 5 学时）"}
    with pytest.raises(DomainError) as refused:
        issuance.issue(attempt, actor=cw.regulator, today=TODAY)
    assert refused.value.code == "cert.hours_short" and refused.value.params["hours"] == "5"


def class_hours_cut(training_class, person, *, minutes: int) -> float:
    """Take ``minutes`` of 面授 off ``person``'s attendance in the class (a session they did not attend after all)."""
    from app.training.hours import class_hours
    from app.training.models import Attendance

    row = db.session.scalars(
        sa.select(Attendance).where(Attendance.class_id == training_class.id, Attendance.person_id == person.id)
    ).first()
    db.session.execute(sa.update(Attendance).where(Attendance.id == row.id).values(minutes=row.minutes - minutes))
    return class_hours(person.id, training_class)


def test_a_manager_short_of_initial_hours_is_refused_with_the_figure(cw):
    boss = cw.factory.employ(cw.enterprise, name="钱经理", post=Post.PRINCIPAL, actor=cw.admin).person
    give_photo(boss)
    trained(cw.admin, [boss], hours=40, on=ENDED, exam_passed=None)  # 高危 needs 48 (3号令 第九条)
    sitting = graded_sitting(cw.enterprise, [(boss, True)], post="principal", operation_code="", on=TODAY)
    with pytest.raises(DomainError) as refused:
        issuance.issue(cw.attempt_of(boss, sitting), actor=cw.regulator, today=TODAY)
    assert refused.value.message == "培训学时不足（还差 8 学时）"


def test_an_override_logged_for_the_exam_the_person_passed_stands_at_issue(cw):
    newcomer = cw.factory.employ(
        cw.enterprise,
        name="吴免训",
        post=Post.SPECIAL_OPERATOR,
        operation_code="1.2",
        id_number=make_id_number("320102", date(1996, 6, 6), 51),
        actor=cw.admin,
    ).person
    give_photo(newcomer)
    other = graded_sitting(cw.enterprise, [], title="另一场 资格考试", on=TODAY)
    elsewhere_trained = GateOverride("trained_elsewhere", "另一场考试的放行：外省培训证明已核验")
    sittings.add_candidates(other, [newcomer.id], override=elsewhere_trained, actor=cw.regulator)
    sitting = graded_sitting(cw.enterprise, [], title="低压电工作业 资格考试（放行）", on=TODAY)
    with pytest.raises(DomainError):  # the hours gate refuses them …
        sittings.add_candidates(sitting, [newcomer.id], actor=cw.regulator)
    sittings.add_candidates(  # … and the organiser admits them with a reason, logged
        sitting,
        [newcomer.id],
        override=GateOverride("exempt_by_rule", "中职电工专业毕业，经考核发证机关同意免于相关专业培训"),
        actor=cw.regulator,
    )
    makeup = graded_sitting(cw.enterprise, [(newcomer, True)], kind=ExamKind.MAKEUP, title="补考", on=TODAY)
    makeup.makeup_of_id = sitting.id
    db.session.flush()
    db.session.refresh(makeup)
    elsewhere = graded_sitting(cw.enterprise, [(newcomer, True)], title="第三场", on=TODAY)
    with pytest.raises(DomainError) as refused:  # an override of another sitting does not count
        issuance.issue(cw.attempt_of(newcomer, elsewhere), actor=cw.regulator, today=TODAY)
    assert refused.value.code == "cert.no_training"
    practical_pass(newcomer, cw.attempt_of(newcomer, makeup), TODAY - timedelta(days=1))
    cert = issuance.issue(cw.attempt_of(newcomer, makeup), actor=cw.regulator, today=TODAY)  # passed its 补考
    assert cert.events[0].detail["hours_gate_overridden"] == "中职电工专业毕业，经考核发证机关同意免于相关专业培训"
    issued = db.session.scalars(
        sa.select(ArchiveEvent.payload).where(
            ArchiveEvent.person_id == newcomer.id, ArchiveEvent.kind == "certificate.issued"
        )
    ).one()
    assert "hours_gate_overridden" in issued


def test_review_needs_eight_hours_of_review_training_in_the_year_before(cw):
    """30号令 第二十三条 (a 复审 of 2023, under 30号令): 8 学时 of 复审培训 in the year before."""
    cert = issuance.issue(cw.qualified(cw.persons[0], date(2020, 3, 1)), actor=cw.regulator, today=date(2020, 3, 1))
    review = graded_sitting(cw.enterprise, [(cw.persons[0], True)], kind=ExamKind.REVIEW, on=date(2023, 1, 20))
    trained(
        cw.admin,
        [cw.persons[0]],
        hours=6,
        training_type=TrainingType.REVIEW,
        operation_code="1.2",
        on=date(2022, 12, 1),
        exam_passed=None,
    )
    with pytest.raises(DomainError) as short:
        renewals.review(cert, actor=cw.regulator, attempt=cw.attempt_of(cw.persons[0], review), today=date(2023, 2, 1))
    assert short.value.message == "复审培训学时不足（近一年须满 8 学时，还差 2 学时）"


def test_a_certificate_from_a_training_exam_uses_the_training_card_and_needs_no_photo(cw):
    zhao = cw.persons[2]  # no photo registered
    exam = graded_sitting(
        cw.enterprise,
        [(zhao, True)],
        kind=ExamKind.TRAINING,
        post="",
        operation_code="",
        title="年度安全培训考试",
        on=TODAY,
    )
    cert = issuance.issue(cw.attempt_of(zhao, exam), actor=cw.admin, today=TODAY)
    text = text_of(rendering.render(cert))
    assert "培训合格证明" in text and "参加玄武化工有限公司组织的培训（年度安全培训考试）" in text
    assert "培训课程 年度安全培训考试" in text and "培训类型" not in text
