"""Every lifecycle transition with a fixed clock: the calendar, 复审 (exam or 10-year rule), 延期复审, 暂扣/发还,
撤销, 注销, 补发/换发 — each guarded, recorded in the certificate's history and the person's archive."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from app.archive.models import ArchiveEvent
from app.certificates import issuing, lifecycle
from app.certificates.models import Certificate, CertStatus, EventKind
from app.core.errors import DomainError
from app.exams.models import ExamKind
from app.extensions import db
from tests.certificates.world import graded_sitting, review_trained

ISSUED = date(2026, 1, 10)  # 应复审日期 2029-01-10, valid to 2032-01-10


@pytest.fixture
def cert(cw) -> Certificate:
    return issuing.issue(cw.attempt_of(cw.persons[0]), actor=cw.regulator, today=ISSUED)


@pytest.fixture
def review_pass(cw):
    person = cw.persons[0]
    review_trained(cw, person, date(2028, 12, 1))  # the 8 学时 复审培训 before the 2029 复审
    sitting = graded_sitting(cw.enterprise, [(person, True)], kind=ExamKind.REVIEW)
    return cw.attempt_of(person, sitting)


def archive_kinds(person_id: int) -> list[str]:
    return db.session.scalars(
        sa.select(ArchiveEvent.kind).where(ArchiveEvent.person_id == person_id).order_by(ArchiveEvent.seq)
    ).all()


@pytest.mark.parametrize(
    ("day", "status"),
    [
        (date(2028, 11, 10), CertStatus.VALID),  # 61 days before 应复审日期
        (date(2028, 11, 11), CertStatus.REVIEW_DUE),  # the 60-day window opens
        (date(2029, 1, 10), CertStatus.REVIEW_DUE),
        (date(2029, 1, 11), CertStatus.REVIEW_OVERDUE),
        (date(2032, 1, 10), CertStatus.REVIEW_OVERDUE),
        (date(2032, 1, 11), CertStatus.EXPIRED),
    ],
)
def test_the_calendar(cert, day, status):
    assert lifecycle.effective_status(cert, day) is status


def test_the_nightly_job_moves_each_certificate_once_and_records_it(cw, cert):
    assert lifecycle.mark_lapsed(date(2028, 11, 11)) == 1
    assert cert.status is CertStatus.REVIEW_DUE
    assert lifecycle.mark_lapsed(date(2028, 11, 13)) == 0
    assert lifecycle.mark_lapsed(date(2029, 2, 1)) == 1
    assert cert.status is CertStatus.REVIEW_OVERDUE
    assert lifecycle.mark_lapsed(date(2032, 2, 1)) == 1
    assert cert.status is CertStatus.EXPIRED and cert.live_key is None
    assert archive_kinds(cert.person_id)[-3:] == ["certificate.lapsed"] * 3
    assert [e.kind for e in cert.events] == [EventKind.ISSUED] + [EventKind.LAPSED] * 3


def test_review_with_a_passed_review_exam_in_the_window(cw, cert, review_pass):
    lifecycle.review(cert, actor=cw.regulator, attempt=review_pass, doc_number="复审2029-1", today=date(2029, 1, 5))
    assert cert.review_due_on == date(2032, 1, 10)  # capped at the validity: then 延期复审
    assert cert.status is CertStatus.VALID
    assert cert.content_version == 2  # the card shows the 复审 record: re-render
    assert archive_kinds(cert.person_id)[-1] == "certificate.reviewed"


def test_review_outside_the_window_or_without_an_exam_is_refused(cw, cert, review_pass):
    with pytest.raises(DomainError) as early:
        lifecycle.review(cert, actor=cw.regulator, attempt=review_pass, today=date(2028, 11, 10))
    assert early.value.message == "复审应在应复审日期（2029-01-10）前 60 天内办理"
    with pytest.raises(DomainError) as no_exam:
        lifecycle.review(cert, actor=cw.regulator, attempt=None, today=date(2029, 1, 5))
    assert no_exam.value.message == "复审须有通过的复审考试成绩"
    failed = graded_sitting(cw.enterprise, [(cw.persons[0], False)], kind=ExamKind.REVIEW)
    with pytest.raises(DomainError):
        lifecycle.review(cert, actor=cw.regulator, attempt=cw.attempt_of(cw.persons[0], failed), today=date(2029, 1, 5))
    with pytest.raises(DomainError) as not_authority:
        lifecycle.review(cert, actor=cw.other_regulator, attempt=review_pass, today=date(2029, 1, 5))
    assert not_authority.value.message == "只有发证机关所在辖区的监管部门可以办理"
    assert cert.review_due_on == date(2029, 1, 10)


def test_the_ten_year_rule_extends_the_interval_without_an_exam_once(cw, cert):
    lifecycle.review(cert, actor=cw.regulator, ten_year=True, today=date(2029, 1, 1))
    assert (cert.review_due_on, cert.review_years) == (date(2032, 1, 10), 6)
    assert cert.events[-1].kind is EventKind.REVIEW_EXTENDED


def test_extended_review_gives_a_new_validity_with_the_same_number(cw, cert, review_pass):
    number, first = cert.number, cert.first_issued_on
    lifecycle.review(cert, actor=cw.regulator, attempt=review_pass, today=date(2029, 1, 5))
    with pytest.raises(DomainError) as early:
        lifecycle.extend(cert, actor=cw.regulator, attempt=review_pass, today=date(2031, 11, 10))
    assert early.value.code == "cert.extend_window"
    with pytest.raises(DomainError) as untrained:  # the 2028 复审培训 is more than a year old
        lifecycle.extend(cert, actor=cw.regulator, attempt=review_pass, today=date(2031, 12, 1))
    assert untrained.value.message == "复审培训学时不足（近一年须满 8 学时，还差 8 学时）"
    review_trained(cw, cert.person, date(2031, 11, 1))
    lifecycle.extend(cert, actor=cw.regulator, attempt=review_pass, today=date(2031, 12, 1))
    assert (cert.valid_from, cert.valid_to, cert.review_due_on) == (
        date(2032, 1, 10),
        date(2038, 1, 10),
        date(2035, 1, 10),
    )
    assert (cert.number, cert.first_issued_on, cert.status) == (number, first, CertStatus.VALID)
    assert archive_kinds(cert.person_id)[-1] == "certificate.extended"


def test_extended_review_under_the_ten_year_rule_sets_a_six_year_interval(cw, cert, review_pass):
    lifecycle.review(cert, actor=cw.regulator, ten_year=True, today=date(2029, 1, 1))  # no exam, no training
    review_trained(cw, cert.person, date(2031, 12, 15))
    lifecycle.extend(cert, actor=cw.regulator, attempt=review_pass, ten_year=True, today=date(2032, 1, 9))
    assert (cert.valid_to, cert.review_due_on, cert.review_years) == (date(2038, 1, 10), date(2038, 1, 10), 6)


def test_suspend_and_reinstate_need_reason_and_document_number(cw, cert):
    with pytest.raises(DomainError) as no_doc:
        lifecycle.suspend(cert, actor=cw.regulator, reason="逢查必考不合格", doc_number=" ", today=date(2027, 1, 1))
    assert no_doc.value.message == "请填写决定文号"
    lifecycle.suspend(
        cert, actor=cw.regulator, reason="逢查必考不合格", doc_number="宁应急暂〔2027〕1号", today=date(2027, 1, 1)
    )
    assert cert.status is CertStatus.SUSPENDED
    assert lifecycle.mark_lapsed(date(2033, 1, 1)) == 0  # the calendar does not undo a decision
    with pytest.raises(DomainError):
        lifecycle.suspend(cert, actor=cw.regulator, reason="再次", doc_number="x", today=date(2027, 1, 2))
    lifecycle.reinstate(
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
    lifecycle.revoke(
        cert, actor=cw.regulator, reason="发生生产安全事故", doc_number="宁应急撤〔2027〕3号", today=date(2027, 1, 1)
    )
    assert (cert.status, cert.live_key) == (CertStatus.REVOKED, None)
    with pytest.raises(DomainError) as revoked:
        lifecycle.reissue(cert, actor=cw.regulator, replace=False, reason="遗失", today=date(2027, 1, 2))
    assert revoked.value.message == "证书已撤销，不能办理该事项"
    lifecycle.cancel(
        cert, actor=cw.regulator, reason="已撤销", doc_number="宁应急注〔2027〕4号", today=date(2027, 1, 3)
    )
    assert cert.status is CertStatus.CANCELLED
    with pytest.raises(DomainError):
        lifecycle.cancel(cert, actor=cw.regulator, reason="again", doc_number="x", today=date(2027, 1, 4))


def test_reissue_and_replace_keep_the_number_and_note_it(cw, cert):
    number = cert.number
    lifecycle.reissue(cert, actor=cw.regulator, replace=False, reason="遗失", today=date(2027, 5, 1))
    lifecycle.reissue(cert, actor=cw.regulator, replace=True, reason="污损", today=date(2027, 6, 1))
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
        lifecycle.suspend(cert, actor=cw.regulator, reason="违章", doc_number="A2", today=date(2027, 1, 1))
    assert lost.value.code == "cert.state_changed"
    db.session.refresh(cert)
    assert cert.status is CertStatus.REVOKED
    assert [e.kind for e in cert.events] == [EventKind.ISSUED]


def test_the_nightly_task_is_scheduled_and_commits_its_moves(app, cw, cert, monkeypatch):
    from app.certificates import tasks

    assert (
        app.config["CELERY"]["beat_schedule"]["certificates-mark-lapsed-nightly"]["task"] == "certificates.mark_lapsed"
    )
    db.session.commit()
    monkeypatch.setattr(tasks, "local_today", lambda: date(2029, 2, 1))
    assert tasks.mark_lapsed.run() == 1
    db.session.rollback()  # what was moved was committed by the task
    assert db.session.get(Certificate, cert.id).status is CertStatus.REVIEW_OVERDUE
    assert tasks.mark_lapsed.run() == 0
