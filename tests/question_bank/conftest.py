"""Plain-pytest helpers for question_bank; no Flask, no database."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from qb_helpers import multi, single, tf  # noqa: E402

from question_bank import Filter, PaperSpec, Question, QuestionType, Section, Tags  # noqa: E402


@pytest.fixture
def small_bank() -> list[Question]:
    """60 判断, 60 单选, 30 多选, 5 填空 with varied tags and difficulty."""
    levels = ["了解", "掌握", "熟练掌握"]
    ops = ["1", "1.1", "1.2", "2.1", "10.1"]
    bank = []
    for i in range(60):
        tags = Tags(
            post=frozenset({"special_operator"} if i % 2 else {"principal"}),
            operation=frozenset({ops[i % 5]}),
            level=levels[i % 3],
            topic="法律法规" if i % 4 else "应急处置",
        )
        bank.append(tf(f"T{i:03d}", i % 2, tags=tags, difficulty=i % 5 + 1))
        bank.append(single(f"S{i:03d}", i % 4, tags=tags, difficulty=i % 5 + 1))
    for i in range(30):
        bank.append(
            multi(
                f"M{i:03d}",
                (0, 1 + i % 3),
                tags=Tags(industry=frozenset({"hazchem" if i % 2 else "mining"})),
                difficulty=i % 5 + 1,
            )
        )
    for i in range(5):
        bank.append(
            Question(
                f"F{i}",
                QuestionType.FILL,
                f"填空{i}：安全生产方针是安全第一、____、综合治理。",
                fill_answers=("预防为主", "预防 为主"),
            )
        )
    return bank


@pytest.fixture
def spec() -> PaperSpec:
    return PaperSpec(
        "测试卷",
        (
            Section(
                "判断题",
                QuestionType.TRUE_FALSE,
                20,
                1.0,
                quotas={"level:了解": 5, "level:掌握": 5, "level:熟练掌握": 10},
            ),
            Section("单选题", QuestionType.SINGLE, 20, 2.0, Filter(min_difficulty=2)),
            Section("多选题", QuestionType.MULTIPLE, 10, 2.0),
        ),
        pass_mark=60,
    )
