"""Paper assembly throughput versus SQL ``ORDER BY random() LIMIT n`` (DESIGN §8).

Run: ``.venv/bin/python bench/assembly.py [--quick]``.  Prints index build time, papers/s on one
core, the PostgreSQL baseline papers/s and the ratio, all measured in this run.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from question_bank import QuestionIndex, assemble_paper
from question_bank.synthetic import generate_bank, national_style_spec

DSN = "postgresql://postgres@127.0.0.1:5432/postgres"


def bench_library(bank, spec, seconds: float) -> tuple[float, float, float]:
    start = time.perf_counter()
    index = QuestionIndex(bank)
    built = time.perf_counter()
    index.availability(spec)  # resolves and caches every section/bucket candidate list
    warmed = time.perf_counter()
    papers, seed = 0, 0
    deadline = time.perf_counter() + seconds
    t0 = time.perf_counter()
    while time.perf_counter() < deadline:
        for _ in range(200):
            assemble_paper(spec, index, seed=seed)
            seed += 1
        papers += 200
    rate = papers / (time.perf_counter() - t0)
    return built - start, warmed - built, rate


def _sql_bucket(section, bucket):
    """WHERE clause + params for one section/quota bucket, mirroring Filter/QuotaBucket semantics."""
    f = section.filters
    where = ["type = %s", "difficulty BETWEEN %s AND %s"]
    params: list = [section.type.value, f.min_difficulty, f.max_difficulty]
    for column, values in (("posts", f.posts), ("industries", f.industries)):
        if values:
            where.append(f"{column} && %s")
            params.append(sorted(values))
    for column, values in (("topic", f.topics), ("level", f.levels)):
        if values:
            where.append(f"{column} = ANY(%s)")
            params.append(sorted(values))
    if f.operations:
        where.append(
            "EXISTS (SELECT 1 FROM unnest(operations) o, unnest(%s::text[]) w "
            "WHERE o = w OR o LIKE w || '.%%' OR w LIKE o || '.%%')"
        )
        params.append(sorted(f.operations))
    if bucket.dimension == "difficulty":
        where.append("difficulty BETWEEN %s AND %s")
        params += [bucket.low, bucket.high]
    elif bucket.dimension in ("level", "topic"):
        where.append(f"{bucket.dimension} = ANY(%s)")
        params.append(sorted(bucket.values))
    return " AND ".join(where), params


def bench_postgres(bank, spec, seconds: float) -> float | None:
    try:
        import psycopg
    except ImportError:
        print("psycopg not installed: skipping the SQL baseline")
        return None
    name = f"anpei_bench_{os.getpid()}"
    try:
        admin = psycopg.connect(DSN, autocommit=True, connect_timeout=3)
    except Exception as exc:  # unreachable server, auth… — report and skip, don't crash
        print(f"PostgreSQL unreachable ({type(exc).__name__}: {exc}); skipping the SQL baseline")
        return None
    try:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            with psycopg.connect(DSN.rsplit("/", 1)[0] + "/" + name, autocommit=True) as conn:
                conn.execute("""CREATE TABLE questions (id serial PRIMARY KEY, key text UNIQUE, type text, stem text,
                                options jsonb, answer int[], difficulty int, topic text, level text,
                                posts text[], industries text[], operations text[])""")
                t0 = time.perf_counter()
                with (
                    conn.cursor() as cur,
                    cur.copy(
                        "COPY questions (key, type, stem, options, answer, difficulty, topic, level, posts, "
                        "industries, operations) FROM STDIN"
                    ) as copy,
                ):
                    import json

                    for q in bank:
                        copy.write_row(
                            (
                                q.key,
                                q.type.value,
                                q.stem,
                                json.dumps(q.options, ensure_ascii=False),
                                list(q.answer),
                                q.difficulty,
                                q.tags.topic,
                                q.tags.level,
                                sorted(q.tags.post),
                                sorted(q.tags.industry),
                                sorted(q.tags.operation),
                            )
                        )
                for ddl in (
                    "CREATE INDEX ON questions (type, difficulty)",
                    "CREATE INDEX ON questions (type, level)",
                    "CREATE INDEX ON questions (type, topic)",
                    "CREATE INDEX ON questions USING gin (posts)",
                    "CREATE INDEX ON questions USING gin (industries)",
                    "CREATE INDEX ON questions USING gin (operations)",
                    "ANALYZE questions",
                ):
                    conn.execute(ddl)
                print(f"  PostgreSQL load + index of {len(bank):,} rows: {time.perf_counter() - t0:.1f} s")
                queries = [
                    (section, bucket.count, *_sql_bucket(section, bucket))
                    for section in spec.sections
                    for bucket in section.buckets()
                ]
                papers = 0
                t0 = time.perf_counter()
                deadline = t0 + seconds
                while time.perf_counter() < deadline:
                    used: list[int] = []
                    for _section, count, where, params in queries:
                        rows = conn.execute(
                            f"SELECT id, key, stem, options, answer FROM questions WHERE {where} "
                            f"AND NOT (id = ANY(%s)) ORDER BY random() LIMIT %s",
                            [*params, used, count],
                        ).fetchall()
                        used += [r[0] for r in rows]
                    papers += 1
                return papers / (time.perf_counter() - t0)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="10,000-question bank and short timings")
    args = parser.parse_args()
    size = 10_000 if args.quick else 50_000
    seconds = 2.0 if args.quick else 8.0
    spec = national_style_spec()
    t0 = time.perf_counter()
    bank = generate_bank(size, seed=1)
    print(
        f"bank: {size:,} questions generated in {time.perf_counter() - t0:.1f} s; "
        f"spec: {spec.question_count} questions, {len(spec.sections)} sections, "
        f"{sum(len(s.buckets()) for s in spec.sections)} quota buckets"
    )
    build, warm, rate = bench_library(bank, spec, seconds)
    print(f"question_bank: index build {build * 1000:.0f} ms, first-spec candidate resolution {warm * 1000:.0f} ms")
    print(f"question_bank: {rate:,.0f} papers/s on one core (goal ≥ 5,000)")
    baseline = bench_postgres(bank, spec, seconds / 2)
    if baseline:
        print(f"PostgreSQL ORDER BY random() LIMIT n per bucket: {baseline:,.1f} papers/s")
        print(f"ratio: {rate / baseline:,.0f}× (goal ≥ 50×)")


if __name__ == "__main__":
    main()
