import json
import random
from collections import Counter

import pytest
from qb_helpers import single

from question_bank import (
    Filter,
    InsufficientQuestions,
    Paper,
    PaperSpec,
    QuestionIndex,
    QuestionType,
    Section,
    assemble_paper,
    grade,
)


def keys(paper):
    return [i.question.key for i in paper.items]


def perfect_answers(paper):
    """The right response, derived from option_order exactly as a candidate would see it."""
    answers = {}
    for pos, item in enumerate(paper.items):
        q = item.question
        if q.type is QuestionType.FILL:
            answers[pos] = q.fill_answers[0]
        else:
            answers[pos] = [item.option_order.index(i) for i in q.answer]
    return answers


def test_same_seed_same_paper_and_bank_order_does_not_matter(small_bank, spec):
    a = assemble_paper(spec, QuestionIndex(small_bank), seed=42)
    shuffled = small_bank[:]
    random.Random(1).shuffle(shuffled)
    b = assemble_paper(spec, shuffled, seed=42)
    assert a == b
    c = assemble_paper(spec, small_bank, seed=43)
    assert keys(a) != keys(c)


def test_sections_counts_points_and_no_repeats(small_bank, spec):
    index = QuestionIndex(small_bank)
    for seed in range(50):
        paper = assemble_paper(spec, index, seed=seed)
        assert len(paper.items) == 50
        assert len(set(keys(paper))) == 50
        assert Counter(i.section for i in paper.items) == {0: 20, 1: 20, 2: 10}
        assert [i.question.type for i in paper.items[:20]] == [QuestionType.TRUE_FALSE] * 20
        assert all(i.points == 2.0 for i in paper.items[20:])
        assert all(i.question.difficulty >= 2 for i in paper.items[20:40])


def test_quotas_are_honoured(small_bank, spec):
    paper = assemble_paper(spec, small_bank, seed=7)
    levels = Counter(i.question.tags.level for i in paper.items if i.section == 0)
    assert levels == {"了解": 5, "掌握": 5, "熟练掌握": 10}
    dspec = PaperSpec(
        "d", (Section("单选", "single", 12, 1, quotas={"difficulty:1-2": 4, "difficulty:3": 4, "difficulty:4-5": 4}),)
    )
    paper = assemble_paper(dspec, small_bank, seed=7)
    buckets = Counter(
        "1-2" if q.difficulty <= 2 else "3" if q.difficulty == 3 else "4-5" for q in (i.question for i in paper.items)
    )
    assert buckets == {"1-2": 4, "3": 4, "4-5": 4}


def test_operation_filter_is_prefix_aware(small_bank):
    ospec = PaperSpec("o", (Section("判断", "true_false", 30, 1, Filter(operations=frozenset({"1"}))),))
    index = QuestionIndex(small_bank)
    (avail,) = index.availability(ospec)
    assert avail.available == 36  # tagged 1, 1.1 and 1.2 — but not 2.1 or 10.1
    paper = assemble_paper(ospec, index, seed=1)
    assert {op for i in paper.items for op in i.question.tags.operation} <= {"1", "1.1", "1.2"}


def test_shortage_names_every_short_section_with_numbers(small_bank):
    bad = PaperSpec(
        "x",
        (
            Section("判断题", "true_false", 10, 1, Filter(posts=frozenset({"worker"}))),
            Section("多选题", "multiple", 40, 1),
            Section("单选题", "single", 30, 1, quotas={"level:了解": 25, "level:掌握": 5}),
        ),
    )
    with pytest.raises(InsufficientQuestions) as info:
        assemble_paper(bad, small_bank, seed=1)
    shortages = [(s.section_title, s.bucket, s.needed, s.available) for s in info.value.shortages]
    assert shortages == [("判断题", "", 10, 0), ("多选题", "", 40, 30), ("单选题", "level:了解", 25, 20)]
    message = str(info.value)
    assert "“判断题”需要10题，可用0题" in message and "“单选题”（level:了解）需要25题，可用20题" in message
    index = QuestionIndex(small_bank)
    avail = index.availability(bad)
    assert [a.ok for a in avail] == [False, False, False]
    assert avail[2].quota_detail == {
        "level:了解": {"needed": 25, "available": 20},
        "level:掌握": {"needed": 5, "available": 20},
    }


def test_overlapping_sections_never_repeat_and_report_combined_shortage():
    bank = [single(f"S{i}") for i in range(30)]
    ok = PaperSpec("x", (Section("A", "single", 15, 1), Section("B", "single", 15, 1)))
    for seed in range(20):
        assert len(set(keys(assemble_paper(ok, bank, seed=seed)))) == 30
    too_many = PaperSpec("x", (Section("A", "single", 20, 1), Section("B", "single", 20, 1)))
    with pytest.raises(InsufficientQuestions) as info:
        assemble_paper(too_many, bank, seed=1)
    assert [(s.section_title, s.needed, s.available) for s in info.value.shortages] == [("B", 20, 10)]


