"""CPU per request, by kind: what one candidate costs the web worker and PostgreSQL on exam day.

Run: ``.venv/bin/python bench/request_cost.py [--quick] [--candidates N]``.

Latency under load (``exam_day.py``) says whether a box keeps up; this says why, and what to size for. It:

1. creates a throwaway PostgreSQL database, migrates and seeds it like ``exam_day.py``, with the **production**
   password hash (Argon2id; ``--password-hash scrypt`` for the one it replaced) for the candidates and servers;
2. starts one gunicorn worker with one thread (production config), so its CPU is one request at a time;
3. draws their papers before the start, as the beat job does (``--no-prepare``: each start draws its paper);
4. walks N candidates through exam day one step at a time, every candidate doing a step before the next step
   begins: login page, login, home, the start page (which 开始考试 on the home page skips), start, exam page (with
   the first state), a reload of the state,
   10 autosaves, submit (with grading);
5. after each step reads the CPU time of the gunicorn worker and of its PostgreSQL backend from ``/proc``;
6. does the same for the bare Flask + SQLAlchemy Core upsert of ``exam_day.py`` (the baseline: the stack with no app
   around it) and prints milliseconds of CPU per request of each kind, and the ratio of autosave to bare.

The clock tick is 10 ms, so each figure is a step's total divided by N requests (N=200: ±0.05 ms).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

import contextlib  # noqa: E402

from exam_day import (  # noqa: E402
    CSRF_RE,
    HOST,
    STATE_RE,
    Candidate,
    Client,
    Stats,
    create_bench_database,
    drop_bench_database,
    free_port,
    seed,
    stop,
    wait_ready,
)

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def worker_pid(master: int) -> int:
    for _ in range(100):
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.1)
    raise RuntimeError("gunicorn worker did not start")


class Meter:
    """CPU of the web worker and of every PostgreSQL backend connected to the bench database."""

    def __init__(self, worker: int, conn, database: str):
        self.worker, self.conn, self.database = worker, conn, database

    def backends(self) -> list[int]:
        rows = self.conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", (self.database,)
        ).fetchall()
        return [pid for (pid,) in rows]

    def read(self) -> tuple[float, float]:
        db_cpu = 0.0
        for pid in self.backends():
            with contextlib.suppress(FileNotFoundError):
                db_cpu += cpu_seconds(pid)
        return cpu_seconds(self.worker), db_cpu


def gunicorn(app: str, port: int, env: dict, chdir: Path = ROOT) -> subprocess.Popen:
    cmd = [
        str(ROOT / ".venv/bin/gunicorn"),
        "-w",
        "1",
        "-k",
        "gthread",
        "--threads",
        "1",
        "--log-level",
        "warning",
        "--chdir",
        str(chdir),
        "-b",
        f"{HOST}:{port}",
        app,
    ]
    return subprocess.Popen(cmd, env=env, cwd=ROOT, start_new_session=True)


def measure(meter: Meter, label: str, calls, results: list) -> None:
    """Run every call of one step and record (label, n, web ms/request, db ms/request)."""
    meter.read()  # the backend set settles (a new pool connection) before the first reading
    web0, db0 = meter.read()
    for call in calls:
        status = call()
        if status >= 400:
            raise RuntimeError(f"{label}: HTTP {status}")
    web1, db1 = meter.read()
    n = len(calls)
    results.append((label, n, (web1 - web0) * 1000 / n, (db1 - db0) * 1000 / n))


START = "start"


LOGIN = "login (password hash)"


def candidate_steps(candidates: list[Candidate], stats: Stats, saves: int) -> list[tuple[str, list]]:
    """Exam day as steps, each a list of zero-argument calls returning an HTTP status (what the browser loads)."""
    rng = random.Random(7)

    def page_with_form(c, path):
        """GET a page and keep its CSRF token for the next form post."""

        def call():
            status, _, page = c.http.get(path)
            c.http.csrf = CSRF_RE.search(page.decode()).group(1)
            return status

        return call

    def login(c):
        return lambda: c.http.post_form(
            "/login", {"csrf_token": c.http.csrf, "username": c.username, "password": "pw"}
        )[0]

    def get(c, path):
        return lambda: c.http.get(path() if callable(path) else path)[0]

    def start(c):
        def call():
            status, headers, _ = c.http.post_form(f"/exams/sittings/{c.sitting}/start", {"csrf_token": c.http.csrf})
            c.attempt = int(headers["location"].rstrip("/").rsplit("/", 1)[1])
            return 200 if status == 302 else status

        return call

    def exam_page(c):
        def call():
            status, _, page = c.http.get(f"/exams/attempts/{c.attempt}")
            c.types = [
                (q["type"], len(q["options"])) for q in json.loads(STATE_RE.search(page.decode()).group(1))["questions"]
            ]
            return status

        return call

    def autosave(c):
        return lambda: c.autosave(stats, rng)

    def submit(c):
        def call():
            c.submit(stats)
            return 200 if c.result else 500

        return call

    return [
        ("login page", [page_with_form(c, "/login") for c in candidates]),
        (LOGIN, [login(c) for c in candidates]),
        ("home (start form)", [page_with_form(c, "/") for c in candidates]),
        ("start page (not on the way)", [page_with_form(c, f"/exams/sittings/{c.sitting}/start") for c in candidates]),
        (START, [start(c) for c in candidates]),
        ("exam page (with state)", [exam_page(c) for c in candidates]),
        ("state (a reload)", [get(c, lambda c=c: f"/exams/attempts/{c.attempt}/state") for c in candidates]),
        ("autosave", [autosave(c) for _ in range(saves) for c in candidates]),
        ("submit + grade", [submit(c) for c in candidates]),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="50 candidates")
    parser.add_argument("--candidates", type=int)
    parser.add_argument(
        "--no-prepare", action="store_true", help="no papers drawn before the start: each start draws its paper"
    )
    parser.add_argument(
        "--password-hash",
        default="argon2id",
        help="hash method of the candidates' password (app/auth/passwords.py); production: argon2id; scrypt: an "
        "install from before it",
    )
    args = parser.parse_args()
    n = args.candidates or (50 if args.quick else 200)

    import psycopg

    name, url, env, admin = create_bench_database("anpei_bench_cost")
    env["ANPEI_PASSWORD_HASH"] = args.password_hash  # a login checks, never re-hashes, the bench's hash
    servers: list[subprocess.Popen] = []
    try:
        world = seed(n, 60, password_hash=args.password_hash, prepare=not args.no_prepare)
        if world["prepared"]:
            print(
                f"papers drawn before the start (beat's work, not the web worker's): {world['prepared']} in "
                f"{world['prepare_seconds'] * 1000 / world['prepared']:.1f} ms each"
            )
        meter_conn = psycopg.connect(url.replace("+psycopg", ""), autocommit=True)

        port = free_port()
        servers.append(gunicorn("app:create_app()", port, env))
        wait_ready(port, "/login", servers[-1])
        meter = Meter(worker_pid(servers[-1].pid), meter_conn, name)
        candidates = [Candidate(u, port, world["sitting"]) for u in world["usernames"]]
        stats = Stats()
        results: list = []
        for label, calls in candidate_steps(candidates, stats, saves=10):
            measure(meter, label, calls, results)
        stop(servers.pop())

        bare_port = free_port()
        servers.append(gunicorn("exam_day:bare_app()", bare_port, env, chdir=ROOT / "bench"))
        wait_ready(bare_port, "/", servers[-1])
        bare_meter = Meter(worker_pid(servers[-1].pid), meter_conn, name)
        bare = Client(bare_port)
        rng = random.Random(3)
        calls = [
            lambda i=i: bare.post_json(
                "/bare", {"position": rng.randrange(10_000), "response": [rng.randrange(4)], "seq": i}
            )[0]
            for i in range(10 * n)
        ]
        measure(bare_meter, "bare Flask upsert (baseline)", calls, results)

        print(f"CPU per request: 1 gunicorn worker × 1 thread (production config), PostgreSQL, {n} candidates")
        print(f"  {'request':<30} {'n':>6} {'web ms':>8} {'db ms':>7}")
        for label, count, web, db_ms in results:
            print(f"  {label:<30} {count:>6,} {web:>8.2f} {db_ms:>7.2f}")
        by = {label: (web, db_ms) for label, _, web, db_ms in results}
        ramp = [START, "exam page (with state)"]
        checkin = ["login page", LOGIN, "home (start form)"]
        web_ramp, db_ramp = sum(by[k][0] for k in ramp), sum(by[k][1] for k in ramp)
        web_in, db_in = sum(by[k][0] for k in checkin), sum(by[k][1] for k in checkin)
        bare_web, bare_db = by["bare Flask upsert (baseline)"]
        print(f"check-in (login page, login, home): web {web_in:.1f} ms + db {db_in:.1f} ms per candidate")
        print(
            f"start (start, exam page): web {web_ramp:.1f} ms + db {db_ramp:.1f} ms per candidate"
            f" → {2000 * (web_ramp + db_ramp) / 1000 / 60:.2f} cores for 2,000 starts a minute"
        )
        print(
            f"autosave / bare upsert, web CPU: {by['autosave'][0] / bare_web:.2f}× "
            f"({by['autosave'][0]:.2f} vs {bare_web:.2f} ms); db CPU {by['autosave'][1]:.2f} vs {bare_db:.2f} ms"
        )
        meter_conn.close()
        return 0
    finally:
        for proc in servers:
            stop(proc)
        drop_bench_database(admin, name)


if __name__ == "__main__":
    sys.exit(main())
