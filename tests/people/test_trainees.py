"""A training institution sees the persons it trains — and nobody else — and may seat them in its exams."""

from __future__ import annotations

import sqlalchemy as sa

from app.archive.models import ArchiveEvent
from app.auth.models import Role
from app.extensions import db
from app.people.trainees import add_trainee


def test_an_institution_sees_its_trainees_only_and_examines_them(client, login, world, factory):
    institution = factory.institution("320102")
    user = factory.user(Role.INSTITUTION, institution_id=institution.id)
    other_person = factory.employ(world.ent_b, name="江宁员工").person
    factory.commit()
    login(user)
    assert client.get(f"/people/{world.person_a.id}").status_code == 404  # not (yet) its trainee

    assert add_trainee(institution, world.person_a, source="class:1", actor=None) is True
    assert add_trainee(institution, world.person_a, source="class:2", actor=None) is False  # once
    factory.commit()
    page = client.get(f"/people/{world.person_a.id}")
    assert page.status_code == 200 and "王大锤" in page.get_data(as_text=True)
    assert client.get(f"/people/{other_person.id}").status_code == 404
    kinds = db.session.scalars(sa.select(ArchiveEvent.kind).where(ArchiveEvent.person_id == world.person_a.id)).all()
    assert kinds.count("person.trainee") == 1

    # its sitting form offers its trainees as candidates, nobody else
    form = client.get("/exams/sittings/new").get_data(as_text=True)
    assert "王大锤" in form and "江宁员工" not in form
