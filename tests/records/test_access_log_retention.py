"""The 查阅记录 are kept for ``retention.access_log_years`` (a rule row) and purged by the nightly job, which counts
them in its report; a legal hold keeps a person's."""

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
    set_hold(world.regulator_nj, reason="调查", now=now, person_id=other.id)
    db.session.commit()

    run = purge(db.session.commit, now=now)
    assert remaining(world.person_a.id) == [kept]
    assert remaining(other.id) == [old, kept]  # under a legal hold: kept
    assert remaining(None) == [kept]  # a bulk export's row goes by age alone
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
