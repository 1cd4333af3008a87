"""Shared builders for the question_bank tests (imported by name; pytest puts this folder on sys.path)."""

from __future__ import annotations

import io

from question_bank import Question, QuestionType


def make_xlsx(
    rows: list[list[object]], title: str = "Sheet1", extra_sheets: dict | None = None, formulas: bool = False
) -> bytes:
    """Build an xlsx in memory from rows (None = empty cell).

    Strings starting with ``=`` are stored as text unless ``formulas`` is true (then openpyxl
    writes real formulas without cached values, as a script-generated workbook would).
    """
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(row)
        if not formulas:
            for cell in ws[ws.max_row]:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"
    for name, sheet_rows in (extra_sheets or {}).items():
        other = wb.create_sheet(name)
        for row in sheet_rows:
            other.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def tf(key: str, answer: int = 0, **kw) -> Question:
    return Question(key, QuestionType.TRUE_FALSE, f"判断题{key}", answer=(answer,), **kw)


def single(key: str, answer: int = 1, n: int = 4, **kw) -> Question:
    return Question(
        key,
        QuestionType.SINGLE,
        f"单选题{key}",
        options=tuple(f"{key}-选项{i}" for i in range(n)),
        answer=(answer,),
        **kw,
    )


def multi(key: str, answer=(0, 2), n: int = 4, **kw) -> Question:
    return Question(
        key,
        QuestionType.MULTIPLE,
        f"多选题{key}",
        options=tuple(f"{key}-选项{i}" for i in range(n)),
        answer=tuple(answer),
        **kw,
    )
