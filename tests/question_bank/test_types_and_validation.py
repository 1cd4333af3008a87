import json

import pytest
from qb_helpers import multi, single, tf

from question_bank import (
    Filter,
    PaperSpec,
    Question,
    QuestionType,
    Section,
    Tags,
    find_duplicates,
    normalise_answer,
    normalise_stem,
    operation_matches,
    validate_question,
)
from question_bank.normalise import clean_stem, make_key


def codes(q):
    return [p.code for p in validate_question(q)]


def test_valid_questions_have_no_problems():
    assert codes(tf("a")) == []
    assert codes(single("b")) == []
    assert codes(multi("c")) == []
    assert codes(Question("d", QuestionType.FILL, "____是第一责任人", fill_answers=("主要负责人",))) == []


def test_true_false_gets_fixed_options():
    assert tf("a", 1).options == ("正确", "错误")


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        (Question("k", QuestionType.SINGLE, "  ", options=("a", "b"), answer=(0,)), ["empty_stem"]),
        (Question("k", QuestionType.SINGLE, "x" * 5001, options=("a", "b"), answer=(0,)), ["stem_too_long"]),
        (Question("k", QuestionType.SINGLE, "s", options=("a", "b"), answer=(0, 1)), ["wrong_answer_count"]),
        (Question("k", QuestionType.SINGLE, "s", options=("a", "b"), answer=(5,)), ["answer_out_of_range"]),
        (
            Question("k", QuestionType.MULTIPLE, "s", options=("a",), answer=(0,)),
            ["too_few_options", "wrong_answer_count"],
        ),
        (Question("k", QuestionType.MULTIPLE, "s", options=("a", "b", "c"), answer=(1,)), ["wrong_answer_count"]),
        (
            Question("k", QuestionType.TRUE_FALSE, "s", options=("对", "错", "不知道"), answer=(0,)),
            ["true_false_options"],
        ),
        (Question("k", QuestionType.FILL, "s", options=("a",), fill_answers=("x",)), ["fill_options"]),
        (Question("k", QuestionType.FILL, "s", fill_answers=(" ",)), ["missing_answer"]),
        (Question("k", QuestionType.SINGLE, "s", options=("a", "b"), answer=()), ["missing_answer"]),
        (Question("k", QuestionType.SINGLE, "s", options=("a", "", "c"), answer=(0,)), ["empty_option"]),
        (Question("k", QuestionType.SINGLE, "s", options=("a", "b"), answer=(0,), difficulty=6), ["bad_difficulty"]),
        (
            Question("k", QuestionType.SINGLE, "s", options=("a", "b"), answer=(0,), tags=Tags(level="精通")),
            ["bad_level"],
        ),
        (
            Question(
                "k", QuestionType.SINGLE, "s", options=("a", "b"), answer=(0,), tags=Tags(operation=frozenset({"电工"}))
            ),
            ["bad_operation"],
        ),
        (Question("", QuestionType.SINGLE, "s", options=("a", "b"), answer=(0,)), ["bad_key"]),
    ],
)
def test_validation_rules(question, expected):
    assert codes(question) == expected


def test_problem_messages_are_bilingual():
    (problem,) = validate_question(Question("k", QuestionType.MULTIPLE, "s", options=("a", "b", "c"), answer=(1,)))
    assert "多选题" in problem.message() and "≥2" in problem.message()
    assert "multiple choice" in problem.message("en")


def test_operation_prefix_matching():
    assert operation_matches("1", "1.2")
    assert operation_matches("1.2", "1")  # category-wide question serves the 操作项目
    assert operation_matches("1.2", "1.2.3")
    assert not operation_matches("1", "10.1")
    assert not operation_matches("1.2", "1.3")


