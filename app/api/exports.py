"""Bulk exports as NDJSON, streamed in constant memory: a server-side cursor (``yield_per``) feeds rows through the
same rules as the single reads — the scope functions' query, today's status from the pure ``obligations`` module,
``people_policy.may_see_full_id`` asked per holder — into orjson, a few hundred lines per chunk. The last line,
``{"end": true, "count": N}``, tells a complete download from a cut one.

What makes a million lines cheap (bench/api_export.py; docs/api.md has the figures): the columns are read as plain
Core rows (no ORM objects), a batch at a time; a full ID number is decrypted by ``crypto.decryptor`` (Fernet's checks,
each key set up once: a third of ``Fernet.decrypt``'s CPU), only where the policy shows it; the public ids of a batch
are sealed in one AES call; a certificate's calendar (status, next obligation) is worked out once per distinct dates.

Each line is byte for byte what the per-row path of the single reads (``represent`` over ORM objects) gives, for
every kind of client and role: tests/api/test_export_lines.py.

A :class:`Tally` counts the lines that showed a full ID number: the export's one 查阅记录 row says how many
(``app.api.export_views``), rather than a row per line.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import orjson
import sqlalchemy as sa

from app.api import ids
from app.api.represent import obligation
from app.auth.policy import people as people_policy
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
#: Distinct certificate calendars kept (then forgotten all at once: memory stays bounded).
CALENDARS = 8192


def _lines(rows: Iterator[dict]) -> Iterator[bytes]:
    chunk: list[bytes] = []
    count = 0
    dumps, newline = orjson.dumps, orjson.OPT_APPEND_NEWLINE
    for row in rows:
        chunk.append(dumps(row, option=newline))
        count += 1
        if len(chunk) >= CHUNK:
            yield b"".join(chunk)
            chunk = []
    chunk.append(dumps({"end": True, "count": count}, option=newline))
    yield b"".join(chunk)


def _batches(query: sa.Select) -> Iterator[Sequence[sa.Row]]:
    """The rows of a Core ``query`` (plain tuples: no ORM), BATCH at a time from a server-side cursor."""
    return db.session.connection().execute(query.execution_options(yield_per=BATCH)).partitions()


class Tally:
    """Lines of an export so far, and how many of them showed a full ID number."""

    __slots__ = ("full", "lines")

    def __init__(self):
        self.full = 0
        self.lines = 0


class _PersonRef:
    """What ``people_policy.may_see_full_id`` is asked about: the person, by id."""

    __slots__ = ("id",)

    def __init__(self, person_id: int):
        self.id = person_id


def _holders(principal, tally: Tally | None = None):
    """``holders(rows) -> [(dict, full)]`` for a batch of ``(person id, name, masked, encrypted)``: each person as the
    policy shows them to ``principal`` (as ``represent.person_ref``): the policy asked per row, the full ID number
    decrypted only where it says so, the public ids sealed in one call per batch."""
    public_ids, decrypt = ids.many_encoder("person"), crypto.decryptor()
    may_see_full_id = people_policy.may_see_full_id

    def holders(rows) -> list[tuple[dict, bool]]:
        out = []
        for public_id, (number_id, name, masked, encrypted) in zip(public_ids([r[0] for r in rows]), rows, strict=True):
            full = may_see_full_id(principal, _PersonRef(number_id))
            out.append(
                (
                    {
                        "id": public_id,
                        "name": name,
                        "id_number": decrypt(encrypted) if full else masked,
                        "id_number_masked": not full,
                    },
                    full,
                )
            )
        if tally is not None:
            tally.lines += len(out)
            tally.full += sum(full for _holder, full in out)
        return out

    return holders


def certificates(principal, tally: Tally | None = None) -> Iterator[bytes]:
    """Every certificate ``principal`` may see, as ``GET /certificates`` items (``tally`` counts them)."""
    return _lines(_certificate_rows(principal, tally))


def _certificate_query(principal) -> sa.Select:
    """The columns one line needs, of the certificates ``principal`` may see, in id order (a Core select: rows are
    plain tuples)."""
    visible = cert_scope.certificates_query(principal).with_only_columns(Certificate.id)
    c, p = Certificate.__table__.c, Person.__table__.c
    return (
        sa.select(
            c.id,
            sa.type_coerce(c.kind, sa.String).label("kind"),  # plain strings: no enum conversion per row
            c.number,
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
            c.person_id,
            p.name,
            p.id_masked,
            p.id_number_enc,
        )
        .join(Person.__table__, p.id == c.person_id)
        .where(c.id.in_(visible))
        .order_by(c.id)
    )


def _certificate_rows(principal, tally: Tally | None = None) -> Iterator[dict]:
    today, book = local_today(), lifecycle.rules()
    cert_ids, holders = ids.many_encoder("certificate"), _holders(principal, tally)
    kinds, statuses = {k.value: k for k in CertKind}, {s.value: s for s in CertStatus}
    calendars: dict[tuple, tuple] = {}

    def calendar(kind, region_code, valid_from, valid_to, review_due_on, status) -> tuple:
        """Status, next obligation and whether the 应复审日期 shows: the same for every certificate of the same
        dates (a sitting's batch is issued on one day), so worked out once per distinct dates."""
        dates = obligations.CertDates(kinds[kind], region_code, valid_from, valid_to, review_due_on, statuses[status])
        ended = dates.status in DECIDED and dates.status is not CertStatus.SUSPENDED
        upcoming = None if ended else obligations.next_obligation(dates, book, today)
        now = obligations.status_on(dates, book, today)
        return now.value, now.label, obligation(upcoming), obligations.shows_review_date(dates, book)

    labels = {k.value: k.label for k in CertKind}
    for batch in _batches(_certificate_query(principal)):
        people = holders([row[14:] for row in batch])
        for public_id, row, (holder, full) in zip(cert_ids([row[0] for row in batch]), batch, people, strict=True):
            (
                _id,
                kind,
                number,
                category,
                category_name,
                item,
                item_name,
                authority,
                region_code,
                first_issued_on,
                valid_from,
                valid_to,
                review_due_on,
                status,
            ) = row[:14]
            key = (kind, region_code, valid_from, valid_to, review_due_on, status)
            known = calendars.get(key)
            if known is None:
                if len(calendars) >= CALENDARS:
                    calendars.clear()
                known = calendars[key] = calendar(*key)
            status, status_name, upcoming, shows_review = known
            yield {
                "id": public_id,
                "kind": kind,
                "kind_name": labels[kind],
                "number": number if full else masked_number(number),
                "holder": holder,
                "category": category,
                "category_name": category_name,
                "item": item,
                "item_name": item_name,
                "authority": authority,
                "region_code": region_code,
                "first_issued_on": first_issued_on,
                "valid_from": valid_from,
                "valid_to": valid_to,
                "review_due_on": review_due_on if shows_review else None,
                "status": status,
                "status_name": status_name,
                "next_obligation": upcoming,
            }


def exam_results(principal, tally: Tally | None = None) -> Iterator[bytes]:
    """Every graded theory exam result ``principal`` may see, as ``GET /exam-results`` items (``tally`` counts
    them)."""
    return _lines(_result_rows(principal, tally))


def _result_rows(principal, tally: Tally | None = None) -> Iterator[dict]:
    visible = exam_scope.attempts_query(principal).with_only_columns(Attempt.id)
    a, s, p = Attempt.__table__.c, Sitting.__table__.c, Person.__table__.c
    query = (
        sa.select(
            a.id,
            a.state,
            a.started_at,
            a.submitted_at,
            a.graded_at,
            a.score,
            a.max_score,
            a.passed,
            s.title,
            s.kind,
            s.post,
            s.operation_code,
            a.person_id,
            p.name,
            p.id_masked,
            p.id_number_enc,
        )
        .join(Sitting.__table__, s.id == a.sitting_id)
        .join(Person.__table__, p.id == a.person_id)
        .where(a.id.in_(visible), a.state == AttemptState.GRADED.value)
        .order_by(a.id)
    )
    attempt_ids, holders = ids.many_encoder("attempt"), _holders(principal, tally)
    kinds = {k.value: k.label for k in ExamKind}
    for batch in _batches(query):
        people = holders([row[12:] for row in batch])
        for public_id, row, (holder, _full) in zip(attempt_ids([row[0] for row in batch]), batch, people, strict=True):
            _id, state, started_at, submitted_at, graded_at, score, max_score, passed, title, kind, post, code = row[
                :12
            ]
            yield {
                "id": public_id,
                "person": holder,
                "sitting_title": title,
                "exam_kind": str(kind),
                "exam_kind_name": kinds[str(kind)],
                "post": post,
                "operation_code": code,
                "state": str(state),
                "started_at": isoformat_local(started_at),
                "submitted_at": isoformat_local(submitted_at),
                "graded_at": isoformat_local(graded_at),
                "score": score,
                "max_score": max_score,
                "passed": passed,
            }
