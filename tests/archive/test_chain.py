"""一人一档: the hash chain, its verification (CLI) and append-only enforcement."""

import itertools
import json
import os

import pytest
import sqlalchemy as sa

from app.archive.models import ArchiveEvent, ArchiveTampering
from app.archive.services import GENESIS, record_event
from app.archive.verification import verify_chain
from app.extensions import db
from app.people.services import end_employment, update_employment


def tamper(sql: str, params: dict) -> None:
    """Edit archive rows behind the application's back, as someone with the database's keys would. On PostgreSQL
    that takes switching the append-only trigger off (``session_replication_role``: superuser or owner only)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("SET LOCAL session_replication_role = replica"))
    db.session.execute(sa.text(sql), params)
    db.session.commit()


def chain(person_id):
    return db.session.scalars(
        sa.select(ArchiveEvent).where(ArchiveEvent.person_id == person_id).order_by(ArchiveEvent.seq)
    ).all()


@pytest.fixture
def busy_person(world):
    """person_a with five events: registered, started, updated, a note, ended."""
    employment = world.person_a.employments[0]
    update_employment(
        employment,
        actor=world.admin_a,
        name="王大锤",
        phone="13800000000",
        education="",
        post=employment.post,
        employment_type=employment.employment_type,
        operation_code=None,
        job_title="班长",
    )
    record_event(world.person_a.id, "note", {"text": "年度复训"}, actor=None)
    from datetime import date

    end_employment(employment, actor=world.admin_a, end_date=date(2025, 6, 30), reason="调离")
    db.session.commit()
    return world.person_a


def test_events_form_a_chain(busy_person):
    events = chain(busy_person.id)
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    assert [e.kind for e in events] == [
        "person.registered",
        "employment.started",
        "employment.updated",
        "note",
        "employment.ended",
    ]
    assert events[0].prev_hash == GENESIS
    for previous, event in itertools.pairwise(events):
        assert event.prev_hash == previous.hash
    assert len({e.hash for e in events}) == 5
    assert events[3].actor_label == "system" and events[3].actor_id is None
    assert verify_chain(busy_person.id) == (5, [])


def test_chains_are_per_person(world, factory):
    other = factory.employ(world.ent_a, name="另一人").person
    factory.commit()
    assert [e.seq for e in chain(other.id)] == [1, 2]
    assert chain(other.id)[0].prev_hash == GENESIS


def test_verify_cli_reports_intact_then_names_the_edited_event(app, busy_person):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["verify-archive"])
    assert result.exit_code == 0, result.output
    assert "archive intact: 5 event(s) checked" in result.output

    target = chain(busy_person.id)[2]
    forged = json.loads(target.payload)
    forged["changes"]["job_title"] = ["", "厂长"]
    tamper(
        "UPDATE archive_events SET payload = :p WHERE id = :id",
        {"p": json.dumps(forged, ensure_ascii=False), "id": target.id},
    )
    result = runner.invoke(args=["verify-archive"])
    assert result.exit_code == 1
    assert f"BROKEN person {busy_person.id} event {target.id} (seq 3)" in result.output
    assert "edited after writing" in result.output
    # only the first break of the chain is reported
    assert result.output.count("BROKEN") == 1


def test_recomputing_a_plain_hash_does_not_hide_an_edit(app, busy_person):
    """The chain is keyed: an editor without the data key cannot fix up the hashes."""
    import hashlib

    target = chain(busy_person.id)[-1]
    payload = target.payload.replace("调离", "辞退")
    tamper(
        "UPDATE archive_events SET payload = :p, hash = :h WHERE id = :id",
        {"p": payload, "h": hashlib.sha256(payload.encode()).hexdigest(), "id": target.id},
    )
    edited, head = verify_chain(busy_person.id)[1]
    assert edited.event_id == target.id and "edited after writing" in edited.reason
    assert head.event_id is None and "does not match the chain's last event" in head.reason


def test_deleted_event_breaks_the_chain(app, busy_person):
    target = chain(busy_person.id)[1]
    tamper("DELETE FROM archive_events WHERE id = :id", {"id": target.id})
    result = app.test_cli_runner().invoke(args=["verify-archive", "--person", str(busy_person.id)])
    assert result.exit_code == 1
    assert "sequence gap: expected 2, found 3" in result.output


def test_orm_update_and_delete_refused(busy_person):
    event = chain(busy_person.id)[0]
    event.payload = "{}"
    with pytest.raises(ArchiveTampering):
        db.session.flush()
    db.session.rollback()
    event = chain(busy_person.id)[0]
    db.session.delete(event)
    with pytest.raises(ArchiveTampering):
        db.session.flush()
    db.session.rollback()
    assert verify_chain(busy_person.id) == (5, [])


@pytest.mark.postgres
@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgresql"),
    reason="the append-only trigger is PostgreSQL's (migration 0003)",
)
@pytest.mark.parametrize(
    "sql", ["UPDATE archive_events SET payload = '{}' WHERE id = :id", "DELETE FROM archive_events WHERE id = :id"]
)
def test_the_database_refuses_raw_updates_and_deletes(busy_person, sql):
    """Not only the ORM: any client with mere write access is refused by the database itself."""
    target = chain(busy_person.id)[1]
    with pytest.raises(sa.exc.ProgrammingError, match="archive_events is append-only"):
        db.session.execute(sa.text(sql), {"id": target.id})
    db.session.rollback()
    assert verify_chain(busy_person.id) == (5, [])


def test_timeline_page_shows_events_and_badge(client, login, busy_person, world):
    login(world.regulator_nj)
    page = client.get(f"/people/{busy_person.id}/timeline").get_data(as_text=True)
    assert "档案时间线 · 王大锤" in page
    for label in ("建档", "入职", "信息变更", "离职"):
        assert f"<strong>{label}</strong>" in page
    assert "调离" in page
    assert "校验通过：记录未被篡改" in page
    events = chain(busy_person.id)
    tamper("UPDATE archive_events SET actor_label = 'x' WHERE id = :id", {"id": events[0].id})
    page = client.get(f"/people/{busy_person.id}/timeline").get_data(as_text=True)
    assert "校验失败：档案记录被改动" in page


def test_json_export_carries_the_hashes(client, login, busy_person, world):
    login(world.platform_admin)
    response = client.get(f"/people/{busy_person.id}/timeline.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert f"person-{busy_person.id}-file.json" in response.headers["Content-Disposition"]
    body = response.get_json()
    assert body["person"] == {"id": busy_person.id, "name": "王大锤", "id_masked": busy_person.id_masked}
    events = chain(busy_person.id)
    assert [e["seq"] for e in body["events"]] == [1, 2, 3, 4, 5]
    assert [e["hash"] for e in body["events"]] == [e.hash for e in events]
    assert body["events"][0]["prev_hash"] == GENESIS
    assert body["events"][4]["payload"]["reason"] == "调离"
    assert busy_person.id_number not in response.get_data(as_text=True)


def test_worker_sees_own_file_only(client, login, world, factory):
    other = factory.employ(world.ent_a, name="别人").person
    factory.commit()
    login(world.worker_a)
    assert "王大锤" in client.get(f"/people/{world.person_a.id}/timeline").get_data(as_text=True)
    assert client.get(f"/people/{world.person_a.id}/timeline.json").status_code == 200
    for url in (f"/people/{other.id}", f"/people/{other.id}/timeline", f"/people/{other.id}/timeline.json"):
        assert client.get(url).status_code == 404


def test_other_enterprise_cannot_open_the_file(client, login, world):
    login(world.admin_b)
    for url in (
        f"/people/{world.person_a.id}",
        f"/people/{world.person_a.id}/timeline",
        f"/people/{world.person_a.id}/timeline.json",
    ):
        assert client.get(url).status_code == 404
    login(world.regulator_sz)
    assert client.get(f"/people/{world.person_a.id}/timeline").status_code == 404


def test_former_employer_keeps_access_to_own_events(client, login, busy_person, world):
    login(world.admin_a)
    page = client.get(f"/people/{busy_person.id}/timeline").get_data(as_text=True)
    assert "<strong>离职</strong>" in page