def test_filter_matches_tags_and_difficulty():
    q = single(
        "a",
        tags=Tags(
            post=frozenset({"principal"}),
            industry=frozenset({"hazchem"}),
            operation=frozenset({"9.16"}),
            topic="法律法规",
            level="掌握",
        ),
        difficulty=4,
    )
    assert Filter().matches(q)
    assert Filter(posts=frozenset({"principal", "worker"}), operations=frozenset({"9"}), topics={"法律法规"}).matches(q)
    assert not Filter(posts=frozenset({"worker"})).matches(q)
    assert not Filter(operations=frozenset({"1"})).matches(q)
    assert not Filter(max_difficulty=3).matches(q)
    assert not Filter(levels=frozenset({"了解"})).matches(q)


def test_section_quota_rules():
    s = Section("判断", QuestionType.TRUE_FALSE, 30, 1, quotas={"level:了解": 6, "level:掌握": 9, "level:熟练掌握": 15})
    assert [(b.key, b.count) for b in s.buckets()] == [("level:了解", 6), ("level:掌握", 9), ("level:熟练掌握", 15)]
    with pytest.raises(ValueError, match="sum to 29"):
        Section("x", "single", 30, 1, quotas={"difficulty:1-2": 14, "difficulty:3-5": 15})
    with pytest.raises(ValueError, match="one dimension"):
        Section("x", "single", 2, 1, quotas={"difficulty:1": 1, "level:掌握": 1})
    with pytest.raises(ValueError, match="overlap"):
        Section("x", "single", 2, 1, quotas={"difficulty:1-3": 1, "difficulty:3-5": 1})
    with pytest.raises(ValueError, match="bad quota key"):
        Section("x", "single", 1, 1, quotas={"colour:red": 1})


def test_spec_round_trips_through_json(spec):
    data = json.loads(json.dumps(spec.to_dict(), ensure_ascii=False))
    assert PaperSpec.from_dict(data) == spec
    assert spec.total_points == 20 * 1 + 20 * 2 + 10 * 2
    with pytest.raises(ValueError, match="multi_policy must be"):
        PaperSpec("x", (), multi_policy="most")


def test_question_snapshot_round_trip():
    q = multi("m", (1, 3), tags=Tags(post={"principal"}, extra={"2024版"}), explanation="因为", difficulty=5)
    assert Question.from_dict(json.loads(json.dumps(q.to_dict()))) == q


def test_normalisation_helpers():
    assert normalise_answer("  ＡＢＣ　 def\n") == "abc def"
    assert normalise_stem("12、下列说法正确的是（ ）。") == normalise_stem("下列说法正确的是()")
    for prefix in ("12.", "12、", "（12）", "(12)", "第12题", "12．"):
        assert clean_stem(f"{prefix} 安全第一") == "安全第一"
    assert clean_stem("1.5米以上为高处作业") == "1.5米以上为高处作业"  # a decimal is not numbering
    assert clean_stem("安全生产\n方针") == "安全生产方针"
    assert clean_stem("Safety\nfirst") == "Safety first"


def test_generated_keys_are_stable_and_ignore_cosmetics():
    assert make_key("single", "1、哪个对？", ("甲", "乙")) == make_key("single", "哪个对?", ("甲", "乙"))
    assert make_key("single", "哪个对？", ("甲", "乙")) != make_key("single", "哪个对？", ("甲", "丙"))


def test_find_duplicates_groups_cosmetic_variants():
    a = Question("a", "single", "1、下列正确的是（ ）", options=("甲", "乙"), answer=(0,))
    b = Question("b", "single", "下列正确的是()", options=("乙", "甲"), answer=(1,))
    c = Question("c", "single", "下列错误的是()", options=("甲", "乙"), answer=(0,))
    d = Question("d", "multiple", "下列正确的是", options=("甲", "乙"), answer=(0, 1))
    e = Question("e", "single", "下列 正确的是。", options=("甲 ", "乙"), answer=(0,))
    assert find_duplicates([a, b, c, d, e]) == [("a", "b", "e")]
