"""Grading throughput for a 100-question paper versus a naive grader (DESIGN §8).

Run: ``.venv/bin/python bench/grading.py [--quick]``.  The naive baseline re-derives correctness
on every call, as code that re-reads the frozen paper JSON per attempt would.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from question_bank import Paper, PaperSpec, QuestionType, assemble_paper, grade
from question_bank.normalise import normalise_answer
from question_bank.synthetic import generate_bank, national_style_spec


def naive_grade(paper_dict: dict, answers: dict) -> float:
    """Re-parse the paper and recompute each correct displayed set per attempt."""
    paper = Paper.from_dict(paper_dict)
    partial = paper.spec.multi_policy == "partial"
    total = 0.0
    for pos, item in enumerate(paper.items):
        q = item.question
        response = answers.get(pos)
        if response is None:
            continue
        if q.type is QuestionType.FILL:
            if normalise_answer(response) in {normalise_answer(a) for a in q.fill_answers}:
                total += item.points
            continue
        correct = {item.option_order.index(i) for i in q.answer}
        chosen = set(response)
        if chosen == correct:
            total += item.points
        elif partial and q.type is QuestionType.MULTIPLE and chosen < correct:
            total += round(item.points * len(chosen) / len(correct), 2)
    return round(total, 2)


def answer_sheets(paper: Paper, n: int) -> list[dict]:
    """Realistic sheets: ~85 % right, some wrong, some blank."""
    rng = random.Random(0)
    sheets = []
    for _ in range(n):
        sheet = {}
        for pos, item in enumerate(paper.items):
            roll = rng.random()
            if roll < 0.03:
                continue
            right = [item.option_order.index(i) for i in item.question.answer]
            sheet[pos] = right if roll < 0.88 else [rng.randrange(len(item.question.options))]
        sheets.append(sheet)
    return sheets


def rate(fn, sheets, seconds: float) -> float:
    done = 0
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        for sheet in sheets:
            fn(sheet)
        done += len(sheets)
    return done / (time.perf_counter() - t0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    seconds = 1.5 if args.quick else 5.0
    bank = generate_bank(10_000, seed=2)
    for policy in ("all_or_nothing", "partial"):
        spec = PaperSpec.from_dict({**national_style_spec().to_dict(), "multi_policy": policy})
        paper = assemble_paper(spec, bank, seed=123)
        sheets = answer_sheets(paper, 500)
        frozen = paper.to_dict()
        assert all(grade(paper, s).total == naive_grade(frozen, s) for s in sheets[:50])  # same answers
        fast = rate(lambda s, paper=paper: grade(paper, s), sheets, seconds)
        naive = rate(lambda s, frozen=frozen: naive_grade(frozen, s), sheets[:50], seconds / 2)
        print(f"[{policy}] question_bank.grade: {fast:,.0f} attempts/s on one core (goal ≥ 20,000)")
        print(f"[{policy}] naive re-deriving grader: {naive:,.0f} attempts/s; ratio {fast / naive:,.0f}×")


if __name__ == "__main__":
    main()
