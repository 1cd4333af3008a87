"""A province's dashboards: every tile at province, city and district level, the nightly refresh of the rollups
behind them (checked against a recount), and the monthly ranking of the training institutions.

    .venv/bin/python bench/province.py --scale 0.02      # 1/50 of a province: a few minutes
    .venv/bin/python bench/province.py                   # the whole province (~6 GB; about 45 minutes on 2 cores)
    .venv/bin/python bench/province.py --scale 0.05 --districts 5   # districts of 2,000 enterprises, as a province's

1. Creates a throwaway PostgreSQL database ``anpei_bench_province_<pid>`` (``--dsn``: the server's admin
   database), runs the migrations and seeds the rule tables (``flask db upgrade``, ``flask seed-reference``).
2. Generates a province with COPY, at ``--scale`` of: 1 province, 13 cities, 100 districts, 200,000 enterprises,
   2,000,000 persons (each employed once), 3,000,000 certificates, 10,000,000 graded exam attempts (results only:
   the papers are stubs) of which a tenth are practical, 1,000,000 逢查必考 tickets (a tenth failed, each failure
   a finding), 500 training institutions with 20,000 classes and a million enrolments, flagged snapshots and gate
   overrides. Dates spread over the last two years, so every window has data.
3. Times the nightly refresh (``rollups.refresh_all``: every enterprise in keyset batches, then the region sums),
   and the check of 200 enterprises against a recount.
4. Times every tile at province level, at each of 3 cities and 10 districts (``--repeat`` rounds each): p50, p95.
   The goal: p95 < 300 ms at province level, < 100 ms below it, on 2 cores. And one enterprise's live figures.
5. Times the month's ranking of all institutions (``ranking.compute``): goal < 60 s.
6. Baselines, in the same run: today's 持证上岗 overview — ``compliance.report`` per enterprise, the loop the
   ``/certificates/compliance`` page runs — on ``--sample`` enterprises, scaled to the province; and today's
   逢查必考 statistics (``spotchecks.queries.pass_rates`` over the province's inspections, raw rows).
7. Drops the database (``--keep`` keeps it).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import psycopg
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FULL = {
    "enterprises": 200_000,
    "persons": 2_000_000,
    "certificates": 3_000_000,
    "attempts": 10_000_000,
    "tickets": 1_000_000,
    "institutions": 500,
    "classes": 20_000,
    "enrolments": 1_000_000,
    "sittings": 50_000,
}
CITIES, DISTRICTS = 13, 100
INDUSTRIES = ["hazchem", "mining", "metallurgy", "construction", "manufacturing", "general", "manufacturing", "general"]
OPERATIONS = ["1.1", "1.2", "2.1", "3.1", "4.1", "9.16"]


def sizes(scale: float) -> dict[str, int]:
    return {k: max(1, int(v * scale)) for k, v in FULL.items()}


# ---------------------------------------------------------------- the throwaway database


def create_database(admin_dsn: str) -> tuple[str, str, dict]:
    name = f"anpei_bench_province_{os.getpid()}"
    admin = psycopg.connect(admin_dsn, autocommit=True, connect_timeout=5)
    admin.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    base = admin_dsn.rsplit("/", 1)[0]
    url = f"{base.replace('postgresql://', 'postgresql+psycopg://')}/{name}"
    env = {
        **os.environ,
        "ANPEI_CONFIG": "production",
        "DATABASE_URL": url,
        "SECRET_KEY": secrets.token_hex(16),
        "ANPEI_DATA_KEY": secrets.token_hex(16),
        "PYTHONPATH": str(ROOT),
    }
    env.pop("CELERY_BROKER_URL", None)
    flask = str(ROOT / ".venv/bin/flask")
    for command in (["db", "upgrade"], ["seed-reference"]):
        subprocess.run([flask, "--app", "app", *command], env=env, cwd=ROOT, check=True, capture_output=True)
    return name, url, env


def drop_database(admin_dsn: str, name: str) -> None:
    with psycopg.connect(admin_dsn, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# ---------------------------------------------------------------- COPY


class Copier:
    """``COPY table (every column) FROM STDIN`` from row dicts: the columns a row leaves out get the model's Python
    default (a constant per table) or NULL; JSON as text, enums by value."""

    def __init__(self, conn: psycopg.Connection, metadata: sa.MetaData):
        self.conn, self.metadata = conn, metadata

    def copy(self, table_name: str, rows) -> int:
        table = self.metadata.tables[table_name]
        columns = [c for c in table.columns if not (c.server_default is not None and c.default is None)]
        defaults = {}
        for c in columns:
            if c.default is not None and hasattr(c.default, "arg"):
                arg = c.default.arg
                defaults[c.name] = arg(None) if callable(arg) else arg
        json_columns = {c.name for c in columns if isinstance(c.type, sa.JSON)}
        names = [c.name for c in columns]
        n = 0
        with self.conn.cursor() as cur, cur.copy(f"COPY {table_name} ({', '.join(names)}) FROM STDIN") as out:
            for row in rows:
                values = []
                for name in names:
                    value = row[name] if name in row else defaults.get(name)
                    if name in json_columns and value is not None:
                        value = json.dumps(value, ensure_ascii=False)
                    elif hasattr(value, "value") and isinstance(value, str):
                        value = value.value
                    values.append(value)
                out.write_row(values)
                n += 1
        return n


def generate(conn: psycopg.Connection, metadata: sa.MetaData, n: dict[str, int], today: date) -> dict:
    """The province, as rows. Returns what the measurements need (codes, ids)."""
    rng = random.Random(2026)
    cp = Copier(conn, metadata)
    now = datetime.combine(today, datetime.min.time()) - timedelta(hours=8)
    days = lambda k: today - timedelta(days=k)  # noqa: E731
    # 行政区划: province 320000, cities 3201…3213, districts spread over them
    codes = [("320000", "江苏省", None)]
    cities = [f"32{c:02d}00" for c in range(1, CITIES + 1)]
    codes += [(code, f"市{code}", 1) for code in cities]
    districts = [f"{cities[d % CITIES][:4]}{d // CITIES + 2:02d}" for d in range(DISTRICTS)]
    codes += [(code, f"区{code}", 2 + cities.index(code[:4] + "00")) for code in districts]
    cp.copy(
        "people_jurisdictions",
        ({"id": i, "code": c, "name": name, "parent_id": parent} for i, (c, name, parent) in enumerate(codes, 1)),
    )
    jurisdiction_of = {c: i for i, (c, _n, _p) in enumerate(codes, 1)}
    enterprise_region = [districts[e % DISTRICTS] for e in range(n["enterprises"])]
    industry_of = [INDUSTRIES[rng.randrange(len(INDUSTRIES))] for _ in range(n["enterprises"])]
    cp.copy(
        "people_enterprises",
        (
            {
                "id": e + 1,
                "name": f"企业{e + 1}",
                "uscc": f"91{e + 1:016d}",
                "industry": industry_of[e],
                "jurisdiction_id": jurisdiction_of[enterprise_region[e]],
                "region_code": enterprise_region[e],
                "affiliation": "local",
                "created_at": now,
                "updated_at": now,
            }
            for e in range(n["enterprises"])
        ),
    )
    cp.copy(
        "people_institutions",
        (
            {
                "id": i + 1,
                "name": f"培训机构{i + 1}",
                "uscc": f"92{i + 1:016d}",
                "jurisdiction_id": jurisdiction_of[districts[i % DISTRICTS]],
                "region_code": districts[i % DISTRICTS],
                "created_at": now,
                "updated_at": now,
            }
            for i in range(n["institutions"])
        ),
    )
    # persons, each employed once: 10 % special operators, 3 % managers
    persons = n["persons"]
    post_of = [
        "special_operator" if p % 10 == 0 else "safety_manager" if p % 33 == 1 else "worker" for p in range(persons)
    ]
    enterprise_of = [p % n["enterprises"] + 1 for p in range(persons)]
    cp.copy(
        "people_persons",
        (
            {
                "id": p + 1,
                "id_type": "resident_id",
                "id_number_enc": b"x",
                "id_hash": f"{p + 1:064d}",
                "id_masked": "3201**********0000",
                "name": f"人员{p + 1}",
                "sex": "M",
                "created_at": now,
                "updated_at": now,
            }
            for p in range(persons)
        ),
    )
    cp.copy(
        "people_employments",
        (
            {
                "id": p + 1,
                "person_id": p + 1,
                "enterprise_id": enterprise_of[p],
                "post": post_of[p],
                "employment_type": "regular",
                "operation_code": OPERATIONS[p % len(OPERATIONS)] if post_of[p] == "special_operator" else None,
                "start_date": days(200 + p % 2000),
                "created_at": now,
                "updated_at": now,
            }
            for p in range(persons)
        ),
    )

    # certificates: 1.5 per person on average, special operators first; validity spread so some are due, some lapsed
    def certificates():
        for c in range(n["certificates"]):
            p = (c * 7) % persons
            special = post_of[p] == "special_operator" or c % 3 == 0
            valid_to = days(-rng.randrange(-200, 2000))
            op = OPERATIONS[p % len(OPERATIONS)]
            yield {
                "id": c + 1,
                "kind": "special_operator" if special else "manager",
                "number": f"T{p + 1:017d}",
                "person_id": p + 1,
                "category": op.split(".")[0] if special else "safety_manager",
                "category_name": "作业类别",
                "item": op if special else "hazchem",
                "item_name": "操作项目",
                "live_key": None,
                "authority": "江苏省应急管理厅",
                "region_code": enterprise_region[enterprise_of[p] - 1],
                "first_issued_on": valid_to - timedelta(days=2190),
                "valid_from": valid_to - timedelta(days=2190),
                "valid_to": valid_to,
                "status": "suspended" if c % 200 == 0 else "valid",
                "verify_code": f"{c + 1:032d}",
                "facts": {},
                "created_at": now,
                "updated_at": now,
            }

    cp.copy("certs_certificates", certificates())
    # sittings (theory, by the authority), attempts: ~5 per person on distinct sittings, a tenth practical
    sittings = n["sittings"]
    kinds = ["qualification", "review", "training", "class"]

    def sitting_rows():
        for s in range(sittings):
            kind = kinds[s % len(kinds)]
            op = OPERATIONS[s % len(OPERATIONS)]
            opens = now - timedelta(days=s % 700)
            yield {
                "id": s + 1,
                "title": f"考试{s + 1}",
                "kind": kind,
                "subject": f"{kind}:special_operator:{op}",
                "post": "special_operator",
                "operation_code": op,
                "spec": {"pass_mark": 80, "sections": []},
                "bank_ids": [],
                "opens_at": opens,
                "closes_at": opens + timedelta(hours=3),
                "duration_minutes": 120,
                "region_code": "320000",
                "created_at": now,
                "updated_at": now,
            }

    cp.copy("exams_sittings", sitting_rows())
    practical_every = 10

    def attempt_rows():
        for a in range(n["attempts"]):
            p, k = a % persons, a // persons
            s = (p * 7 + k * 13) % sittings
            graded = now - timedelta(days=s % 700, hours=-2)
            passed = rng.random() < 0.78
            yield {
                "id": a + 1,
                "sitting_id": s + 1,
                "person_id": p + 1,
                "state": "graded",
                "paper": {},
                "questions_json": "",
                "seed": 1,
                "started_at": graded - timedelta(hours=1),
                "deadline": graded,
                "submitted_at": graded,
                "graded_at": graded,
                "score": 90.0 if passed else 60.0,
                "max_score": 100.0,
                "passed": passed,
            }

    cp.copy("exams_attempts", attempt_rows())
    practical_sittings = max(1, sittings // 10)
    cp.copy(
        "exams_practical_sittings",
        (
            {
                "id": s + 1,
                "title": f"实操{s + 1}",
                "operation_code": OPERATIONS[s % len(OPERATIONS)],
                "items": [],
                "max_score": 100.0,
                "pass_mark": 80.0,
                "examiners_required": 2,
                "site_name": "考点",
                "exam_on": days(s % 700),
                "region_code": "320000",
                "created_at": now,
                "updated_at": now,
            }
            for s in range(practical_sittings)
        ),
    )

    def practical_rows():
        for i in range(0, n["attempts"], practical_every):
            p = i % persons
            s = (i // practical_every + i // persons) % practical_sittings  # a person's attempts: distinct sittings
            yield {
                "id": i // practical_every + 1,
                "sitting_id": s + 1,
                "person_id": p + 1,
                "operation_code": OPERATIONS[s % len(OPERATIONS)],
                "exam_on": days(s % 700),
                "theory_attempt_id": i + 1,
                "attempt_no": 1,
                "signatures": 2,
                "score": 85.0,
                "max_score": 100.0,
                "passed": rng.random() < 0.8,
                "graded_at": now - timedelta(days=s % 700),
                "added_at": now,
            }

    cp.copy("exams_practical_attempts", practical_rows())
    # 逢查必考: a regulator, one stub sitting, 10 tickets per inspection, a tenth failed (each a finding)
    cp.copy(
        "auth_users",
        [
            {
                "id": 1,
                "username": "regulator",
                "password_hash": "x",
                "role": "regulator",
                "jurisdiction_id": 1,
                "session_token": "t",
                "created_at": now,
                "updated_at": now,
            }
        ],
    )
    cp.copy(
        "exams_sittings",
        [
            {
                "id": sittings + 1,
                "title": "逢查必考",
                "kind": "spotcheck",
                "spec": {},
                "bank_ids": [],
                "opens_at": now,
                "closes_at": now,
                "duration_minutes": 10,
                "region_code": "320000",
                "created_at": now,
                "updated_at": now,
            }
        ],
    )
    inspections = max(1, n["tickets"] // 10)
    inspected_on = [days(rng.randrange(0, 700)) for _ in range(inspections)]
    cp.copy(
        "spotchecks_inspections",
        (
            {
                "id": i + 1,
                "regulator_id": 1,
                "enterprise_id": i % n["enterprises"] + 1,
                "inspected_on": inspected_on[i],
                "inspectors": "甲、乙",
                "doc_number": f"检{i + 1}",
                "sample_rule": {},
                "seed": 1,
                "roster_snapshot": [],
                "shortages": [],
                "status": "closed",
                "sitting_id": sittings + 1,
                "created_at": now,
                "updated_at": now,
            }
            for i in range(inspections)
        ),
    )
    failed = []

    def ticket_rows():
        for t in range(n["tickets"]):
            i = t // 10
            enterprise = i % n["enterprises"] + 1
            p = ((enterprise - 1) + (t % 10) * n["enterprises"]) % persons
            passed = t % 10 != 3
            if not passed:
                failed.append((t + 1, i + 1, enterprise, p + 1))
            yield {
                "id": t + 1,
                "inspection_id": i + 1,
                "person_id": p + 1,
                "post": "worker",
                "reason": "sampled",
                "token_hash": f"t{t + 1:063d}",
                "code_hash": f"c{t + 1:063d}",
                "secret_enc": b"x",
                "status": "done",
                "answered": True,
                "score": 90.0 if passed else 50.0,
                "max_score": 100.0,
                "passed": passed,
                "graded_at": datetime.combine(inspected_on[i], datetime.min.time()),
                "issued_at": now,
            }

    cp.copy("spotchecks_tickets", ticket_rows())
    cp.copy(
        "spotchecks_findings",
        (
            {
                "id": k + 1,
                "inspection_id": i,
                "enterprise_id": e,
                "person_id": p,
                "ticket_id": t,
                "deadline": inspected_on[i - 1] + timedelta(days=15),
                "action": "重新培训并补考",
                "status": "closed" if k % 3 else "open",
                "created_at": now,
                "updated_at": now,
            }
            for k, (t, i, e, p) in enumerate(failed)
        ),
    )
    # training: institutions' classes and enrolments (the ranking's trainees)
    cp.copy(
        "training_courses",
        [
            {
                "id": 1,
                "title": "课程",
                "training_type": "initial",
                "posts": [],
                "industries": [],
                "scope": "national",
                "region_code": "",
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
        ],
    )
    cp.copy(
        "training_classes",
        (
            {
                "id": c + 1,
                "title": f"班{c + 1}",
                "course_id": 1,
                "training_type": "initial",
                "mode": "offline",
                "starts_on": days(c % 720 + 10),
                "ends_on": days(c % 720 + 5),
                "required_hours": 24.0,
                "institution_id": c % n["institutions"] + 1,
                "region_code": districts[c % DISTRICTS],
                "created_at": now,
                "updated_at": now,
            }
            for c in range(n["classes"])
        ),
    )
    cp.copy(
        "training_enrolments",
        (
            {"id": e + 1, "class_id": e % n["classes"] + 1, "person_id": (e * 3) % persons + 1, "enrolled_at": now}
            for e in range(n["enrolments"])
        ),
    )
    # integrity: a flagged snapshot per 2,000 persons, a gate override per 2,000 persons
    flagged = max(1, persons // 2000)
    cp.copy(
        "people_snapshots",
        (
            {
                "id": s + 1,
                "person_id": (s * 97) % persons + 1,
                "context": "lesson",
                "ref_id": s % n["classes"] + 1,
                "storage_key": "x",
                "sha256": "0" * 64,
                "needs_review": True,
                "taken_at": now - timedelta(days=s % 30),
            }
            for s in range(flagged)
        ),
    )
    cp.copy(
        "archive_events",
        (
            {
                "id": s + 1,
                "person_id": (s * 89) % persons + 1,
                "seq": 1,
                "kind": "exam.gate_overridden",
                "payload": "{}",
                "at": now - timedelta(days=s % 300),
                "prev_hash": "0" * 64,
                "hash": "0" * 64,
                "actor_label": "",
            }
            for s in range(flagged)
        ),
    )
    with conn.cursor() as cur:
        for table in metadata.sorted_tables:
            if "id" in table.columns and isinstance(table.columns["id"].type, sa.Integer):
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"GREATEST((SELECT max(id) FROM {table.name}), 1))"
                )
        cur.execute("ANALYZE")
    return {"cities": cities, "districts": districts}


# ---------------------------------------------------------------- measuring


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    global DISTRICTS
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="share of the full province (default 1: ~7 GB)")
    parser.add_argument("--dsn", default="postgresql://postgres@127.0.0.1:5432/postgres", help="admin database")
    parser.add_argument("--repeat", type=int, default=20, help="timings per tile and place")
    parser.add_argument("--sample", type=int, default=50, help="enterprises of the baseline loop")
    parser.add_argument("--keep", action="store_true", help="keep the database (its name is printed)")
    parser.add_argument(
        "--districts", type=int, default=DISTRICTS, help="districts (100); fewer make each as full as a province's"
    )
    args = parser.parse_args()
    DISTRICTS = args.districts
    n = sizes(args.scale)
    print(f"province at scale {args.scale:g}: " + ", ".join(f"{k} {v:,}" for k, v in n.items()))
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; {datetime.now():%Y-%m-%d %H:%M}")
    name, url, env = create_database(args.dsn)
    print(f"database {name}")
    try:
        os.environ.update({k: v for k, v in env.items() if k != "PYTHONPATH"})
        from app import create_app

        app = create_app()
        with app.app_context():
            run(app, url, n, args)
    finally:
        if args.keep:
            print(f"kept {name}")
        else:
            drop_database(args.dsn, name)
            print(f"dropped {name}")


def run(app, url: str, n: dict, args) -> None:
    from app.certificates import compliance
    from app.core.clock import local_today
    from app.dashboards import ranking, rollups, scope, tiles
    from app.dashboards.window import Ctx
    from app.extensions import db
    from app.spotchecks import queries as spot_queries
    from app.spotchecks.models import Inspection
    from app.tenancy.models import Enterprise

    today = local_today()
    start = time.perf_counter()
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as conn:
        places = generate(conn, db.metadata, n, today)
        size = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
    print(f"generated and COPYed in {time.perf_counter() - start:.1f} s; database {size / 2**30:.2f} GB")

    start = time.perf_counter()
    run_ = rollups.refresh_all(today, commit=db.session.commit)
    db.session.commit()
    refresh_s = time.perf_counter() - start
    print(f"nightly refresh: {run_.rows:,} rollup rows for {run_.enterprises:,} enterprises in {refresh_s:.1f} s")
    start = time.perf_counter()
    checked, mismatches = rollups.verify(Ctx.on(today), sample=200, seed=1)
    print(
        f"check: {checked} enterprises recounted in {time.perf_counter() - start:.1f} s, {len(mismatches)} mismatches"
    )
    db.session.commit()

    admin = type("Admin", (), {})()  # the platform admin's scope: every region
    from app.auth.models import Role

    admin.role, admin.jurisdiction, admin.enterprise_id = Role.ADMIN, None, None
    levels = {
        "province": [scope.Place("province", "江苏省", prefix="32", region_code="320000")],
        "city": [scope.Place("city", c, prefix=c[:4], region_code=c) for c in places["cities"][:3]],
        "district": [scope.Place("district", d, prefix=d, region_code=d) for d in places["districts"][:10]],
    }
    ctx = tiles.region_ctx()
    print()
    print(f"{'tile':<16}{'level':<10}{'p50 ms':>8}{'p95 ms':>8}{'goal':>8}")
    worst = {}
    for tile in tiles.TILES:
        for level, level_places in levels.items():
            values = []
            for place in level_places:
                values += timed(lambda p=place, t=tile: tiles.region_figures(p, t.figures, ctx), args.repeat)
            goal = 300 if level == "province" else 100
            worst[(tile.key, level)] = p95(values)
            print(f"{tile.key:<16}{level:<10}{statistics.median(values):>8.1f}{p95(values):>8.1f}{goal:>8}")
    for level, level_places in levels.items():
        values = []
        for place in level_places:
            values += timed(lambda p=place: (tiles.region_figures(p, None, ctx), tiles.children(p, ctx)), args.repeat)
        print(f"{'whole page':<16}{level:<10}{statistics.median(values):>8.1f}{p95(values):>8.1f}")
    sample_ids = list(db.session.scalars(sa.select(Enterprise.id).order_by(Enterprise.id).limit(args.sample)))
    live = []
    for enterprise_id in sample_ids[:10]:
        place = scope.Place("enterprise", "", enterprise=db.session.get(Enterprise, enterprise_id))
        live += timed(lambda p=place: tiles.live_figures(admin, p, None, today), 2)
    print(f"{'one enterprise':<16}{'live':<10}{statistics.median(live):>8.1f}{p95(live):>8.1f}")

    start = time.perf_counter()
    rows = ranking.compute(today.replace(day=1), today)
    db.session.commit()
    ranking_s = time.perf_counter() - start
    print(f"\nranking of {rows} institutions: {ranking_s:.1f} s (goal < 60 s)")

    # baselines: today's per-enterprise loop of the 持证上岗 overview, and today's 逢查必考 statistics over raw rows
    start = time.perf_counter()
    for enterprise_id in sample_ids:
        compliance.report(db.session.get(Enterprise, enterprise_id), today)
    loop_s = (time.perf_counter() - start) / len(sample_ids) * n["enterprises"]
    db.session.rollback()
    start = time.perf_counter()
    spot_queries.pass_rates(sa.select(Inspection))
    spot_s = time.perf_counter() - start
    licensed = worst[("licensed", "province")]
    spot = worst[("spotcheck", "province")]
    print(
        f"baseline 持证上岗 overview (compliance.report × {n['enterprises']:,} enterprises, from {len(sample_ids)}): "
        f"{loop_s:.1f} s → the licensed tile's p95 {licensed:.1f} ms is {loop_s * 1000 / licensed:,.0f}× faster"
    )
    print(
        f"baseline 逢查必考 statistics (pass_rates over {n['tickets']:,} tickets): {spot_s * 1000:.0f} ms → "
        f"the spotcheck tile's p95 {spot:.1f} ms is {spot_s * 1000 / spot:,.0f}× faster"
    )
    ok = all(v < (300 if level == "province" else 100) for (_k, level), v in worst.items()) and ranking_s < 60
    print(
        f"\nRESULT: {'ok' if ok and not mismatches else 'FAILED'} (refresh {refresh_s:.1f} s, ranking {ranking_s:.1f} s)"
    )


if __name__ == "__main__":
    main()
