"""查阅记录 (app/people/access_log.py): who saw a person's full 证件号码, registered photo or 人像抓拍, as the person and
the platform admin see it. The person looking at their own data is not recorded."""

from __future__ import annotations

import io

import sqlalchemy as sa
from PIL import Image

from app.extensions import db
from app.people import photos
from app.people.models import AccessLogEntry, SnapshotContext
from app.people.snapshots import schedule as snapshot_schedule
from app.people.snapshots import taking as snapshot_taking
from tests.pictures import pattern
from tests.training.world import objects_for_access_matrix as training_objects


def _photo(world) -> None:
    out = io.BytesIO()
    Image.new("RGB", (300, 400), (90, 90, 90)).save(out, "JPEG")
    photos.set_photo(world.person_a, out.getvalue(), actor=world.admin_a, max_bytes=1 << 20)
    db.session.commit()


def _entries(person_id: int) -> list[tuple[str, str]]:
    return db.session.execute(
        sa.select(AccessLogEntry.kind, AccessLogEntry.endpoint)
        .where(AccessLogEntry.person_id == person_id)
        .order_by(AccessLogEntry.id)
    ).all()


def test_a_regulator_seeing_the_full_id_is_shown_to_the_person_by_organisation_and_role(client, login, world):
    world.regulator_nj.display_name = "张执法"
    db.session.commit()
    login(world.regulator_nj)
    page = client.get(f"/people/{world.person_a.id}").get_data(as_text=True)
    assert world.person_a.id_number in page
    login(world.worker_a)
    mine = client.get("/me/access-log")
    html = mine.get_data(as_text=True)
    assert mine.status_code == 200
    assert "南京市应急管理局" in html and "监管人员" in html and "完整证件号码" in html
    assert "张执法" not in html and world.regulator_nj.username not in html


def test_an_employer_seeing_the_photo_is_recorded_and_the_person_seeing_their_own_is_not(client, login, world):
    _photo(world)
    login(world.admin_a)
    assert client.get(f"/people/{world.person_a.id}").status_code == 200  # masked ID: nothing to record
    assert client.get(f"/people/{world.person_a.id}/photo").status_code == 200
    login(world.worker_a)
    assert client.get(f"/people/{world.person_a.id}/photo").status_code == 200
    assert client.get(f"/people/{world.person_a.id}").status_code == 200
    assert [kind.value for kind, _ in _entries(world.person_a.id)] == ["photo"]
    html = client.get("/me/access-log").get_data(as_text=True)
    assert "玄武化工有限公司" in html and "登记照片" in html


def test_a_snapshot_served_to_the_class_organiser_is_recorded(client, login, world):
    objects = training_objects(world)
    plan = snapshot_schedule.open_plan(world.person_a.id, SnapshotContext.LESSON, objects["class_id"], span_seconds=600)
    snapshot = snapshot_taking.take(plan, pattern(1), max_bytes=1 << 20)
    db.session.commit()
    login(world.admin_a)
    assert client.get(f"/training/classes/{objects['class_id']}/snapshots/{snapshot.id}").status_code == 200
    assert [(k.value, e) for k, e in _entries(world.person_a.id)] == [("snapshot", "training.snapshot_file")]


def test_the_platform_admin_queries_the_log_and_others_may_not(client, login, world, factory):
    login(world.regulator_nj)
    client.get(f"/people/{world.person_a.id}")
    other = factory.employ(world.ent_b, name="李四").person
    factory.commit()
    client.get(f"/people/{other.id}")
    login(world.platform_admin)

    def rows(url: str) -> str:
        return client.get(url).get_data(as_text=True).split('data-testid="access-log"')[1]

    html = rows("/access-log?q=王大锤")
    assert "王大锤" in html and world.regulator_nj.label in html and "李四" not in html
    by_id = rows(f"/access-log?q={other.id_number}")
    assert "李四" in by_id and "王大锤" not in by_id
    assert "王大锤" not in rows("/access-log?q=王大锤&until=2000-01-01")
    assert "李四" in rows(f"/access-log?viewer={world.regulator_nj.username}&since=2000-01-01")
    for user in (world.regulator_nj, world.admin_a, world.worker_a):
        login(user)
        assert client.get("/access-log").status_code in (403, 404)
