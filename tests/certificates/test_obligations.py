"""A certificate's obligations and status by the rule in force on each obligation's due date (DOMAIN.md §2.0, §2.4,
§3), as the pure module computes them, and the SQL twin equal to it on thousands of generated certificates."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.certificates.models import Certificate, CertKind, CertStatus
from app.certificates.obligations import CertDates, Duty, continuous_since, next_obligation, obligations, status_on
from app.certificates.status_sql import status_expr
from app.extensions import db
from app.rules.catalogue_data import REVISION_19
from app.rules.models import Rule
from app.rules.queries import rule_book

SPECIAL, MANAGER, TRAINING = CertKind.SPECIAL_OPERATOR, CertKind.MANAGER, CertKind.TRAINING


@pytest.fixture
def book(app):
    return rule_book()


def special(valid_from: date, review_due: date | None, years: int = 6, status=CertStatus.VALID) -> CertDates:
    return CertDates(
        SPECIAL, "320100", valid_from, valid_from.replace(year=valid_from.year + years), review_due, status
    )


# ---------------------------------------------------------------- 30号令: 复审 due before 2026-06-01


@pytest.mark.parametrize(
    ("day", "status"),
    [
        (date(2022, 12, 30), CertStatus.VALID),
        (date(2022, 12, 31), CertStatus.REVIEW_DUE),  # 60 days before (30号令 第二十二条)
        (date(2023, 3, 1), CertStatus.REVIEW_DUE),
        (date(2023, 3, 2), CertStatus.REVIEW_OVERDUE),  # missed: 第二十六条 makes it 失效
        (date(2026, 6, 15), CertStatus.REVIEW_OVERDUE),  # the revision does not revive it
        (date(2030, 1, 1), CertStatus.REVIEW_OVERDUE),
    ],
)
def test_a_review_due_before_the_revision_follows_order_30(book, day, status):
    assert status_on(special(date(2020, 3, 1), date(2023, 3, 1)), book, day) is status


def test_an_extension_due_before_the_revision_is_30s_extended_review_and_lapses_as_expired(book):
    """30号令 第二十四条: at the end of a validity that ended before 2026-06-01, 延期复审; missed → 失效."""
    cert = special(date(2020, 3, 1), date(2026, 3, 1))  # 复审 done in 2023; the next date is the end of validity
    assert [(o.duty, o.due_on) for o in obligations(cert, book)] == [(Duty.EXTEND, date(2026, 3, 1))]
    assert status_on(cert, book, date(2025, 12, 31)) is CertStatus.REVIEW_DUE
    assert status_on(cert, book, date(2026, 3, 2)) is CertStatus.EXPIRED
    assert CertStatus.EXPIRED.label == "失效"


# ---------------------------------------------------------------- 应急管理部令第19号: from 2026-06-01


@pytest.mark.parametrize(
    ("day", "status"),
    [
        (
            date(2026, 5, 15),
            CertStatus.VALID,
        ),  # inside the old 60-day window, yet the 复审 falls due after the revision
        (date(2026, 7, 2), CertStatus.VALID),  # not 逾期未复审: the holder stays 持证上岗
        (date(2029, 5, 1), CertStatus.VALID),
        (date(2029, 5, 2), CertStatus.RENEWAL_DUE),  # 60 days before the end of validity: 换证
        (date(2029, 7, 1), CertStatus.RENEWAL_DUE),
        (date(2029, 7, 2), CertStatus.OUT_OF_DATE),
    ],
)
def test_a_review_falling_due_after_the_revision_does_not_exist(book, day, status):
    """应急管理部令第19号: "每3年复审改为每6年换证" — a 复审 due on 2026-07-01 is no obligation at all."""
    cert = special(date(2023, 7, 1), date(2026, 7, 1))
    assert [o.duty for o in obligations(cert, book)] == [Duty.RENEW]
    assert status_on(cert, book, day) is status


def test_the_revision_applies_from_its_first_day(book):
    """A 复审 due on 2026-05-31 was 30号令's; one due on 2026-06-01 is gone."""
    before = special(date(2023, 5, 31), date(2026, 5, 31))
    on_the_day = special(date(2023, 6, 1), date(2026, 6, 1))
    assert next_obligation(before, book, date(2026, 5, 1)).duty is Duty.REVIEW
    assert next_obligation(on_the_day, book, date(2026, 5, 1)).duty is Duty.RENEW
    assert status_on(before, book, date(2026, 6, 1)) is CertStatus.REVIEW_OVERDUE
    assert status_on(on_the_day, book, date(2026, 6, 2)) is CertStatus.VALID


def test_a_new_certificate_owes_only_its_renewal(book):
    cert = special(date(2026, 7, 1), None)
    (only,) = obligations(cert, book)
    assert (only.duty, only.due_on, only.opens_on, only.apply_by) == (
        Duty.RENEW,
        date(2032, 7, 1),
        date(2032, 5, 2),
        date(2032, 7, 1),
    )
    assert "第19号" in only.basis


def test_decisions_are_stored_not_computed(book):
    for decided in (CertStatus.SUSPENDED, CertStatus.REVOKED, CertStatus.CANCELLED):
        assert status_on(special(date(2020, 3, 1), date(2023, 3, 1), status=decided), book, date(2030, 1, 1)) is decided


# ---------------------------------------------------------------- 合格证 (44号令) and 培训合格证明


