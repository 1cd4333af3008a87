"""The API's bulk export: rows/s and memory of ``GET /api/v1/exports/certificates.ndjson`` for a jurisdiction's
client (full ID numbers: the policy shows them to an authority, so every row is decrypted), against baselines
measured in the same run:

- **read**: the same rows and columns fetched from the database with no work on them (the ceiling);
- **naive**: every certificate loaded as an ORM object, shaped as the single read does, one JSON document built in
  memory (what an export without streaming does) — only up to ``--naive-max`` rows.

Builds a throwaway database (SQLite in a temp dir, or with ``--postgres`` a PostgreSQL database
``anpei_bench_<pid>`` on 127.0.0.1 that is dropped at the end): one city, N certificates of N/2 persons (validity
spread over 7 years, so statuses differ), an API client of the city. The export is read through the app (Flask's
test client, streamed chunk by chunk), and its memory is traced separately: the peak over the first 10 % of the
lines against the peak over the rest (a constant-memory export keeps the second near the first).

    .venv/bin/python bench/api_export.py [-n 20000] [--postgres] [--naive-max 50000]
    .venv/bin/python bench/api_export.py -n 1000000 --postgres --naive-max 0     # the 1,000,000-row figure
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("ANPEI_CONFIG", "testing")

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/"


def make_app(url: str, storage: str):
    from app import create_app
    from config import TestingConfig

    return create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url, STORAGE_DIR=Path(storage))


def seed(n: int) -> str:
    """N certificates in 南京市, an API client of the city; returns its token."""
    import sqlalchemy as sa

    from app.api import clients
    from app.auth.models import Role, User
    from app.certificates.models import Certificate
    from app.core import crypto
    from app.extensions import db
    from app.people.identifiers import mask_id, ric_check_char
    from app.people.models import Person
    from app.rules.seed import seed_reference
    from app.tenancy.models import Enterprise, Industry, Jurisdiction

    seed_reference()
    province = Jurisdiction(code="320000", name="江苏省")
    db.session.add(province)
    db.session.flush()
    city = Jurisdiction(code="320100", name="南京市", parent_id=province.id)
    db.session.add(city)
    db.session.flush()
    district = Jurisdiction(code="320102", name="玄武区", parent_id=city.id)
    db.session.add(district)
    db.session.flush()
    ent = Enterprise(
        name="基准企业",
        uscc="91320102MA1BENCH0X",
        industry=Industry.HAZCHEM,
        jurisdiction_id=district.id,
        region_code="320102",
    )
    db.session.add(ent)
    admin = User(username="bench-admin", role=Role.ADMIN, password_hash="x")
    db.session.add(admin)
    db.session.flush()
    persons = n // 2 or 1
    people, certs = Person.__table__, Certificate.__table__
    start = date(2020, 1, 1)
    batch = 5000
    for first in range(1, persons + 1, batch):
        rows = []
        for i in range(first, min(first + batch, persons + 1)):
            body = f"320102{date(1960, 1, 1) + timedelta(days=i % 15000):%Y%m%d}{i % 1000:03d}"
            number = body + ric_check_char(body)
            rows.append(
                {
                    "id": i,
                    "id_type": "resident_id",
                    "id_number_enc": crypto.encrypt(number),
                    "id_hash": f"{i:064x}",
                    "id_masked": mask_id(number),
                    "name": f"人员{i}",
                    "sex": "M",
                    "phone": "",
                    "education": "",
                    "created_at": start,
                    "updated_at": start,
                }
            )
        db.session.execute(sa.insert(people), rows)
    for first in range(1, n + 1, batch):
        rows = []
        for i in range(first, min(first + batch, n + 1)):
            person = (i - 1) % persons + 1
            valid_from = start + timedelta(days=(i * 7) % 2500)
            if valid_from.month == 2 and valid_from.day == 29:
                valid_from = valid_from.replace(day=28)
            rows.append(
                {
                    "id": i,
                    "kind": "special_operator",
                    "number": f"T{i:017d}",
                    "person_id": person,
                    "category": "1",
                    "category_name": "电工作业",
                    "item": "1.2" if i <= persons else "1.1",
                    "item_name": "低压电工作业" if i <= persons else "高压电工作业",
                    "live_key": None,
                    "authority": "南京市应急管理局",
                    "region_code": "320100",
                    "first_issued_on": valid_from,
                    "valid_from": valid_from,
                    "valid_to": valid_from.replace(year=valid_from.year + 6),
                    "review_due_on": valid_from.replace(year=valid_from.year + 3),
                    "review_years": 3,
                    "status": "valid",
                    "verify_code": secrets.token_hex(16),
                    "facts": {},
                    "pdf_version": 0,
                    "content_version": 1,
                    "pdf_content_version": 0,
                    "created_at": start,
                    "updated_at": start,
                }
            )
        db.session.execute(sa.insert(certs), rows)
    if db.engine.dialect.name == "postgresql":
        db.session.execute(sa.text("ANALYZE"))
    _client, credentials = clients.create_client(
        actor=admin, name="基准", tenant=city, scopes=["certificates:read"], rate_limit=100000
    )
    db.session.commit()
    return credentials.token


def read_baseline(principal) -> tuple[int, float]:
    """The export's own query, rows fetched and dropped."""
    from app.api import exports
    from app.extensions import db

    query = exports._certificate_query(principal)
    t0, count = time.perf_counter(), 0
    for batch in exports._batches(query):  # as the export reads them: a server-side cursor, a batch at a time
        count += len(batch)
    db.session.rollback()
    return count, time.perf_counter() - t0


