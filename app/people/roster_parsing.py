"""Parsing a 花名册: the rows of a file validated against the 特种作业目录, never stopping at the first bad row.

Plain functions over bytes and a catalogue lookup: nothing is stored here (``app.people.roster_import`` stages and
applies what this returns).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, timedelta

import sqlalchemy as sa

from app.core.clock import local_today
from app.core.dates import parse_date
from app.core.forms import control_character
from app.extensions import db
from app.people.identifiers import IdentifierError, mask_id, parse_resident_id
from app.people.models import EmploymentType, IdType, Post
from app.people.roster_columns import (
    COLUMNS,
    HEADERS_ZH,
    ID_TYPE_ALIASES,
    NAME_RE,
    POST_ALIASES,
    REQUIRED,
    TYPE_ALIASES,
)
from app.people.roster_problems import RowProblem
from app.people.services import PersonData
from app.people.table_files import MAX_ROWS, FileUnreadable, read_table
from app.rules.models import Operation


@dataclass
class RosterRow:
    row: int
    name: str
    id_type: str
    id_number: str
    phone: str
    post: str
    employment_type: str
    operation_code: str | None
    start_date: str
    education: str
    job_title: str

    def to_person_data(self) -> PersonData:
        return PersonData(
            name=self.name,
            id_type=IdType(self.id_type),
            id_number=self.id_number,
            phone=self.phone,
            education=self.education,
            post=Post(self.post),
            employment_type=EmploymentType(self.employment_type),
            operation_code=self.operation_code,
            job_title=self.job_title,
            start_date=date.fromisoformat(self.start_date),
        )


@dataclass(frozen=True)
class Catalogue:
    """Lookup of the 特种作业目录 by code and by name (作业类别 and 操作项目)."""

    items: dict[str, str]  # 操作项目 code → parent 作业类别 code ("11" maps to itself: no items)
    by_name: dict[str, str]  # name → code, both levels

    @classmethod
    def load(cls) -> Catalogue:
        ops = db.session.scalars(sa.select(Operation).where(Operation.valid_to.is_(None))).all()
        categories_with_items = {o.parent_code for o in ops if o.parent_code}
        items = {o.code: o.parent_code or o.code for o in ops if o.parent_code or o.code not in categories_with_items}
        return cls(items=items, by_name={o.name: o.code for o in ops})


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return re.sub(r"\s+", " ", str(value)).strip()


def _find_header(rows: list[list[object]]) -> tuple[int, dict[str, int]] | None:
    """First row (of the first ten) naming the required columns → (index, column key → position)."""
    lookup = {alias.lower().replace(" ", ""): key for key, aliases in COLUMNS.items() for alias in aliases}
    for index, row in enumerate(rows[:10]):
        positions: dict[str, int] = {}
        for pos, cell in enumerate(row):
            key = lookup.get(_cell_text(cell).lower().replace(" ", "").lstrip("*"))
            if key and key not in positions:
                positions[key] = pos
        if all(k in positions for k in REQUIRED):
            return index, positions
    return None


def parse_roster(
    data: bytes, filename: str, catalogue: Catalogue, *, today: date | None = None
) -> tuple[list[RosterRow], list[RowProblem]]:
    """Parse and validate a roster file. Never stops at the first bad row.

    :return: (valid rows, problems); the import may go ahead only when problems is empty.
    """
    today = today or local_today()
    try:
        table = read_table(data, filename)
    except FileUnreadable as exc:
        return [], [RowProblem(0, "", exc.code, exc.params)]
    header = _find_header(table)
    if header is None:
        return [], [RowProblem(0, "", "file.no_header", {"columns": "、".join(HEADERS_ZH[k] for k in REQUIRED)})]
    header_index, positions = header
    rows: list[RosterRow] = []
    problems: list[RowProblem] = []
    seen_ids: dict[tuple[str, str], int] = {}
    body = table[header_index + 1 :]
    if len(body) > MAX_ROWS:
        return [], [RowProblem(0, "", "file.too_many_rows", {"max": MAX_ROWS})]
    for offset, raw in enumerate(body):
        line = header_index + 2 + offset
        cells = {key: raw[pos] if pos < len(raw) else None for key, pos in positions.items()}
        if all(_cell_text(v) == "" for v in cells.values()):
            continue  # blank rows are common in hand-made sheets
        row_problems = [
            RowProblem(line, key, "cell.formula" if v.startswith("=") else "cell.control_chars")
            for key, v in cells.items()
            if isinstance(v, str) and (v.startswith("=") or control_character(v) is not None)
        ]
        person = _cell_text(cells.get("name"))[:50]
        if row_problems:
            problems.extend(_named(row_problems, person))
            continue
        parsed, row_problems = _validate_row(
            line, {k: _cell_text(v) for k, v in cells.items()}, cells, catalogue, today
        )
        if parsed is not None:
            key = (parsed.id_type, parsed.id_number)
            if key in seen_ids:
                row_problems.append(RowProblem(line, "id_number", "row.duplicate_id", {"first": seen_ids[key]}))
            else:
                seen_ids[key] = line
        if row_problems:
            problems.extend(_named(row_problems, person))
        elif parsed is not None:
            rows.append(parsed)
    if not rows and not problems:
        problems.append(RowProblem(0, "", "file.no_rows"))
    return rows, problems


def _named(problems: list[RowProblem], person: str) -> list[RowProblem]:
    """The row's 姓名 with each of its problems, so the error table says whose row it is (not only a masked ID)."""
    return [replace(p, params={**p.params, "person": person}) for p in problems] if person else problems


