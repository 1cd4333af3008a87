"""The bulk exports read plain rows in batches, decrypt ID numbers in bulk and seal public ids a batch at a time; the
single reads shape one ORM object at a time (``represent``). Both ask ``policy.may_see_full_id`` per holder and load
through the scope functions, so the export must be, byte for byte, the per-row path's lines — for every kind of client
and user, with holders masked and not, several certificates per holder, every kind and status, ID numbers under the
current key, an old key and from before key ids, and batches and chunks cut anywhere."""

from __future__ import annotations

from datetime import date, timedelta

import orjson
import pytest
import sqlalchemy as sa

from app.api import exports, represent
from app.api.principal import principal_of
from app.certificates import lifecycle
from app.certificates import scope as cert_scope
from app.certificates.models import Certificate, CertKind, CertStatus
from app.core import crypto
from app.core.clock import local_today, utcnow
from app.exams import scope as exam_scope
from app.exams.models import Attempt, AttemptState
from app.extensions import db
from app.people.models import Employment, Person

CLIENTS = ["nanjing", "suzhou", "enterprise A", "enterprise B", "enterprise C", "institution"]


def per_row_certificates(principal) -> list[bytes]:
    today, book = local_today(), lifecycle.rules()
    certs = db.session.scalars(cert_scope.certificates_query(principal).order_by(Certificate.id)).all()
    return [orjson.dumps(represent.certificate(principal, c, today, book)) for c in certs]


def per_row_results(principal) -> list[bytes]:
    query = exam_scope.attempts_query(principal).where(Attempt.state == AttemptState.GRADED).order_by(Attempt.id)
    return [orjson.dumps(represent.exam_result(principal, a)) for a in db.session.scalars(query)]


def exported(lines: bytes) -> list[bytes]:
    *rows, end = lines.split(b"\n")[:-1]
    assert orjson.loads(end) == {"end": True, "count": len(rows)} and lines.endswith(b"\n")
    return rows


@pytest.fixture
def varied(aw, factory, app, monkeypatch):
    """Persons of A, B (南京) and C (苏州), one of them employed at A but not yet confirmed, with 1–3 certificates
    each of every kind and many statuses (some issued by 苏州 to a 南京 employee, some by the institution), and a
    graded attempt each; one holder's number under an old key, one from before key ids."""
    w = aw.w
    institution = aw.clients["institution"].institution_id
    people = [w.person_a]
    for enterprise, count in ((w.ent_a, 4), (w.ent_b, 3), (w.ent_c, 3)):
        people += [factory.employ(enterprise, name=f"{enterprise.name[:2]}{i}").person for i in range(count)]
    pending = factory.employ(w.ent_a, name="待确认").person
    db.session.execute(sa.update(Employment).where(Employment.person_id == pending.id).values(confirmed_at=None))
    people.append(pending)
    # the rest under a new key: the first persons' numbers are now under an old one
    monkeypatch.setitem(app.config, "DATA_KEY_OLD", app.config["DATA_KEY"])
    monkeypatch.setitem(app.config, "DATA_KEY", "rotated-data-key-2026")
    people += [factory.employ(w.ent_a, name=f"新密钥{i}").person for i in range(2)]
    legacy = people[-1]
    token = crypto.keys_for(app.config["DATA_KEY_OLD"]).fernet.encrypt(legacy.id_number.encode())  # no key id
    db.session.execute(sa.update(Person.__table__).where(Person.id == legacy.id).values(id_number_enc=token))
    db.session.expire(legacy)
    assert crypto.token_kid(legacy.id_number_enc) is None

    today = date.today()
    statuses = [CertStatus.VALID, CertStatus.SUSPENDED, CertStatus.REVOKED, CertStatus.CANCELLED, CertStatus.VALID]
    rows, n = [], 0
    for i, person in enumerate(people):
        for j in range(1 + i % 3):
            n += 1
            kind = list(CertKind)[(i + j) % 3]
            valid_from = today - timedelta(days=(n * 97) % 2400)
            valid_from = valid_from.replace(day=min(valid_from.day, 28))
            years = 6 if kind is CertKind.SPECIAL_OPERATOR else 3
            rows.append(
                {
                    "kind": kind.value,
                    "number": f"T{person.id_number}" if kind is CertKind.SPECIAL_OPERATOR else f"{n:08d}",
                    "person_id": person.id,
                    "category": "1",
                    "category_name": "电工作业",
                    "item": "1.2",
                    "item_name": "低压电工作业",
                    "authority": "苏州市应急管理局" if n % 4 == 0 else "南京市应急管理局",
                    "region_code": "320500" if n % 4 == 0 else "320100",
                    "institution_id": institution if n % 5 == 0 else None,
                    "first_issued_on": valid_from,
                    "valid_from": valid_from,
                    "valid_to": valid_from.replace(year=valid_from.year + years),
                    "review_due_on": valid_from.replace(year=valid_from.year + 3) if n % 3 else None,
                    "review_years": 3,
                    "status": statuses[n % len(statuses)].value,
                    "verify_code": f"{n:032x}",
                    "facts": {},
                    "pdf_version": 0,
                    "content_version": 1,
                    "pdf_content_version": 0,
                    "created_at": utcnow(),
                    "updated_at": utcnow(),
                }
            )
    db.session.execute(sa.insert(Certificate.__table__), rows)

    graded = db.session.scalar(sa.select(Attempt).where(Attempt.state == AttemptState.GRADED))
    for k, person in enumerate(people[1:]):
        start = graded.started_at + timedelta(minutes=k)
        db.session.add(
            Attempt(
                sitting_id=graded.sitting_id,
                person_id=person.id,
                state=AttemptState.GRADED,
                paper={},
                questions_json="",
                seed=k,
                started_at=start,
                deadline=start + timedelta(hours=1),
                submitted_at=start + timedelta(minutes=40),
                graded_at=start + timedelta(minutes=41),
                score=55.0 + k,
                max_score=100.0,
                passed=55.0 + k >= 60,
            )
        )
    factory.commit()
    return people


