"""The 查阅记录 are kept for ``retention.access_log_years`` (a rule row) and purged by the nightly job, which counts
them in its report; a legal hold keeps a person's, and the bulk exports' rows that covered them."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa

from app.extensions import db
from app.people.models import AccessKind, AccessLogEntry
from app.records.holds import set_hold
from app.records.purge import purge
from app.records.retention import KEYS, access_log_expired, access_log_kept_until
from app.rules.models import Rule
from app.rules.queries import rule_book


def entry(person_id: int | None, at: datetime, viewer_id: int | None, **extra) -> int:
    row = AccessLogEntry(
        at=at,
        person_id=person_id,
        viewer_id=viewer_id,
        viewer_role="regulator",
        viewer_org="南京市应急管理局",
        kind=AccessKind.FULL_ID,
        endpoint="people.person",
        **extra,
    )
    db.session.add(row)
    db.session.flush()
    return row.id


def remaining(person_id: int | None = None) -> list[datetime]:
    where = AccessLogEntry.person_id.is_(None) if person_id is None else AccessLogEntry.person_id == person_id
    return list(db.session.scalars(sa.select(AccessLogEntry.at).where(where).order_by(AccessLogEntry.at)))


def test_rows_past_three_years_go_and_are_counted(client, login, world, factory):
    other = factory.employ(world.ent_b, name="李四").person
    viewer = world.regulator_nj.id
    now = datetime(2030, 6, 1, 4, 0)
    # 2027-05-31 local (Asia/Shanghai) is kept to the end of 2030-05-31: gone; a row of 2027-06-01 local stays
    old, kept = datetime(2027, 5, 31, 15, 59), datetime(2027, 5, 31, 16, 0)
    for person in (world.person_a, other):
        entry(person.id, old, viewer)
        entry(person.id, kept, viewer)
    entry(None, old, None, client_name="南京执法系统", row_count=1200, scope_region="3201", scope_label="证书")
    entry(None, kept, None, client_name="南京执法系统", row_count=1200, scope_region="3201", scope_label="证书")
    entry(None, old, None, client_name="苏州执法系统", row_count=900, scope_region="3205", scope_label="证书")
    set_hold(world.regulator_nj, reason="调查", now=now, person_id=other.id)
    db.session.commit()

    run = purge(db.session.commit, now=now)
    assert remaining(world.person_a.id) == [kept]
    assert remaining(other.id) == [old, kept]  # under a legal hold: kept
    # a bulk export's row goes by age, unless it covered a held person (南京市 covered 李四 at 江宁区)
    assert remaining(None) == [old, kept]
    assert run.access_log_purged == 2 and run.kinds["access_log"] == 2

    login(world.platform_admin)
    html = client.get("/records/purge-runs").get_data(as_text=True)
    assert 'data-field="access-log">2<' in html


def test_the_sql_condition_agrees_with_the_rule_row_by_row(world):
    """Rows over six years, with the rule raised to 5 years for rows from 2027-01-01: the statement deletes exactly
    the rows whose own date says they may go."""
    db.session.add(
        Rule(
            key="retention.access_log_years",
            label="x",
            value=5,
            unit="年",
            region_code="",
            valid_from=date(2027, 1, 1),
        )
    )
    start = datetime(2025, 1, 1, 3, 0)
    for n in range(0, 6 * 365, 7):
        entry(world.person_a.id, start + timedelta(days=n, hours=n % 24), world.regulator_nj.id)
    db.session.flush()
    book = rule_book(KEYS)
    now = datetime(2031, 3, 15, 12, 0)
    rows = db.session.execute(sa.select(AccessLogEntry.id, AccessLogEntry.at)).all()
    expected = {rid for rid, at in rows if access_log_kept_until(book, at) <= now}
    chosen = set(db.session.scalars(sa.select(AccessLogEntry.id).where(access_log_expired(book, now))))
    assert chosen == expected
    assert any(at.year == 2026 for rid, at in rows if rid in chosen)  # 3 years for the rows of 2026
    assert not any(at >= datetime(2027, 1, 1) for rid, at in rows if rid in chosen)  # 5 years from 2027 on


def test_a_legal_hold_keeps_the_bulk_export_rows_that_covered_a_held_person(world, factory):
    """A bulk export's row names no person but a region and a day: it covered whoever the held person's own
    查阅记录 lists it for (an employer's region that day, or a region their records belong to). A hold on the person,
    or on an enterprise that employed them, keeps those rows past retention; rows that covered nobody held go."""
    from app.certificates.models import Certificate, CertKind

    suzhou = factory.employ(world.ent_c, name="周五").person  # 320505, from 2024-01-01; held through ent_c
    factory.employ(world.ent_b, name="李四")  # 320115, not held
    db.session.add(  # 周五's certificate issued in 徐州市 (3203) from 2024-03-01: a record region of theirs
        Certificate(
            kind=CertKind.SPECIAL_OPERATOR,
            number="T000",
            person_id=suzhou.id,
            category="1",
            category_name="电工作业",
            item="1.1",
            item_name="高压电工作业",
            authority="徐州市应急管理局",
            region_code="320300",
            first_issued_on=date(2024, 3, 1),
            valid_from=date(2024, 3, 1),
            valid_to=date(2030, 2, 28),
            verify_code="x" * 20,
        )
    )
    now = datetime(2030, 6, 1, 4, 0)
    old = datetime(2027, 5, 31, 3, 0)  # past the 3 years
    before = datetime(2023, 6, 1, 3, 0)  # before anyone here was employed or certified

    def export(region: str, at: datetime = old) -> int:
        return entry(None, at, None, client_name="执法系统", row_count=10, scope_region=region, scope_label="证书")

    kept = {
        export("320102"): "person A's employer's district (A held)",
        export("32"): "the province: covered everyone",
        export("3205"): "苏州市: 周五's employer, held by the enterprise hold",
        export("3203"): "徐州市: the region that issued 周五's certificate",
    }
    gone = {
        export("320115"): "江宁区: 李四 only, not held",
        export("3201", before): "南京市 before A was employed there",
        export("3203", before): "徐州市 before it issued 周五's certificate",
    }
    set_hold(world.regulator_nj, reason="调查", now=now, person_id=world.person_a.id)
    set_hold(world.regulator_sz, reason="事故调查", now=now, enterprise_id=world.ent_c.id)
    db.session.commit()

    run = purge(db.session.commit, now=now)
    left = set(db.session.scalars(sa.select(AccessLogEntry.id).where(AccessLogEntry.person_id.is_(None))))
    assert {kept[i] for i in kept if i not in left} == set()  # every row that covered a held person stays
    assert {gone[i] for i in gone if i in left} == set()
    assert run.access_log_purged == len(gone)
