"""Enrolment the way institutions and enterprises work: an enterprise applies for its staff to an institution's
class, the institution accepts or refuses (报名审核) and invites; picking by name or ID number with the enrolled
hidden; bulk from a file of 证件号码 as exports hold them; the learner's 继续学习."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from app.archive.models import ArchiveEvent
from app.auth.models import Role, User
from app.core.clock import local_today, utcnow
from app.core.errors import DomainError
from app.extensions import db
from app.people.models import Person, Trainee
from app.training import classes, courses, study
from app.training.crediting import Heartbeat
from app.training.enrolment import applications, continuing, id_files, invitations, picking
from app.training.models import (
    ApplicationState,
    ClassMode,
    EnrolmentApplication,
    LessonKind,
    TrainingClass,
    TrainingType,
)
from tests.factories import make_id_number
from tests.training.conftest import TrainingWorld


@dataclass
class Inst:
    world: TrainingWorld
    user: User
    training_class: TrainingClass
    other_admin: User  # 江宁 (320115): same province, another enterprise
    other_person: Person


def institution_class(user, title="机构再培训班", *, starts: int = -1) -> TrainingClass:
    course = courses.create_course(title=f"{title}课程", training_type=TrainingType.ANNUAL, actor=user)
    courses.add_lesson(course, title="第一课 安全生产法", kind=LessonKind.TEXT, duration_minutes=15, body="……")
    courses.add_lesson(course, title="第二课 事故案例", kind=LessonKind.TEXT, duration_minutes=15, body="……")
    today = local_today()
    return classes.create_class(
        course=course,
        title=title,
        mode=ClassMode.ONLINE,
        starts_on=today + timedelta(days=starts),
        ends_on=today + timedelta(days=30),
        required_hours=1,
        actor=user,
    )


@pytest.fixture
def inst(training_world, factory) -> Inst:
    institution = factory.institution("320102")
    user = factory.user(Role.INSTITUTION, institution_id=institution.id)
    other_admin = training_world.other_enterprise_admin
    other_person = factory.employ(other_admin.enterprise, name="江宁学员", actor=other_admin).person
    training_class = institution_class(user)
    factory.commit()
    return Inst(training_world, user, training_class, other_admin, other_person)


def pickable(user, training_class, q="") -> list[str]:
    return [p.name for p in db.session.scalars(picking.pickable_query(user, training_class, q))]


def application_of(person) -> EnrolmentApplication:
    return db.session.scalars(sa.select(EnrolmentApplication).where(EnrolmentApplication.person_id == person.id)).one()


def kinds(person) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(ArchiveEvent.kind).where(ArchiveEvent.person_id == person.id).order_by(ArchiveEvent.seq)
        )
    )


# ---------------------------------------------------------------- picking


def test_the_pick_list_is_the_enterprises_staff_without_those_enrolled_or_applied_for(inst):
    w = inst.world
    assert pickable(w.organiser, inst.training_class) == ["李小红", "王大锤"]
    applications.apply(inst.training_class, [w.person.id], actor=w.organiser)
    assert pickable(w.organiser, inst.training_class) == ["李小红"]
    assert pickable(inst.other_admin, inst.training_class) == ["江宁学员"]


def test_staff_are_found_by_name_by_the_whole_id_number_or_its_last_four(inst):
    w, li = inst.world, inst.world.persons[1]
    assert pickable(w.organiser, inst.training_class, "小红") == ["李小红"]
    assert pickable(w.organiser, inst.training_class, li.id_number) == ["李小红"]
    assert pickable(w.organiser, inst.training_class, li.id_number[-4:]) == ["李小红"]
    assert pickable(w.organiser, inst.training_class, "张") == []


# ---------------------------------------------------------------- apply, accept, refuse, withdraw


def test_an_accepted_application_enrols_the_person_as_the_institutions_trainee(inst, login):
    w = inst.world
    assert applications.apply(inst.training_class, [w.person.id], actor=w.organiser) == 1
    assert applications.apply(inst.training_class, [w.person.id], actor=w.organiser) == 0  # already pending
    application = application_of(w.person)
    assert application.state is ApplicationState.PENDING
    assert not classes.is_enrolled(inst.training_class, w.person.id)
    assert db.session.scalar(sa.select(Trainee.id).where(Trainee.person_id == w.person.id)) is None
    assert applications.accept(inst.training_class, [application.id], actor=inst.user) == 1
    assert applications.accept(inst.training_class, [application.id], actor=inst.user) == 0  # a second click
    assert classes.is_enrolled(inst.training_class, w.person.id)
    assert db.session.scalar(sa.select(Trainee.id).where(Trainee.person_id == w.person.id)) is not None
    assert kinds(w.person)[-3:] == ["training.applied", "person.trainee", "training.enrolled"]
    db.session.commit()
    assert login(inst.user).get(f"/people/{w.person.id}").status_code == 200  # now its 学员


def test_a_refusal_says_why_and_the_enterprise_may_apply_again(inst):
    w = inst.world
    applications.apply(inst.training_class, [w.person.id], actor=w.organiser)
    application = application_of(w.person)
    with pytest.raises(DomainError) as no_note:
        applications.refuse(inst.training_class, [application.id], actor=inst.user, note="")
    assert no_note.value.code == "enrolment.refusal_note"
    assert applications.refuse(inst.training_class, [application.id], actor=inst.user, note="本期名额已满") == 1
    db.session.refresh(application)
    assert (application.state, application.note) == (ApplicationState.REFUSED, "本期名额已满")
    assert "王大锤" in pickable(w.organiser, inst.training_class)
    assert applications.apply(inst.training_class, [w.person.id], actor=w.organiser) == 1
    db.session.refresh(application)
    assert application.state is ApplicationState.PENDING and application.note == ""
    assert kinds(w.person)[-3:] == ["training.applied", "training.application_refused", "training.applied"]


def test_the_enterprise_withdraws_a_pending_application_once(inst):
    w = inst.world
    applications.apply(inst.training_class, [w.person.id], actor=w.organiser)
    application = application_of(w.person)
    applications.withdraw(application, actor=w.organiser)
    assert application.state is ApplicationState.WITHDRAWN
    with pytest.raises(DomainError) as again:
        applications.withdraw(application, actor=w.organiser)
    assert again.value.code == "enrolment.not_pending"
    assert applications.accept(inst.training_class, [application.id], actor=inst.user) == 0


def test_nobody_applies_for_someone_elses_staff_or_decides_someone_elses_class(inst, factory):
    w = inst.world
    with pytest.raises(DomainError) as theirs:
        applications.apply(inst.training_class, [inst.other_person.id], actor=w.organiser)
    assert theirs.value.code == "enrolment.out_of_scope"
    with pytest.raises(DomainError) as own_class:  # an enterprise's own class: it enrols, nobody applies
        applications.apply(w.training_class, [w.person.id], actor=inst.other_admin)
    assert own_class.value.code == "enrolment.not_applicant"
    applications.apply(inst.training_class, [w.person.id], actor=w.organiser)
    stranger = factory.user(Role.INSTITUTION, institution_id=factory.institution("320102").id)
    with pytest.raises(DomainError) as not_theirs:
        applications.accept(inst.training_class, [application_of(w.person).id], actor=stranger)
    assert not_theirs.value.code == "enrolment.not_reviewer"


def test_an_enterprise_of_another_province_does_not_see_the_class(inst, factory, login):
    shanghai = factory.enterprise(name="上海某化工", region="310104")
    admin = factory.enterprise_admin(shanghai)
    factory.commit()
    client = login(admin)
    assert client.get(f"/training/classes/{inst.training_class.id}").status_code == 404
    assert client.get(f"/training/classes/{inst.training_class.id}/pick").status_code == 404


def test_the_institution_enrols_its_own_trainees_directly_and_nobody_else(inst):
    w = inst.world
    applications.apply(inst.training_class, [w.person.id], actor=w.organiser)
    applications.accept(inst.training_class, [application_of(w.person).id], actor=inst.user)
    second = institution_class(inst.user, "机构第二期")
    assert pickable(inst.user, second) == ["王大锤"]  # its 学员 (still employed): 李小红 never applied
    assert pickable(inst.user, inst.training_class) == []


# ---------------------------------------------------------------- invitations


def test_an_institution_invites_enterprises_of_its_province(inst, factory, login):
    w = inst.world
    assert invitations.invite(inst.training_class, w.enterprise.id, actor=inst.user, note="欢迎报名") is True
    assert invitations.invite(inst.training_class, w.enterprise.id, actor=inst.user) is False
    shanghai = factory.enterprise(name="上海某化工", region="310104")
    with pytest.raises(DomainError) as far:
        invitations.invite(inst.training_class, shanghai.id, actor=inst.user)
    assert far.value.code == "enrolment.no_such_enterprise"
    db.session.commit()
    page = login(w.organiser).get("/training/applications").get_data(as_text=True)
    assert inst.training_class.title in page and "欢迎报名" in page
    assert inst.training_class.title not in login(inst.other_admin).get("/training/applications").get_data(as_text=True)


# ---------------------------------------------------------------- bulk from a file


def id_file(*rows, title="2026 年第一期报名名单", header=("序号", "姓名", "身份证号码")) -> bytes:
    book = Workbook()
    if title:
        book.active.append([title])
    if header:
        book.active.append(list(header))
    for row in rows:
        book.active.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_file_of_id_numbers_as_exports_hold_them(inst, factory):
    """Title row, ID with spaces, a 15-digit first-generation number stored as a number, blank rows."""
    w = inst.world
    old = factory.employ(w.enterprise, name="赵老", id_number=make_id_number("320102", date(1968, 3, 4), 35)).person
    fifteen = int(old.id_number[:6] + old.id_number[8:17])
    spaced = " ".join(w.person.id_number[i : i + 6] for i in range(0, 18, 6))
    data = id_file((1, "王大锤", spaced), (None, None, None), (2, "赵老", fifteen))
    result = id_files.bulk(inst.training_class, data, actor=w.organiser, filename="名单.xlsx")
    assert (result.done, result.skipped, result.errors, result.applied) == (2, 0, [], True)
    assert {a.person_id for a in db.session.scalars(sa.select(EnrolmentApplication))} == {w.person.id, old.id}


def test_a_file_with_bad_rows_names_each_and_stores_nothing_unless_asked(inst, factory):
    w = inst.world
    li = w.persons[1]
    stranger = make_id_number("110101", date(1990, 1, 1), 77)  # a valid number nobody registered
    as_number = next(
        n
        for n in (make_id_number("320102", date(1985, 6, 15), seq) for seq in range(100, 200))
        if n[-1] != "X" and str(int(float(n))) != n
    )
    data = id_file(
        (1, "王大锤", w.person.id_number),
        (2, "李小红", "32010219850615123"),  # 17 digits
        (3, "某人", stranger),
        (4, "江宁学员", inst.other_person.id_number),  # another enterprise's: said exactly as an unknown number
        (5, "李大红", li.id_number),
        (6, "王大锤", w.person.id_number),
        (7, "数字", float(as_number)),
    )
    result = id_files.bulk(inst.training_class, data, actor=w.organiser)
    assert result.done == 0 and db.session.scalar(sa.select(sa.func.count()).select_from(EnrolmentApplication)) == 0
    errors = dict(result.errors)
    assert sorted(errors) == [4, 5, 6, 7, 8, 9]  # the title row is row 1, the header row 2
    assert errors[4] == "证件号码 3201*********5123 应为 18 位"
    assert errors[5] == errors[6] and errors[5].startswith("不在可报名的人员中")
    assert errors[7] == "姓名与证件号码不符"
    assert errors[8] == "与第 3 行重复"
    assert "被表格存成了数字" in errors[9]
    result = id_files.bulk(inst.training_class, data, actor=w.organiser, valid_only=True)
    assert result.done == 1 and [a.person_id for a in db.session.scalars(sa.select(EnrolmentApplication))] == [
        w.person.id
    ]


def test_a_file_without_a_header_is_a_column_of_id_numbers(inst):
    w = inst.world
    data = id_file((w.person.id_number,), (w.persons[1].id_number,), title=None, header=None)
    result = id_files.bulk(inst.training_class, data, actor=w.organiser)
    assert (result.done, result.errors) == (2, [])


def test_the_organiser_enrols_its_own_class_from_a_file_and_the_enrolled_are_skipped(inst):
    w = inst.world
    data = id_file((1, "王大锤", w.person.id_number), (2, "李小红", w.persons[1].id_number))
    result = id_files.bulk(w.training_class, data, actor=w.organiser)  # both enrolled already (the fixture)
    assert (result.done, result.skipped, result.applied) == (0, 2, False)


# ---------------------------------------------------------------- pages


def test_the_pick_page_offers_select_all_and_all_matches(inst, login):
    w = inst.world
    client = login(w.organiser)
    page = client.get(f"/training/classes/{inst.training_class.id}/pick").get_data(as_text=True)
    assert 'data-select-all="pick-person_ids"' in page and "可选 2 人" in page
    client.post(f"/training/classes/{inst.training_class.id}/pick?q=小红", data={"all_shown": "1"})
    assert [a.person_id for a in db.session.scalars(sa.select(EnrolmentApplication))] == [w.persons[1].id]
    page = client.get(f"/training/classes/{inst.training_class.id}/pick").get_data(as_text=True)
    assert "可选 1 人" in page and "待审核" in page


def test_the_institution_refuses_on_its_review_page_with_a_reason(inst, login):
    w = inst.world
    applications.apply(inst.training_class, [w.person.id], actor=w.organiser)
    db.session.commit()
    client = login(inst.user)
    page = client.get(f"/training/classes/{inst.training_class.id}/applicants").get_data(as_text=True)
    (application_id,) = re.findall(r'name="review-application_ids" value="(\d+)"', page)
    url = f"/training/classes/{inst.training_class.id}/applicants"
    form = {"review-application_ids": application_id, "decision": "refuse", "review-note": ""}
    assert "不通过报名申请须填写理由" in client.post(url, data=form, follow_redirects=True).get_data(as_text=True)
    form["review-note"] = "不符合参训条件"
    client.post(url, data=form)
    text = login(w.organiser).get("/training/applications").get_data(as_text=True)
    assert "未通过" in text and "不符合参训条件" in text


# ---------------------------------------------------------------- 继续学习


def test_the_workers_home_shows_continue_learning_with_progress(inst, login, factory):
    w = inst.world
    applications.apply(inst.training_class, [w.person.id], actor=w.organiser)
    applications.accept(inst.training_class, [application_of(w.person).id], actor=inst.user)
    institution_class(inst.user, "下月开班", starts=5)  # not under way: not shown
    db.session.commit()
    home = login(w.worker).get("/").get_data(as_text=True)
    block = home.split('data-testid="continue-learning"', 1)[1].split("</div>\n</div>", 1)[0]
    assert inst.training_class.title in block and "已获 0 / 1 学时" in block and "还差 1 学时" in block
    assert "继续学习 · 第一课 安全生产法" in block and "下月开班" not in home
    first = inst.training_class.course.lessons[0]
    assert f"/training/mine/{inst.training_class.id}/lessons/{first.id}" in block


def test_continue_learning_goes_on_with_the_first_lesson_not_yet_studied(inst):
    w = inst.world
    applications.apply(inst.training_class, [w.person.id], actor=w.organiser)
    applications.accept(inst.training_class, [application_of(w.person).id], actor=inst.user)
    first, second = inst.training_class.course.lessons
    start = utcnow() - timedelta(minutes=20)
    token = study.open_lesson(w.person.id, inst.training_class, first, now=start)
    for k in range(31):  # 15 minutes, a beat every 30 s
        beat = Heartbeat(token, first.id, 30 * k, active=True)  # a text lesson: the learner scrolls as they read
        study.heartbeat(w.person.id, beat, now=start + timedelta(seconds=30 * k))
    (row,) = [c for c in continuing.continue_learning(w.person.id) if c.training_class.id == inst.training_class.id]
    assert (row.next_lesson.id, row.progress.hours, row.percent) == (second.id, 0.5, 50)
