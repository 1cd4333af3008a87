"""The 一人一档 at a province's scale: checkpoints that follow the hour's activity, the nightly incremental
verification, a full verification's rate, against the approach before migration 0901.

    .venv/bin/python bench/archive.py --scale 0.1      # 1,000,000 events over 100,000 persons
    .venv/bin/python bench/archive.py                  # 10,000,000 events over 1,000,000 persons (~4 GB)

1. Creates a throwaway PostgreSQL database ``anpei_bench_archive_<pid>`` (``--dsn``: the server's admin database)
   and runs the migrations.
2. Generates with COPY, at ``--scale`` of 1,000,000 persons and 10,000,000 events (1 to 19 a person, small
   payloads, spread over three years), each chain HMAC-linked by the app's own ``_digest``, and a signed head each.
3. The first checkpoint after the migration (it pins every head once), then a full verification of the archive
   (``verify_archive(full=True)``): its rate in events/s; it is the base of the incremental runs.
4. An hour: ``--hour`` persons (20,000 × scale) get one or two events each through ``record_event``; the hour's
   checkpoint: its size (leaves and row) and time. Then the rest of a working day (``--hours`` hours in all, each
   with its checkpoint), and the nightly incremental verification (``verify_archive``, ``--sample`` old chains).
   Goal: < 60 s on 2 cores at full scale.
5. Baselines, in the same run: the checkpoint before migration 0901 (every head copied into one signed JSON row,
   inserted into a scratch table: its size and time), and the verification before it (every chain re-hashed from
   its start, as ORM objects) on ``--baseline`` persons, scaled to the archive: what each night cost.
6. Drops the database (``--keep`` keeps it).
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import psycopg
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FULL_PERSONS, FULL_EVENTS, FULL_HOUR = 1_000_000, 10_000_000, 20_000
KINDS = ["person.registered", "employment.started", "class.enrolled", "attendance.day", "exam.graded", "note"]


def create_database(admin_dsn: str) -> tuple[str, str, dict]:
    name = f"anpei_bench_archive_{os.getpid()}"
    with psycopg.connect(admin_dsn, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = f"{admin_dsn.rsplit('/', 1)[0].replace('postgresql://', 'postgresql+psycopg://')}/{name}"
    env = {
        **os.environ,
        "ANPEI_CONFIG": "production",
        "DATABASE_URL": url,
        "SECRET_KEY": secrets.token_hex(16),
        "ANPEI_DATA_KEY": secrets.token_hex(16),
        "ANPEI_ARCHIVE_WITNESS": str(Path(tempfile.mkdtemp(prefix="anpei-bench-")) / "witness.jsonl"),
        "PYTHONPATH": str(ROOT),
    }
    env.pop("CELERY_BROKER_URL", None)
    flask = str(ROOT / ".venv/bin/flask")
    subprocess.run([flask, "--app", "app", "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
    return name, url, env


def drop_database(admin_dsn: str, name: str) -> None:
    with psycopg.connect(admin_dsn, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def generate(conn: psycopg.Connection, persons: int, events: int) -> int:
    """Persons, their chains and signed heads, with COPY. Returns the number of events written."""
    from app.archive.services import GENESIS, _digest, head_mac
    from app.core import crypto

    rng = random.Random(2026)
    kid = crypto.current_kid()
    start = datetime(2024, 1, 1)
    mean = events / persons
    with conn.cursor() as cur:
        columns = "id, id_type, id_number_enc, id_hash, id_masked, name, sex, phone, education, created_at, updated_at"
        with cur.copy(f"COPY people_persons ({columns}) FROM STDIN") as out:
            for p in range(1, persons + 1):
                out.write_row(
                    (p, "resident_id", b"x", f"{p:064d}", "3201**********0000", f"人员{p}", "M", "", "", start, start)
                )
    written = 0
    heads = []
    event_columns = "person_id, seq, kind, payload, actor_label, at, prev_hash, hash, key_id"
    with conn.cursor() as cur, cur.copy(f"COPY archive_events ({event_columns}) FROM STDIN") as out:
        for p in range(1, persons + 1):
            count = max(1, min(2 * round(mean) - 1, round(rng.gauss(mean, mean / 2))))
            prev, at = GENESIS, start + timedelta(minutes=rng.randrange(60 * 24 * 365))
            for seq in range(1, count + 1):
                kind, payload = KINDS[min(seq - 1, len(KINDS) - 1)], f'{{"n":{seq}}}'
                digest = _digest(prev, p, seq, kind, payload, None, None, "system", at, key_id=kid)
                out.write_row((p, seq, kind, payload, "system", at, prev, digest, kid))
                prev, at = digest, at + timedelta(hours=rng.randrange(1, 24 * 30))
            heads.append((p, count, prev, kid, head_mac(p, count, prev, kid), at))
            written += count
    with (
        conn.cursor() as cur,
        cur.copy("COPY archive_heads (person_id, seq, hash, key_id, mac, updated_at) FROM STDIN") as out,
    ):
        for row in heads:
            out.write_row(row)
    conn.execute("ANALYZE")
    return written


def touch(person_ids: list[int]) -> int:
    """One or two events for each person, as the app writes them (``record_event``), committed in batches."""
    from app.archive.services import record_event
    from app.extensions import db

    written = 0
    for i, pid in enumerate(person_ids, 1):
        for n in range(1 + pid % 2):
            record_event(pid, "attendance.day", {"n": n})
            written += 1
        if i % 500 == 0:
            db.session.commit()
    db.session.commit()
    return written


def timed(fn):
    """(result, wall seconds); the process's CPU seconds of the last call in ``cpu["last"]`` (a shared box distorts
    CPU time less than wall time)."""
    start, cpu_start = time.perf_counter(), time.process_time()
    result = fn()
    cpu["last"] = time.process_time() - cpu_start
    return result, time.perf_counter() - start


cpu = {"last": 0.0}


def old_checkpoint() -> tuple[int, int, float]:
    """The checkpoint before migration 0901: every head in one signed JSON row (into a scratch table).

    :return: (bytes of the body, bytes stored by PostgreSQL, seconds)."""
    from app.archive.models import ArchiveHead
    from app.archive.services import canonical_json
    from app.core import crypto
    from app.core.db import utcnow
    from app.extensions import db

    db.session.execute(sa.text("CREATE TABLE IF NOT EXISTS bench_old_checkpoints (id serial, body text, mac text)"))
    db.session.commit()
    start = time.perf_counter()
    heads = ArchiveHead.__table__
    snapshot = {
        str(pid): [seq, hash_]
        for pid, seq, hash_ in db.session.execute(
            sa.select(heads.c.person_id, heads.c.seq, heads.c.hash).order_by(heads.c.person_id)
        )
    }
    body = canonical_json({"heads": snapshot, "retired_keys": []})
    at = utcnow().isoformat(timespec="microseconds")
    mac = crypto.chain_mac(f"checkpoint|{at}|{body}".encode())
    row = db.session.execute(
        sa.text("INSERT INTO bench_old_checkpoints (body, mac) VALUES (:b, :m) RETURNING id"), {"b": body, "m": mac}
    ).scalar_one()
    db.session.commit()
    seconds = time.perf_counter() - start
    stored = db.session.execute(
        sa.text("SELECT pg_column_size(body) FROM bench_old_checkpoints WHERE id = :id"), {"id": row}
    ).scalar_one()
    return len(body.encode()), stored, seconds


def old_verification_rate(person_ids: list[int]) -> tuple[int, float]:
    """The verification before migration 0901 on some chains: every event as an ORM object, from the chain's start.

    :return: (events checked, seconds)."""
    from app.archive.models import ArchiveEvent
    from app.archive.services import GENESIS, event_matches
    from app.extensions import db

    start = time.perf_counter()
    query = (
        sa.select(ArchiveEvent)
        .where(ArchiveEvent.person_id.in_(person_ids))
        .order_by(ArchiveEvent.person_id, ArchiveEvent.seq)
    )
    checked, current, bad = 0, None, 0
    for event in db.session.scalars(query).yield_per(1000):
        checked += 1
        if event.person_id != current:
            current, expected, prev = event.person_id, 1, GENESIS
        if event.seq != expected or event.prev_hash != prev or not event_matches(event):
            bad += 1
        prev, expected = event.hash, expected + 1
    db.session.rollback()
    assert bad == 0, f"{bad} events did not verify"
    return checked, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="share of 10M events over 1M persons (default 1)")
    parser.add_argument("--hour", type=int, default=None, help="persons touched in an hour (20,000 × scale)")
    parser.add_argument("--hours", type=int, default=10, help="busy hours, each with its checkpoint, before the night")
    parser.add_argument("--sample", type=int, default=1000, help="old chains the nightly run re-hashes whole")
    parser.add_argument("--baseline", type=int, default=10_000, help="persons the old verification is timed on")
    parser.add_argument("--dsn", default="postgresql://postgres@127.0.0.1:5432/postgres", help="admin database")
    parser.add_argument("--keep", action="store_true", help="keep the database (its name is printed)")
    args = parser.parse_args()
    persons = max(10, int(FULL_PERSONS * args.scale))
    events = max(persons, int(FULL_EVENTS * args.scale))
    hour = args.hour or max(1, int(FULL_HOUR * args.scale))
    print(f"archive at scale {args.scale:g}: {events:,} events over {persons:,} persons; {hour:,} persons an hour")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; {datetime.now():%Y-%m-%d %H:%M}")
    name, url, env = create_database(args.dsn)
    print(f"database {name}")
    began = time.perf_counter()
    try:
        os.environ.update({k: v for k, v in env.items() if k != "PYTHONPATH"})
        from app import create_app

        app = create_app()
        with app.app_context():
            run(url, persons, events, hour, args)
    finally:
        if args.keep:
            print(f"kept {name}")
        else:
            drop_database(args.dsn, name)
            shutil.rmtree(Path(env["ANPEI_ARCHIVE_WITNESS"]).parent, ignore_errors=True)
            print(f"dropped {name}")
        print(f"whole run {time.perf_counter() - began:.0f} s")


def run(url: str, persons: int, events: int, hour: int, args) -> None:
    from app.archive.checkpoints import write_checkpoint
    from app.archive.verification import verify_archive
    from app.archive.verification_runs import record_run
    from app.extensions import db

    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as conn:
        written, seconds = timed(lambda: generate(conn, persons, events))
        size = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
    print(f"generated {written:,} events with COPY in {seconds:.0f} s; database {size / 2**30:.2f} GB")

    first, seconds = timed(write_checkpoint)
    db.session.commit()
    print(
        f"first checkpoint after the migration: {first.person_count:,} heads, {len(first.leaves):,} B in {seconds:.1f} s"
    )
    full, full_s = timed(lambda: verify_archive(full=True))
    assert not full.breaks, full.breaks[:5]
    record_run(full)
    db.session.commit()
    full_rate, full_cpu_rate = full.checked / full_s, full.checked / cpu["last"]
    print(
        f"full verification: {full.checked:,} events in {full.chains:,} chains in {full_s:.1f} s = {full_rate:,.0f}/s "
        f"(CPU {full_cpu_rate:,.0f}/s)"
    )

    rng = random.Random(7)
    sizes, times, touched = [], [], 0
    for h in range(args.hours):
        touched += touch(sorted(rng.sample(range(1, persons + 1), hour)))
        checkpoint, seconds = timed(write_checkpoint)
        db.session.commit()
        sizes.append((checkpoint.person_count, len(checkpoint.leaves)))
        times.append(seconds)
        if h == 0:
            row = db.session.execute(
                sa.text("SELECT pg_column_size(c.*) FROM archive_checkpoints c WHERE id = :id"), {"id": checkpoint.id}
            ).scalar_one()
            print(
                f"an hour's checkpoint: {checkpoint.person_count:,} heads moved, leaves {len(checkpoint.leaves):,} B "
                f"(row as stored {row:,} B), written in {seconds:.2f} s"
            )
    print(
        f"{args.hours} hours: {touched:,} new events; checkpoints of {min(s[1] for s in sizes):,}–"
        f"{max(s[1] for s in sizes):,} B, {min(times):.2f}–{max(times):.2f} s"
    )
    nightly, nightly_s = timed(lambda: verify_archive(sample=args.sample))
    assert not nightly.breaks, nightly.breaks[:5]
    record_run(nightly)
    db.session.commit()
    print(
        f"nightly incremental verification: {nightly.checked:,} events in {nightly.chains:,} chains "
        f"({nightly.sampled:,} sampled whole) in {nightly_s:.1f} s, CPU {cpu['last']:.1f} s (goal < 60 s at full scale)"
    )

    old_bytes, old_stored, old_s = old_checkpoint()
    print(f"baseline checkpoint (every head in one row): {old_bytes:,} B ({old_stored:,} B stored) in {old_s:.1f} s")
    sample = sorted(rng.sample(range(1, persons + 1), min(args.baseline, persons)))
    (old_events, old_verify_s), _wall = timed(lambda: old_verification_rate(sample))
    old_rate, old_cpu_rate = old_events / old_verify_s, old_events / cpu["last"]
    old_night = (events + touched) / old_rate
    print(
        f"baseline verification (every chain from its start, ORM): {old_events:,} events of {len(sample):,} persons "
        f"in {old_verify_s:.1f} s = {old_rate:,.0f}/s (CPU {old_cpu_rate:,.0f}/s) → a night {old_night:,.0f} s "
        "for the whole archive"
    )
    hour_bytes, hour_s = sizes[0][1], times[0]
    print()
    print(f"checkpoint size: {old_bytes / max(hour_bytes, 1):,.0f}× smaller ({hour_bytes:,} B vs {old_bytes:,} B)")
    print(f"checkpoint time: {old_s / hour_s:,.1f}× faster ({hour_s:.2f} s vs {old_s:.1f} s)")
    print(f"nightly verification: {old_night / nightly_s:,.0f}× faster ({nightly_s:.1f} s vs {old_night:,.0f} s)")
    print(
        f"full verification rate: {full_rate / old_rate:.1f}× the old loop's ({full_rate:,.0f}/s vs {old_rate:,.0f}/s; "
        f"CPU {full_cpu_rate:,.0f}/s vs {old_cpu_rate:,.0f}/s)"
    )
    year = 24 * 365
    print(
        f"a year of hourly checkpoints at this hour's size: {hour_bytes * year / 2**30:.2f} GB "
        f"(before: {old_stored * year / 2**30:,.0f} GB stored)"
    )


if __name__ == "__main__":
    main()
