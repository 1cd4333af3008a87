"""Every lifecycle transition with a fixed clock, by the rule in force when each obligation falls due (DOMAIN.md §2.0,
§2.4, §3): 复审 and 延期复审 where 30号令 still applied, 换证 under 应急管理部令第19号, 延期换证 of a 合格证 (44号令),
the calendar and the nightly job, 暂扣/发还, 撤销, 注销, 补发/换发 — each guarded, recorded in the certificate's
history and the person's archive, and resting on exam results used once."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.archive.models import ArchiveEvent
from app.certificates import decisions, lifecycle, recompute, renewals
from app.certificates.issuing import issuance, subjects
from app.certificates.models import Certificate, CertificateBasis, CertStatus, EventKind
from app.core.errors import DomainError
from app.exams.models import Attempt, ExamKind
from app.extensions import db
from app.people.models import Post
from app.training.models import TrainingType
from tests.certificates.world import give_photo, graded_sitting, review_trained
from tests.interleaving import committed_meanwhile
from tests.training.world import trained


def issued_on(cw, day: date, person=None) -> Certificate:
    """A 特种作业操作证 issued on ``day`` on a 资格考试 and a 实操 passed a few days before."""
    return issuance.issue(cw.qualified(person or cw.persons[0], day), actor=cw.regulator, today=day)


def review_pass(cw, person, on: date, *, trained: bool = True) -> Attempt:
    """A passed 复审/换证考试 on ``on``, after the 8 学时 of 复审培训 (30号令 第二十三条) when ``trained``."""
    if trained:
        review_trained(cw, person, on - timedelta(days=20))
    sitting = graded_sitting(cw.enterprise, [(person, True)], kind=ExamKind.REVIEW, on=on, title="复审考试")
    return cw.attempt_of(person, sitting)


def archive_kinds(person_id: int) -> list[str]:
    return db.session.scalars(
        sa.select(ArchiveEvent.kind).where(ArchiveEvent.person_id == person_id).order_by(ArchiveEvent.seq)
    ).all()


# ---------------------------------------------------------------- issue: which dates a new card carries


def test_a_card_issued_under_order_30_carries_its_review_date(cw):
    """30号令 第二十一条: 复审 every 3 years — for a card of 2020 the first 复审 fell due in 2023."""
    cert = issued_on(cw, date(2020, 3, 1))
    assert (cert.valid_to, cert.review_due_on, cert.review_years) == (date(2026, 3, 1), date(2023, 3, 1), 3)


def test_a_card_whose_review_would_fall_due_after_the_revision_carries_none(cw):
    """Issued 2023-07-01: 30号令 would have set 复审 on 2026-07-01, when 令第19号 already had none."""
    cert = issued_on(cw, date(2023, 7, 1))
    assert (cert.valid_to, cert.review_due_on, cert.review_years) == (date(2029, 7, 1), None, None)
    assert lifecycle.next_obligation(cert, date(2026, 12, 6)).duty.label == "换证"


def test_a_card_issued_since_the_revision_runs_six_years_to_its_renewal(cw):
    cert = issued_on(cw, date(2026, 7, 10))
    assert (cert.valid_to, cert.review_due_on) == (date(2032, 7, 10), None)
    assert not lifecycle.shows_review_date(cert)


# ---------------------------------------------------------------- 复审 where 30号令 applied


def test_review_in_its_window_with_an_exam_under_order_30(cw):
    cert = issued_on(cw, date(2020, 3, 1))
    attempt = review_pass(cw, cert.person, date(2023, 1, 20))
    renewals.review(cert, actor=cw.regulator, attempt=attempt, doc_number="复审2023-1", today=date(2023, 2, 1))
    # the next 3 years end with the validity: 延期复审 is due then (still 30号令: 2026-03-01 is before the revision)
    assert (cert.review_due_on, cert.status, cert.content_version) == (None, CertStatus.VALID, 2)
    assert lifecycle.next_obligation(cert, date(2025, 12, 31)).duty.label == "延期复审"
    assert lifecycle.effective_status(cert, date(2025, 12, 31)) is CertStatus.REVIEW_DUE
    assert archive_kinds(cert.person_id)[-1] == "certificate.reviewed"
    basis = db.session.scalars(sa.select(CertificateBasis).where(CertificateBasis.attempt_id == attempt.id)).one()
    assert basis.event_id == cert.events[-1].id and cert.events[-1].kind is EventKind.REVIEWED


def test_review_is_refused_outside_its_window_without_an_exam_or_by_another_region(cw):
    cert = issued_on(cw, date(2020, 3, 1))
    attempt = review_pass(cw, cert.person, date(2022, 12, 1))
    with pytest.raises(DomainError) as early:
        renewals.review(cert, actor=cw.regulator, attempt=attempt, today=date(2022, 12, 30))
    assert early.value.message == "复审应在应复审日期（2023-03-01）前 60 天内办理"
    with pytest.raises(DomainError) as no_exam:
        renewals.review(cert, actor=cw.regulator, attempt=None, today=date(2023, 2, 1))
    assert no_exam.value.message == "须有通过的同一项目的复审（换证）考试成绩"
    failed = graded_sitting(cw.enterprise, [(cw.persons[0], False)], kind=ExamKind.REVIEW, on=date(2023, 1, 5))
    with pytest.raises(DomainError):
        renewals.review(cert, actor=cw.regulator, attempt=cw.attempt_of(cw.persons[0], failed), today=date(2023, 2, 1))
    with pytest.raises(DomainError) as not_authority:
        renewals.review(cert, actor=cw.other_regulator, attempt=attempt, today=date(2023, 2, 1))
    assert not_authority.value.message == "只有发证机关所在辖区的监管部门可以办理"
    assert cert.review_due_on == date(2023, 3, 1)


def test_a_review_falling_due_after_the_revision_is_refused_with_the_reason(cw):
    """Data from before the upgrade: a card still carrying 2026-07-01 as 应复审日期."""
    cert = issued_on(cw, date(2023, 7, 1))
    cert.review_due_on, cert.review_years = date(2026, 7, 1), 3
    db.session.flush()
    attempt = review_pass(cw, cert.person, date(2026, 6, 1))
    with pytest.raises(DomainError) as abolished:
        renewals.review(cert, actor=cw.regulator, attempt=attempt, today=date(2026, 6, 20))
    assert abolished.value.message == (
        "应复审日期 2026-07-01 在2026年6月1日以后：依应急管理部令第19号不再复审，有效期满时办理换证"
    )
    assert lifecycle.effective_status(cert, date(2026, 7, 2)) is CertStatus.VALID
    assert not lifecycle.shows_review_date(cert)


def test_a_missed_review_under_order_30_ends_the_certificate_for_good(cw):
    """30号令 第二十六条: 复审 not done on time → 失效 (here 逾期未复审); no 延期复审 can follow, the item is free."""
    cert = issued_on(cw, date(2020, 3, 1))
    attempt = review_pass(cw, cert.person, date(2025, 12, 1))
    assert lifecycle.effective_status(cert, date(2025, 12, 31)) is CertStatus.REVIEW_OVERDUE
    with pytest.raises(DomainError) as ended:
        renewals.renew(cert, actor=cw.regulator, attempt=attempt, today=date(2026, 1, 15))
    assert ended.value.message == "证书已逾期未复审，不能办理该事项"
    assert recompute.recompute(date(2026, 1, 15)) == 1
    assert (cert.status, cert.live_key) == (CertStatus.REVIEW_OVERDUE, None)


def test_the_ten_year_rule_is_computed_from_the_employment_history_and_the_violations(cw):
    """30号令 第二十一条: ≥ 10 consecutive years in the job and no violations → the next 复审 in 6 years, no exam."""
    cert = issued_on(cw, date(2020, 3, 1))
    (job,) = [e for e in cert.person.employments if e.post is Post.SPECIAL_OPERATOR]
    job.start_date = date(2016, 1, 1)
    db.session.flush()
    with pytest.raises(DomainError) as short:
        renewals.review(cert, actor=cw.regulator, ten_year=True, today=date(2023, 2, 1))
    assert short.value.message == (
        "不符合延长复审周期的条件：连续从事本工种 7.1 年（须满10年），本有效期内违章记录 0 条（须无）"
    )
    job.start_date = date(2012, 6, 1)
    db.session.flush()
    decisions.record_violation(
        cert, actor=cw.regulator, reason="未按规定佩戴绝缘手套", doc_number="宁应急违〔2022〕5号", on=date(2022, 4, 1)
    )
    basis = renewals.ten_year_basis(cert, date(2023, 2, 1))
    assert (basis.since, basis.years, basis.met) == (date(2012, 6, 1), 10.7, False)
    with pytest.raises(DomainError):
        renewals.review(cert, actor=cw.regulator, ten_year=True, today=date(2023, 2, 1))
    give_photo(cw.persons[2])
    clean = issued_on(cw, date(2020, 3, 1), person=cw.persons[2])
    (job,) = [e for e in clean.person.employments if e.post is Post.SPECIAL_OPERATOR]
    job.start_date = date(2012, 6, 1)
    db.session.flush()
    renewals.review(clean, actor=cw.regulator, ten_year=True, today=date(2023, 2, 1))
    assert (clean.review_due_on, clean.review_years, clean.events[-1].kind) == (None, 6, EventKind.REVIEW_EXTENDED)


# ---------------------------------------------------------------- the end of validity: 延期复审 (30号令) and 换证


def test_extended_review_under_order_30_then_renewal_under_the_revision(cw):
    cert = issued_on(cw, date(2020, 3, 1))
    first = review_pass(cw, cert.person, date(2023, 1, 20))
    renewals.review(cert, actor=cw.regulator, attempt=first, today=date(2023, 2, 1))
    number, initial = cert.number, cert.first_issued_on
    again = review_pass(cw, cert.person, date(2026, 1, 20))
    with pytest.raises(DomainError) as used:  # one result, one event
        renewals.renew(cert, actor=cw.regulator, attempt=first, today=date(2026, 2, 1))
    assert used.value.message == "该考试成绩已用于办理其他证书事项，每份成绩只能使用一次"
    renewals.renew(cert, actor=cw.regulator, attempt=again, doc_number="宁延〔2026〕1号", today=date(2026, 2, 1))
    # 延期复审 (the validity ended 2026-03-01, under 30号令): 6 more years; the 复审 of 2029 no longer exists
    assert (cert.valid_from, cert.valid_to, cert.review_due_on) == (date(2026, 3, 1), date(2032, 3, 1), None)
    assert (cert.number, cert.first_issued_on, cert.events[-1].kind) == (number, initial, EventKind.EXTENDED)
    assert lifecycle.next_obligation(cert, date(2026, 12, 6)).duty.label == "换证"
    assert lifecycle.effective_status(cert, date(2032, 1, 2)) is CertStatus.RENEWAL_DUE
    third = review_pass(cw, cert.person, date(2032, 1, 10))
    renewals.renew(cert, actor=cw.regulator, attempt=third, today=date(2032, 1, 20))
    assert (cert.valid_to, cert.review_due_on, cert.events[-1].kind) == (date(2038, 3, 1), None, EventKind.RENEWED)
    assert archive_kinds(cert.person_id)[-1] == "certificate.renewed"


def test_renewal_needs_its_window_the_training_hours_and_an_exam_of_the_same_item(cw):
    cert = issued_on(cw, date(2026, 7, 10))
    with pytest.raises(DomainError) as early:
        renewals.renew(cert, actor=cw.regulator, attempt=None, today=date(2032, 5, 1))
    assert early.value.message == "换证应在 2032-05-11 至 2032-07-10 之间申请"
    untrained = review_pass(cw, cert.person, date(2032, 5, 20), trained=False)
    with pytest.raises(DomainError) as hours:
        renewals.renew(cert, actor=cw.regulator, attempt=untrained, today=date(2032, 6, 1))
    assert hours.value.message == "复审培训学时不足（近一年须满 8 学时，还差 8 学时）"
    other_item = graded_sitting(
        cw.enterprise, [(cert.person, True)], kind=ExamKind.REVIEW, operation_code="1.1", on=date(2032, 5, 20)
    )
    with pytest.raises(DomainError) as wrong_item:
        renewals.renew(cert, actor=cw.regulator, attempt=cw.attempt_of(cert.person, other_item), today=date(2032, 6, 1))
    assert wrong_item.value.code == "cert.review_no_exam"
    assert cert.valid_to == date(2032, 7, 10) and len(cert.events) == 1


def test_an_application_date_in_the_future_is_refused(cw):
    cert = issued_on(cw, date(2026, 7, 10))
    attempt = review_pass(cw, cert.person, date(2032, 5, 20))
    with pytest.raises(DomainError) as future:
        renewals.renew(cert, actor=cw.regulator, attempt=attempt, applied_on=date(2032, 6, 2), today=date(2032, 6, 1))
    assert future.value.message == "日期 2032-06-02 晚于今天，不能登记"


# ---------------------------------------------------------------- the calendar, rule changes and the nightly job


def test_the_nightly_job_undoes_the_old_rules_overdue_mark_and_clears_the_abolished_date(cw):
    """What the old nightly job did to a holder whose 复审 fell due on 2026-07-01: 逾期未复审, item no longer live.
    The recompute job makes them 有效 again, live again, and records why."""
    cert = issued_on(cw, date(2023, 7, 1))
    db.session.execute(
        sa.update(Certificate)
        .where(Certificate.id == cert.id)
        .values(review_due_on=date(2026, 7, 1), review_years=3, status=CertStatus.REVIEW_OVERDUE, live_key=None)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(cert)
    assert lifecycle.effective_status(cert, date(2026, 12, 6)) is CertStatus.VALID  # right on read, before the job
    assert recompute.recompute(date(2026, 12, 6)) == 1
    assert (cert.status, cert.review_due_on) == (CertStatus.VALID, None)
    assert cert.live_key == subjects.live_key(cert.number, lifecycle.subject_of(cert))
    event = cert.events[-1]
    assert (event.kind, event.detail["review_due_was"]) == (EventKind.RULE_CHANGED, "2026-07-01")
    assert "应急管理部令第19号" in event.reason
    assert archive_kinds(cert.person_id)[-1] == "certificate.rule_changed"
    assert recompute.recompute(date(2026, 12, 6)) == 0


def test_the_nightly_job_moves_each_certificate_once_and_records_it(cw):
    cert = issued_on(cw, date(2026, 7, 10))
    assert recompute.recompute(date(2032, 5, 10)) == 0
    assert recompute.recompute(date(2032, 5, 11)) == 1
    assert cert.status is CertStatus.RENEWAL_DUE
    assert recompute.recompute(date(2032, 5, 12)) == 0
    assert recompute.recompute(date(2032, 7, 11)) == 1
    assert (cert.status, cert.live_key) == (CertStatus.OUT_OF_DATE, None)
    assert archive_kinds(cert.person_id)[-2:] == ["certificate.lapsed"] * 2
    assert [e.kind for e in cert.events] == [EventKind.ISSUED] + [EventKind.LAPSED] * 2


def test_the_nightly_job_does_not_mark_a_certificate_renewed_while_it_runs(cw, monkeypatch):
    """The job read a certificate the calendar had made 待换证; an officer's 换证 committed new dates before the job
    wrote. The job's move was guarded by the status only (still 有效) and stored 待换证 from the old dates, with a
    false ``certificate.lapsed`` in the file. Now it is guarded by the dates it computed from too."""
    cert = issued_on(cw, date(2026, 7, 10))
    db.session.commit()
    renewed_to = cert.valid_to + timedelta(days=6 * 365)
    computed = recompute.effective_status

    def renewed_meanwhile(c, today, book):
        committed_meanwhile(sa.update(Certificate).where(Certificate.id == c.id).values(valid_to=renewed_to))
        return computed(c, today, book)  # from the dates the job had read

    monkeypatch.setattr(recompute, "effective_status", renewed_meanwhile)
    assert recompute.recompute(date(2032, 5, 11)) == 0
    db.session.expire_all()
    stored = db.session.get(Certificate, cert.id)
    assert (stored.status, stored.valid_to) == (CertStatus.VALID, renewed_to)
    assert "certificate.lapsed" not in archive_kinds(cert.person_id)


def test_the_nightly_task_is_scheduled_and_commits_its_moves(app, cw, monkeypatch):
    from app.certificates import tasks

    cert = issued_on(cw, date(2026, 7, 10))
    assert (
        app.config["CELERY"]["beat_schedule"]["certificates-mark-lapsed-nightly"]["task"] == "certificates.mark_lapsed"
    )
    db.session.commit()
    monkeypatch.setattr(tasks, "local_today", lambda: date(2032, 7, 11))
    assert tasks.mark_lapsed.run() == 1
    db.session.rollback()  # what was moved was committed by the task
    assert db.session.get(Certificate, cert.id).status is CertStatus.OUT_OF_DATE
    assert tasks.mark_lapsed.run() == 0


# ---------------------------------------------------------------- decisions


TODAY = date(2027, 1, 1)


@pytest.fixture
def cert(cw) -> Certificate:
    return issued_on(cw, date(2026, 7, 10))


def test_suspend_and_reinstate_need_reason_and_document_number(cw, cert):
    with pytest.raises(DomainError) as no_doc:
        decisions.suspend(cert, actor=cw.regulator, reason="逢查必考不合格", doc_number=" ", today=TODAY)
    assert no_doc.value.message == "请填写决定文号"
    decisions.suspend(cert, actor=cw.regulator, reason="逢查必考不合格", doc_number="宁应急暂〔2027〕1号", today=TODAY)
    assert cert.status is CertStatus.SUSPENDED
    assert recompute.recompute(date(2033, 1, 1)) == 0  # the calendar does not undo a decision
    with pytest.raises(DomainError):
        decisions.suspend(cert, actor=cw.regulator, reason="再次", doc_number="x", today=date(2027, 1, 2))
    decisions.reinstate(
        cert, actor=cw.regulator, reason="整改完成", doc_number="宁应急还〔2027〕2号", today=date(2027, 2, 1)
    )
    assert cert.status is CertStatus.VALID
    events = [(e.kind, e.reason, e.doc_number) for e in cert.events[1:]]
    assert events == [
        (EventKind.SUSPENDED, "逢查必考不合格", "宁应急暂〔2027〕1号"),
        (EventKind.REINSTATED, "整改完成", "宁应急还〔2027〕2号"),
    ]
    assert archive_kinds(cert.person_id)[-2:] == ["certificate.suspended", "certificate.reinstated"]


def test_revoke_then_cancel_and_nothing_after(cw, cert):
    decisions.revoke(cert, actor=cw.regulator, reason="发生生产安全事故", doc_number="宁应急撤〔2027〕3号", today=TODAY)
    assert (cert.status, cert.live_key, cert.revoked_on) == (CertStatus.REVOKED, None, TODAY)
    with pytest.raises(DomainError) as revoked:
        decisions.reissue(cert, actor=cw.regulator, replace=False, reason="遗失", today=date(2027, 1, 2))
    assert revoked.value.message == "证书已撤销，不能办理该事项"
    decisions.cancel(
        cert, actor=cw.regulator, reason="已撤销", doc_number="宁应急注〔2027〕4号", today=date(2027, 1, 3)
    )
    assert cert.status is CertStatus.CANCELLED
    with pytest.raises(DomainError):
        decisions.cancel(cert, actor=cw.regulator, reason="again", doc_number="x", today=date(2027, 1, 4))


def test_reissue_and_replace_keep_the_number_and_note_it(cw, cert):
    number = cert.number
    decisions.reissue(cert, actor=cw.regulator, replace=False, reason="遗失", today=date(2027, 5, 1))
    decisions.reissue(cert, actor=cw.regulator, replace=True, reason="污损", today=date(2027, 6, 1))
    assert cert.number == number and cert.content_version == 3
    assert [e.kind for e in cert.events[1:]] == [EventKind.REISSUED, EventKind.REPLACED]
    assert archive_kinds(cert.person_id)[-2:] == ["certificate.reissued", "certificate.replaced"]


def test_a_stale_decision_loses_to_a_newer_one(cw, cert):
    """Two officers: the second acts on a page loaded before the first's 撤销 — the guarded UPDATE refuses it."""
    db.session.execute(  # the first officer's 撤销, committed by another request: this session's object is stale
        sa.update(Certificate)
        .where(Certificate.id == cert.id)
        .values(status=CertStatus.REVOKED, live_key=None)
        .execution_options(synchronize_session=False)
    )
    assert cert.status is CertStatus.VALID
    with pytest.raises(DomainError) as lost:
        decisions.suspend(cert, actor=cw.regulator, reason="违章", doc_number="A2", today=TODAY)
    assert lost.value.code == "cert.state_changed"
    db.session.refresh(cert)
    assert cert.status is CertStatus.REVOKED
    assert [e.kind for e in cert.events] == [EventKind.ISSUED]


