"""The hours gates: 逢培必考 opens for a trainee when their hours are complete (unless the class allows earlier, which
the regulator sees), and admitting someone short of hours to a 资格考试 or 复审考试 needs a listed reason with its
facts, listed for the supervising regulator."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.core.clock import utcnow
from app.core.errors import DomainError
from app.exams import queries
from app.exams import sittings as exam_sittings
from app.exams.attempts import starting
from app.exams.gates import GateOverride
from app.exams.models import ExamKind, Sitting
from app.exams.models import GateOverride as StoredOverride
from app.extensions import db
from app.people.models import Post
from app.training import classes
from tests.training.test_services import open_exam, study_for


def start(world, person):
    sitting = db.session.get(Sitting, world.training_class.exam_sitting_id)
    return starting.start_or_resume(sitting, person.id, ip="", user_agent="", actor=None)


def test_the_class_exam_opens_for_a_trainee_when_their_hours_are_complete(training_world):
    w = training_world
    open_exam(w)
    with pytest.raises(DomainError) as refused:
        start(w, w.person)
    assert refused.value.message == "学时未满，暂不能参加班次考试：已获 0 / 0.5 学时"
    (row,) = queries.my_exams(w.person.id, utcnow())
    assert row.not_yet == "学时未满，暂不能参加班次考试：已获 0 / 0.5 学时"
    study_for(w, w.person, 300, lesson=w.course.lessons[0])  # the whole course: 15 minutes = 0.5 学时
    study_for(w, w.person, 600)
    (row,) = queries.my_exams(w.person.id, utcnow())
    assert row.not_yet == ""
    assert start(w, w.person).person_id == w.person.id


def test_a_class_may_let_its_trainees_sit_earlier_and_says_why(training_world):
    w = training_world
    open_exam(w)
    with pytest.raises(DomainError) as no_reason:
        classes.set_exam_before_hours(w.training_class, True, reason=" ", actor=w.organiser)
    assert no_reason.value.code == "class.exam_early_reason"
    classes.set_exam_before_hours(w.training_class, True, reason="集中考试日，学时在考后补足", actor=w.organiser)
    assert start(w, w.person).person_id == w.person.id
    assert (w.training_class.exam_before_hours_by_id, w.training_class.exam_before_hours_reason) == (
        w.organiser.id,
        "集中考试日，学时在考后补足",
    )


def test_the_regulator_sees_a_class_that_lets_trainees_sit_early(training_world, login, factory):
    w = training_world
    classes.set_exam_before_hours(w.training_class, True, reason="集中考试日，学时在考后补足", actor=w.organiser)
    regulator = factory.regulator("320100")
    factory.commit()
    client = login(regulator)
    home = client.get("/").get_data(as_text=True)
    assert "允许学时未满先考的班次" in home and w.training_class.title in home and "集中考试日，学时在考后补足" in home
    page = client.get(f"/training/classes/{w.training_class.id}").get_data(as_text=True)
    assert "允许学时未满先参加班次考试" in page and "集中考试日，学时在考后补足" in page
    assert "允许学时未满先考" in client.get("/training/classes").get_data(as_text=True)


def test_a_trainee_enrolled_after_the_exam_opened_is_its_candidate_too(training_world, factory):
    w = training_world
    sitting = open_exam(w)
    late = factory.employ(w.enterprise, name="晚报名", actor=w.organiser).person
    classes.enrol(w.training_class, [late.id], actor=w.organiser)
    assert exam_sittings.is_candidate(sitting, late.id)


# ---------------------------------------------------------------- overrides of the hours gate


def qualification(world, persons, actor, **kw) -> Sitting:
    return exam_sittings.create_sitting(
        world.template,
        title="主要负责人资格考试",
        kind=ExamKind.QUALIFICATION,
        opens_at=utcnow(),
        closes_at=utcnow() + timedelta(hours=3),
        person_ids=[p.id for p in persons],
        actor=actor,
        post=Post.PRINCIPAL.value,
        **kw,
    )


@pytest.mark.parametrize(
    ("override", "code"),
    [
        (GateOverride("", "在外省完成 48 学时培训，证明已核验"), "override.reason"),
        (GateOverride("because", "在外省完成 48 学时培训，证明已核验"), "override.reason"),
        (GateOverride("trained_elsewhere", "已核验"), "override.text"),
        (GateOverride("trained_elsewhere", "……  !!  。。"), "override.text"),
        (GateOverride("trained_elsewhere", "已在其他机构或平台完成培训，培训证明已核验"), "override.text"),
    ],
    ids=["no reason", "not on the list", "too short", "punctuation", "the label again"],
)
def test_an_override_without_a_reason_of_substance_is_refused(training_world, factory, override, code):
    regulator = factory.regulator("320100")
    with pytest.raises(DomainError) as refused:
        qualification(training_world, [training_world.person], regulator, override=override)
    assert refused.value.code == code
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StoredOverride)) == 0


def test_an_override_is_listed_for_the_supervising_regulator_only(training_world, factory, login):
    w = training_world
    regulator, other_city = factory.regulator("320100"), factory.regulator("320500")
    override = GateOverride("trained_elsewhere", "上海市某培训中心 2026 年 10 月初训 48 学时，证明编号 SH-0931")
    qualification(w, [w.person], regulator, override=override)
    factory.commit()
    stored = db.session.scalars(sa.select(StoredOverride)).one()
    assert (stored.reason_code, stored.actor_id) == ("trained_elsewhere", regulator.id)
    assert stored.refused_because == "王大锤 学时不足：要求 48 学时，已完成 0 学时"
    page = login(regulator).get("/exams/gate-overrides").get_data(as_text=True)
    row = re.search(r'<tr data-testid="gate-override">(.*?)</tr>', page, re.S).group(1)
    assert "王大锤" in row and "已在其他机构或平台完成培训" in row and "SH-0931" in row and "学时不足" in row
    home = login(regulator).get("/").get_data(as_text=True)
    assert 'data-testid="override-count">1<' in home and "SH-0931" in home
    assert "SH-0931" not in login(other_city).get("/exams/gate-overrides").get_data(as_text=True)
    assert login(w.organiser).get("/exams/gate-overrides").status_code == 403


def test_the_overrides_logged_before_the_list_are_carried_over_as_unlisted(app, training_world, factory):
    """Migration 0303 lists the free-text overrides the 一人一档 holds from before, with the reason ``unlisted``."""
    from flask_migrate import downgrade, upgrade

    from app.archive.services import record_event
    from tests.exams.conftest import make_sitting

    w = training_world
    sitting = make_sitting(w.template, w.organiser, [w.person])
    factory.commit()
    sitting_id, person_id = sitting.id, w.person.id
    db.session.remove()
    downgrade(revision="0302")
    try:
        record_event(
            person_id,
            "exam.gate_overridden",
            {"sitting": sitting_id, "title": "资格考试", "exam_kind": "qualification", "reason": "省厅同意"},
        )
        db.session.commit()
    finally:
        db.session.remove()
        upgrade()
    stored = db.session.scalars(sa.select(StoredOverride)).one()
    assert (stored.sitting_id, stored.person_id, stored.reason_code, stored.reason_text) == (
        sitting_id,
        person_id,
        "unlisted",
        "省厅同意",
    )
