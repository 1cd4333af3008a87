"""Bulk exports as NDJSON, streamed in constant memory: a server-side cursor (``yield_per``) feeds rows through the
same rules as the single reads — today's status from the pure ``obligations`` module, the policy's masking — into
orjson, a few hundred lines per chunk. No ORM objects: the columns are read as plain rows, so memory stays flat
whatever the count. The last line, ``{"end": true, "count": N}``, tells a complete download from a cut one.

Each certificate line is the same object as an item of ``GET /api/v1/certificates`` (a test holds the two equal).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from types import SimpleNamespace

import orjson
import sqlalchemy as sa

from app.api import ids
from app.api.represent import obligation
from app.auth import policy
from app.certificates import lifecycle, obligations
from app.certificates import scope as cert_scope
from app.certificates.issuing.numbering import masked_number
from app.certificates.models import DECIDED, Certificate, CertKind, CertStatus
from app.core import crypto
from app.core.clock import isoformat_local, local_today
from app.exams import scope as exam_scope
from app.exams.models import Attempt, AttemptState, ExamKind, Sitting
from app.extensions import db
from app.people.models import Person

#: Rows fetched per round trip, and lines per chunk written to the socket.
BATCH = 2000
CHUNK = 500


def _lines(rows: Iterator[dict]) -> Iterator[bytes]:
    chunk: list[bytes] = []
    count = 0
    dumps = orjson.dumps
    for row in rows:
        chunk.append(dumps(row))
        count += 1
        if len(chunk) >= CHUNK:
            yield b"\n".join(chunk) + b"\n"
            chunk = []
    chunk.append(dumps({"end": True, "count": count}))
    yield b"\n".join(chunk) + b"\n"


def _holders(principal):
    """``holder(person id, name, masked, encrypted) -> (dict, full)``: the person as the policy shows them to
    ``principal`` (as ``represent.person_ref``), with the key ring and the id cipher resolved once."""
    person_id, decrypt = ids.encoder("person"), crypto.decryptor()

    def holder(number_id, name, masked, encrypted) -> tuple[dict, bool]:
        full = policy.may_see_full_id(principal, SimpleNamespace(id=number_id))
        return {
            "id": person_id(number_id),
            "name": name,
            "id_number": decrypt(encrypted) if full else masked,
            "id_number_masked": not full,
        }, full

    return holder


def certificates(principal) -> Iterator[bytes]:
    """Every certificate ``principal`` may see, as ``GET /certificates`` items."""
    return _lines(_certificate_rows(principal))


def _certificate_query(principal) -> sa.Select:
    """The columns one line needs, of the certificates ``principal`` may see, in id order, fetched in batches."""
    visible = cert_scope.certificates_query(principal).with_only_columns(Certificate.id)
    c = Certificate.__table__.c
    return (
        sa.select(
            c.id,
            sa.type_coerce(c.kind, sa.String).label("kind"),  # plain strings: no enum conversion per row
            c.number,
            c.person_id,
            c.category,
            c.category_name,
            c.item,
            c.item_name,
            c.authority,
            c.region_code,
            c.first_issued_on,
            c.valid_from,
            c.valid_to,
            c.review_due_on,
            sa.type_coerce(c.status, sa.String).label("status"),
            Person.name,
            Person.id_masked,
            Person.id_number_enc,
        )
        .join(Person, Person.id == c.person_id)
        .where(c.id.in_(visible))
        .order_by(c.id)
        .execution_options(yield_per=BATCH)
    )


def _certificate_rows(principal) -> Iterator[dict]:
    today, book = local_today(), lifecycle.rules()
    query = _certificate_query(principal)
    cert_id, holder_of = ids.encoder("certificate"), _holders(principal)
    labels = {k.value: k.label for k in CertKind}
    status_labels = {s.value: s.label for s in CertStatus}

    @functools.lru_cache(maxsize=8192)
    def calendar(dates: obligations.CertDates) -> tuple:
        """Status, next obligation and whether the 应复审日期 shows: the same for every certificate of the same
        dates (a sitting's batch is issued on one day), so worked out once per distinct dates."""
        ended = dates.status in DECIDED and dates.status is not CertStatus.SUSPENDED
        upcoming = None if ended else obligations.next_obligation(dates, book, today)
        status = obligations.status_on(dates, book, today).value
        return status, status_labels[status], obligation(upcoming), obligations.shows_review_date(dates, book)

    kinds, statuses = {k.value: k for k in CertKind}, {s.value: s for s in CertStatus}
    for row in db.session.execute(query):
        kind = kinds[row.kind]
        dates = obligations.CertDates(
            kind, row.region_code, row.valid_from, row.valid_to, row.review_due_on, statuses[row.status]
        )
        status, status_name, upcoming, shows_review = calendar(dates)
        holder, full = holder_of(row.person_id, row.name, row.id_masked, row.id_number_enc)
        yield {
            "id": cert_id(row.id),
            "kind": kind.value,
            "kind_name": labels[kind.value],
            "number": row.number if full else masked_number(row.number),
            "holder": holder,
            "category": row.category,
            "category_name": row.category_name,
            "item": row.item,
            "item_name": row.item_name,
            "authority": row.authority,
            "region_code": row.region_code,
            "first_issued_on": row.first_issued_on,
            "valid_from": row.valid_from,
            "valid_to": row.valid_to,
            "review_due_on": row.review_due_on if shows_review else None,
            "status": status,
            "status_name": status_name,
            "next_obligation": upcoming,
        }


def exam_results(principal) -> Iterator[bytes]:
    """Every graded theory exam result ``principal`` may see, as ``GET /exam-results`` items."""
    return _lines(_result_rows(principal))


def _result_rows(principal) -> Iterator[dict]:
    visible = exam_scope.attempts_query(principal).with_only_columns(Attempt.id)
    a = Attempt.__table__.c
    query = (
        sa.select(
            a.id,
            a.person_id,
            a.state,
            a.started_at,
            a.submitted_at,
            a.graded_at,
            a.score,
            a.max_score,
            a.passed,
            Sitting.title,
            Sitting.kind,
            Sitting.post,
            Sitting.operation_code,
            Person.name,
            Person.id_masked,
            Person.id_number_enc,
        )
        .join(Sitting, Sitting.id == a.sitting_id)
        .join(Person, Person.id == a.person_id)
        .where(a.id.in_(visible), a.state == AttemptState.GRADED.value)
        .order_by(a.id)
        .execution_options(yield_per=BATCH)
    )
    attempt_id, holder_of = ids.encoder("attempt"), _holders(principal)
    kinds = {k.value: k.label for k in ExamKind}
    for row in db.session.execute(query):
        holder, _full = holder_of(row.person_id, row.name, row.id_masked, row.id_number_enc)
        yield {
            "id": attempt_id(row.id),
            "person": holder,
            "sitting_title": row.title,
            "exam_kind": str(row.kind),
            "exam_kind_name": kinds[str(row.kind)],
            "post": row.post,
            "operation_code": row.operation_code,
            "state": str(row.state),
            "started_at": isoformat_local(row.started_at),
            "submitted_at": isoformat_local(row.submitted_at),
            "graded_at": isoformat_local(row.graded_at),
            "score": row.score,
            "max_score": row.max_score,
            "passed": row.passed,
        }
