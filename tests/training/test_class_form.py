"""The 开设班次 form: 要求学时 accepts the range the form itself states (its input's ``min`` and ``max``)."""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa

from app.core.errors import DomainError
from app.extensions import db
from app.training import classes
from app.training.models import ClassMode, TrainingClass


def _form_data(course_id: int, required_hours: str) -> dict:
    return {
        "title": "最少学时班",
        "course_id": course_id,
        "training_type": "annual",
        "mode": "online",
        "starts_on": "2026-11-01",
        "ends_on": "2026-12-31",
        "required_hours": required_hours,
        "exam_template_id": 0,
    }


def test_required_hours_accepts_the_minimum_the_form_states(training_world, login):
    client = login(training_world.organiser)
    page = client.get("/training/classes/new").get_data(as_text=True)
    field = re.search(r"<input[^>]*name=\"required_hours\"[^>]*>", page).group(0)
    minimum = re.search(r'min="([^"]+)"', field).group(1)
    assert minimum == "0.1"
    answer = client.post("/training/classes/new", data=_form_data(training_world.course.id, minimum))
    assert answer.status_code == 302, answer.get_data(as_text=True)
    created = db.session.scalars(sa.select(TrainingClass).where(TrainingClass.title == "最少学时班")).one()
    assert created.required_hours == 0.1


def test_required_hours_below_the_minimum_is_refused_with_the_forms_range(training_world, login):
    client = login(training_world.organiser)
    page = client.post("/training/classes/new", data=_form_data(training_world.course.id, "0.05")).get_data(
        as_text=True
    )
    assert "要求学时应在 0.1 到 200 之间" in page
    assert db.session.scalars(sa.select(TrainingClass).where(TrainingClass.title == "最少学时班")).first() is None


def test_the_service_keeps_the_same_range(training_world):
    def open_with(hours: float):
        return classes.create_class(
            course=training_world.course,
            title=f"{hours} 学时班",
            mode=ClassMode.ONLINE,
            starts_on=date(2026, 11, 1),
            ends_on=date(2026, 12, 31),
            required_hours=hours,
            actor=training_world.organiser,
        )

    assert open_with(0.1).required_hours == 0.1
    with pytest.raises(DomainError) as refused:
        open_with(0.05)
    assert refused.value.message == "要求学时应在 0.1 到 200 之间"
