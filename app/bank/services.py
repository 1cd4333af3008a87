"""Writes on question banks: create banks, stage and apply imports, edit and retire questions, save templates.

Services flush but never commit (STYLE.md 3.4): the view, task or CLI command that calls them commits.
Parsing is the ``question_bank`` library's job; this module only stores what it returns.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa

from app.auth.ownership import OwnerScope
from app.bank import messages as _messages  # noqa: F401  (registers the bank codes)
from app.bank.models import Bank, BankImport, BankQuestion, ImportMode, ImportState, PaperTemplate
from app.bank.queries import bump_revision
from app.core.db import utcnow
from app.core.errors import DomainError
from app.core.storage import storage
from app.extensions import db
from question_bank import PaperSpec, Question, read_questions

logger = logging.getLogger(__name__)

#: Files with more valid questions than this are applied by the ``bank.apply_import`` task (config overrides).
INLINE_IMPORT_MAX = 2000
#: Progress is reported (and rows flushed) every this many questions.
CHUNK = 500


@dataclass(frozen=True)
class ImportPlan:
    """How a list of questions compares with a bank's current versions."""

    created: list[Question]
    updated: list[tuple[BankQuestion, Question]]
    unchanged: int

    def counts(self) -> dict[str, int]:
        return {"created": len(self.created), "updated": len(self.updated), "unchanged": self.unchanged}


# ---------------------------------------------------------------- banks


def create_bank(
    name: str,
    *,
    scope: OwnerScope,
    region_code: str = "",
    enterprise_id: int | None = None,
    institution_id: int | None = None,
) -> Bank:
    """Add a bank (flushes)."""
    bank = Bank(
        name=name.strip()[:100],
        scope=scope,
        region_code=region_code if scope is OwnerScope.REGIONAL else "",
        enterprise_id=enterprise_id,
        institution_id=institution_id,
        revision=1,
    )
    db.session.add(bank)
    db.session.flush()
    logger.info("bank %s created (%s)", bank.id, scope.value)
    return bank


def own_bank(owner: dict, *, name: str, create: bool = False) -> Bank | None:
    """The enterprise's or institution's own bank, created on first use when ``create`` is set.

    :param owner: ``scope.own_scope(user)`` for an enterprise or institution user.
    """
    if owner.get("enterprise_id"):
        where = Bank.enterprise_id == owner["enterprise_id"]
    else:
        where = Bank.institution_id == owner["institution_id"]
    bank = db.session.scalars(sa.select(Bank).where(where, Bank.scope == owner["scope"]).order_by(Bank.id)).first()
    if bank is None and create:
        bank = create_bank(name, **owner)
    return bank


# ---------------------------------------------------------------- import


#: Files larger than this are parsed by a Celery task (``bank.parse_import``), not in the request.
INLINE_PARSE_MAX_BYTES = 256 * 1024


def stage_import(
    data: bytes, filename: str, *, bank: Bank, actor_id: int | None, format: str | None = None
) -> BankImport:
    """Keep an upload for the preview: parsed now when small, else stored and left to ``bank.parse_import``.

    :return: the flushed ``BankImport``: STAGED with the valid questions, the row errors (capped by the reader) and
        the import report (every row not read, with its reason); or PARSING with the file in storage, for the task.
    """
    batch = BankImport(
        token=secrets.token_hex(16),
        bank_id=bank.id,
        user_id=actor_id,
        filename=(filename or "")[:200],
        format=format or "",
        question_count=0,
        state=ImportState.PARSING,
        questions_json="[]",
        errors=[],
        report={},
        progress=0,
        result={},
    )
    db.session.add(batch)
    db.session.flush()
    if len(data) <= INLINE_PARSE_MAX_BYTES:
        parse_staged(batch, data)
    else:
        storage().put(upload_key(batch), data, "application/octet-stream")
    return batch


def upload_key(batch: BankImport) -> str:
    return f"imports/bank-{batch.bank_id}/{batch.token}.upload"