def test_a_district_records_a_violation_and_proposes_but_cannot_suspend(cw, cert, factory):
    """A county or district bureau is no 考核发证机关 (44号令 第二十条): it can note, the authority decides."""
    district = factory.regulator("320102")
    with pytest.raises(DomainError) as not_authority:
        decisions.suspend(cert, actor=district, reason="违章", doc_number="玄应急〔2027〕1号", today=TODAY)
    assert not_authority.value.code == "cert.not_authority"
    with pytest.raises(DomainError) as future:
        decisions.record_violation(
            cert, actor=district, reason="无证操作", doc_number="玄应急〔2027〕1号", on=date(2027, 1, 2), today=TODAY
        )
    assert future.value.code == "cert.future_date"
    decisions.record_violation(cert, actor=district, reason="无证操作", doc_number="玄应急〔2027〕1号", today=TODAY)
    decisions.propose_suspension(
        cert, actor=district, reason="现场检查违章", doc_number="玄应急〔2027〕2号", today=TODAY
    )
    assert [e.kind for e in cert.events[1:]] == [EventKind.VIOLATION, EventKind.SUSPENSION_PROPOSED]
    assert cert.status is CertStatus.VALID
    assert archive_kinds(cert.person_id)[-2:] == ["certificate.violation", "certificate.suspension_proposed"]


