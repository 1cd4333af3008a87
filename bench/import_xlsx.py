"""Import of a 50,000-row xlsx in the real-bank layout (题目选项 packed in one cell, ``**A.甲**B.乙``):
parse + validate with read_questions (goal < 20 s), versus a plain openpyxl non-read-only load of the
same file (baseline, no validation at all).

Run: ``.venv/bin/python bench/import_xlsx.py [--quick]``.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from question_bank import read_questions, write_questions
from question_bank.synthetic import generate_bank


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="10,000 rows")
    args = parser.parse_args()
    rows = 10_000 if args.quick else 50_000
    bank = generate_bank(rows, seed=3)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bank.xlsx"
        t0 = time.perf_counter()
        path.write_bytes(write_questions(bank, "xlsx_packed"))
        print(f"wrote {rows:,}-row xlsx ({path.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t0:.1f} s")
        data = path.read_bytes()

        t0 = time.perf_counter()
        result = read_questions(data, filename=path.name)
        ours = time.perf_counter() - t0
        assert result.ok and len(result.questions) == rows, result.errors[:3]
        assert result.report.balanced and result.report.layouts[0].packing == "**A."
        print(f"read_questions (parse + validate + dedupe): {ours:.1f} s, {rows / ours:,.0f} rows/s (goal < 20 s)")

        from openpyxl import load_workbook

        t0 = time.perf_counter()
        wb = load_workbook(io.BytesIO(data))  # full in-memory model, as naive import code does
        cells = sum(1 for _ in wb.active.iter_rows(values_only=True))
        baseline = time.perf_counter() - t0
        print(f"baseline openpyxl load_workbook (non-read-only, no validation): {baseline:.1f} s for {cells:,} rows")
        print(f"ratio: read_questions takes {ours / baseline:.2f}× the time of a bare non-read-only load")


if __name__ == "__main__":
    main()
