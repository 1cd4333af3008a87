"""花名册导入: parse an .xlsx/.csv roster, preview every bad row, then import all rows or none.

Parsing and row validation are plain functions over bytes and a catalogue lookup
(``app.people.roster_parsing.parse_roster``, its problems in ``roster_problems``); the staged batch lives in the database (encrypted: it holds ID numbers) so any web host can show the preview and
apply it. ``apply`` re-checks every row against the current roster inside the caller's transaction and raises
a ``DomainError`` on the first conflict, so a half-imported roster can never be committed.
"""

from __future__ import annotations

import io
import json
import secrets
from dataclasses import asdict, dataclass
from datetime import timedelta

import sqlalchemy as sa
from openpyxl import Workbook

from app.core import crypto
from app.core.db import utcnow
from app.core.errors import DomainError
from app.extensions import db
from app.people.identifiers import mask_id
from app.people.models import EmploymentType, IdType, ImportBatch, Post
from app.people.roster_columns import COLUMNS, HEADERS_ZH
from app.people.roster_parsing import Catalogue, RosterRow, parse_roster
from app.people.roster_problems import RowProblem, row_message
from app.people.services import employ, find_person, names_match
from app.tenancy.models import Enterprise
from question_bank.limits import ROSTER_LIMITS

#: Problems kept for the preview; the rest are counted ("and N more").
MAX_STORED_PROBLEMS = ROSTER_LIMITS.max_reported
#: Files up to this size are parsed in the request (milliseconds); larger ones in the Celery task.
INLINE_PARSE_MAX_BYTES = 128 * 1024


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
            problem = row_message(RowProblem(row.row, "id_number", exc.code, exc.params))
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