def test_a_managers_certificate_is_renewed_at_least_30_days_before_it_ends(book):
    cert = CertDates(MANAGER, "320100", date(2024, 3, 1), date(2027, 3, 1), None)
    (renewal,) = obligations(cert, book)
    assert (renewal.duty, renewal.opens_on, renewal.apply_by) == (
        Duty.RENEW_MANAGER,
        date(2026, 12, 1),  # a 90-day window (editable default)
        date(2027, 1, 30),  # 44号令: apply at least 30 days before the end
    )
    assert status_on(cert, book, date(2026, 12, 1)) is CertStatus.RENEWAL_DUE
    assert status_on(cert, book, date(2027, 3, 2)) is CertStatus.OUT_OF_DATE


def test_a_training_certificate_simply_ends(book):
    cert = CertDates(TRAINING, "320100", date(2025, 11, 1), date(2026, 11, 1), None)
    assert obligations(cert, book) == []
    assert status_on(cert, book, date(2026, 11, 1)) is CertStatus.VALID
    assert status_on(cert, book, date(2026, 11, 2)) is CertStatus.OUT_OF_DATE


# ---------------------------------------------------------------- regions and the 10-year rule's run


def test_a_region_override_of_a_later_date_wins_there_only(app):
    """A province that moved the window (a rule row of its own, from its own date) changes only its certificates."""
    db.session.add(Rule(key="cert.renewal_window_days.special_operator", label="苏州换证窗口", value=30, unit="天",
                        region_code="3205", valid_from=date(2026, 9, 1)))  # fmt: skip
    db.session.flush()
    book = rule_book()
    nanjing = special(date(2026, 7, 1), None)
    suzhou = CertDates(SPECIAL, "320505", date(2026, 7, 1), date(2032, 7, 1), None)
    assert status_on(nanjing, book, date(2032, 5, 15)) is CertStatus.RENEWAL_DUE
    assert status_on(suzhou, book, date(2032, 5, 15)) is CertStatus.VALID
    assert status_on(suzhou, book, date(2032, 6, 1)) is CertStatus.RENEWAL_DUE


def test_continuous_years_bridge_a_short_gap_only():
    on = date(2026, 1, 1)
    jobs = [(date(2010, 1, 1), date(2015, 6, 30)), (date(2015, 7, 20), None)]
    assert continuous_since(jobs, on, max_gap_days=31) == date(2010, 1, 1)
    assert continuous_since(jobs, on, max_gap_days=10) == date(2015, 7, 20)
    assert continuous_since([(date(2010, 1, 1), date(2020, 1, 1))], on, max_gap_days=31) is None


# ---------------------------------------------------------------- the SQL twin


def _random_certificates(rng: random.Random, n: int) -> list[dict]:
    rows = []
    days = (date(2034, 12, 31) - date(2015, 1, 1)).days
    for i in range(n):
        kind = rng.choice([SPECIAL] * 6 + [MANAGER] * 2 + [TRAINING])
        valid_from = date(2015, 1, 1) + timedelta(days=rng.randrange(days - 3000))
        years = {SPECIAL: 6, MANAGER: 3, TRAINING: 1}[kind]
        try:
            valid_to = valid_from.replace(year=valid_from.year + years)
        except ValueError:
            valid_to = valid_from.replace(year=valid_from.year + years, day=28)
        due = None
        if kind is SPECIAL:
            due = rng.choice(
                [
                    None,
                    valid_to,
                    valid_from + timedelta(days=3 * 365),
                    REVISION_19 + timedelta(days=rng.randrange(-70, 70)),  # around the revision's first day
                    valid_from + timedelta(days=rng.randrange(1, 6 * 365)),
                ]
            )
        status = rng.choice([CertStatus.VALID] * 6 + list(CertStatus))
        rows.append(
            {
                "kind": kind,
                "number": f"X{i}",
                "person_id": 1,
                "category": "1",
                "category_name": "",
                "item": "1.2",
                "item_name": "",
                "authority": "",
                "region_code": rng.choice(["320100", "320505", "320102"]),
                "first_issued_on": valid_from,
                "valid_from": valid_from,
                "valid_to": valid_to,
                "review_due_on": due,
                "status": status,
                "verify_code": f"v{i}",
            }
        )
    return rows


def test_the_sql_status_equals_the_pure_module_on_generated_certificates(app, factory):
    """3,000 certificates of every kind, with 应复审日期 on both sides of 2026-06-01, stored statuses of every kind
    and a regional rule of its own, asked on days around the revision and years on: SQL and Python agree on each."""
    person = factory.employ(factory.enterprise(), name="样本")
    db.session.add(Rule(key="cert.review_window_days", label="苏州复审窗口", value=45, unit="天",
                        region_code="3205", valid_from=date(2000, 1, 1)))  # fmt: skip
    db.session.flush()
    rows = _random_certificates(random.Random(20260601), 3000)
    for row in rows:
        row["person_id"] = person.person.id
    db.session.execute(sa.insert(Certificate), rows)
    book = rule_book()
    certs = db.session.scalars(sa.select(Certificate)).all()
    compared, seen = 0, set()
    for day in (date(2023, 3, 1), date(2026, 5, 31), date(2026, 6, 1), date(2026, 12, 6), date(2029, 7, 1)):
        in_sql = dict(db.session.execute(sa.select(Certificate.id, status_expr(book, day))).all())
        for cert in certs:
            expected = status_on(CertDates.of(cert), book, day)
            assert in_sql[cert.id] is expected, (cert.id, day)
            compared += 1
            seen.add(expected)
    assert compared == 15000
    assert seen == set(CertStatus)  # every status occurs, so each branch was compared
