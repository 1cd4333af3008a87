"""Exam day: N candidates on gunicorn + PostgreSQL, autosaving, then submitting; 0 answers may be lost (DESIGN §8).

Run: ``.venv/bin/python bench/exam_day.py [--quick] [--candidates N] [--start-window S] [--minutes D]
[--submit-window S] [--fault S] [--no-prepare]``; 4,000 candidates: ``--candidates 4000 --start-window 120``.

What it does, all on this machine and loopback only, stopping by itself:

1. creates a throwaway PostgreSQL database ``anpei_bench_exam_<pid>``, runs the migrations (``flask db upgrade``),
   seeds one enterprise with N workers, a 600-question synthetic bank, a 100-question template and an open sitting,
   and draws the candidates' papers as the beat job does before a sitting opens (``--no-prepare``: at each start);
2. starts ``gunicorn -w 4 -k gthread --threads 4`` on the app (production config, ``gunicorn.conf.py``);
3. check-in (签到, before the start): each candidate opens the login page, logs in and loads the home page,
   spread over ``--check-in`` seconds (300);
4. exam day: the N candidates press 开始考试 on the home page within the start window (60 s): the start, then the exam
   page (which carries the first state); autosave one answer every 20 s each for D minutes (random question,
   random valid response, increasing ``seq``, retried like the page's queue on errors), then submit within 60 s;
   then a closed-loop saturation run of the autosave endpoint; the CPU that gunicorn, PostgreSQL and the load
   client itself used over the exam phase is printed (the client shares the 2 cores with what it measures);
5. the same saturation run against a bare Flask endpoint on the same stack (gunicorn gthread + Flask + SQLAlchemy
   Core + psycopg + PostgreSQL, one ``INSERT … ON CONFLICT DO UPDATE``, no login/session/CSRF/ORM): the ceiling;
6. checks that every answer a client got a 200 for is in the database (latest seq, same response) and every
   attempt is graded; prints throughput, autosave p50/p99, 5xx count, lost answers, ratio to the ceiling;
7. stops both servers and drops the database.

``--fault S``: halfway through the answering the database goes away for S seconds (connections refused, every
open one terminated, as a restart or failover does); the clients retry like the page's queue. The run then must
still lose no acknowledged answer, grade every attempt once, and show no 5xx later than 5 s after it came back.

Passwords are hashed as in production (Argon2id at OWASP's minimum, ~35 ms of CPU a login here; ``--password-hash
scrypt`` for the Werkzeug scrypt it replaced, ~130 ms; the servers hash by the same method). That is why logging
in is a check-in before the start rather than part of the 60-second start. Everything else is the production path;
``bench/request_cost.py`` gives the CPU per request.
"""

from __future__ import annotations

import argparse
import contextlib
import heapq
import http.client
import json
import multiprocessing
import os
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
HOST = "127.0.0.1"


# ---------------------------------------------------------------- bare Flask ceiling (served by gunicorn)


def bare_app():
    """Flask + SQLAlchemy Core + psycopg, one upsert per request: what the stack can do without the app around it."""
    import sqlalchemy as sa
    from flask import Flask, jsonify, request
    from sqlalchemy.dialects.postgresql import insert

    app = Flask("bare")
    engine = sa.create_engine(os.environ["DATABASE_URL"], pool_pre_ping=True)
    table = sa.Table(
        "bench_bare",
        sa.MetaData(),
        sa.Column("k", sa.Integer, primary_key=True),
        sa.Column("seq", sa.Integer),
        sa.Column("v", sa.JSON),
    )

    @app.post("/bare")
    def bare():
        data = request.get_json()
        stmt = insert(table).values(k=data["position"], seq=data["seq"], v=data["response"])
        stmt = stmt.on_conflict_do_update(
            index_elements=[table.c.k],
            set_={"seq": stmt.excluded.seq, "v": stmt.excluded.v},
            where=table.c.seq < stmt.excluded.seq,
        )
        with engine.begin() as conn:
            conn.execute(stmt)
        return jsonify(saved=True, seq=data["seq"])

    return app


# ---------------------------------------------------------------- HTTP client (stdlib only)


class Client:
    """One candidate's cookie jar and CSRF token; connections are per thread (keep-alive, reconnect on close)."""

    local = threading.local()

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.csrf = ""

    def _conn(self) -> http.client.HTTPConnection:
        conns = getattr(self.local, "conns", None)
        if conns is None:
            conns = self.local.conns = {}
        if self.port not in conns:
            conns[self.port] = http.client.HTTPConnection(HOST, self.port, timeout=60)
        return conns[self.port]

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            conn = self._conn()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
                break
            except (
                http.client.RemoteDisconnected,
                ConnectionResetError,
                BrokenPipeError,
                http.client.CannotSendRequest,
            ):
                conn.close()
                del self.local.conns[self.port]
                if attempt == 2:
                    raise
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data

    def get(self, path):
        return self.request("GET", path)

    def post_form(self, path, fields):
        return self.request(
            "POST", path, urlencode(fields).encode(), {"Content-Type": "application/x-www-form-urlencoded"}
        )

    def post_json(self, path, payload):
        return self.request(
            "POST", path, json.dumps(payload).encode(), {"Content-Type": "application/json", "X-CSRFToken": self.csrf}
        )


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
STATE_RE = re.compile(r'<script type="application/json" id="exam-state">(.*?)</script>', re.S)


