"""Online study: N learners on gunicorn + PostgreSQL, each lesson page sending a heartbeat every 30 s (issue #13).

Run: ``.venv/bin/python bench/study_heartbeats.py [--quick] [--learners N] [--minutes D]``.

What it does, on this machine and loopback only, stopping by itself (helpers from ``bench/exam_day.py``):

1. creates a throwaway PostgreSQL database, runs the migrations, seeds one enterprise with N workers enrolled in
   one online class whose video lesson is shorter than the run (so the duration cap is exercised);
2. starts ``gunicorn -w 4 -k gthread --threads 4`` on the app (production config);
3. log-in: each learner logs in (a cheap password hash: logging in is not what is measured), opens the lesson page
   and presses play (``…/start``), spread over ``--ramp`` seconds;
4. study: every learner sends a heartbeat (visible, playing, position = seconds since play) every 30 s for D minutes,
   open loop from several client processes;
5. checks, per learner, that the seconds in the per-day ledger equal what the client really watched — the time
   from its first to its last acknowledged heartbeat by the client's clock, capped at the lesson's length — to the
   second (exact, and within one second: the client times its sends, the server its receipts);
6. a closed-loop saturation run of the heartbeat endpoint, then the same against a bare Flask upsert on the same
   stack (``exam_day:bare_app``): throughput ratio;
7. stops both servers and drops the database.

Targets (issue #13): heartbeat p99 < 100 ms, 0 5xx, ledger equal to what was watched (to the second, caps applied).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from exam_day import (  # noqa: E402
    CSRF_RE,
    HOST,
    Client,
    bench_enterprise,
    create_bench_database,
    drop_bench_database,
    free_port,
    ms,
    saturate,
    stop,
    wait_ready,
)

PAGE_CSRF = re.compile(r'data-csrf="([^"]+)"')


def seed(n: int, lesson_seconds: int) -> dict:
    """N workers of one enterprise, enrolled in an online class of one video lesson of ``lesson_seconds``."""
    from datetime import date, timedelta

    import sqlalchemy as sa
    from werkzeug.security import generate_password_hash

    from app import create_app
    from app.auth.models import Role, User
    from app.core.clock import local_today
    from app.extensions import db
    from app.people.identifiers import ric_check_char
    from app.people.models import IdType
    from app.people.services import PersonData, employ
    from app.training.models import ClassMode, Course, Enrolment, Lesson, LessonKind, TrainingClass, TrainingType
    from config import ProductionConfig

    app = create_app(ProductionConfig)
    with app.app_context():
        enterprise = bench_enterprise()
        pw_hash = generate_password_hash("pw", method="pbkdf2:sha256:1000")
        admin = User(username="bench-admin", role=Role.ENTERPRISE, enterprise_id=enterprise.id, password_hash=pw_hash)
        db.session.add(admin)
        db.session.flush()
        persons = []
        for i in range(n):
            id_body = f"320102{date(1980, 1, 1) + timedelta(days=i):%Y%m%d}{i % 1000:03d}"
            persons.append(
                employ(
                    PersonData(
                        name=f"学员{i:04d}", id_type=IdType.RESIDENT_ID, id_number=id_body + ric_check_char(id_body)
                    ),
                    enterprise,
                    actor=admin,
                ).person
            )
        db.session.execute(
            sa.insert(User),
            [
                {
                    "username": f"w{i:05d}",
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
        course = Course(
            title="压测课程",
            training_type=TrainingType.ANNUAL,
            scope="enterprise",
            enterprise_id=enterprise.id,
            version=1,
            posts=[],
            industries=[],
        )
        db.session.add(course)
        db.session.flush()
        course.family_id = course.id
        lesson = Lesson(
            course_id=course.id,
            position=1,
            title="压测视频",
            kind=LessonKind.VIDEO,
            duration_seconds=lesson_seconds,
            file_key="lessons/bench.mp4",
            content_type="video/mp4",
        )
        db.session.add(lesson)
        db.session.flush()
        today = local_today()
        training_class = TrainingClass(
            title="压测班次",
            course_id=course.id,
            training_type=TrainingType.ANNUAL,
            mode=ClassMode.ONLINE,
            starts_on=today - timedelta(days=1),
            ends_on=today + timedelta(days=1),
            required_hours=1,
            enterprise_id=enterprise.id,
            region_code="320102",
        )
        db.session.add(training_class)
        db.session.flush()
        db.session.execute(sa.insert(Enrolment), [{"class_id": training_class.id, "person_id": p.id} for p in persons])
        db.session.commit()
        return {
            "usernames": [f"w{i:05d}" for i in range(n)],
            "class_id": training_class.id,
            "lesson_id": lesson.id,
            "person_ids": [p.id for p in persons],
        }


class Learner:
    def __init__(self, username: str, port: int, class_id: int, lesson_id: int):
        self.username, self.class_id, self.lesson_id = username, class_id, lesson_id
        self.client = Client(port)
        self.token = ""
        self.played_at: float | None = None  # monotonic time of the first acknowledged heartbeat
        self.last_ack: float | None = None  # monotonic time of the last acknowledged heartbeat

    def open(self, stats: dict) -> None:
        _status, _, page = self.client.get("/login")
        token = CSRF_RE.search(page.decode()).group(1)
        self.client.post_form("/login", {"csrf_token": token, "username": self.username, "password": "pw"})
        _status, _, page = self.client.get(f"/training/mine/{self.class_id}/lessons/{self.lesson_id}")
        self.client.csrf = PAGE_CSRF.search(page.decode()).group(1)
        _status, _, body = self.client.post_json(f"/training/mine/{self.class_id}/lessons/{self.lesson_id}/start", {})
        self.token = json.loads(body)["token"]

    def beat(self, stats: dict) -> None:
        if not self.token:  # still logging in: the page would not be playing yet
            stats["errors"]["beat before the lesson opened (skipped)"] += 1
            return
        sent = time.monotonic()
        position = 0.0 if self.played_at is None else sent - self.played_at
        t0 = time.perf_counter()
        status, _, body = self.client.post_json(
            "/training/heartbeat",
            {"token": self.token, "lesson_id": self.lesson_id, "position": position, "visible": True, "playing": True},
        )
        stats["latency"].append(time.perf_counter() - t0)
        stats["status"][status] += 1
        refusal = json.loads(body).get("refusal") if status == 200 else "error"
        stats["refusals"][refusal or "none"] += 1
        if refusal in (None, "complete"):
            if self.played_at is None:
                self.played_at = sent
            self.last_ack = sent

    def watched(self, cap: int) -> int:
        if self.played_at is None or self.last_ack is None:
            return 0
        return min(cap, int(self.last_ack - self.played_at))


def _shard(job):
    learners, events, threads = job
    stats = {"latency": [], "status": Counter(), "errors": Counter(), "lag": [], "refusals": Counter()}
    lock = threading.Lock()
    events = sorted(events)
    t0 = job_start[0]

    def worker():
        while True:
            with lock:
                if not events:
                    return
                when, index, action = events.pop(0)
            delay = t0 + when - time.time()
            if delay > 0:
                time.sleep(delay)
            else:
                stats["lag"].append(-delay)
            try:
                getattr(learners[index], action)(stats)
            except Exception as exc:
                stats["errors"][f"{action}: {type(exc).__name__}: {str(exc)[:60]}"] += 1

    pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return learners, stats


job_start = [0.0]


def run(learners: list[Learner], events, processes: int, threads: int):
    """Events (seconds after start, learner index, action) over client processes; learners come back updated."""
    job_start[0] = time.time() + 1.0
    shards = [[] for _ in range(processes)]
    for when, index, action in events:
        shards[index % processes].append((when, index // processes, action))
    jobs = [(learners[k::processes], shards[k], threads) for k in range(processes)]
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        results = pool.map(_shard, jobs)
    merged = {"latency": [], "status": Counter(), "errors": Counter(), "lag": [], "refusals": Counter()}
    for k, (part, stats) in enumerate(results):
        learners[k::processes] = part
        merged["refusals"].update(stats["refusals"])
        merged["latency"] += stats["latency"]
        merged["lag"] += stats["lag"]
        merged["status"].update(stats["status"])
        merged["errors"].update(stats["errors"])
    return merged


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="300 learners, 2 minutes, 20 s ramp")
    parser.add_argument("--learners", type=int)
    parser.add_argument("--minutes", type=float)
    parser.add_argument("--interval", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--client-processes", type=int, default=4)
    parser.add_argument("--client-threads", type=int, default=32)
    args = parser.parse_args()
    n = args.learners or (300 if args.quick else 5000)
    minutes = args.minutes or (2.0 if args.quick else 10.0)
    ramp = 20.0 if args.quick else 120.0
    lesson_seconds = int(minutes * 60 * 0.75)  # shorter than the run: the cap must hold
    saturation_seconds = 5.0 if args.quick else 15.0

    import psycopg

    t0 = time.time()
    name, url, env, admin = create_bench_database("anpei_bench_study")
    servers: list[subprocess.Popen] = []
    try:
        world = seed(n, lesson_seconds)
        print(f"setup: database {name}, migrations, {n} learners seeded in {time.time() - t0:.1f} s")
        port, bare_port = free_port(), free_port()
        gunicorn = [
            str(ROOT / ".venv/bin/gunicorn"),
            "-w", str(args.workers), "-k", "gthread", "--threads", str(args.threads),
            "--log-level", "warning", "--timeout", "60",
        ]  # fmt: skip
        servers.append(
            subprocess.Popen(
                [*gunicorn, "-b", f"{HOST}:{port}", "app:create_app()"], env=env, cwd=ROOT, start_new_session=True
            )
        )
        wait_ready(port, "/login", servers[-1])
        learners = [Learner(u, port, world["class_id"], world["lesson_id"]) for u in world["usernames"]]
        rng = random.Random(7)
        events = []
        for i in range(n):
            start = rng.uniform(0, ramp)
            events.append((start, i, "open"))
            t = start + 1.0
            while t < ramp + minutes * 60:
                events.append((t, i, "beat"))
                t += args.interval
        beats = sum(1 for e in events if e[2] == "beat")
        print(
            f"study: {n} learners open the lesson within {ramp:.0f} s, then a heartbeat every {args.interval:.0f} s "
            f"for {minutes:g} min ({beats:,} heartbeats; lesson {lesson_seconds} s, so the cap applies) …",
            flush=True,
        )
        phase = time.time()
        stats = run(learners, events, args.client_processes, args.client_threads)
        elapsed = time.time() - phase
        with psycopg.connect(url.replace("+psycopg", "")) as conn:
            rows = conn.execute(
                "SELECT u.username, coalesce(sum(c.seconds), 0) FROM auth_users u "
                "LEFT JOIN training_study_credits c ON c.person_id = u.person_id "
                "WHERE u.role = 'worker' GROUP BY u.username"
            ).fetchall()
        stored = dict(rows)
        diffs = Counter()
        for learner in learners:
            diffs[int(stored.get(learner.username, 0)) - learner.watched(lesson_seconds)] += 1
        exact = diffs.get(0, 0)
        fivexx = sum(v for s, v in stats["status"].items() if s >= 500)

        # saturation: the heartbeat endpoint, then the bare upsert on the same stack
        sat_clients = learners[: args.client_threads]

        def real_call(k, r):
            learner = sat_clients[k]
            status, _, _ = learner.client.post_json(
                "/training/heartbeat",
                {
                    "token": learner.token,
                    "lesson_id": learner.lesson_id,
                    "position": 0,
                    "visible": True,
                    "playing": True,
                },
            )
            return status

        real_rate, real_lat, real_5xx = saturate(real_call, saturation_seconds, len(sat_clients))
        servers.append(
            subprocess.Popen(
                [*gunicorn, "--chdir", str(ROOT / "bench"), "-b", f"{HOST}:{bare_port}", "exam_day:bare_app()"],
                env=env,
                cwd=ROOT,
                start_new_session=True,
            )
        )
        wait_ready(bare_port, "/", servers[-1])
        bare_clients = [Client(bare_port) for _ in range(len(sat_clients))]

        def bare_call(k, r):
            status, _, _ = bare_clients[k].post_json(
                "/bare", {"position": r.randrange(10_000), "response": [1], "seq": int(time.time() * 1000) % 2**31}
            )
            return status

        bare_rate, bare_lat, bare_5xx = saturate(bare_call, saturation_seconds, len(sat_clients))

        print()
        lat = stats["latency"]
        print(
            f"study phase: {elapsed:.0f} s, {len(lat):,} heartbeats ({len(lat) / elapsed:,.1f}/s), "
            f"schedule lag p99 {ms(stats['lag'] or [0.0], 99)}"
        )
        print(f"heartbeat latency: p50 {ms(lat, 50)}, p99 {ms(lat, 99)} (target < 100 ms); 5xx {fivexx}")
        print(
            f"statuses {dict(stats['status'])}; refusals {dict(stats['refusals'])}; "
            f"client errors {dict(stats['errors']) or 'none'}"
        )
        print(
            f"ledger vs watched (to the second, cap {lesson_seconds} s): {exact}/{n} exact; "
            f"differences {dict(sorted(diffs.items()))}"
        )
        print(
            f"saturation ({len(sat_clients)} closed-loop clients, {saturation_seconds:g} s): heartbeat "
            f"{real_rate:,.0f} req/s p99 {ms(real_lat, 99)} 5xx {real_5xx}; bare upsert {bare_rate:,.0f} req/s "
            f"p99 {ms(bare_lat, 99)} 5xx {bare_5xx}; ratio {real_rate / bare_rate:.2f}"
        )
        # The client times its sends, the server its receipts: a few ms of jitter on the first or last heartbeat
        # can move a floor by one second, never more.
        within = sum(v for d, v in diffs.items() if abs(d) <= 1)
        print(f"within one second: {within}/{n}")
        ok = fivexx == 0 and within == n
        print("RESULT:", "ok" if ok else "FAILED")
        return 0 if ok else 1
    finally:
        for proc in servers:
            stop(proc)
        drop_bench_database(admin, name)


if __name__ == "__main__":
    sys.exit(main())