def parse_staged(batch: BankImport, data: bytes) -> BankImport:
    """Read the file into the batch (the bounded readers of ``question_bank``) and mark it STAGED (flushes)."""
    result = read_questions(data, filename=batch.filename, format=batch.format or None)
    batch.format = result.format or ""
    batch.question_count = len(result.questions)
    batch.questions_json = json.dumps([q.to_dict() for q in result.questions], ensure_ascii=False)
    batch.errors = [e.to_dict() for e in result.errors]
    batch.report = result.report.to_dict()
    batch.state = ImportState.STAGED
    db.session.flush()
    return batch


def get_import(token: str, *, bank: Bank, actor_id: int | None) -> BankImport | None:
    """A staged import for the user who uploaded it, in the same bank, from the last day."""
    return db.session.scalars(
        sa.select(BankImport).where(
            BankImport.token == token,
            BankImport.bank_id == bank.id,
            BankImport.user_id == actor_id,
            BankImport.created_at > utcnow() - timedelta(days=1),
        )
    ).first()


def staged_questions(batch: BankImport) -> list[Question]:
    return [Question.from_dict(d) for d in json.loads(batch.questions_json or "[]")]


def _same_content(row: BankQuestion, q: Question) -> bool:
    return dataclasses.replace(row.to_question(), version=1) == dataclasses.replace(q, version=1)


def plan_import(bank: Bank, questions: Iterable[Question]) -> ImportPlan:
    """Sort questions into new keys, changed content (→ new version) and identical (skipped)."""
    current = {
        row.key: row
        for row in db.session.scalars(
            sa.select(BankQuestion).where(BankQuestion.bank_id == bank.id, BankQuestion.current.is_(True))
        )
    }
    created, updated, unchanged = [], [], 0
    for q in questions:
        row = current.get(q.key)
        if row is None:
            created.append(q)
        elif _same_content(row, q):
            unchanged += 1
        else:
            updated.append((row, q))
    return ImportPlan(created, updated, unchanged)


def claim_import(batch: BankImport, mode: ImportMode) -> None:
    """Check the batch may be applied in ``mode`` and move it STAGED → QUEUED atomically.

    The conditional UPDATE makes a double submit (two tabs, a double click) apply the file once.

    :raises DomainError: already applied/queued, errors in all-or-nothing mode, or nothing to import.
    """
    if batch.state is not ImportState.STAGED:
        raise DomainError("bank_import.already_applied")
    if mode is ImportMode.ALL and batch.errors:
        raise DomainError("bank_import.has_errors", count=len(batch.errors))
    if batch.question_count == 0:
        raise DomainError("bank_import.nothing_valid")
    claimed = db.session.execute(
        sa.update(BankImport)
        .where(BankImport.id == batch.id, BankImport.state == ImportState.STAGED)
        .values(state=ImportState.QUEUED, mode=mode)
    ).rowcount
    if claimed != 1:
        raise DomainError("bank_import.already_applied")
    db.session.refresh(batch)


def apply_import(batch: BankImport, *, progress: Callable[[int], None] | None = None) -> dict[str, int]:
    """Write a claimed batch into its bank, in the caller's transaction: all of it or (on error) none.

    The batch row itself is written only at the end, so a task may report ``progress`` from another
    connection meanwhile without waiting on this transaction's row lock.

    :param progress: called with 0–99 as chunks are flushed.
    :return: counts of created, updated (new version) and unchanged questions.
    """
    bank = db.session.get(Bank, batch.bank_id)
    counts = import_questions(bank, staged_questions(batch), actor_id=batch.user_id, progress=progress)
    batch.state = ImportState.DONE
    batch.progress = 100
    batch.result = counts
    batch.applied_at = utcnow()
    db.session.flush()
    logger.info("bank %s: import %s applied: %s", bank.id, batch.id, counts)
    return counts


