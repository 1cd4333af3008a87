"""Deterministic synthetic banks and specs for benchmarks, tests and demos (not real questions)."""

from __future__ import annotations

import random

from .questions import LEVELS, Question, Tags
from .registry import QuestionType
from .specs import Filter, PaperSpec, Section

SYNTHETIC_INDUSTRIES = ("hazchem", "mining", "metallurgy", "fireworks", "general", "construction")
SYNTHETIC_OPERATIONS = ("1", "1.1", "1.2", "1.3", "2.1", "3.1", "4.1", "9.1", "9.16", "10.1")
SYNTHETIC_TOPICS = ("法律法规", "安全管理", "重大事故隐患判定标准", "应急处置", "职业健康", "安全技术")
_POSTS = ("principal", "safety_manager", "special_operator", "worker")


def generate_bank(n: int, *, seed: int = 0) -> list[Question]:
    """``n`` valid questions: ~45 % 判断, 35 % 单选, 20 % 多选, with random tags and difficulty."""
    rng = random.Random(seed)  # noqa: S311 — synthetic test banks
    questions = []
    for i in range(n):
        roll = rng.random()
        tags = Tags(
            post=frozenset(rng.sample(_POSTS, rng.randint(1, 2))),
            industry=frozenset([rng.choice(SYNTHETIC_INDUSTRIES)]),
            operation=frozenset([rng.choice(SYNTHETIC_OPERATIONS)]),
            topic=rng.choice(SYNTHETIC_TOPICS),
            level=rng.choice(LEVELS),
        )
        common = {
            "key": f"Q{i:06d}",
            "stem": f"第{i}号试题：关于{tags.topic}的说法是否正确？",
            "explanation": f"依据第{i % 97}条。",
            "tags": tags,
            "difficulty": rng.randint(1, 5),
            "source": "synthetic",
        }
        if roll < 0.45:
            q = Question(type=QuestionType.TRUE_FALSE, answer=(rng.randint(0, 1),), **common)
        elif roll < 0.80:
            q = Question(
                type=QuestionType.SINGLE,
                options=tuple(f"选项{i}-{k}" for k in range(4)),
                answer=(rng.randrange(4),),
                **common,
            )
        else:
            q = Question(
                type=QuestionType.MULTIPLE,
                options=tuple(f"选项{i}-{k}" for k in range(5)),
                answer=tuple(sorted(rng.sample(range(5), rng.randint(2, 4)))),
                **common,
            )
        questions.append(q)
    return questions


def national_style_spec() -> PaperSpec:
    """100 questions in 3 sections with level, difficulty and tag quotas (a 特种作业-like paper)."""
    return PaperSpec(
        title="特种作业安全技术理论考试（模拟）",
        sections=(
            Section(
                "判断题",
                QuestionType.TRUE_FALSE,
                40,
                1.0,
                Filter(posts=frozenset({"special_operator"}), operations=frozenset({"1"})),
                {"level:了解": 8, "level:掌握": 12, "level:熟练掌握": 20},
            ),
            Section(
                "单选题",
                QuestionType.SINGLE,
                40,
                1.0,
                Filter(posts=frozenset({"special_operator"})),
                {"difficulty:1-2": 12, "difficulty:3": 16, "difficulty:4-5": 12},
            ),
            Section(
                "多选题",
                QuestionType.MULTIPLE,
                20,
                1.0,
                Filter(industries=frozenset({"general", "hazchem"}), min_difficulty=2),
                {"topic:法律法规": 5, "topic:安全管理": 5, "topic:应急处置": 5, "topic:安全技术": 5},
            ),
        ),
        time_limit_minutes=120,
        pass_mark=80,
    )