def _validate_row(
    line: int, text: dict[str, str], raw: dict[str, object], catalogue: Catalogue, today: date
) -> tuple[RosterRow | None, list[RowProblem]]:
    problems: list[RowProblem] = []

    def problem(column: str, code: str, /, **params):  # positional-only: "code" is also a message parameter
        value = text.get(column, "")
        if column == "id_number":  # problems are stored unencrypted: a mistyped number is still personal data
            value = mask_id(value)
        problems.append(RowProblem(line, column, code, {"value": value, **params}))

    name = text.get("name", "")
    if not name:
        problem("name", "cell.required")
    elif not NAME_RE.fullmatch(name):
        problem("name", "row.bad_name")
    id_type = ID_TYPE_ALIASES.get(text.get("id_type", ""))
    if id_type is None:
        problem("id_type", "row.bad_id_type")
    number = ""
    if not text.get("id_number"):
        problem("id_number", "cell.required")
    elif id_type is not None:
        try:
            number = parse_resident_id(text["id_number"], id_type=id_type.value, today=today).number
        except IdentifierError as exc:
            problem("id_number", exc.code)
    phone = text.get("phone", "").replace(" ", "").replace("-", "")
    if phone and not re.fullmatch(r"1\d{10}", phone):
        problem("phone", "row.bad_phone")
    post = POST_ALIASES.get(text.get("post", ""))
    if post is None:
        problem("post", "cell.required" if not text.get("post") else "row.bad_post")
    employment_type = TYPE_ALIASES.get(text.get("employment_type", ""))
    if employment_type is None:
        problem("employment_type", "row.bad_employment_type")
    operation = _operation(text.get("category", ""), text.get("operation", ""), catalogue, problem)
    if (
        post is Post.SPECIAL_OPERATOR
        and operation is None
        and not any(p.field in ("category", "operation") for p in problems)
    ):
        problem("operation", "operation.required")
    if post is not None and post is not Post.SPECIAL_OPERATOR:
        operation = None
    start = parse_date(raw.get("start_date"))
    if (start is None and text.get("start_date")) or (start is not None and start > today + timedelta(days=366)):
        problem("start_date", "row.bad_date")
    if problems:
        return None, problems
    return RosterRow(
        row=line,
        name=name,
        id_type=id_type.value,
        id_number=number,
        phone=phone,
        post=post.value,
        employment_type=employment_type.value,
        operation_code=operation,
        start_date=(start or today).isoformat(),
        education=text.get("education", "")[:20],
        job_title=text.get("job_title", "")[:50],
    ), []


def _operation(category: str, item: str, catalogue: Catalogue, problem) -> str | None:
    """作业类别 + 操作项目 by code ("1", "1.2") or by name ("电工作业", "低压电工作业")."""
    category_code = catalogue.by_name.get(category, category) if category else ""
    item_code = catalogue.by_name.get(item, item) if item else ""
    if item_code:
        if item_code not in catalogue.items:
            problem("operation", "operation.unknown", code=item)
            return None
        if category_code and catalogue.items[item_code] != category_code:
            problem("operation", "row.operation_mismatch", category=category)
            return None
        return item_code
    if category_code:
        if category_code in catalogue.items:  # a category without items, e.g. 11
            return category_code
        if category_code not in catalogue.by_name.values():
            problem("category", "operation.unknown", code=category)
        else:
            problem("operation", "operation.required")
    return None
