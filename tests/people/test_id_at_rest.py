"""证件号码 never lands in the database in clear: not in persons, not in the archive, not in staged imports."""

from datetime import date
from pathlib import Path

import sqlalchemy as sa

from app.extensions import db
from app.people.identifiers import mask_id
from app.people.models import IdType, Person
from app.people.services import find_person
from tests.factories import make_id_number
from tests.people.world import good_rows, row, xlsx_bytes

TABLES = ("people_persons", "archive_events", "people_import_batches")


def all_cells(table: str) -> list:
    return [cell for r in db.session.execute(sa.text(f"SELECT * FROM {table}")) for cell in r]


def _as_text(cell) -> str:
    if isinstance(cell, bytes | bytearray | memoryview):
        return bytes(cell).decode("latin-1")
    return str(cell)


def test_id_numbers_are_not_stored_in_clear(client, login, world, factory, database_url):
    numbers = [world.person_a.id_number]
    numbers.append(
        factory.employ(
            world.ent_b, name="李清照", id_number=make_id_number("320115", date(1984, 3, 8))
        ).person.id_number
    )
    factory.commit()
    rows = good_rows(3)
    numbers += [r[2] for r in rows]
    # one batch applied, one staged with a problem (a bad row carries its number only as the error value)
    login(world.admin_a)
    response = client.post("/people/import", data={"file": (__import__("io").BytesIO(xlsx_bytes(rows)), "r.xlsx")})
    client.post(response.location, data={"batch": response.location.rsplit("/", 1)[1]})
    # a staged batch that stopped on problems: a typo'd number (wrong check digit) and a duplicate in the file
    typo = make_id_number("320102", date(1999, 9, 9))
    typo = typo[:17] + ("1" if typo[17] == "0" else "0")
    fresh = make_id_number("320102", date(1998, 8, 8))
    numbers += [typo, fresh]
    staged = [row("未导入", typo), row("也未导入", fresh), row("重复", fresh)]
    response = client.post("/people/import", data={"file": (__import__("io").BytesIO(xlsx_bytes(staged)), "s.xlsx")})
    page = client.get(response.location).get_data(as_text=True)
    assert "第 2 行「证件号码」" in page and "校验位错误" in page and "证件号码与第 3 行重复" in page
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Person)) == 5
    assert db.session.scalar(sa.text("SELECT count(*) FROM people_import_batches")) == 2

    for table in TABLES:
        cells = [_as_text(c) for c in all_cells(table)]
        assert cells, table
        for number in numbers:
            for text in cells:
                assert number not in text, (table, number)
                assert number[4:14] not in text, (table, number)  # nor the hidden middle part

    if database_url.startswith("sqlite:///"):
        db.session.commit()
        raw = Path(database_url.removeprefix("sqlite:///")).read_bytes()
        for number in numbers:
            assert number.encode() not in raw


def test_masked_form_and_blind_index(world):
    person = world.person_a
    number = person.id_number
    assert person.id_masked == number[:4] + "**********" + number[-4:]
    assert find_person(IdType.RESIDENT_ID, number) == person
    # the index is keyed by 证件类型: the same digits as another type are another document
    assert find_person(IdType.HMT_RESIDENCE_PERMIT, number) is None
    assert len(person.id_hash) == 64 and number not in person.id_hash


def test_staged_preview_never_shows_full_number(client, login, world):
    rows = good_rows(2)
    login(world.admin_a)
    response = client.post("/people/import", data={"file": (__import__("io").BytesIO(xlsx_bytes(rows)), "r.xlsx")})
    page = client.get(response.location).get_data(as_text=True)
    for r in rows:
        assert r[2] not in page
        assert mask_id(r[2]) in page
