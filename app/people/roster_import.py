"""花名册导入: parse an .xlsx/.csv roster, preview every bad row, then import all rows or none.

Parsing and row validation are plain functions over bytes and a catalogue lookup (``parse_roster``); the
staged batch lives in the database (encrypted: it holds ID numbers) so any web host can show the preview and
apply it. ``apply`` re-checks every row against the current roster inside the caller's transaction and raises
a ``DomainError`` on the first conflict, so a half-imported roster can never be committed.
"""

from __future__ import annotations

import io
import json
import re
import secrets
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from openpyxl import Workbook

from app.core import crypto
from app.core.clock import local_today
from app.core.db import utcnow
from app.core.errors import DomainError
from app.core.forms import control_character
from app.core.messages import message_for
from app.extensions import db
from app.people.identifiers import IdentifierError, mask_id, parse_resident_id
from app.people.models import EmploymentType, IdType, ImportBatch, Post
from app.people.services import PersonData, employ, find_person, names_match
from app.rules.models import Operation
from app.tenancy.models import Enterprise
from question_bank.limits import ROSTER_LIMITS, ROSTER_MAX_PEOPLE
from question_bank.tabular import TableReader, TableRefused

#: Upload limits (bytes, rows, columns kept, cells parsed) are ``question_bank.limits.ROSTER_LIMITS``; the names
#: below are kept for the views and messages.
MAX_ROWS = ROSTER_MAX_PEOPLE
MAX_COLUMNS = ROSTER_LIMITS.max_columns
MAX_BYTES = ROSTER_LIMITS.max_file_bytes
MAX_UNPACKED_BYTES = ROSTER_LIMITS.max_unpacked_bytes
#: Problems kept for the preview; the rest are counted ("and N more").
MAX_STORED_PROBLEMS = ROSTER_LIMITS.max_reported
#: Files up to this size are parsed in the request (milliseconds); larger ones in the Celery task.
INLINE_PARSE_MAX_BYTES = 128 * 1024

#: Column → accepted header spellings (case- and space-insensitive).
COLUMNS = {
    "name": ("姓名", "name"),
    "id_type": ("证件类型", "id type", "id_type"),
    "id_number": ("证件号码", "身份证号", "身份证号码", "公民身份号码", "id number", "id_number"),
    "phone": ("手机号", "手机号码", "联系电话", "phone", "mobile"),
    "post": ("岗位类别", "人员类别", "post"),
    "employment_type": ("用工形式", "用工类型", "employment type", "employment_type"),
    "category": ("作业类别", "category"),
    "operation": ("操作项目", "准操项目", "operation"),
    "start_date": ("入职日期", "start date", "start_date"),
    "education": ("文化程度", "学历", "education"),
    "job_title": ("岗位名称", "工种", "job title", "job_title"),
}
REQUIRED = ("name", "id_number", "post")
HEADERS_ZH = {
    "name": "姓名",
    "id_type": "证件类型",
    "id_number": "证件号码",
    "phone": "手机号",
    "post": "岗位类别",
    "employment_type": "用工形式",
    "category": "作业类别",
    "operation": "操作项目",
    "start_date": "入职日期",
    "education": "文化程度",
    "job_title": "岗位名称",
}

POST_ALIASES = {
    **{p.value: p for p in Post},
    "主要负责人": Post.PRINCIPAL,
    "安全管理人员": Post.SAFETY_MANAGER,
    "安全生产管理人员": Post.SAFETY_MANAGER,
    "安管人员": Post.SAFETY_MANAGER,
    "特种作业人员": Post.SPECIAL_OPERATOR,
    "特种作业": Post.SPECIAL_OPERATOR,
    "其他从业人员": Post.WORKER,
    "从业人员": Post.WORKER,
    "一般从业人员": Post.WORKER,
}
TYPE_ALIASES = {
    **{t.value: t for t in EmploymentType},
    "": EmploymentType.REGULAR,
    "正式": EmploymentType.REGULAR,
    "正式工": EmploymentType.REGULAR,
    "合同工": EmploymentType.REGULAR,
    "劳务派遣": EmploymentType.DISPATCHED,
    "派遣": EmploymentType.DISPATCHED,
    "灵活用工": EmploymentType.FLEXIBLE,
    "临时工": EmploymentType.FLEXIBLE,
    "实习": EmploymentType.INTERN,
    "实习生": EmploymentType.INTERN,
}
ID_TYPE_ALIASES = {
    **{t.value: t for t in IdType},
    "": IdType.RESIDENT_ID,
    "身份证": IdType.RESIDENT_ID,
    "居民身份证": IdType.RESIDENT_ID,
    "港澳台居民居住证": IdType.HMT_RESIDENCE_PERMIT,
    "外国人永久居留身份证": IdType.FOREIGN_PERMANENT_ID,
}
NAME_RE = re.compile(r"^[\u3400-\u9fffA-Za-z·•．.\s]{1,50}$")


