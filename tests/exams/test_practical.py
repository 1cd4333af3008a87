"""特种作业 实际操作考试 (app/exams/practical.py, practical_sheets.py): score sheets as data, admission on a passed
theory exam, the attempt limits by the rule in force on the exam day (DOMAIN.md §2.0: 30号令 第十三条 before
2026-06-01, 应急管理部令第19号 from then), signing and grading once, every refusal, the rounding — and the theory
exam's retakes by date (app/exams/makeups.py)."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.archive.models import ArchiveEvent
from app.archive.render import render_payload
from app.core.errors import DomainError
from app.exams import makeups, practical_sheets
from app.exams.models import ExamKind
from app.exams.practical import candidates, outcomes, scoring, sittings, validity
from app.exams.practical.models import PracticalAttempt, PracticalExaminer, PracticalSignature, ScoreSheet
from app.exams.practical.outcomes import PracticalOutcome
from app.extensions import db
from app.people.models import Post
from app.rules.models import Rule
from app.rules.queries import rule_value
from app.rules.seed import seed_reference
from tests.exams.practical_world import at, marks, theory_exam

BEFORE = date(2026, 3, 1)  # 30号令: the exam and one 补考
AFTER = date(2026, 7, 1)  # 应急管理部令第19号: five attempts, then the theory exam again


def refused(code: str):
    return pytest.raises(DomainError, match=rf"^{code}$")


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def graded_events(person) -> list[dict]:
    rows = db.session.scalars(
        sa.select(ArchiveEvent.payload).where(
            ArchiveEvent.person_id == person.id, ArchiveEvent.kind == "exam.practical_graded"
        )
    )
    return [json.loads(p) for p in rows]


# ---------------------------------------------------------------- rules by date


def test_the_practical_rules_have_both_versions_by_date(app):
    """30号令 第十三条 (one 补考, then re-training) until 2026-05-31; 应急管理部令第19号 (5 attempts, then theory again,
    unlimited theory retakes) from 2026-06-01; seeding again adds nothing."""
    day_before, first_day = date(2026, 5, 31), date(2026, 6, 1)
    assert rule_value("exam.practical.attempts", on=day_before) == 2
    assert rule_value("exam.practical.attempts", on=first_day) == 5
    assert rule_value("exam.practical.retraining_after_limit", on=day_before) == 1
    assert rule_value("exam.practical.retraining_after_limit", on=first_day) == 0
    assert rule_value("exam.retakes_unlimited.special_operator", on=day_before) == 0
    assert rule_value("exam.retakes_unlimited.special_operator", on=first_day) == 1
    assert rule_value("exam.practical.pass_mark") == 80 and rule_value("exam.practical.examiners") == 2
    assert seed_reference() == (0, 0)


def test_seeding_adds_a_new_version_beside_the_stored_one(app):
    """An install seeded before the revision has the old row only (its value maybe edited): seeding adds the dated
    row and leaves the old one as it is."""
    db.session.execute(sa.delete(Rule).where(Rule.key == "exam.practical.attempts", Rule.valid_from > date(2000, 1, 1)))
    db.session.execute(sa.update(Rule).where(Rule.key == "exam.practical.attempts").values(value=3))
    assert seed_reference() == (0, 1)
    values = db.session.execute(
        sa.select(Rule.valid_from, Rule.value).where(Rule.key == "exam.practical.attempts").order_by(Rule.valid_from)
    ).all()
    assert [tuple(v) for v in values] == [(date(2000, 1, 1), 3), (date(2026, 6, 1), 5)]


# ---------------------------------------------------------------- score sheets


def test_seeded_score_sheets_have_four_items_of_100_points(practical_world):
    for code in ("1.2", "2.1", "3.2"):
        sheet = practical_sheets.sheet_in_force(code, AFTER)
        assert [i.code for i in sheet.items] == ["K1", "K2", "K3", "K4"]
        assert sheet.max_total == 100 and any(i.critical for i in sheet.items)
        assert "非官方" in sheet.note
    low_voltage = practical_sheets.sheet_in_force("1.2", AFTER)
    assert [(i.name, i.max_points) for i in low_voltage.items] == [
        ("安全用具使用", 20),
        ("安全操作技术", 40),
        ("作业现场安全隐患排除", 20),
        ("作业现场应急处置", 20),
    ]
    assert practical_sheets.seed_score_sheets() == 0


def test_a_new_version_takes_over_from_its_day_and_a_used_one_is_frozen(practical_world):
    old = practical_sheets.sheet_in_force("1.2", BEFORE)
    sitting = practical_world.sitting(BEFORE)  # uses the old version
    rows = [
        practical_sheets.ItemData("K1", "安全用具使用", 30),
        practical_sheets.ItemData("K2", "安全操作技术", "70", True),
    ]
    new = practical_sheets.save_sheet(
        None, operation_code="1.2", title="低压电工 新评分表", valid_from=date(2026, 9, 1), items=rows
    )
    assert old.valid_to == date(2026, 8, 31) and new.valid_to is None
    assert practical_sheets.sheet_in_force("1.2", date(2026, 8, 31)) is old
    assert practical_sheets.sheet_in_force("1.2", date(2026, 9, 1)) is new
    assert practical_world.sitting(date(2026, 9, 2)).items == [
        {"code": "K1", "name": "安全用具使用", "max": 30.0, "critical": False},
        {"code": "K2", "name": "安全操作技术", "max": 70.0, "critical": True},
    ]
    assert [i["code"] for i in sitting.items] == ["K1", "K2", "K3", "K4"]  # frozen when it was created
    with refused("sheet.in_use"):
        practical_sheets.save_sheet(old, operation_code="1.2", title="改", valid_from=old.valid_from, items=rows)
    with refused("sheet.overlap"):
        practical_sheets.save_sheet(None, operation_code="1.2", title="重", valid_from=date(2026, 9, 1), items=rows)


@pytest.mark.parametrize(
    ("rows", "code"),
    [
        ([("K1", "a", 50), ("K2", "b", 40)], "sheet.total"),
        ([("K1", "a", 50), ("K1", "b", 50)], "sheet.duplicate_code"),
        ([("K1", "a", 50), ("K2", "", 50)], "sheet.item"),
        ([("K1", "a", "49.7"), ("K2", "b", "50.3")], "sheet.item"),
        ([("", "", "")], "sheet.items"),
    ],
)
def test_a_score_sheet_that_is_not_100_points_of_named_items_is_refused(practical_world, rows, code):
    with refused(code):
        practical_sheets.save_sheet(
            None,
            operation_code="4.1",
            title="制冷",
            valid_from=AFTER,
            items=[practical_sheets.ItemData(*r) for r in rows],
        )
    assert count(ScoreSheet) == 3


# ---------------------------------------------------------------- sittings and examiners


def test_a_sitting_freezes_its_sheet_pass_mark_and_examiner_count(practical_world):
    sitting = practical_world.sitting(AFTER)
    assert (sitting.pass_mark, sitting.examiners_required, sitting.max_score) == (80, 2, 100)
    assert sitting.region_code == "320100" and len(sitting.items) == 4
    assert set(sitting.examiner_ids) == {practical_world.organiser.id, practical_world.examiner.id}


@pytest.mark.parametrize(
    ("who", "code"),
    [
        (lambda w: [w.organiser], "practical.examiners"),  # only one examiner
        (lambda w: [w.organiser, w.organiser], "practical.examiners"),  # the same one twice is one
        (lambda w: [w.organiser, w.outsider], "practical.examiner_invalid"),  # another city's regulator
        (lambda w: [w.organiser, w.enterprise_admin], "practical.examiner_invalid"),  # not an authority's account
    ],
)
def test_a_sitting_needs_two_distinct_examiners_of_the_region(practical_world, who, code):
    with refused(code):
        practical_world.sitting(AFTER, examiners=who(practical_world))


def test_only_a_regulator_organises_and_only_with_a_score_sheet(practical_world):
    w = practical_world
    for actor in (w.platform_admin, w.enterprise_admin):
        with refused("practical.not_organiser"):
            sittings.create_sitting(
                title="x", operation_code="1.2", site_name="考点", exam_on=AFTER, examiner_ids=[], actor=actor
            )
    with refused("practical.no_sheet"):
        w.sitting(AFTER, operation_code="4.1")


# ---------------------------------------------------------------- admission


def test_a_candidate_needs_a_theory_pass_of_the_item_valid_on_the_exam_day(practical_world):
    """A passing score stays valid 12 months (暂行办法 第十条): to the day before the same date a year later."""
    w = practical_world
    taken = date(2026, 2, 10)
    theory_exam(w.person, taken, operation_code="2.1")  # another 操作项目
    theory_exam(w.person, taken - timedelta(days=5), passed=False)  # failed
    with refused("practical.not_eligible") as exc:
        w.enrol(w.sitting(BEFORE))
    assert "王电工" in exc.value.message and "1.2 低压电工作业" in exc.value.message
    theory = theory_exam(w.person, taken)
    assert validity.theory_pass(w.person.id, "1.2", date(2027, 2, 9)) == theory
    assert validity.theory_pass(w.person.id, "1.2", date(2027, 2, 10)) is None
    assert validity.theory_pass(w.person.id, "1.2", taken - timedelta(days=1)) is None  # not taken yet
    assert w.enrol(w.sitting(date(2027, 2, 9))).theory_attempt_id == theory.id
    with refused("practical.not_eligible"):
        w.enrol(w.sitting(date(2027, 2, 10)))


def test_a_makeup_of_the_qualification_exam_counts_as_theory_a_training_exam_does_not(practical_world):
    w = practical_world
    theory_exam(w.person, date(2026, 6, 10), kind=ExamKind.TRAINING)
    assert validity.theory_pass(w.person.id, "1.2", AFTER) is None
    failed = theory_exam(w.person, date(2026, 6, 12), passed=False)
    makeup = theory_exam(w.person, date(2026, 6, 15), kind=ExamKind.MAKEUP, makeup_of=failed.sitting)
    assert validity.theory_pass(w.person.id, "1.2", AFTER) == makeup


def test_enrolment_is_all_or_none_naming_each_refused_candidate(practical_world):
    w = practical_world
    theory_exam(w.persons[0], date(2026, 6, 20))
    sitting = w.sitting(AFTER)
    with refused("practical.not_eligible") as exc:
        candidates.add_candidates(sitting, [p.id for p in w.persons], actor=w.organiser)
    assert "李电工" in exc.value.message and "王电工" not in exc.value.message
    assert count(PracticalAttempt) == 0


# ---------------------------------------------------------------- attempt limits, both sides of 2026-06-01


def test_before_2026_06_01_two_attempts_then_retraining(practical_world):
    """30号令 第十三条: one 补考; failing it too means training again."""
    w = practical_world
    theory_exam(w.person, date(2026, 2, 10))
    first = w.attempt_on(BEFORE, 70)
    second = w.attempt_on(date(2026, 3, 15), 70)
    assert (first.attempt_no, second.attempt_no) == (1, 2)
    assert outcomes.outcome(first, date(2026, 4, 1)) is PracticalOutcome.RETAKE
    assert outcomes.outcome(second, date(2026, 4, 1)) is PracticalOutcome.RETRAINING
    with refused("practical.not_eligible") as exc:
        w.enrol(w.sitting(date(2026, 4, 1)))
    assert "2 次" in exc.value.message and "须重新参加培训" in exc.value.message


def test_an_attempt_after_2026_06_01_follows_the_new_rule_even_on_old_failures(practical_world):
    """The rule in force on the day of the attempt applies: the third attempt on 2026-06-15 is allowed (5), while the
    second failure keeps its old meaning (re-training)."""
    w = practical_world
    theory_exam(w.person, date(2026, 2, 10))
    w.attempt_on(BEFORE, 70)
    second = w.attempt_on(date(2026, 3, 15), 70)
    third = w.attempt_on(date(2026, 6, 15), 70)
    assert third.attempt_no == 3
    assert outcomes.outcome(second, date(2026, 7, 1)) is PracticalOutcome.RETRAINING
    assert outcomes.outcome(third, date(2026, 7, 1)) is PracticalOutcome.RETAKE


def test_from_2026_06_01_five_attempts_then_the_theory_exam_again_without_training(practical_world):
    """应急管理部令第19号: up to 5 practical attempts; then a new theory pass (no training) opens five more."""
    w = practical_world
    theory_exam(w.person, date(2026, 6, 20))
    tries = [w.attempt_on(AFTER + timedelta(days=n), 75) for n in range(5)]
    assert [a.attempt_no for a in tries] == [1, 2, 3, 4, 5]
    today = date(2026, 7, 10)
    assert [outcomes.outcome(a, today) for a in tries] == [PracticalOutcome.RETAKE] * 4 + [
        PracticalOutcome.THEORY_AGAIN
    ]
    with refused("practical.not_eligible") as exc:
        w.enrol(w.sitting(today))
    assert "5 次" in exc.value.message and "须重新参加理论考试（无需培训）" in exc.value.message
    theory_exam(w.person, date(2026, 7, 8))
    assert w.enrol(w.sitting(today)).attempt_no == 1


def test_a_booked_attempt_counts_and_a_passed_practical_is_not_sat_again(practical_world):
    w = practical_world
    theory_exam(w.person, date(2026, 2, 1))
    w.attempt_on(date(2026, 2, 10), 70)  # sat, failed: 1 of 2
    assert w.enrol(w.sitting(date(2026, 2, 20))).attempt_no == 2  # booked, not yet sat
    with refused("practical.not_eligible") as exc:
        w.enrol(w.sitting(date(2026, 2, 25)))
    assert "须先完成已报名的实操考试" in exc.value.message
    theory_exam(w.persons[1], AFTER)
    w.attempt_on(date(2026, 7, 2), 90, w.persons[1])
    with refused("practical.not_eligible") as exc:
        w.enrol(w.sitting(date(2026, 7, 3)), w.persons[1])
    assert "已通过该操作项目的实操考试" in exc.value.message


def test_the_database_gives_a_number_on_a_theory_pass_once(practical_world):
    """Two sittings enrolling the same person at once would compute the same number: the unique constraint lets one
    through (the service then refuses with ``practical.enrol_conflict``)."""
    w = practical_world
    theory = theory_exam(w.person, date(2026, 6, 20))
    first, second = w.sitting(AFTER), w.sitting(AFTER + timedelta(days=1))
    w.enrol(first)
    db.session.commit()
    db.session.add(
        PracticalAttempt(
            sitting_id=second.id,
            person_id=w.person.id,
            operation_code="1.2",
            exam_on=second.exam_on,
            theory_attempt_id=theory.id,
            attempt_no=1,
        )
    )
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_outcome_before_grading_upcoming_pending_absent(practical_world):
    w = practical_world
    theory_exam(w.person, date(2026, 6, 20))
    attempt = w.enrol(w.sitting(AFTER))
    assert outcomes.outcome(attempt, AFTER - timedelta(days=1)) is PracticalOutcome.UPCOMING
    assert outcomes.outcome(attempt, AFTER) is PracticalOutcome.PENDING
    assert outcomes.outcome(attempt, AFTER + timedelta(days=1)) is PracticalOutcome.ABSENT
    scoring.sign(attempt, w.organiser, marks(90), now=at(AFTER))
    assert outcomes.outcome(attempt, AFTER + timedelta(days=1)) is PracticalOutcome.PENDING


# ---------------------------------------------------------------- signing and grading


@pytest.fixture
def enrolled(practical_world) -> PracticalAttempt:
    theory_exam(practical_world.person, date(2026, 6, 20))
    attempt = practical_world.enrol(practical_world.sitting(AFTER))
    db.session.commit()
    return attempt


def test_two_signatures_grade_the_attempt_once_with_the_mean(practical_world, enrolled):
    w = practical_world
    scoring.sign(enrolled, w.organiser, marks(90), ip="10.1.1.1", user_agent="iPad", now=at(AFTER, 10))
    assert (enrolled.signatures, enrolled.graded_at, enrolled.score) == (1, None, None)
    assert graded_events(w.person) == []
    scoring.sign(enrolled, w.examiner, marks(85), ip="10.1.1.2", now=at(AFTER, 10, 7))
    assert (enrolled.signatures, enrolled.graded_at) == (2, at(AFTER, 10, 7))
    assert (enrolled.score, enrolled.max_score, enrolled.passed, enrolled.vetoed) == (87.5, 100, True, False)
    signed = scoring.signatures_of(enrolled)
    assert [(s.examiner_id, s.total, s.ip, s.signed_at) for s in signed] == [
        (w.organiser.id, 90, "10.1.1.1", at(AFTER, 10)),
        (w.examiner.id, 85, "10.1.1.2", at(AFTER, 10, 7)),
    ]
    [event] = graded_events(w.person)
    assert event["score"] == 87.5 and event["passed"] is True and event["attempt_no"] == 1
    assert [e["name"] for e in event["examiners"]] == ["考评员甲", "考评员乙"]
    assert event["items"][1] == {"code": "K2", "name": "安全操作技术", "max": 40, "critical": True, "scores": [30, 25]}
    shown = render_payload("exam.practical_graded", event)
    facts = dict(shown.facts)
    assert shown.title == "实操考试成绩" and shown.outcome == ("合格", "ok")
    assert facts["操作项目"] == "1.2 低压电工作业" and facts["得分"] == "87.5/100"
    assert "K2 安全操作技术：30、25（满分 40）" in facts["各项得分"]
    assert facts["考评员"].startswith("考评员甲（")
    assert validity.passed_practical(w.person.id, "1.2", AFTER) == enrolled


def test_a_third_examiner_after_grading_is_refused(practical_world, enrolled):
    w = practical_world
    sittings.set_examiners(enrolled.sitting, [w.organiser.id, w.examiner.id, w.third.id])
    w.score(enrolled, (90, 90))
    db.session.commit()
    with refused("practical.graded"):
        scoring.sign(enrolled, w.third, marks(10), now=at(AFTER))
    db.session.rollback()
    assert count(PracticalSignature) == 2 and len(graded_events(w.person)) == 1


@pytest.mark.parametrize(
    ("totals", "vetoes", "score", "passed"),
    [
        ((80, 79.5), ((), ()), 79.8, False),  # 79.75 rounds half up to 79.8: below 80
        ((80.5, 80), ((), ()), 80.3, True),  # 80.25 → 80.3 (Python's round() would say 80.2)
        ((79, 81), ((), ()), 80.0, True),
        ((95, 95), ((), ("K2",)), 95.0, False),  # one examiner recorded the 否决项 as failed
    ],
)
def test_score_is_the_rounded_mean_and_a_veto_fails(practical_world, enrolled, totals, vetoes, score, passed):
    practical_world.score(enrolled, totals, vetoes=vetoes)
    assert (enrolled.score, enrolled.passed, enrolled.vetoed) == (score, passed, bool(vetoes[1]))


def test_mean_score_rounds_half_up_to_one_decimal():
    assert scoring.mean_score([79, 80]) == 79.5
    assert scoring.mean_score([80, 80.5]) == 80.3
    assert scoring.mean_score([80, 80, 79]) == 79.7
    assert scoring.mean_score([80.5, 80.5, 80]) == 80.3


def _bad_entry(w, attempt, change):
    scores = marks(90)
    scores.update(change)
    scoring.sign(attempt, w.organiser, scores, now=at(AFTER))


@pytest.mark.parametrize(
    ("act", "code"),
    [
        (lambda w, a: _bad_entry(w, a, {"K3": ""}), "practical.item_missing"),
        (
            lambda w, a: scoring.sign(a, w.organiser, {"K1": 20, "K2": 40, "K3": 20}, now=at(AFTER)),
            "practical.item_missing",
        ),
        (lambda w, a: _bad_entry(w, a, {"K1": 21}), "practical.item_range"),
        (lambda w, a: _bad_entry(w, a, {"K1": -1}), "practical.item_range"),
        (lambda w, a: _bad_entry(w, a, {"K1": "十八"}), "practical.item_invalid"),
        (lambda w, a: _bad_entry(w, a, {"K1": "17.3"}), "practical.item_invalid"),
        (lambda w, a: _bad_entry(w, a, {"K1": "nan"}), "practical.item_invalid"),
        (lambda w, a: scoring.sign(a, w.third, marks(90), now=at(AFTER)), "practical.not_examiner"),
        (lambda w, a: scoring.sign(a, w.enterprise_admin, marks(90), now=at(AFTER)), "practical.not_examiner"),
        (
            lambda w, a: scoring.sign(a, w.organiser, marks(90), now=at(AFTER) - timedelta(hours=11)),
            "practical.not_yet",
        ),
    ],
)
def test_refused_entries_write_nothing(practical_world, enrolled, act, code):
    """Each refusal names the problem; nothing is stored (the view rolls back, and these refuse before writing)."""
    with refused(code) as exc:
        act(practical_world, enrolled)
    assert exc.value.message != code
    db.session.rollback()
    assert count(PracticalSignature) == 0
    assert db.session.get(PracticalAttempt, enrolled.id).signatures == 0


def test_an_examiner_signs_once(practical_world, enrolled):
    scoring.sign(enrolled, practical_world.organiser, marks(90), now=at(AFTER))
    db.session.commit()
    with refused("practical.already_signed"):
        scoring.sign(enrolled, practical_world.organiser, marks(60), now=at(AFTER, 11))
    db.session.rollback()
    assert [s.total for s in scoring.signatures_of(enrolled)] == [90]
    assert db.session.get(PracticalAttempt, enrolled.id).signatures == 1


def test_a_stale_page_cannot_sign_a_graded_attempt(practical_world, enrolled):
    stale = enrolled.id
    practical_world.score(enrolled, (90, 90))
    db.session.commit()
    attempt = db.session.get(PracticalAttempt, stale)
    with refused("practical.graded"):
        scoring.sign(attempt, practical_world.third, marks(50), now=at(AFTER))


def test_signing_needs_the_sittings_examiners(practical_world, enrolled):
    """A sitting left with one examiner (an account removed behind the service's back) cannot be scored."""
    db.session.execute(sa.delete(PracticalExaminer).where(PracticalExaminer.user_id == practical_world.examiner.id))
    db.session.commit()
    db.session.expire_all()
    with refused("practical.too_few_examiners"):
        scoring.sign(enrolled, practical_world.organiser, marks(90), now=at(AFTER))


def test_examiners_change_only_before_anyone_signed(practical_world, enrolled):
    w = practical_world
    sittings.set_examiners(enrolled.sitting, [w.examiner.id, w.third.id])
    assert set(enrolled.sitting.examiner_ids) == {w.examiner.id, w.third.id}
    scoring.sign(enrolled, w.third, marks(90), now=at(AFTER))
    with refused("practical.has_signatures"):
        sittings.set_examiners(enrolled.sitting, [w.organiser.id, w.examiner.id])


def test_withdraw_needs_a_reason_and_no_signature(practical_world, enrolled):
    with refused("practical.withdraw_reason"):
        candidates.withdraw(enrolled, " ")
    scoring.sign(enrolled, practical_world.organiser, marks(90), now=at(AFTER))
    with refused("practical.has_signatures"):
        candidates.withdraw(enrolled, "报错了")
    db.session.rollback()
    candidates.withdraw(db.session.get(PracticalAttempt, enrolled.id), "报名有误")
    assert count(PracticalAttempt) == 0


def test_passed_practical_is_the_latest_pass_valid_on_the_day(practical_world):
    w = practical_world
    theory_exam(w.person, date(2026, 6, 20))
    w.attempt_on(AFTER, 70)
    passed = w.attempt_on(date(2026, 7, 2), 90)
    assert validity.passed_practical(w.person.id, "1.2", date(2026, 7, 1)) is None
    assert validity.passed_practical(w.person.id, "1.2", date(2027, 7, 1)) == passed
    assert validity.passed_practical(w.person.id, "1.2", date(2027, 7, 2)) is None
    assert validity.passed_practical(w.person.id, "2.1", date(2026, 8, 1)) is None


# ---------------------------------------------------------------- theory retakes by date (makeups.py)


def _fail(person, day, **kw):
    return theory_exam(person, day, passed=False, **kw)


def test_theory_before_2026_06_01_one_makeup_then_retraining(practical_world):
    person = practical_world.person
    first = _fail(person, date(2026, 3, 1))
    assert makeups.outcome(first, at(date(2026, 3, 2))) is makeups.Outcome.MAKEUP_AVAILABLE
    second = _fail(person, date(2026, 3, 20), makeup_of=first.sitting, kind=ExamKind.MAKEUP)
    assert makeups.outcome(second, at(date(2026, 3, 21))) is makeups.Outcome.RETRAINING
    assert makeups.attempt_number(second) == 2


def test_theory_from_2026_06_01_unlimited_retakes_without_retraining(practical_world):
    person = practical_world.person
    first = _fail(person, date(2026, 7, 1))
    second = _fail(person, date(2026, 7, 10), makeup_of=first.sitting, kind=ExamKind.MAKEUP)
    third = _fail(person, date(2026, 7, 20))
    now = at(date(2026, 7, 21))
    assert [makeups.outcome(a, now) for a in (second, third)] == [makeups.Outcome.MAKEUP_AVAILABLE] * 2
    standing = makeups.standing(person.id, third.sitting.subject, now)
    assert (standing.failures, standing.unlimited, standing.may_retake) == (3, True, True)
    assert [makeups.attempt_number(a) for a in (first, second, third)] == [1, 2, 3]


def test_managers_keep_one_makeup_then_retraining_after_2026_06_01(practical_world):
    """补考 and re-training of 主要负责人/安管 did not change (44号令): their rows stay."""
    person = practical_world.persons[1]
    first = _fail(person, date(2026, 7, 1), operation_code="", post=Post.PRINCIPAL.value)
    second = _fail(
        person,
        date(2026, 7, 10),
        operation_code="",
        post=Post.PRINCIPAL.value,
        makeup_of=first.sitting,
        kind=ExamKind.MAKEUP,
    )
    assert makeups.outcome(second, at(date(2026, 7, 11))) is makeups.Outcome.RETRAINING