def import_questions(
    bank: Bank, questions: list[Question], *, actor_id: int | None, progress: Callable[[int], None] | None = None
) -> dict[str, int]:
    """Store questions in ``bank``: new keys are added, changed ones get a new version, identical ones are skipped.

    A retired question stays retired when a changed version is imported (retiring is a decision an import does
    not silently undo). Bumps the bank revision when anything changed.
    """
    plan = plan_import(bank, questions)
    total = len(plan.created) + len(plan.updated)
    done = 0
    # the old versions stop being current before their successors arrive, each carrying its 停用 as it stands now
    retired = _supersede([row for row, _question in plan.updated])
    pending: list[BankQuestion] = []
    for q in plan.created:
        pending.append(BankQuestion.from_question(q, bank_id=bank.id, version=1, created_by_id=actor_id))
    for row, q in plan.updated:
        new = BankQuestion.from_question(q, bank_id=bank.id, version=row.version + 1, created_by_id=actor_id)
        new.retired = retired[row.id]
        pending.append(new)
    for start in range(0, len(pending), CHUNK):
        db.session.add_all(pending[start : start + CHUNK])
        db.session.flush()
        done += len(pending[start : start + CHUNK])
        if progress is not None and total:
            progress(min(99, done * 100 // total))
    if total:
        bump_revision(bank)
        db.session.flush()
    return plan.counts()


# ---------------------------------------------------------------- edit and retire


def edit_question(row: BankQuestion, question: Question, *, actor_id: int | None) -> BankQuestion | None:
    """Save an edited question as a new version; the old row stays for history (papers keep their snapshot).

    :return: the new current row, or None when nothing changed.
    """
    if _same_content(row, question):
        return None
    retired = _supersede([row])[row.id]
    new = BankQuestion.from_question(
        dataclasses.replace(question, key=row.key), bank_id=row.bank_id, version=row.version + 1, created_by_id=actor_id
    )
    new.retired = retired
    db.session.add(new)
    bump_revision(row.bank)
    db.session.flush()
    logger.info("bank %s: question %s edited → version %s", row.bank_id, row.key, new.version)
    return new


def _supersede(rows: list[BankQuestion]) -> dict[int, bool]:
    """Make ``rows`` no longer current, in one conditional ``UPDATE … RETURNING`` their 停用 as it stands now (a
    retirement committed meanwhile carries over to the new version, not the value loaded before it).

    :return: row id → retired.
    :raises DomainError: ``bank.question_changed`` when one of them is no longer current (a new version was saved
        meanwhile: this change was made to an old one).
    """
    if not rows:
        return {}
    table = BankQuestion.__table__
    ids = [row.id for row in rows]
    found = db.session.execute(
        table.update()
        .where(table.c.id.in_(ids), table.c.current.is_(True))
        .values(current=False)
        .returning(table.c.id, table.c.retired)
    ).all()
    if len(found) != len(ids):
        raise DomainError("bank.question_changed", http_status=409)
    for row in rows:
        db.session.expire(row, ["current", "retired"])
    return dict(found)


def set_retired(row: BankQuestion, retired: bool) -> None:
    """Retire (停用) or restore a question: retired questions are never drawn into new papers.

    :raises DomainError: ``bank.question_changed`` when the row is no longer the question's current version (edited
        meanwhile: the decision is made again on the new version).
    """
    table = BankQuestion.__table__
    current, was = db.session.execute(  # under the row's lock: an edit saving a new version waits, or went first
        sa.select(table.c.current, table.c.retired).where(table.c.id == row.id).with_for_update()
    ).one()
    if not current:
        raise DomainError("bank.question_changed", http_status=409)
    if was != retired:
        db.session.execute(table.update().where(table.c.id == row.id).values(retired=retired))
        bump_revision(row.bank)
        db.session.flush()
    db.session.expire(row, ["retired"])


# ---------------------------------------------------------------- paper templates


def save_template(
    template: PaperTemplate | None,
    *,
    spec: PaperSpec,
    bank_ids: list[int],
    allow_review: bool,
    allow_makeup: bool,
    owner: dict | None = None,
) -> PaperTemplate:
    """Create (``owner`` given) or update a paper template (flushes)."""
    if template is None:
        template = PaperTemplate(**(owner or {}))
        db.session.add(template)
    template.name = spec.title[:100]
    template.spec = spec.to_dict()
    template.bank_ids = sorted(set(bank_ids))
    template.allow_review = allow_review
    template.allow_makeup = allow_makeup
    db.session.flush()
    return template
