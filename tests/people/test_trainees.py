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
    kinds = db.session.scalars(
        sa.select(ArchiveEvent.kind).where(ArchiveEvent.person_id == world.person_a.id).order_by(ArchiveEvent.seq)
    ).all()
    assert kinds.count("person.trainee") == 1

    # its sitting form offers its trainees as candidates, nobody else
    form = client.get("/exams/sittings/new").get_data(as_text=True)
    assert "王大锤" in form and "江宁员工" not in form


def test_enrolling_in_an_institutions_class_makes_the_person_its_trainee(client, login, world, factory):
    """The training class is what brings a person to an institution: enrolment records the relation."""
    from datetime import date

    from app.training import classes
    from app.training.models import ClassMode
    from tests.training.conftest import build_course

    institution = factory.institution("320102")
    user = factory.user(Role.INSTITUTION, institution_id=institution.id)
    factory.commit()
    assert login(user).get(f"/people/{world.person_a.id}").status_code == 404
    training_class = classes.create_class(
        course=build_course(user),
        title="低压电工初训一班",
        mode=ClassMode.ONLINE,
        starts_on=date(2026, 12, 1),
        ends_on=date(2026, 12, 20),
        required_hours=2,
        actor=user,
    )
    classes.enrol(training_class, [world.person_a.id], actor=user)
    factory.commit()
    assert login(user).get(f"/people/{world.person_a.id}").status_code == 200