@dataclass(frozen=True)
class RowProblem:
    row: int  # spreadsheet row number as the user sees it (header = 1)
    field: str  # column key, "" for the whole file
    code: str
    params: dict = field(default_factory=dict)

    def message(self) -> str:
        return _row_message(self)


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


# ---------------------------------------------------------------- reading files


class FileUnreadable(ValueError):
    def __init__(self, code: str, /, **params):
        super().__init__(code)
        self.code, self.params = code, params


def read_table(data: bytes, filename: str) -> list[list[object]]:
    """Rows of cells from an .xlsx or a .csv (UTF-8 with or without BOM, or GBK/GB18030), read by the shared
    hardened reader (``question_bank.tabular``) within ``ROSTER_LIMITS``: row *n* of the file is ``rows[n - 1]``.

    :raises FileUnreadable: the file is empty, past a limit (bytes, unpacked bytes, cells, line length) or no table.
    """
    if not data.strip():
        raise FileUnreadable("file.empty")
    table = TableReader(ROSTER_LIMITS)
    rows: list[list[object]] = []

    def take(numbered) -> None:
        for number, cells in numbered:
            rows.extend([] for _ in range(number - 1 - len(rows)))  # rows the file leaves out are empty
            rows.append(cells)

    try:
        if filename.lower().endswith(".xlsx") or data[:2] == b"PK":
            with table.xlsx(data, formulas=True) as sheets:  # formulas as text: they are refused, not trusted
                if not sheets or sheets[0].rows is None:
                    raise FileUnreadable("file.not_xlsx")
                take(sheets[0].rows)
        else:
            if b"\x00" in data[:4096]:
                raise FileUnreadable("file.not_table")
            take(table.csv(data))
    except TableRefused as exc:
        raise _unreadable(exc) from None
    if table.truncated_at is not None:  # past the row limit: as many rows as the limit, so the count says so
        rows.extend([] for _ in range(ROSTER_LIMITS.max_rows - len(rows)))
    return rows


def _unreadable(exc: TableRefused) -> FileUnreadable:
    if exc.code == "file_too_large":
        return FileUnreadable("file.too_large", mb=MAX_BYTES // (1024 * 1024))
    if exc.code == "unpacked_too_large":
        return FileUnreadable("file.too_large_unpacked", rows=MAX_ROWS)
    if exc.code in ("too_many_cells", "line_too_long", "row_too_wide"):
        return FileUnreadable(f"file.{exc.code}", max=exc.params["max"], rows=MAX_ROWS)
    if exc.code == "bad_encoding":
        return FileUnreadable("file.encoding")
    if exc.code == "not_a_spreadsheet":
        return FileUnreadable("file.not_xlsx")
    return FileUnreadable("file.not_table")


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
    start = _parse_date(raw.get("start_date"), text.get("start_date", ""))
    if start is False or (start is not None and start > today + timedelta(days=366)):
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


def _parse_date(raw: object, text: str) -> date | bool | None:
    """A date cell, or text like 2024-01-05, 2024/1/5, 20240105, 2024年1月5日; False when unreadable."""
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    if not text:
        return None
    match = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", text) or re.fullmatch(
        r"(\d{4})(\d{2})(\d{2})", text
    )
    if not match:
        return False
    try:
        return date(*(int(g) for g in match.groups()))
    except ValueError:
        return False


# ---------------------------------------------------------------- messages