def naive_baseline(principal) -> tuple[int, float, float]:
    """Load everything, shape it like the single read, one JSON document: (rows, seconds, peak MB)."""
    import orjson
    import sqlalchemy as sa

    from app.api import represent
    from app.certificates import lifecycle
    from app.certificates import scope as cert_scope
    from app.certificates.models import Certificate
    from app.core.clock import local_today
    from app.extensions import db

    tracemalloc.start()
    t0 = time.perf_counter()
    today, book = local_today(), lifecycle.rules()
    certs = db.session.scalars(
        cert_scope.certificates_query(principal).options(sa.orm.selectinload(Certificate.person))
    ).all()
    body = orjson.dumps([represent.certificate(principal, c, today, book) for c in certs])
    seconds = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    rows = len(certs)
    del certs, body
    db.session.rollback()
    db.session.expunge_all()
    return rows, seconds, peak


def export(client, token: str, *, trace: bool) -> tuple[int, float, float, float, float]:
    """(lines, seconds, CPU seconds, peak MB over the first 10 %, peak MB over the rest)."""
    headers = {"Authorization": f"Bearer {token}"}
    if trace:
        tracemalloc.start()
    t0, c0 = time.perf_counter(), time.process_time()
    response = client.get("/api/v1/exports/certificates.ndjson", headers=headers, buffered=False)
    assert response.status_code == 200, response.status_code
    lines, first_peak, tenth = 0, 0.0, None
    for chunk in response.response:
        lines += chunk.count(b"\n")
        if trace and tenth is None and lines >= EXPECTED[0] // 10:
            tenth = lines
            first_peak = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.reset_peak()
    response.close()
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    rest_peak = 0.0
    if trace:
        rest_peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return lines, seconds, cpu, first_peak, rest_peak


EXPECTED = [0]


def load() -> str:
    """The machine's load average (1, 5, 15 min): the figures are only as good as the box was quiet."""
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=20000, help="certificates (default 20,000)")
    parser.add_argument("--postgres", action="store_true", help="a throwaway PostgreSQL database on 127.0.0.1")
    parser.add_argument("--naive-max", type=int, default=50000, help="skip the naive baseline above this many rows")
    args = parser.parse_args()
    EXPECTED[0] = args.n
    tmp = tempfile.mkdtemp(prefix="anpei-bench-export-")
    dbname = f"anpei_bench_{os.getpid()}"
    if args.postgres:
        import sqlalchemy as sa

        admin = sa.create_engine(PG + "postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f"CREATE DATABASE {dbname}"))
        url = PG + dbname
    else:
        url = f"sqlite:///{tmp}/bench.sqlite"
    try:
        app = make_app(url, tmp)
        from flask_migrate import upgrade

        with app.app_context():
            upgrade()
            t0 = time.perf_counter()
            token = seed(args.n)
            kind = "PostgreSQL" if args.postgres else "SQLite"
            print(f"database: {kind}, seeded {args.n:,} certificates in {time.perf_counter() - t0:.1f} s")
            from app.api.clients import authenticate
            from app.api.principal import principal_of

            principal = principal_of(authenticate(f"Bearer {token}"))
            rows, seconds = read_baseline(principal)
            print(
                f"read (the export's query, rows dropped): {rows:,} rows in {seconds:.2f} s = {rows / seconds:,.0f} rows/s"
            )
            client = app.test_client()
            before = load()
            lines, seconds, cpu, _a, _b = export(client, token, trace=False)
            after = load()
            rate = (lines - 1) / seconds
            print(
                f"export (streamed NDJSON through the app): {lines - 1:,} rows in {seconds:.2f} s = {rate:,.0f} rows/s "
                f"({cpu:.2f} s CPU; {rate / (rows / max(1e-9, read_baseline(principal)[1])):.2f}× the read rate)"
            )
            print(f"  → 1,000,000 rows would take {1_000_000 / rate:.0f} s at this rate (goal < 60 s)")
            print(f"  {before} before the export, {after} after")
            _lines, _s, _c, first, rest = export(client, token, trace=True)
            print(
                f"export memory (tracemalloc): peak {first:.1f} MB over the first 10 % of rows, {rest:.1f} MB over the rest"
            )
            if 0 < args.n <= args.naive_max:
                rows, seconds, peak = naive_baseline(principal)
                print(
                    f"naive (all ORM objects, one JSON document): {rows:,} rows in {seconds:.2f} s = "
                    f"{rows / seconds:,.0f} rows/s, peak {peak:.1f} MB (streamed export: {rate / (rows / seconds):.2f}× its rate)"
                )
    finally:
        if args.postgres:
            from app.extensions import db

            with app.app_context():
                db.engine.dispose()
            with admin.connect() as conn:
                conn.execute(sa.text(f"DROP DATABASE IF EXISTS {dbname} WITH (FORCE)"))


if __name__ == "__main__":
    main()