# ---------------------------------------------------------------- setup


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def wait_ready(port: int, path: str, proc: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", path)
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server on {port} not ready")


def create_bench_database(prefix: str):
    """A throwaway PostgreSQL database ``<prefix>_<pid>``, migrated, with the bare endpoint's table.

    :return: (name, SQLAlchemy URL, the production environment for gunicorn — also applied to this process, which
        seeds — and the admin connection for :func:`drop_bench_database`).
    """
    import psycopg

    name = f"{prefix}_{os.getpid()}"
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    env = {
        **os.environ,
        "ANPEI_CONFIG": "production",
        "DATABASE_URL": url,
        "SECRET_KEY": secrets.token_hex(16),
        "ANPEI_DATA_KEY": secrets.token_hex(16),
        "ANPEI_SECURE_COOKIES": "0",
        # 人像抓拍 needs a camera: the simulated clients take no snapshots (a learner without one is credited
        # nothing), so these benches measure the answer and heartbeat paths without it
        "ANPEI_SNAPSHOTS_LESSONS": "0",
        "ANPEI_SNAPSHOTS_EXAMS": "0",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("CELERY_BROKER_URL", None)
    os.environ.update({k: v for k, v in env.items() if k != "PYTHONPATH"})
    admin = psycopg.connect(ADMIN_DSN, autocommit=True, connect_timeout=5)
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        subprocess.run(
            [str(ROOT / ".venv/bin/flask"), "--app", "app", "db", "upgrade"],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as conn:
            conn.execute("CREATE TABLE bench_bare (k int PRIMARY KEY, seq int, v json)")
    except BaseException:
        drop_bench_database(admin, name)
        raise
    return name, url, env, admin


def drop_bench_database(admin, name: str) -> None:
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def stop(proc: subprocess.Popen) -> None:
    """Stop a server started in its own session (gunicorn and its workers)."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)


def bench_enterprise():
    """Reference data and one 高危 enterprise in 玄武区, inside the caller's app context (shared by the benches)."""
    from app.extensions import db
    from app.people.identifiers import uscc_check_char
    from app.people.services import register_enterprise
    from app.rules.seed import seed_reference
    from app.tenancy.models import Industry, Jurisdiction

    seed_reference()
    jurisdiction = Jurisdiction(code="320102", name="玄武区")
    db.session.add(jurisdiction)
    db.session.flush()
    body = "91320102MA0000001"
    return register_enterprise(
        name="压测化工有限公司", uscc=body + uscc_check_char(body), industry=Industry.HAZCHEM, jurisdiction=jurisdiction
    )


def seed(n: int, sitting_minutes: int, password_hash: str = "argon2id", prepare: bool = True) -> dict:  # noqa: S107
    """Persons, worker users, bank, template, sitting; returns the usernames and the sitting id.

    Every user's password is "pw", hashed once with ``password_hash`` (app.auth.passwords' method names) and shared. ``prepare``: draw
    the candidates' papers before the start, as the beat job ``exams.prepare_papers`` does for a sitting opening
    within the hour (so a start is one statement); without it each start draws its paper.
    """
    from datetime import date, timedelta

    import sqlalchemy as sa

    from app import create_app
    from app.auth import passwords
    from app.auth.models import Role, User
    from app.auth.ownership import OwnerScope
    from app.bank.models import Bank, BankQuestion, PaperTemplate
    from app.core.db import utcnow
    from app.exams import sittings
    from app.exams.models import ExamKind
    from app.extensions import db
    from app.people.identifiers import ric_check_char
    from app.people.models import IdType
    from app.people.services import PersonData, employ
    from config import ProductionConfig
    from question_bank import PaperSpec, QuestionType, Section
    from question_bank.synthetic import generate_bank

    app = create_app(ProductionConfig)
    with app.app_context():
        enterprise = bench_enterprise()
        pw_hash = passwords.hash_password("pw", method=password_hash)
        admin = User(username="bench-admin", role=Role.ENTERPRISE, enterprise_id=enterprise.id, password_hash=pw_hash)
        db.session.add(admin)
        db.session.flush()
        persons = []
        for i in range(n):
            id_body = f"320102{date(1980, 1, 1) + timedelta(days=i):%Y%m%d}{i % 1000:03d}"
            employment = employ(
                PersonData(
                    name=f"考生{i:04d}", id_type=IdType.RESIDENT_ID, id_number=id_body + ric_check_char(id_body)
                ),
                enterprise,
                actor=admin,
            )
            persons.append(employment.person)
        db.session.execute(
            sa.insert(User),
            [
                {
                    "username": f"w{i:04d}",
                    "role": Role.WORKER,
                    "person_id": p.id,
                    "password_hash": pw_hash,
                    "display_name": "",
                    "active": True,
                    "failed_logins": 0,
                }
                for i, p in enumerate(persons)
            ],
        )
        bank = Bank(name="压测题库", scope=OwnerScope.NATIONAL)
        db.session.add(bank)
        db.session.flush()
        db.session.add_all(BankQuestion.from_question(q, bank_id=bank.id) for q in generate_bank(600, seed=3))
        spec = PaperSpec(
            title="压测试卷",
            sections=(
                Section("判断题", QuestionType.TRUE_FALSE, 40, 1.0),
                Section("单选题", QuestionType.SINGLE, 40, 1.0),
                Section("多选题", QuestionType.MULTIPLE, 20, 1.0),
            ),
            time_limit_minutes=sitting_minutes,
        )
        template = PaperTemplate(name="压测组卷", scope=OwnerScope.NATIONAL, spec=spec.to_dict(), bank_ids=[bank.id])
        db.session.add(template)
        db.session.flush()
        now = utcnow()
        sitting = sittings.create_sitting(
            template,
            title="压测场次",
            kind=ExamKind.TRAINING,
            opens_at=now - timedelta(minutes=5),
            closes_at=now + timedelta(minutes=sitting_minutes + 30),
            person_ids=[p.id for p in persons],
            actor=admin,
        )
        db.session.commit()
        prepared, t0 = 0, time.time()
        if prepare:
            from app.exams.tasks import prepare_papers

            prepared = prepare_papers()
        return {
            "usernames": [f"w{i:04d}" for i in range(n)],
            "sitting": sitting.id,
            "prepared": prepared,
            "prepare_seconds": time.time() - t0,
        }


# ---------------------------------------------------------------- the candidates


class Stats:
    """Latencies per request kind (with the wall time each request started), statuses, client errors, schedule lag."""

    def __init__(self):
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = {}
        self.started: dict[str, list[float]] = {}
        self.status: Counter = Counter()
        self.errors: Counter = Counter()
        self.lag: list[float] = []
        #: CPU seconds the load client's processes used (the client shares the box with the server it measures)
        self.client_cpu = 0.0
        #: (wall time the answer came back, kind, status) of every 5xx: when they fell against a fault's window
        self.failures: list[tuple[float, str, int]] = []

    def record(self, kind: str, seconds: float, status: int) -> None:
        with self.lock:
            self.latency.setdefault(kind, []).append(seconds)
            self.started.setdefault(kind, []).append(time.time() - seconds)
            self.status[(kind, status)] += 1
            if status >= 500:
                self.failures.append((time.time(), kind, status))

    def __getstate__(self):  # sent back from a client process
        return {k: v for k, v in self.__dict__.items() if k != "lock"}

    def __setstate__(self, state):
        self.__dict__.update(state, lock=threading.Lock())

    def merge(self, other: Stats) -> None:
        for kind, values in other.latency.items():
            self.latency.setdefault(kind, []).extend(values)
            self.started.setdefault(kind, []).extend(other.started[kind])
        self.status.update(other.status)
        self.errors.update(other.errors)
        self.lag.extend(other.lag)
        self.failures.extend(other.failures)
        self.client_cpu += other.client_cpu

    def per_minute(
        self, kind: str, t0: float, width: float = 60, until: float = float("inf")
    ) -> list[tuple[int, int, float, float]]:
        """(bucket, n, p50, p99) of ``kind`` by the minute (or ``width`` seconds) its requests started."""
        buckets: dict[int, list[float]] = {}
        for started, seconds in zip(self.started.get(kind, []), self.latency.get(kind, [])):
            if started - t0 < until:
                buckets.setdefault(int((started - t0) // width), []).append(seconds)
        return [(m, len(v), pct(v, 50), pct(v, 99)) for m, v in sorted(buckets.items())]

    def fivexx(self) -> int:
        return sum(v for (kind, status), v in self.status.items() if status >= 500)


class Candidate:
    def __init__(self, username: str, port: int, sitting: int):
        self.username, self.sitting = username, sitting
        self.http = Client(port)
        self.attempt = 0
        self.types: list[tuple[str, int]] = []
        self.seq = 0
        #: (position) → (seq, response) acknowledged by the server
        self.acked: dict[int, tuple[int, object]] = {}
        self.result = None

    def timed(self, stats: Stats, kind: str, fn, *args):
        t0 = time.perf_counter()
        status, headers, body = fn(*args)
        stats.record(kind, time.perf_counter() - t0, status)
        return status, headers, body

    def check_in(self, stats: Stats) -> None:
        """签到 before the start: the login page, the login (the production hash), the home page with the
        sitting's start form (its CSRF token is kept for the start)."""
        _, _, page = self.timed(stats, "login_page", self.http.get, "/login")
        token = CSRF_RE.search(page.decode()).group(1)
        status, _, _ = self.timed(
            stats,
            "login",
            self.http.post_form,
            "/login",
            {"csrf_token": token, "username": self.username, "password": "pw"},
        )
        assert status == 302, f"login {status}"
        status, _, page = self.timed(stats, "home", self.http.get, "/")
        assert status == 200, f"home {status}"
        self.http.csrf = CSRF_RE.search(page.decode()).group(1)

    def start(self, stats: Stats) -> None:
        """开始考试 on the home page: the start, then the exam page (which carries the first state)."""
        status, headers, _ = self.timed(
            stats, "start", self.http.post_form, f"/exams/sittings/{self.sitting}/start", {"csrf_token": self.http.csrf}
        )
        assert status == 302, f"start {status}"
        attempt = int(headers["location"].rstrip("/").rsplit("/", 1)[1])
        status, _, page = self.timed(stats, "exam_page", self.http.get, f"/exams/attempts/{attempt}")
        assert status == 200, f"exam page {status}"
        state = json.loads(STATE_RE.search(page.decode()).group(1))
        self.types = [(q["type"], len(q["options"])) for q in state["questions"]]
        self.attempt = attempt  # last: autosave events of this candidate wait for a complete start

    def autosave(self, stats: Stats, rng: random.Random, kind: str = "autosave") -> int:
        pos = rng.randrange(len(self.types))
        qtype, n = self.types[pos]
        if qtype == "multiple":
            response = sorted(rng.sample(range(n), rng.randint(1, n)))
        elif rng.random() < 0.05:
            response = None  # cleared
        else:
            response = [rng.randrange(n)]
        self.seq += 1
        payload = {"position": pos, "response": response, "seq": self.seq, "flagged": rng.random() < 0.05}
        for attempt in range(20):  # the page's queue: retry until the server has it
            try:
                status, _, _body = self.timed(
                    stats, kind, self.http.post_json, f"/exams/attempts/{self.attempt}/answer", payload
                )
            except OSError as exc:
                stats.errors[type(exc).__name__] += 1
                time.sleep(min(8, 0.5 * 2**attempt))
                continue
            if status == 200:
                self.acked[pos] = (self.seq, response)
                return status
            stats.errors[f"autosave {status}"] += 1
            if status < 500:
                return status
            time.sleep(min(8, 0.5 * 2**attempt))
        return 599

    def submit(self, stats: Stats) -> None:
        for _attempt in range(20):
            try:
                status, _, body = self.timed(
                    stats, "submit", self.http.post_json, f"/exams/attempts/{self.attempt}/submit", {}
                )
            except OSError as exc:
                stats.errors[type(exc).__name__] += 1
                time.sleep(1)
                continue
            if status == 200:
                self.result = json.loads(body)
                return
            stats.errors[f"submit {status}"] += 1
            time.sleep(1)


def run_schedule(
    events: list[tuple[float, int, str]],
    candidates: list[Candidate],
    stats: Stats,
    threads: int,
    stop_at: float,
    t0: float | None = None,
) -> float:
    """Run (time after ``t0``, candidate, action) events with a pool of client threads; returns the elapsed wall time."""
    heapq.heapify(events)
    lock = threading.Lock()
    t0 = t0 or time.time()
    if t0 > time.time():
        time.sleep(t0 - time.time())
    rngs = [random.Random(i) for i in range(threads)]

    def worker(k: int):
        rng = rngs[k]
        while True:
            with lock:
                if not events:
                    return
                when, index, action = heapq.heappop(events)
            delay = t0 + when - time.time()
            if delay > 0:
                time.sleep(delay)
            else:
                with stats.lock:
                    stats.lag.append(-delay)
            if time.time() > stop_at:
                stats.errors["stopped (time limit)"] += 1
                continue
            candidate = candidates[index]
            try:
                if action == "check_in":
                    candidate.check_in(stats)
                elif action == "start":
                    candidate.start(stats)
                elif action == "save":
                    if candidate.attempt:
                        candidate.autosave(stats, rng)
                elif action == "submit" and candidate.attempt:
                    candidate.submit(stats)
            except Exception as exc:  # report, keep the others going
                stats.errors[f"{action}: {type(exc).__name__}: {str(exc)[:60]}"] += 1

    pool = [threading.Thread(target=worker, args=(k,), daemon=True) for k in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(max(0.0, stop_at - time.time()) + 5)
    return time.time() - t0


def _run_shard(job):
    events, candidates, threads, stop_at, t0 = job
    stats = Stats()
    before = os.times()
    run_schedule(events, candidates, stats, threads, stop_at, t0)
    after = os.times()
    stats.client_cpu = (after.user - before.user) + (after.system - before.system)
    return candidates, stats


def run_sharded(
    events: list[tuple[float, int, str]],
    candidates: list[Candidate],
    stats: Stats,
    processes: int,
    threads: int,
    stop_at: float,
    t0: float | None = None,
) -> float:
    """:func:`run_schedule` split over client processes (candidate i in process i % processes), so the client's own
    GIL does not queue requests and inflate the latencies it measures; the candidates' state comes back."""
    t0 = t0 or time.time() + 1.0  # every process starts the same schedule together
    shards: list[list] = [[] for _ in range(processes)]
    for when, index, action in events:
        shards[index % processes].append((when, index // processes, action))
    jobs = [(shards[k], candidates[k::processes], threads, stop_at, t0) for k in range(processes)]
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        results = pool.map(_run_shard, jobs)
    for k, (part, part_stats) in enumerate(results):
        candidates[k::processes] = part
        stats.merge(part_stats)
    return time.time() - t0


TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


class ServerCpu:
    """CPU seconds of gunicorn (master and workers) and of the bench database's PostgreSQL backends between
    :meth:`mark` and :meth:`used`: with the load client's own (``Stats.client_cpu``), where the 2 cores went."""

    def __init__(self, master: int, url: str, database: str):
        import psycopg

        self.master, self.database, self.dsn = master, database, url.replace("+psycopg", "")
        self.conn = psycopg.connect(self.dsn, autocommit=True)
        self.start: dict[int, float] = {}

    def _gunicorn(self) -> list[int]:
        children = Path(f"/proc/{self.master}/task/{self.master}/children").read_text().split()
        return [self.master, *map(int, children)]

    def _backends(self) -> list[int]:
        """The database's backends now. ``--fault`` terminates this connection too: it is opened again (the
        terminated backends' CPU is then not counted)."""
        import psycopg

        query = "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()"
        try:
            rows = self.conn.execute(query, (self.database,)).fetchall()
        except psycopg.OperationalError:
            self.conn.close()
            self.conn = psycopg.connect(self.dsn, autocommit=True)
            rows = self.conn.execute(query, (self.database,)).fetchall()
        return [pid for (pid,) in rows]

    def mark(self) -> None:
        self.start = {pid: cpu_seconds(pid) for pid in [*self._gunicorn(), *self._backends()]}

    def used(self) -> tuple[float, float]:
        """(gunicorn, PostgreSQL) CPU seconds since :meth:`mark` (backends that closed in between are not counted)."""
        web = sum(cpu_seconds(pid) - self.start.get(pid, 0.0) for pid in self._gunicorn())
        db = sum(cpu_seconds(pid) - self.start.get(pid, 0.0) for pid in self._backends())
        return web, db

    def close(self) -> None:
        self.conn.close()


class Fault:
    """``--fault S``: the database goes away for S seconds at ``at`` (wall time): new connections refused
    (``ALLOW_CONNECTIONS false``) and every open one terminated, as a restart or a failover does to the web tier;
    then it comes back. Only this bench's database is touched (the box's other databases keep running)."""

    def __init__(self, name: str, at: float, seconds: float):
        self.name, self.at, self.seconds = name, at, seconds
        self.began = self.ended = 0.0
        self.killed = 0
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psycopg

        time.sleep(max(0.0, self.at - time.time()))
        with psycopg.connect(ADMIN_DSN, autocommit=True, connect_timeout=5) as admin:
            admin.execute(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS false')
            self.began = time.time()
            self.killed = admin.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = %s", (self.name,)
            ).fetchone()[0]
            time.sleep(self.seconds)
            admin.execute(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS true')
            self.ended = time.time()

    def report(self, stats: Stats, grace: float = 5.0) -> tuple[int, int]:
        """Print the window and the 5xx before, during and after it; (5xx during + ``grace`` s, 5xx later)."""
        during = [f for f in stats.failures if self.began <= f[0] <= self.ended + grace]
        later = [f for f in stats.failures if f[0] > self.ended + grace]
        print(
            f"fault: the database refused connections for {self.ended - self.began:.1f} s and {self.killed} open "
            f"connections were terminated; 5xx in the outage and the {grace:.0f} s after it: {len(during)} "
            f"({dict(Counter((k, s) for _, k, s in during)) or 'none'}), 5xx later: {len(later)}"
        )
        return len(during), len(later)


def saturate(call, seconds: float, threads: int) -> tuple[float, list[float], int]:
    """Closed loop: ``threads`` clients calling as fast as they can; returns (req/s, latencies, 5xx)."""
    latencies: list[list[float]] = [[] for _ in range(threads)]
    errors = [0] * threads
    stop = time.time() + seconds

    def worker(k):
        rng = random.Random(1000 + k)
        while time.time() < stop:
            t0 = time.perf_counter()
            status = call(k, rng)
            latencies[k].append(time.perf_counter() - t0)
            if status >= 500:
                errors[k] += 1

    pool = [threading.Thread(target=worker, args=(k,), daemon=True) for k in range(threads)]
    t0 = time.time()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    flat = [x for part in latencies for x in part]
    return len(flat) / (time.time() - t0), flat, sum(errors)


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def ms(values, q):
    return f"{pct(values, q) * 1000:.0f} ms"


# ---------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--quick", action="store_true", help="200 candidates, 1 minute, 30 s check-in, 20 s ramp and submit windows"
    )
    parser.add_argument("--check-in", type=float, help="seconds over which candidates log in before the start")
    parser.add_argument(
        "--password-hash",
        default="argon2id",
        help="hash method of the bench users' password (app/auth/passwords.py); production: argon2id",
    )
    parser.add_argument("--candidates", type=int)
    parser.add_argument("--minutes", type=float)
    parser.add_argument(
        "--start-window", type=float, help="seconds within which the candidates press 开始考试 (60; --quick 20)"
    )
    parser.add_argument("--submit-window", type=float, help="seconds within which they hand in (60; --quick 20)")
    parser.add_argument(
        "--no-prepare",
        action="store_true",
        help="no papers drawn before the start (as without the beat job): each start draws its paper",
    )
    parser.add_argument("--interval", type=float, default=20.0, help="seconds between one candidate's autosaves")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4, help="gunicorn gthread threads per worker")
    parser.add_argument("--client-threads", type=int, default=64, help="closed-loop clients of the saturation runs")
    parser.add_argument("--client-processes", type=int, default=4, help="exam-day client processes")
    parser.add_argument(
        "--fault",
        type=float,
        default=0.0,
        metavar="S",
        help="take the database away for S seconds halfway through the answering (see Fault)",
    )
    parser.add_argument(
        "--day-threads",
        type=int,
        default=48,
        help="exam-day threads per client process: enough that requests go out on schedule (open loop)",
    )
    args = parser.parse_args()
    n = args.candidates or (200 if args.quick else 2000)
    minutes = args.minutes or (1.0 if args.quick else 10.0)
    ramp = args.start_window or (20.0 if args.quick else 60.0)
    submit_window = args.submit_window or (20.0 if args.quick else 60.0)
    check_in = args.check_in or (30.0 if args.quick else 300.0)
    saturation_seconds = 5.0 if args.quick else 15.0
    hard_limit = time.time() + check_in + ramp + minutes * 60 + submit_window + 20 * 60  # never hang

    import psycopg

    t0 = time.time()
    name, url, env, admin = create_bench_database("anpei_bench_exam")
    env["ANPEI_PASSWORD_HASH"] = args.password_hash  # a login checks, never re-hashes, the bench's hash
    servers: list[subprocess.Popen] = []
    try:
        world = seed(n, int(minutes) + 20, password_hash=args.password_hash, prepare=not args.no_prepare)
        print(f"setup: database {name}, migrations, {n} candidates seeded in {time.time() - t0:.1f} s")
        if world["prepared"]:
            print(
                f"papers drawn before the start (the beat job's work): {world['prepared']:,} in "
                f"{world['prepare_seconds']:.1f} s"
            )

        port, bare_port = free_port(), free_port()
        gunicorn = [
            str(ROOT / ".venv/bin/gunicorn"),
            "-w",
            str(args.workers),
            "-k",
            "gthread",
            "--threads",
            str(args.threads),
            "--log-level",
            "warning",
            "--timeout",
            "60",
        ]
        servers.append(
            subprocess.Popen(
                [*gunicorn, "-b", f"{HOST}:{port}", "app:create_app()"], env=env, cwd=ROOT, start_new_session=True
            )
        )
        wait_ready(port, "/login", servers[-1])
        print(
            f"gunicorn: {args.workers} workers × {args.threads} threads (gthread) on {HOST}:{port}; client: "
            f"{args.client_processes} processes × {args.day_threads} threads, stdlib http.client"
        )

        # check-in: log in and load the home page, spread over the check-in window
        rng = random.Random(42)
        candidates = [Candidate(u, port, world["sitting"]) for u in world["usernames"]]
        check_in_stats = Stats()
        print(f"check-in: {n} candidates log in ({args.password_hash}) within {check_in:.0f} s …", flush=True)
        check_in_elapsed = run_sharded(
            [(rng.uniform(0, check_in), i, "check_in") for i in range(n)],
            candidates,
            check_in_stats,
            args.client_processes,
            args.day_threads,
            hard_limit,
        )

        # exam day: start within the ramp, autosave every interval for D minutes, submit within the window
        events: list[tuple[float, int, str]] = []
        end_of_saves = ramp + minutes * 60
        for i in range(n):
            start = rng.uniform(0, ramp)
            events.append((start, i, "start"))
            t = start + rng.uniform(1, args.interval)
            while t < end_of_saves:
                events.append((t, i, "save"))
                t += args.interval
        stats = Stats()
        print(
            f"exam day: {n} candidates start within {ramp:.0f} s, autosave every {args.interval:.0f} s for "
            f"{minutes:g} min ({sum(1 for e in events if e[2] == 'save'):,} autosaves scheduled) …",
            flush=True,
        )
        per_process = args.day_threads
        server_cpu = ServerCpu(servers[0].pid, url, name)
        server_cpu.mark()
        exam_t0 = time.time() + 1.0
        fault = Fault(name, exam_t0 + ramp + minutes * 30, args.fault) if args.fault else None
        if fault:
            fault.thread.start()
        elapsed = run_sharded(events, candidates, stats, args.client_processes, per_process, hard_limit, exam_t0)
        web_cpu, db_cpu = server_cpu.used()
        server_cpu.close()
        started = sum(1 for c in candidates if c.attempt)
        if fault:
            fault.thread.join()

        # saturation of the real autosave endpoint (attempts still open), then the bare ceiling
        live = [c for c in candidates if c.attempt]
        save_stats = Stats()

        def real_call(k, r):  # each thread drives its own candidate: a candidate's seq grows in one thread only
            return live[k].autosave(save_stats, r, kind="saturate")

        real_rate, real_lat, _ = saturate(real_call, saturation_seconds, min(args.client_threads, len(live)))
        real_5xx = sum(v for (kind, s), v in save_stats.status.items() if kind == "saturate" and s >= 500)

        servers.append(
            subprocess.Popen(
                [*gunicorn, "--chdir", str(ROOT / "bench"), "-b", f"{HOST}:{bare_port}", "exam_day:bare_app()"],
                env=env,
                cwd=ROOT,
                start_new_session=True,
            )
        )
        wait_ready(bare_port, "/", servers[-1])
        bare_clients = [Client(bare_port) for _ in range(args.client_threads)]

        def bare_call(k, r):
            status, _, _ = bare_clients[k].post_json(
                "/bare",
                {"position": r.randrange(10_000), "response": [r.randrange(4)], "seq": int(time.time() * 1000) % 2**31},
            )
            return status

        bare_rate, bare_lat, bare_5xx = saturate(bare_call, saturation_seconds, min(args.client_threads, len(live)))

        # submit window
        submit_events = [(rng.uniform(0, submit_window), i, "submit") for i in range(n)]
        print(f"submitting within {submit_window:.0f} s …", flush=True)
        submit_elapsed = run_sharded(submit_events, candidates, stats, args.client_processes, per_process, hard_limit)

        # final check: every acknowledged answer is in the database, every attempt graded, one result each
        with psycopg.connect(url.replace("+psycopg", "")) as conn:
            rows = conn.execute("SELECT attempt_id, position, client_seq, response FROM exams_answers").fetchall()
            stored = {(a, p): (s, r) for a, p, s, r in rows}
            graded = conn.execute("SELECT count(*) FROM exams_attempts WHERE state = 'graded'").fetchone()[0]
            attempts = conn.execute("SELECT count(*) FROM exams_attempts").fetchone()[0]
            graded_events = conn.execute("SELECT count(*) FROM archive_events WHERE kind = 'exam.graded'").fetchone()[0]
        sent = lost = 0
        for c in candidates:
            for pos, (seq, response) in c.acked.items():
                sent += 1
                have = stored.get((c.attempt, pos))
                if have is None or have[0] < seq or (have[0] == seq and have[1] != response):
                    lost += 1

        # report
        saves = stats.latency.get("autosave", [])
        all_requests = sum(len(v) for v in stats.latency.values())
        print()
        print(
            f"started: {started}/{n}; exam phase {elapsed:.0f} s, {all_requests:,} requests "
            f"({all_requests / elapsed:,.1f} req/s), schedule lag p99 {ms(stats.lag or [0.0], 99)}"
        )
        print(
            f"CPU over the exam phase, in cores: gunicorn {web_cpu / elapsed:.2f}, PostgreSQL {db_cpu / elapsed:.2f}, "
            f"load client {stats.client_cpu / elapsed:.2f} ({args.client_processes} processes; of 2 cores)"
        )
        print(
            f"check-in: {check_in_elapsed:.0f} s, 5xx {check_in_stats.fivexx()}, errors {dict(check_in_stats.errors) or 'none'}"
        )
        for kind in ("login_page", "login", "home"):
            values = check_in_stats.latency.get(kind, [])
            if values:
                print(
                    f"  {kind:<10} n={len(values):>6,}  p50 {ms(values, 50):>7}  p99 {ms(values, 99):>7}  max {max(values) * 1000:.0f} ms"
                )
        print("exam:")
        for kind in ("start", "exam_page", "autosave", "submit"):
            values = stats.latency.get(kind, [])
            if values:
                print(
                    f"  {kind:<10} n={len(values):>6,}  p50 {ms(values, 50):>7}  p99 {ms(values, 99):>7}  max {max(values) * 1000:.0f} ms"
                )
        print(
            f"autosave: p50 {ms(saves, 50)}, p99 {ms(saves, 99)} at {len(saves) / max(1.0, minutes * 60):.1f}/s offered"
        )
        print("  by minute of the exam (minute 0 holds the start ramp):")
        for minute, count, p50, p99 in stats.per_minute("autosave", exam_t0):
            print(f"    {minute:>3}  n={count:>6,}  p50 {p50 * 1000:>5.0f} ms  p99 {p99 * 1000:>5.0f} ms")
        print("  the ramp by 10 s (start | autosave):")
        starts = {b: (n, p50, p99) for b, n, p50, p99 in stats.per_minute("start", exam_t0, 10, ramp + 60)}
        for b, count, p50, p99 in stats.per_minute("autosave", exam_t0, 10, ramp + 60):
            sn, s50, s99 = starts.get(b, (0, 0.0, 0.0))
            print(
                f"    {b * 10:>3}–{b * 10 + 10:<3} s  start n={sn:>4} p50 {s50 * 1000:>5.0f} p99 {s99 * 1000:>5.0f} ms"
                f" | autosave n={count:>5,} p50 {p50 * 1000:>5.0f} p99 {p99 * 1000:>5.0f} ms"
            )
        print(f"in the start window itself (0–{ramp:.0f} s; target p99 < 250 ms):")
        for kind in ("start", "exam_page", "autosave"):
            window = [v for t, v in zip(stats.started.get(kind, []), stats.latency.get(kind, [])) if t - exam_t0 < ramp]
            if window:
                mark = "✔" if pct(window, 99) < 0.25 else "✘"
                print(f"  {kind:<10} n={len(window):>6,}  p50 {ms(window, 50):>7}  p99 {ms(window, 99):>7} {mark}")
        logins = check_in_stats.latency.get("login", [])
        if logins:
            mark = "✔" if pct(logins, 99) < 1.0 else "✘"
            print(f"check-in login p99 {ms(logins, 99)} (target < 1 s) {mark}")
        settled = [s for t, s in zip(stats.started["autosave"], saves) if t - exam_t0 >= ramp + 60]
        if settled:
            print(
                f"autosave once the ramp's backlog has cleared (from {ramp + 60:.0f} s on): n={len(settled):,}, "
                f"p50 {ms(settled, 50)}, p99 {ms(settled, 99)}"
            )
        print(
            f"submit: {submit_elapsed:.0f} s window, {attempts} attempts, {graded} graded, {graded_events} graded events"
        )
        print(
            f"5xx responses: {stats.fivexx() + check_in_stats.fivexx() + real_5xx}   client errors/retries: {dict(stats.errors) or 'none'}"
        )
        print(f"saturation ({min(args.client_threads, len(live))} client threads, {saturation_seconds:.0f} s each):")
        print(f"  autosave endpoint: {real_rate:,.0f} req/s, p50 {ms(real_lat, 50)}, p99 {ms(real_lat, 99)}")
        print(
            f"  bare Flask upsert: {bare_rate:,.0f} req/s, p50 {ms(bare_lat, 50)}, p99 {ms(bare_lat, 99)} (5xx {bare_5xx})"
        )
        print(f"  ratio autosave / bare: {real_rate / bare_rate:.2f} (target ≥ 0.8)")
        print(f"answers checked (latest acknowledged per attempt × question): {sent:,}; lost: {lost}")
        ok = lost == 0 and graded == attempts == started == n and graded_events == n
        if fault:
            _during, later = fault.report(stats)
            ok = ok and later == 0
        print("RESULT:", "OK — 0 answers lost, every attempt graded once" if ok else "FAILED")
        return 0 if ok else 1
    finally:
        for proc in servers:
            stop(proc)
        drop_bench_database(admin, name)


if __name__ == "__main__":
    sys.exit(main())
