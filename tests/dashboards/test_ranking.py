"""动态积分 from a fixed set of events, the ranking published from it (holds, ties, too few attempts), and the
public 公告: no login, no person's data."""

from __future__ import annotations

import re
from datetime import date, datetime, time

import pytest
import sqlalchemy as sa

from app.archive.services import record_event
from app.auth.models import Role, User
from app.core.errors import DomainError
from app.dashboards import complaints, ranking, ranking_components, ranking_publication
from app.dashboards.models import ComplaintSource, InstitutionScore, RecordEvent, Verdict
from app.exams.models import Attempt, ExamKind
from app.exams.practical.models import PracticalAttempt, PracticalSitting
from app.extensions import db
from app.people.models import Post, ReviewVerdict, Snapshot, SnapshotContext
from app.rules.models import Rule
from tests.certificates.world import graded_sitting
from tests.dashboards.world import inspection
from tests.people.world import build_world
from tests.training.world import trained

MONTH, TODAY = date(2026, 11, 1), date(2026, 11, 30)


def at(day: date) -> datetime:
    return datetime.combine(day, time(2))


@pytest.fixture
def events(factory):
    """Institutions A, B (trainees) and C (none) in 玄武区; every component of the score once or more."""
    w = build_world(factory)
    db.session.execute(sa.update(Rule).where(Rule.key == "ranking.min_first_attempts").values(value=2))
    inst_a, inst_b, inst_c = (factory.institution("320102") for _ in range(3))
    user_a, user_b = (factory.user(Role.INSTITUTION, institution_id=i.id) for i in (inst_a, inst_b))
    p = [
        factory.employ(w.ent_a, name=f"学员{i}", post=Post.SPECIAL_OPERATOR, operation_code="1.2").person
        for i in range(1, 7)
    ]
    class_a = trained(user_a, p[:4], hours=1, on=date(2026, 9, 30), exam_passed=None)
    trained(user_b, p[4:], hours=1, on=date(2026, 10, 15), exam_passed=None)
    # theory first attempts: A's trainees 2 of 3 after the class; p2's 补考 is no first attempt; p4 sat before it
    first = graded_sitting(
        None, [(p[0], True), (p[1], False), (p[2], True)], region_code="320100", on=date(2026, 10, 10)
    )
    makeup = graded_sitting(None, [(p[1], True)], kind=ExamKind.MAKEUP, region_code="320100", on=date(2026, 10, 20))
    makeup.subject = first.subject
    graded_sitting(None, [(p[3], True)], region_code="320100", on=date(2026, 9, 1), title="早于结业的考试")
    graded_sitting(None, [(p[4], True)], region_code="320100", on=date(2026, 11, 2))  # B's trainee
    # practical: p1 passed its first 实操
    practical = PracticalSitting(
        title="实操",
        operation_code="1.2",
        items=[],
        max_score=100,
        pass_mark=80,
        examiners_required=2,
        site_name="考点",
        exam_on=date(2026, 10, 20),
        region_code="320100",
    )
    db.session.add(practical)
    db.session.flush()
    theory_p1 = db.session.scalars(
        sa.select(Attempt).where(Attempt.sitting_id == first.id, Attempt.person_id == p[0].id)
    ).one()
    db.session.add(
        PracticalAttempt(
            sitting_id=practical.id,
            person_id=p[0].id,
            operation_code="1.2",
            exam_on=date(2026, 10, 20),
            theory_attempt_id=theory_p1.id,
            attempt_no=1,
            signatures=2,
            score=88.0,
            max_score=100.0,
            passed=True,
            graded_at=at(date(2026, 10, 20)),
        )
    )
    # 逢查必考: p3 failed after A's class (counts); p6 failed before B's class ended (does not)
    inspection(w.ent_a, w.regulator_nj, date(2026, 11, 5), [(p[2], False)])
    inspection(w.ent_a, w.regulator_nj, date(2026, 10, 1), [(p[5], False)])
    # complaints: A 属实 and 不属实; B 处理中
    for subject, verdict in ((inst_a, Verdict.SUBSTANTIATED), (inst_a, Verdict.UNSUBSTANTIATED), (inst_b, None)):
        item = complaints.record(
            subject, source=ComplaintSource.HOTLINE, received_on=date(2026, 11, 1), summary="代考", actor=w.regulator_nj
        )
        if verdict:
            complaints.decide(item, verdict, seen=Verdict.PENDING, actor=w.regulator_nj)
    # 非本人 in A's class; a gate override of B's trainee
    db.session.add(
        Snapshot(
            person_id=p[1].id,
            context=SnapshotContext.LESSON,
            ref_id=class_a.id,
            storage_key="s/1.jpg",
            sha256="0" * 64,
            needs_review=False,
            reviewed_at=at(date(2026, 10, 5)),
            review_verdict=ReviewVerdict.NOT_SAME_PERSON,
        )
    )
    record_event(
        p[4].id, "exam.gate_overridden", {"sitting": 1, "title": "复审", "reason": "补课中"}, at=at(date(2026, 11, 1))
    )
    factory.commit()
    return w, (inst_a, inst_b, inst_c), p