def test_a_managers_certificate_is_renewed_on_an_application_at_least_30_days_before_it_ends(cw):
    """44号令: 合格证 valid 3 years; 延期 applied for ≥ 30 days before the end, with the year's 再培训 and a passed
    考核; the history stays."""
    boss = cw.factory.employ(cw.enterprise, name="钱经理", post=Post.PRINCIPAL, actor=cw.admin).person
    give_photo(boss)
    trained(cw.admin, [boss], hours=48, on=date(2024, 2, 1), exam_passed=None)  # 高危: 48 学时 初次培训
    sitting = graded_sitting(cw.enterprise, [(boss, True)], post="principal", operation_code="", on=date(2024, 2, 20))
    cert = issuance.issue(cw.attempt_of(boss, sitting), actor=cw.regulator, today=date(2024, 3, 1))
    assert cert.valid_to == date(2027, 3, 1)
    trained(cw.admin, [boss], hours=16, training_type=TrainingType.ANNUAL, on=date(2027, 1, 10), exam_passed=None)
    exam = graded_sitting(
        cw.enterprise, [(boss, True)], kind=ExamKind.REVIEW, post="principal", operation_code="", on=date(2027, 1, 15)
    )
    attempt = cw.attempt_of(boss, exam)
    with pytest.raises(DomainError) as late:
        renewals.renew(cert, actor=cw.regulator, attempt=attempt, applied_on=date(2027, 2, 1), today=date(2027, 2, 1))
    assert late.value.message == "延期换证应在 2026-12-01 至 2027-01-30 之间申请"
    renewals.renew(cert, actor=cw.regulator, attempt=attempt, applied_on=date(2027, 1, 20), today=date(2027, 2, 1))
    assert (cert.valid_from, cert.valid_to, cert.status) == (date(2027, 3, 1), date(2030, 3, 1), CertStatus.VALID)
    assert [e.kind for e in cert.events] == [EventKind.ISSUED, EventKind.RENEWED]
    assert cert.events[-1].detail["duty"] == "renew_manager"