def _row_message(p: RowProblem) -> str:
    column = HEADERS_ZH.get(p.field, p.field)
    value = p.params.get("value", "")
    file_messages = {
        "file.empty": lambda: _("文件为空。"),
        "file.not_xlsx": lambda: _("文件不是有效的 Excel 工作簿（.xlsx），请用 Excel 或 WPS 另存为 .xlsx 后重试。"),
        "file.not_table": lambda: _("文件不是表格文件，请上传 .xlsx 或 .csv。"),
        "file.encoding": lambda: _("无法识别文件编码，请保存为 UTF-8 或 GBK 编码的 CSV。"),
        "file.no_header": lambda: _("找不到表头：第一行应包含列 %(columns)s。", columns=p.params.get("columns", "")),
        "file.no_rows": lambda: _("文件中没有人员数据。"),
        "file.too_many_rows": lambda: _("一次最多导入 %(max)s 行，请拆分文件。", max=p.params.get("max")),
        "file.too_large": lambda: _("花名册文件不能超过 %(mb)s MB，请拆分后分批导入。", mb=p.params.get("mb")),
        "file.too_large_unpacked": lambda: _(
            "工作簿解压后过大（行或单元格过多）。一次最多导入 %(rows)s 行，请只保留花名册数据或拆分文件。",
            rows=p.params.get("rows"),
        ),
        "file.too_many_cells": lambda: _(
            "工作簿单元格过多（最多读取 %(max)s 个单元格），未导入任何数据。请删除多余的行列，或拆分文件（每次最多 %(rows)s 行）。",
            max=p.params.get("max"),
            rows=p.params.get("rows"),
        ),
        "file.line_too_long": lambda: _(
            "文件中有一行超过 %(max)s 个字符，未导入任何数据。请检查文件是否为花名册。", max=p.params.get("max")
        ),
        "file.row_too_wide": lambda: _(
            "文件中有一行超过 %(max)s 列，未导入任何数据。请检查文件是否为花名册。", max=p.params.get("max")
        ),
        "file.parse_failed": lambda: _("文件解析失败，未导入任何数据。请用 Excel 或 WPS 另存后重试。"),
    }
    if p.code in file_messages:
        return file_messages[p.code]()
    row_messages = {
        "cell.required": lambda: _("必填项为空"),
        "cell.formula": lambda: _("单元格含公式，请复制后“粘贴为数值”再导入"),
        # every roster column is one line (a name ends up in e-mail subjects): the same check as the forms'
        "cell.control_chars": lambda: _("不能包含换行、制表符等控制字符"),
        "row.bad_name": lambda: _("“%(value)s”不是有效的姓名（只能包含汉字、字母和间隔号）", value=value),
        "row.bad_id_type": lambda: _("不支持的证件类型“%(value)s”", value=value),
        "row.bad_phone": lambda: _("手机号“%(value)s”应为 11 位数字", value=value),
        "row.bad_post": lambda: _(
            "岗位类别“%(value)s”应为 主要负责人/安全管理人员/特种作业人员/其他从业人员", value=value
        ),
        "row.bad_employment_type": lambda: _("用工形式“%(value)s”应为 正式/劳务派遣/灵活用工/实习", value=value),
        "row.bad_date": lambda: _("日期“%(value)s”无法识别（例：2024-03-01）", value=value),
        "row.duplicate_id": lambda: _("证件号码与第 %(first)s 行重复", first=p.params.get("first")),
        "row.operation_mismatch": lambda: _(
            "操作项目“%(value)s”不属于作业类别“%(category)s”", value=value, category=p.params.get("category", "")
        ),
        "row.already_employed": lambda: _("%(name)s 已在本单位花名册中", name=p.params.get("name", "")),
    }
    render = row_messages.get(p.code)
    detail = render() if render else message_for(p.code, p.params)
    return _("第 %(row)s 行「%(column)s」：%(detail)s", row=p.row, column=column, detail=detail)


# ---------------------------------------------------------------- staging and applying


def stage(data: bytes, filename: str, *, enterprise: Enterprise, actor, inline_max: int | None = None) -> ImportBatch:
    """Keep an upload for the preview page (flushes): a small file is parsed now; a larger one is stored
    encrypted and parsed by the ``people.parse_roster`` task after the commit, never in the request.
    """
    from app.core.celery import enqueue_after_commit
    from app.people import tasks

    batch = ImportBatch(
        token=secrets.token_hex(16),
        enterprise_id=enterprise.id,
        user_id=actor.id,
        filename=filename[:200],
        rows_enc=crypto.encrypt("[]"),
        problems="[]",
        row_count=0,
    )
    db.session.add(batch)
    if len(data) <= (INLINE_PARSE_MAX_BYTES if inline_max is None else inline_max):
        parse_into(batch, data)
    else:
        batch.state, batch.upload_enc = "parsing", crypto.encrypt_bytes(data)
        db.session.flush()
        enqueue_after_commit(tasks.parse_roster, batch.id)
    db.session.flush()
    return batch


def parse_into(batch: ImportBatch, data: bytes) -> None:
    """Parse ``data`` into the batch: its valid rows (encrypted) and its problems, at most
    ``MAX_STORED_PROBLEMS`` of them kept (the count says how many there were)."""
    enterprise = db.session.get(Enterprise, batch.enterprise_id)
    rows, problems = parse_roster(data, batch.filename, Catalogue.load())
    problems += _roster_conflicts(rows, enterprise)
    batch.rows_enc = crypto.encrypt(json.dumps([asdict(r) for r in rows]))
    batch.problems = json.dumps([asdict(p) for p in problems[:MAX_STORED_PROBLEMS]], ensure_ascii=False)
    batch.problem_count = len(problems)
    batch.row_count = len(rows)
    batch.state, batch.upload_enc = "ready", None