@pytest.mark.parametrize(("batch", "chunk"), [(3, 2), (exports.BATCH, exports.CHUNK)], ids=["tiny batches", "default"])
def test_every_client_exports_what_the_single_reads_show(aw, api, varied, monkeypatch, batch, chunk):
    monkeypatch.setattr(exports, "BATCH", batch)
    monkeypatch.setattr(exports, "CHUNK", chunk)
    seen = {}
    for label in CLIENTS:
        principal = principal_of(aw.clients[label])
        answer = api.get("/api/v1/exports/certificates.ndjson", headers=aw.headers(label))
        assert answer.status_code == 200
        assert exported(answer.get_data()) == per_row_certificates(principal), label
        seen[label] = [orjson.loads(line) for line in exported(answer.get_data())]
        answer = api.get("/api/v1/exports/exam-results.ndjson", headers=aw.headers(label))
        assert answer.status_code == 200
        assert exported(answer.get_data()) == per_row_results(principal), label
    # the cases the comparison stands on are there: full and masked numbers, old-key and legacy holders, statuses
    full = {c["holder"]["id_number"] for c in seen["nanjing"]}
    assert {p.id_number for p in varied if p.name != "待确认"} <= full
    assert all(not c["holder"]["id_number_masked"] for c in seen["nanjing"])
    assert seen["enterprise A"] and all(c["holder"]["id_number_masked"] for c in seen["enterprise A"])
    assert not full & {c["holder"]["id_number"] for c in seen["enterprise A"] + seen["institution"]}
    assert seen["institution"] and seen["suzhou"] and seen["enterprise C"]
    assert len({c["status"] for c in seen["nanjing"]}) >= 5 and len({c["kind"] for c in seen["nanjing"]}) == 3
    assert len(seen["nanjing"]) > len({c["holder"]["id"] for c in seen["nanjing"]})  # several per holder


def test_every_users_role_exports_what_the_single_reads_show(aw, varied, monkeypatch):
    """Users of each role through the same functions: the worker sees their own number in full (the policy's
    per-person rule), the platform admin everyone's."""
    monkeypatch.setattr(exports, "BATCH", 4)
    w = aw.w
    worker_certs = 0
    for user in (w.platform_admin, w.regulator_nj, w.regulator_sz, w.admin_a, w.admin_b, w.admin_c, w.worker_a):
        lines = exported(b"".join(exports.certificates(user)))
        assert lines == per_row_certificates(user), user.username
        assert exported(b"".join(exports.exam_results(user))) == per_row_results(user), user.username
        if user is w.worker_a:
            own = [orjson.loads(line)["holder"] for line in lines]
            assert own and all(h["id_number"] == w.person_a.id_number for h in own)
            worker_certs = len(own)
    assert worker_certs == db.session.scalar(
        sa.select(sa.func.count()).select_from(Certificate).where(Certificate.person_id == w.person_a.id)
    )
    assert db.session.get(Person, varied[-1].id).id_number  # the legacy holder still reads
