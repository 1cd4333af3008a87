"""Registered photos replaced at the same moment, on a real PostgreSQL (each upload in its own thread and
connection, lined up on a barrier): whichever upload commits last is the photo, and every file a commit replaced is
deleted — no photo of a person is left in storage unnamed (个人信息保护法: a replaced photo is not kept)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.storage import LocalStorage, storage
from app.extensions import db
from app.people.models import Person
from tests.exams.test_concurrency import in_parallel, logged_in_clients
from tests.exams.test_concurrency import pytestmark as postgres_only
from tests.people.test_photos import image_bytes, upload

pytestmark = postgres_only

N = 6


@pytest.fixture(autouse=True)
def own_storage(app, tmp_path, monkeypatch):
    """A store of this test's own: what is left in it is what this test left."""
    monkeypatch.setitem(app.extensions, "anpei_storage", LocalStorage(tmp_path))


def test_photos_replaced_at_once_leave_only_the_photo_in_force(app, world):
    person_id = world.person_a.id
    clients = logged_in_clients(app, world.admin_a, N + 1)
    assert upload(clients[0], world.person_a, image_bytes(color=(10, 10, 10))).status_code == 200
    db.session.expire_all()
    first_key = db.session.get(Person, person_id).photo_key
    folder = Path(storage().path(first_key)).parent
    colours = [(40 * k, 200 - 30 * k, 90) for k in range(1, N + 1)]  # a different photo each: a different file

    class Shown:  # plain values only: the threads cannot load attributes
        id = person_id

    statuses = in_parallel(
        [
            lambda c=c, rgb=rgb: upload(c, Shown, image_bytes(color=rgb)).status_code
            for c, rgb in zip(clients[1:], colours)
        ]
    )
    assert statuses == [200] * N
    db.session.expire_all()
    in_force = db.session.get(Person, person_id).photo_key
    assert in_force != first_key
    assert sorted(p.name for p in folder.iterdir()) == [Path(in_force).name]


def test_an_upload_at_the_moment_of_a_withdrawal_does_not_undo_it(app, world):
    """The person withdraws consent to their photo while their employer uploads new ones: whichever comes first,
    the withdrawal stands — uploads after it are refused, an upload before it is the photo withdrawn."""
    person_id = world.person_a.id
    employer = logged_in_clients(app, world.admin_a, N)
    assert upload(employer[0], world.person_a, image_bytes(color=(10, 10, 10))).status_code == 200
    worker = logged_in_clients(app, world.worker_a, 1)[0]

    class Shown:
        id = person_id

    uploads = [
        lambda c=c, k=k: upload(c, Shown, image_bytes(color=(30 * k, 60, 200 - 20 * k))).status_code
        for k, c in enumerate(employer[1:], start=1)
    ]
    statuses = in_parallel([lambda: worker.post("/me/photo/withdraw-consent").status_code, *uploads])
    assert statuses[0] == 302 and set(statuses[1:]) <= {200, 409}
    db.session.expire_all()
    person = db.session.get(Person, person_id)
    assert person.photo_consent_withdrawn_at is not None
    folder = Path(storage().path(person.photo_key)).parent
    assert sorted(p.name for p in folder.iterdir()) == [Path(person.photo_key).name]