def _roster_conflicts(rows: list[RosterRow], enterprise: Enterprise) -> list[RowProblem]:
    """Rows whose person already has a current employment at this enterprise."""
    conflicts = []
    for row in rows:
        person = find_person(IdType(row.id_type), row.id_number)
        if person and any(e.enterprise_id == enterprise.id for e in person.current_employments):
            conflicts.append(
                RowProblem(row.row, "id_number", "row.already_employed", {"name": person.name, "person": row.name})
            )
        elif person and not names_match(row.name, person.name):
            # a registered person is never renamed by a roster: the row is reported, nothing is overwritten
            conflicts.append(RowProblem(row.row, "name", "person.name_mismatch", {"field": HEADERS_ZH["name"]}))
    return conflicts


def get_batch(token: str, *, enterprise: Enterprise, actor) -> ImportBatch | None:
    """A batch only for the user who uploaded it, for the same enterprise, within a day."""
    return db.session.scalars(
        sa.select(ImportBatch).where(
            ImportBatch.token == token,
            ImportBatch.enterprise_id == enterprise.id,
            ImportBatch.user_id == actor.id,
            ImportBatch.created_at > utcnow() - timedelta(days=1),
        )
    ).first()


@dataclass(frozen=True)
class Preview:
    rows: list[dict]
    problems: list[RowProblem]
    applied: bool
    #: All problems found, listed or not.
    problem_count: int = 0
    parsing: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems and not self.applied and not self.parsing

    @property
    def unlisted(self) -> int:
        return max(0, self.problem_count - len(self.problems))


def _rows(batch: ImportBatch) -> list[RosterRow]:
    return [RosterRow(**r) for r in json.loads(crypto.decrypt(batch.rows_enc))]


def preview(batch: ImportBatch) -> Preview:
    rows = [
        {
            **asdict(r),
            "id_masked": mask_id(r.id_number),
            "post_label": Post(r.post).label,
            "employment_type_label": EmploymentType(r.employment_type).label,
        }
        for r in _rows(batch)
    ]
    for r in rows:
        del r["id_number"]
    problems = [RowProblem(**p) for p in json.loads(batch.problems)]
    return Preview(
        rows=rows,
        problems=problems,
        applied=batch.applied_at is not None,
        problem_count=max(batch.problem_count, len(problems)),
        parsing=batch.parsing,
    )


def apply(batch: ImportBatch, *, actor) -> int:
    """Employ every staged row in the caller's transaction; all or nothing.

    :raises DomainError: when the batch had problems, was already applied, or a row now conflicts.
    """
    if batch.applied_at is not None:
        raise DomainError("roster_import.already_applied")
    if batch.state != "ready":
        raise DomainError("roster_import.not_ready")
    if json.loads(batch.problems):
        raise DomainError("roster_import.has_errors")
    enterprise = db.session.get(Enterprise, batch.enterprise_id)
    count = 0
    for row in _rows(batch):
        try:
            employ(row.to_person_data(), enterprise, actor=actor, source=f"import:{batch.filename}")
        except DomainError as exc:
            problem = _row_message(RowProblem(row.row, "id_number", exc.code, exc.params))
            raise DomainError("roster_import.row_conflict", problem=problem) from None
        count += 1
    batch.applied_at = utcnow()
    db.session.flush()
    return count


def import_file(data: bytes, filename: str, *, enterprise: Enterprise, actor) -> tuple[int, list[RowProblem]]:
    """Parse and apply in one go (CLI): returns (imported count, problems); imports nothing if any problem."""
    rows, problems = parse_roster(data, filename, Catalogue.load())
    problems += _roster_conflicts(rows, enterprise)
    if problems:
        return 0, problems
    for row in rows:
        employ(row.to_person_data(), enterprise, actor=actor, source=f"import:{filename}")
    return len(rows), []


def template_xlsx() -> io.BytesIO:
    """The downloadable template: header, two example rows, and the allowed values on a second sheet."""
    wb = Workbook()
    ws = wb.active
    ws.title = "花名册"
    ws.append([HEADERS_ZH[k] for k in COLUMNS])
    ws.append(
        [
            "张三",
            "居民身份证",
            "11010519491231002X",
            "13800000000",
            "主要负责人",
            "正式",
            "",
            "",
            "2024-03-01",
            "本科",
            "总经理",
        ]
    )
    ws.append(
        [
            "李四",
            "居民身份证",
            "320102199003151239",
            "13900000000",
            "特种作业人员",
            "劳务派遣",
            "1",
            "1.2",
            "2024-05-10",
            "高中",
            "电工",
        ]
    )
    for column, width in zip("ABCDEFGHIJK", (10, 14, 22, 14, 14, 10, 10, 10, 12, 10, 12), strict=True):
        ws.column_dimensions[column].width = width
    values = wb.create_sheet("可选值")
    values.append(["岗位类别", "用工形式", "证件类型"])
    for post, kind, id_type in zip(
        [p.label for p in Post], [t.label for t in EmploymentType], [t.label for t in IdType] + [""], strict=False
    ):
        values.append([post, kind, id_type])
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out