def score(institution) -> InstitutionScore:
    return db.session.scalars(
        sa.select(InstitutionScore).where(
            InstitutionScore.institution_id == institution.id, InstitutionScore.month == MONTH
        )
    ).one()


def test_each_component_counts_its_events_and_the_score_follows_the_weights(events):
    _w, (a, b, c), _p = events
    assert ranking.compute(MONTH, TODAY) == 3
    sa_, sb, sc = score(a), score(b), score(c)
    assert sa_.components["counts"] == {
        "theory": 3,
        "theory_passed": 2,
        "practical": 1,
        "practical_passed": 1,
        "spot_failures": 1,
        "complaints": 1,
        "impostors": 1,
        "overrides": 0,
    }
    assert sa_.components["points"] == {
        "base": 60,
        "pass_rate": 30.0,
        "spot_failures": -2,
        "complaints": -5,
        "impostors": -3,
        "overrides": -0.0,
    }
    assert (sa_.score, sa_.eligible) == (80.0, True)
    assert (sb.score, sb.eligible, sb.components["counts"]["overrides"]) == (99.0, False, 1)  # one first attempt only
    assert (sc.score, sc.eligible, sc.components["first_attempts"]) == (60.0, False, 0)
    assert sa_.components["window"] == ["2025-12-01", "2026-11-30"]


def test_weights_are_rule_rows_of_the_region_and_history_is_kept(events):
    _w, (a, _b, _c), _p = events
    ranking.compute(date(2026, 10, 1), TODAY)
    db.session.add(
        Rule(key="ranking.deduct.complaint", label="江苏 投诉", value=10, unit="分", region_code="32", legal_basis="")
    )
    ranking.compute(MONTH, TODAY)
    assert score(a).score == 75.0  # the province's 10 points for the complaint
    months = [s.month for s in ranking.scores_of(a.id)]
    assert months == [date(2026, 11, 1), date(2026, 10, 1)]


def test_publishing_freezes_the_ranking_and_leaves_out_who_is_held(events, client):
    w, (a, b, c), p = events
    regulator = w.regulator_nj
    ranking_publication.hold(b, "投诉核查中", actor=regulator)
    with pytest.raises(DomainError, match="ranking.already_held") as refused:
        ranking_publication.hold(b, "再次", actor=regulator)
    assert refused.value.message == "该机构已在复核中，暂缓公布"
    published = ranking_publication.publish(regulator.jurisdiction, MONTH, actor=regulator, today=TODAY)
    db.session.commit()
    assert published.withheld == 1
    assert [(e.institution_name, e.rank, e.score) for e in published.entries] == [
        (a.name, 1, 80.0),
        (c.name, None, 60.0),
    ]
    with pytest.raises(DomainError, match="ranking.already_published"):
        ranking_publication.publish(regulator.jurisdiction, MONTH, actor=regulator, today=TODAY)
    kinds = db.session.scalars(sa.select(RecordEvent.kind).where(RecordEvent.institution_id == a.id)).all()
    assert "ranking.published" in kinds and "complaint.decided" in kinds

    # the public 公告: no login, the institutions and their figures, nobody's name or number
    client.post("/logout")
    page = client.get(f"/rankings/{published.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert a.name in html and c.name in html and b.name not in html and "另有 1 家机构正在复核" in html
    for person in p:
        assert person.name not in html and person.id_masked[-4:] not in html
    assert client.get("/rankings").status_code == 200
    assert client.get("/rankings/99999").status_code == 404


def test_ties_share_a_rank(events):
    _w, (a, b, c), _p = events
    ranking.compute(MONTH, TODAY)
    sa_, sb, sc = score(a), score(b), score(c)
    sb.eligible = sc.eligible = True
    sb.score = sc.score = 70.0
    ranked = ranking_publication.rank_entries([(a, sa_), (b, sb), (c, sc)])
    assert [r for _i, _s, r in ranked] == [1, 2, 2]


def test_the_institution_sees_its_breakdown_and_each_figure_equals_its_list(events, client, login):
    _w, (a, _b, _c), _p = events
    user = db.session.scalars(sa.select(User).where(User.institution_id == a.id)).first()
    login(user)
    page = client.get("/dashboard").get_data(as_text=True)
    assert 'data-testid="breakdown"' in page
    shown = {
        key: (int(num), int(den) if den else None)
        for key, num, den in re.findall(r'data-figure="(\w+)" data-num="(\d+)"(?: data-den="(\d+)")?', page)
    }
    assert set(shown) == set(ranking_components.COUNTED)
    for key, (num, den) in shown.items():
        rows = client.get(f"/dashboard/institutions/{a.id}/rows", query_string={"component": key}).get_data(
            as_text=True
        )
        total, hits = re.search(r'data-total="(\d+)"(?: data-hits="(\d+)")?', rows).groups()
        if den is None:
            assert int(total) == num, key
        else:
            assert (int(total), int(hits)) == (den, num), key
    # another institution's rows are not its business
    assert client.get(f"/dashboard/institutions/{_b.id}/rows", query_string={"component": "theory"}).status_code == 404