def test_options_shuffled_except_true_false(small_bank, spec):
    index = QuestionIndex(small_bank)
    orders = set()
    for seed in range(30):
        paper = assemble_paper(spec, index, seed=seed)
        for item in paper.items:
            if item.question.type is QuestionType.TRUE_FALSE:
                assert item.option_order == (0, 1)
            else:
                assert sorted(item.option_order) == list(range(len(item.question.options)))
                orders.add(item.option_order)
    assert len(orders) > 10
    fixed = PaperSpec.from_dict({**spec.to_dict(), "shuffle_options": False, "shuffle_questions": False})
    paper = assemble_paper(fixed, index, seed=3)
    assert all(i.option_order == tuple(range(len(i.question.options))) for i in paper.items)
    assert keys(paper)[:20] == sorted(keys(paper)[:20])


def test_perfect_sheet_gets_full_marks_whatever_the_shuffle(small_bank, spec):
    index = QuestionIndex(small_bank)
    for seed in range(25):
        paper = assemble_paper(spec, index, seed=seed)
        result = grade(paper, perfect_answers(paper))
        assert result.total == result.max_total == 80
        assert result.passed and all(r.correct for r in result.items)


def test_wrong_and_unanswered_items(small_bank, spec):
    paper = assemble_paper(spec, small_bank, seed=5)
    answers = perfect_answers(paper)
    tf_item = paper.items[0]
    answers[0] = [1 - answers[0][0]]  # flip a 判断
    del answers[1]
    answers[2] = []
    answers[3] = None
    result = grade(paper, answers)
    assert result.total == 80 - 4
    assert [r.correct for r in result.items[:5]] == [False, False, False, False, True]
    assert result.items[0].response == (1 - tf_item.question.answer[0],)
    assert result.items[1].response is None and result.items[1].score == 0


def test_multi_policies():
    bank = [single(f"S{i}") for i in range(3)] + [
        __import__("question_bank").Question("M", "multiple", "多选", options=("a", "b", "c", "d"), answer=(0, 1, 2))
    ]
    for policy, expected in (("all_or_nothing", [2.0, 0.0, 0.0, 0.0]), ("partial", [2.0, 1.33, 0.67, 0.0])):
        spec = PaperSpec("p", (Section("多选", "multiple", 1, 2.0),), multi_policy=policy, pass_mark=1)
        paper = assemble_paper(spec, bank, seed=1)
        shown = paper.items[0].option_order.index
        responses = [[shown(0), shown(1), shown(2)], [shown(0), shown(1)], [shown(2)], [shown(0), shown(3)]]
        assert [grade(paper, {0: r}).total for r in responses] == expected
    partial = grade(paper, {0: [shown(0)]})
    assert partial.items[0].correct is False and partial.items[0].score == 0.67


def test_fill_answers_are_normalised(small_bank):
    spec = PaperSpec("f", (Section("填空", "fill", 1, 5.0),), pass_mark=5)
    paper = assemble_paper(spec, small_bank, seed=1)
    assert grade(paper, {0: "　预防为主 "}).total == 5
    assert grade(paper, {0: "预防  为主"}).total == 5  # second accepted answer, whitespace collapsed
    assert grade(paper, {0: "预防"}).total == 0
    assert grade(paper, {0: ""}).items[0].response is None


def test_responses_from_json_with_string_keys_and_values(small_bank, spec):
    paper = assemble_paper(spec, small_bank, seed=9)
    answers = {str(k): [str(x) for x in v] if isinstance(v, list) else v for k, v in perfect_answers(paper).items()}
    assert grade(paper, answers).total == 80


def test_paper_json_round_trip_and_grading_after_thaw(small_bank, spec):
    paper = assemble_paper(spec, small_bank, seed=11)
    thawed = Paper.from_dict(json.loads(json.dumps(paper.to_dict(), ensure_ascii=False)))
    assert thawed == paper
    assert grade(thawed, perfect_answers(paper)).total == 80
    result = grade(paper, perfect_answers(paper)).to_dict()
    assert json.loads(json.dumps(result))["total"] == 80


def test_public_view_leaks_no_answers(small_bank, spec):
    paper = assemble_paper(spec, small_bank, seed=13)
    view = paper.public_view()
    text = json.dumps(view, ensure_ascii=False)
    assert '"answer' not in text and '"explanation' not in text and "fill_answers" not in text
    assert "option_order" not in text
    assert set(view[0]) == {"position", "key", "type", "stem", "options", "points", "section", "section_title"}
    for entry, item in zip(view, paper.items):
        assert entry["options"] == [item.question.options[i] for i in item.option_order]
    assert view[25]["section_title"] == "单选题" and view[25]["position"] == 25
