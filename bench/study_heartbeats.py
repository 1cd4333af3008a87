"""Online study: N learners on gunicorn + PostgreSQL, each lesson page sending a heartbeat every 30 s (``--interval``).

Run: ``.venv/bin/python bench/study_heartbeats.py [--quick] [--learners N] [--minutes D] [--stall S] [--logins before]
[--cost [--snapshots] [--measure M]]``.

What it does, on this machine and loopback only, stopping by itself (helpers from ``bench/exam_day.py``):

1. creates a throwaway PostgreSQL database, runs the migrations, seeds one enterprise with N workers enrolled in
   one online class whose video lesson is a little shorter than the study time (so the duration cap is exercised);
2. starts ``gunicorn -w 4 -k gthread --threads 4`` on the app (production config);
3. every learner, at its own moment within ``--ramp`` seconds (10 minutes: 8.3 page openings a second for 5,000;
   any moment, not whole seconds — ``--aligned`` makes the ~17 pages opened in one second beat in the same
   millisecond ever after, a harsher pattern than real pages): logs in (a cheap password hash: logging in is not
   what is measured), opens the lesson page, which starts the study session and sends its first heartbeat, and
   presses play 3 s later (the page reports the change at once); from then on its page sends a heartbeat every
   30 s with the video's position, as ``static/js/study.js`` does,
   until D minutes after the ramp: all N learners study together for the last D minutes, and the latency target
   is measured there (the opening rush is printed apart);
4. some learners do what the rule must not credit (``--hide`` and ``--seek`` of them, 10 % each by default):
   *hiders* switch to another tab for 60–180 s (the page pauses the video and reports it at once: the stretch
   watched before is credited; its timer keeps reporting ``visible: false``; back on the tab the page reports
   again, and the learner presses play a few seconds later); *seekers* use a tampered page that posts a
   heartbeat with the position 5 minutes ahead (the real page refuses to seek past the furthest point watched);
5. checks, per learner, the seconds in the per-day ledger against what the rule credits for what that client
   really did (see "Exact to the second" below), and against the sum of the credits the server acknowledged;
6. a closed-loop saturation run of the heartbeat endpoint, then the same against a bare Flask upsert on the same
   stack (``exam_day:bare_app``): throughput ratio;
7. stops both servers and drops the database.

The load client is one asyncio process (a task per learner, ``--connections`` keep-alive connections shared by
all, as a reverse proxy keeps them to its upstream); its own CPU time is printed so it is seen not to be the
bottleneck (against an instant stub server it spends ~0.1 ms of CPU a request, 20,000 learners included).

Progress: every ``--progress`` seconds (60) one flushed line of that window — pages opened, heartbeats, their p50
and p99, 5xx, client errors, requests waiting in the client for a connection, and the CPU of the load client,
gunicorn's workers and the bench database's PostgreSQL backends — so a run stopped early (``kill`` stops the
servers and drops the database as ^C does) still says how far it got and where the CPU went.

Logins: by default each learner logs in a second before it opens the lesson (an opening is four requests) with a
cheap password hash (``--password-hash argon2id`` for the production one, ~35 ms of CPU a login). ``--logins before``
logs every learner in first (``--login-concurrency`` at a time, reported apart), and an opening is then the lesson
page and its start: the evening's learners of a 再培训 wave logged in earlier (a session lasts), and opening lessons
is what they do together; the logins are a separate sizing question (docs/benchmarks.md).

Exact to the second. The server measures time by its own clock, at receipt; the client knows when it sent and
when the answer came back. Every beat a learner sends is scheduled so that the credited stretches between them
are a whole number of seconds plus one half: the play press and the page's other events at whole seconds after
the page opened, its 30-s timer and the hiding of the page (whose beat is credited: the stretch before it was
watched) at half seconds. The rule (``app.training.crediting.credit``: whole seconds with the
fraction carried, each gap capped by the server's time and the position's advance, hidden/paused/seek gaps lost,
the lesson's length as the cap) applied to the
scheduled times then gives exactly what the server must credit, as long as each beat reached the server less
than half a second after its scheduled time. The client checks that for every acknowledged beat (it was sent on
time, its answer came back within 0.5 s); a learner with a slower beat is counted apart as *undecided*: each
credited stretch's two ends are then known only to within their beats' lateness, and the ledger must be within
the sum of those (at least one second). The rule tolerates a beat up to ``INTERVAL + SLACK`` late (the session's
lag); a learner with a later beat is counted as *not comparable*, and fails the run.

``--stall S``: the server is stopped (SIGSTOP on its process group) for S seconds at one third and two thirds of
the ramp, as a long GC pause, a frozen VM or a box out of CPU would; the beats sent meanwhile reach it up to S
seconds late, and the ledger checks must hold all the same (the rule carries a lag for that).

``--cost``: CPU per heartbeat in one gunicorn worker with one thread and in its PostgreSQL backend (as
``bench/request_cost.py``), against the bare upsert on the same worker; no load test. ``--measure M``: only M of
the N learners are measured, the others get a session, progress and a day's credit as if studying (tables of a
run's size). ``--snapshots``: with 人像抓拍 required (the production default) and every learner consenting.

Targets (issue #13): heartbeat p99 < 100 ms while all N study, 0 5xx, ledger equal to what was watched (to the
second, caps applied). ``RESULT: ok`` means all of them held.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import re
import resource
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

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
    pct,
    saturate,
    stop,
    wait_ready,
)

PAGE_CSRF = re.compile(r'data-csrf="([^"]+)"')
HEARTBEAT = "/training/heartbeat"
#: A beat is decidable to the second when it reached the server within this of its scheduled time.
HALF = 0.5


#: The bench's default password hash: cheap, so that the openings measure the lesson pages, not the hash (a real
#: login costs Argon2id's ~35 ms of CPU: ``--password-hash argon2id``). The servers hash by the same method.
CHEAP_HASH = "pbkdf2:sha256:1000"


def seed(n: int, lesson_seconds: int, password_hash: str = CHEAP_HASH) -> dict:
    """N workers of one enterprise, enrolled in an online class of one video lesson of ``lesson_seconds``."""
    from datetime import date, timedelta

    import sqlalchemy as sa

    from app import create_app
    from app.auth import passwords
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
        pw_hash = passwords.hash_password("pw", method=password_hash)
        admin = User(username="bench-admin", role=Role.ENTERPRISE, enterprise_id=enterprise.id, password_hash=pw_hash)
        db.session.add(admin)
        db.session.flush()
        persons = []
        for i in range(n):
            id_body = f"320102{date(1940, 1, 1) + timedelta(days=i):%Y%m%d}{i % 1000:03d}"  # 30,000 distinct days
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


# ---------------------------------------------------------------- a light HTTP/1.1 client on asyncio


class Pool:
    """Keep-alive connections to one server, shared by every learner (cookies are the learner's, not the
    connection's). A connection idle for longer than gunicorn's keep-alive (2 s) is closed and replaced."""

    IDLE = 1.5

    def __init__(self, port: int, size: int):
        self.port = port
        self.free: asyncio.LifoQueue = asyncio.LifoQueue()
        for _ in range(size):
            self.free.put_nowait((None, None, 0.0))
        self.opened = 0
        self.stats: dict = {"waiting": 0}

    async def request(self, method: str, path: str, body: bytes, headers: dict[str, str]):
        if self.free.empty():
            self.stats["waiting"] += 1  # every connection busy: the request waits in the client
            try:
                reader, writer, used = await self.free.get()
            finally:
                self.stats["waiting"] -= 1
        else:
            reader, writer, used = self.free.get_nowait()
        try:
            for attempt in (1, 2):
                if writer is None or time.monotonic() - used > self.IDLE:
                    if writer is not None:
                        writer.close()
                    reader, writer = await asyncio.open_connection(HOST, self.port)
                    self.opened += 1
                    fresh = True
                else:
                    fresh = False
                head = f"{method} {path} HTTP/1.1\r\nHost: {HOST}:{self.port}\r\nContent-Length: {len(body)}\r\n"
                head += "".join(f"{k}: {v}\r\n" for k, v in headers.items())
                writer.write(head.encode() + b"\r\n" + body)
                try:
                    status_line = await reader.readuntil(b"\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    writer.close()
                    writer = None
                    if fresh or attempt == 2:  # a reused connection the server had just closed: send it again
                        raise
                    continue
                break
            status = int(status_line.split()[1])
            raw = await reader.readuntil(b"\r\n\r\n")
            response_headers: list[tuple[str, str]] = []
            for line in raw.decode("latin-1").split("\r\n"):
                if ":" in line:
                    k, v = line.split(":", 1)
                    response_headers.append((k.strip().lower(), v.strip()))
            length = next((int(v) for k, v in response_headers if k == "content-length"), 0)
            data = await reader.readexactly(length) if length else b""
            if any(k == "connection" and v.lower() == "close" for k, v in response_headers):
                writer.close()
                writer = None
            return status, response_headers, data
        except BaseException:
            if writer is not None:
                writer.close()
            writer = None
            raise
        finally:
            self.free.put_nowait((reader, writer, time.monotonic()))


class Browser:
    """One learner's cookie jar and CSRF token over the shared pool."""

    def __init__(self, pool: Pool):
        self.pool = pool
        self.cookies: dict[str, str] = {}
        self.csrf = ""

    async def request(self, method: str, path: str, body: bytes = b"", headers: dict | None = None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        status, response_headers, data = await self.pool.request(method, path, body, headers)
        for k, v in response_headers:
            if k == "set-cookie":
                name, _, rest = v.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        return status, data

    async def get(self, path: str):
        return await self.request("GET", path)

    async def post_form(self, path: str, fields: dict):
        body = urlencode(fields).encode()
        return await self.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})

    async def post_json(self, path: str, payload: dict):
        headers = {"Content-Type": "application/json", "X-CSRFToken": self.csrf}
        return await self.request("POST", path, json.dumps(payload).encode(), headers)


# ---------------------------------------------------------------- learners


@dataclass
class Beat:
    at: float  # scheduled, seconds after the run's start
    visible: bool
    playing: bool
    position: float
    kind: str  # first, play, timer, hide, hidden, show, seek
    moving: bool = False  # the video played up to this beat: the position sent runs on if the beat leaves late
    sent: float = 0.0  # wall clock (time.time()), as the server's utcnow reads it
    answered: float = 0.0
    status: int = 0
    refusal: str | None = None
    credited: int = 0


@dataclass
class Learner:
    username: str
    behaviour: str  # plain, hider, seeker
    opens_at: float
    beats: list[Beat] = field(default_factory=list)
    base: float = 0.0  # when (seconds after the run's start) the page opened; its beats are relative to it
    token: str = ""
    error: str = ""
    browser: Browser | None = None


def plan(
    n: int, ramp: float, study: float, interval: float, hide: float, seek: float, rng, aligned: bool = False
) -> list[Learner]:
    """Each learner's page, beat by beat: when it is sent and what it reports (as ``static/js/study.js``).

    Every page opens at its moment within ``ramp`` and studies until ``ramp + study``: all N study together for
    the last ``study`` seconds. Times are seconds after the page opened (:func:`live`); its first beat goes
    then, play 3 s later, events at whole seconds, the 30-s timer and the hiding at half seconds (so a credited
    stretch is never a whole number of seconds; see the module doc)."""
    learners = []
    together = study
    for i in range(n):
        behaviour = "hider" if i % 100 < hide * 100 else "seeker" if i % 100 >= 100 - seek * 100 else "plain"
        opens = float(int(rng.uniform(0, ramp))) if aligned else rng.uniform(0, ramp)
        learner = Learner(f"w{i:05d}", behaviour, opens)
        study = together + ramp - opens
        play = 3.0
        beats = [Beat(0.0, True, False, 0.0, "first"), Beat(play, True, True, 0.0, "play")]
        timer = [0.5 + interval * k for k in range(1, int(study / interval) + 1)]
        watched_until = play  # playing since ``play`` (the position is what has been played)
        position = 0.0
        events: list[tuple[float, str]] = []
        if behaviour == "hider":
            away = rng.uniform(60, min(180, study / 2))
            hide_at = int(play + rng.uniform(interval, max(interval + 1, study - away - 2 * interval))) + 0.5
            back = float(int(hide_at + away))
            events = [(hide_at, "hide"), (back, "show"), (back + 4, "play")]
        elif behaviour == "seeker":
            events = [(float(int(play + rng.uniform(interval, max(interval + 1, study - 2 * interval)))), "seek")]
        schedule = sorted([(t, "timer") for t in timer] + events)
        playing, visible, jump = True, True, 0.0
        for t, kind in schedule:
            moving = playing
            if playing:
                position += t - watched_until
            watched_until = t
            if kind == "hide":
                playing = visible = False
                beats.append(Beat(t, False, False, position + jump, kind, moving))
            elif kind == "show":
                visible = True
                beats.append(Beat(t, True, False, position + jump, kind))  # shown again, the video still paused
            elif kind == "play":
                playing = True
                beats.append(Beat(t, True, True, position + jump, kind))  # study.js reports the change at once
            elif kind == "seek":
                jump = 300.0  # a tampered page: 5 minutes ahead, and from there on
                beats.append(Beat(t, True, True, position + jump, kind, moving))
            else:
                beats.append(Beat(t, visible, playing, position + jump, "timer" if visible else "hidden", moving))
        learner.beats = beats
        learners.append(learner)
    return learners


async def log_in(learner: Learner, browser: Browser) -> None:
    _status, page = await browser.get("/login")
    csrf = CSRF_RE.search(page.decode()).group(1)
    status, _body = await browser.post_form(
        "/login", {"csrf_token": csrf, "username": learner.username, "password": "pw"}
    )
    if status != 302:
        raise RuntimeError(f"login: HTTP {status}")


async def open_page(learner: Learner, browser: Browser, class_id: int, lesson_id: int, login: bool = True) -> None:
    if login:
        await log_in(learner, browser)
    _status, page = await browser.get(f"/training/mine/{class_id}/lessons/{lesson_id}")
    browser.csrf = PAGE_CSRF.search(page.decode()).group(1)
    status, body = await browser.post_json(f"/training/mine/{class_id}/lessons/{lesson_id}/start", {})
    if status != 200:
        raise RuntimeError(f"start: HTTP {status}")
    learner.token = json.loads(body)["token"]


async def live(learner: Learner, browser: Browser, t0: float, world: dict, stats: dict) -> None:
    """The learner's page: open at its moment, then each beat at its scheduled time (one at a time)."""
    login = not world["logged_in"]
    ahead = 1.0 if login else 0.0  # log in a second ahead of opening
    await asyncio.sleep(max(0.0, t0 + learner.opens_at - ahead - time.time()))
    t_login = time.perf_counter()
    try:
        await open_page(learner, browser, world["class_id"], world["lesson_id"], login)
    except Exception as exc:
        learner.error = f"open: {type(exc).__name__}: {str(exc)[:60]}"
        stats["errors"][learner.error] += 1
        return
    stats["open"].append(time.perf_counter() - t_login)
    stats["opened"].append(time.time() - t0)
    learner.base = time.time() - t0  # the page opened: its timeline starts now
    if world["aligned"]:  # at the next whole second of the run, as every other page opened this second
        learner.base = float(math.ceil(learner.base))
    for beat in learner.beats:
        due = t0 + learner.base + beat.at
        delay = due - time.time()
        if delay > 0:
            await asyncio.sleep(delay)
        beat.sent = time.time()
        late = max(0.0, beat.sent - due) if beat.moving else 0.0  # a playing video runs on while a beat waits
        payload = {
            "token": learner.token,
            "lesson_id": world["lesson_id"],
            "position": beat.position + late,
            "visible": beat.visible,
            "playing": beat.playing,
        }
        try:
            beat.status, body = await browser.post_json(HEARTBEAT, payload)
        except Exception as exc:
            stats["errors"][f"beat: {type(exc).__name__}: {str(exc)[:60]}"] += 1
            beat.answered = time.time()
            continue
        beat.answered = time.time()
        stats["latency"].append((beat.sent - t0, beat.answered - beat.sent))
        stats["status"][beat.status] += 1
        if beat.status == 200:
            data = json.loads(body)
            beat.refusal, beat.credited = data.get("refusal"), int(data.get("credited", 0))
            stats["refusals"][f"{beat.kind}:{beat.refusal or 'credited'}"] += 1
            if beat.refusal == "seek" and learner.behaviour != "seeker":
                stats["wrongly refused as a seek"] += 1


def expected(learner: Learner, t0: float, lesson_seconds: int) -> tuple[int, bool, int, float]:
    """What the rule credits for the beats the server acknowledged, at their scheduled times; whether that is
    decided to the second (every such beat reached the server within half a second of its schedule); and, when it
    is not, the uncertainty: each credited stretch's two ends are known only to within their beats' lateness; and
    the latest beat (a beat later than the rule tolerates, ``INTERVAL + SLACK``, can be refused as a seek: the rule
    on the schedule no longer says what the server saw)."""
    from datetime import timedelta

    from app.training.crediting import Heartbeat, StudyState, credit

    base = datetime.fromtimestamp(t0 + learner.base, UTC).replace(tzinfo=None)
    state = StudyState(token="t", lesson_id=1, duration=lesson_seconds)
    total, decided, uncertainty, latest = 0, True, 0.0, 0.0
    previous, run = 0.0, None  # lateness of the last acknowledged beat; (start, end) lateness of the open stretch
    for beat in learner.beats:
        if beat.status != 200:
            continue  # never reached the rule (a 5xx rolls back), or never answered
        due = t0 + learner.base + beat.at
        late = max(beat.answered - due, due - beat.sent, 0.0)
        latest = max(latest, late)
        if not (beat.sent >= due - 0.01 and beat.answered - due < HALF - 0.01):
            decided = False
        hb = Heartbeat("t", 1, position=beat.position, visible=beat.visible, playing=beat.playing)
        state, seconds, _refusal = credit(state, hb, base + timedelta(seconds=beat.at))
        if seconds:  # whole seconds with the fraction carried: a stretch's credit depends on its two ends only
            run = (run[0] if run else previous, late)
        elif run:
            uncertainty, run = uncertainty + sum(run), None
        previous = late
        total += seconds
    if run:
        uncertainty += sum(run)
    return total, decided, math.ceil(uncertainty), latest


def watched(learner: Learner, lesson_seconds: int) -> int:
    """For reference only: seconds the learner's page was visible and playing after play, without the skipped
    part, capped at the lesson's length (what a stopwatch beside the learner would show)."""
    seconds, last, on = 0.0, None, False
    for beat in learner.beats:
        if on and last is not None:
            seconds += beat.at - last
        last = beat.at
        on = beat.kind in ("play", "timer", "seek") and beat.visible
    return min(lesson_seconds, int(seconds))


async def stall(server: int, t0: float, at: float, seconds: float) -> None:
    """Stop the server (master and workers: its process group) for ``seconds`` at ``at``, then let it go on: what a
    long GC pause, a frozen VM or a box out of CPU does. Requests wait in the sockets and reach it late."""
    await asyncio.sleep(max(0.0, t0 + at - time.time()))
    os.killpg(server, signal.SIGSTOP)
    try:
        await asyncio.sleep(seconds)
    finally:
        os.killpg(server, signal.SIGCONT)


async def login_phase(learners: list[Learner], port: int, connections: int, concurrency: int) -> dict:
    """``--logins before``: every learner logs in before the study phase, ``concurrency`` at a time (the
    evening's learners logged in earlier: a session lasts; what the lesson openings then cost is the two lesson
    requests). Returns the logins' latencies and errors."""
    pool = Pool(port, connections)
    stats = {"latency": [], "errors": Counter()}
    queue = list(reversed(learners))

    async def worker():
        while queue:
            learner = queue.pop()
            learner.browser = learner.browser or Browser(pool)
            learner.browser.pool = pool
            t = time.perf_counter()
            try:
                await log_in(learner, learner.browser)
            except Exception as exc:
                stats["errors"][f"login: {type(exc).__name__}: {str(exc)[:60]}"] += 1
                continue
            stats["latency"].append(time.perf_counter() - t)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return stats


class BackendCpu:
    """CPU seconds of the PostgreSQL backends serving the bench database, since the last reading (a backend that
    started meanwhile counts in full; one that ended loses its last part)."""

    def __init__(self, url: str, name: str):
        import psycopg

        self.conn = psycopg.connect(url.replace("+psycopg", ""), autocommit=True)
        self.name = name
        self.seen: dict[int, float] = {}
        self.since_last()

    def since_last(self) -> float:
        from request_cost import cpu_seconds

        rows = self.conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", (self.name,)
        ).fetchall()
        spent = 0.0
        for (pid,) in rows:
            try:
                now = cpu_seconds(pid)
            except (FileNotFoundError, ProcessLookupError):
                continue
            spent += now - self.seen.get(pid, 0.0)
            self.seen[pid] = now
        return spent

    def close(self) -> None:
        self.conn.close()


def window_figures(values: list[float]) -> str:
    """``p50 … p99 … max …`` of one window's latencies (a window is small: sorting it is cheap)."""
    if not values:
        return "—"
    ordered = sorted(values)
    at = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000  # noqa: E731
    return f"p50 {at(0.5):.0f} ms, p99 {at(0.99):.0f} ms, max {ordered[-1] * 1000:.0f} ms"


async def progress(stats: dict, n: int, t0: float, every: float, server: int, db_cpu: BackendCpu | None) -> None:
    """Every ``every`` seconds, one line (flushed) of what the run did in that window: pages opened and their
    latency, heartbeats and theirs, 5xx and client errors, requests waiting in the client, and the CPU of the load
    client, gunicorn's workers and PostgreSQL's backends (shares of one core): a run stopped early still says how far
    it got and where the CPU went."""
    seen_lat = seen_open = 0
    fivexx = errors = 0
    last = time.time()
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    client_last = cpu.ru_utime + cpu.ru_stime
    web_last = server_cpu(server) if server else 0.0
    while True:
        await asyncio.sleep(max(0.0, last + every - time.time()))
        now = time.time()
        span = now - last
        cpu = resource.getrusage(resource.RUSAGE_SELF)
        client_now = cpu.ru_utime + cpu.ru_stime
        web_now = server_cpu(server) if server else 0.0
        db_spent = db_cpu.since_last() if db_cpu else float("nan")
        lat = [x for _, x in stats["latency"][seen_lat:]]
        opens = stats["open"][seen_open:]
        seen_lat += len(lat)
        seen_open += len(opens)
        fivexx_now = sum(v for s, v in stats["status"].items() if s >= 500)
        errors_now = sum(stats["errors"].values())
        print(
            f"[{now - t0:6.0f} s] opened {seen_open:,}/{n:,} (+{len(opens):,}, {len(opens) / span:.1f}/s; "
            f"{window_figures(opens)}) | beats +{len(lat):,} ({len(lat) / span:.1f}/s; {window_figures(lat)}) | "
            f"5xx +{fivexx_now - fivexx}, errors +{errors_now - errors}, waiting {stats['waiting']} | CPU of one core: "
            f"client {(client_now - client_last) / span:.0%}, gunicorn {(web_now - web_last) / span:.0%}, "
            f"PostgreSQL {db_spent / span:.0%} | load {loadavg()}",
            flush=True,
        )
        last, client_last, web_last, fivexx, errors = now, client_now, web_now, fivexx_now, errors_now


async def study_phase(
    learners: list[Learner],
    port: int,
    world: dict,
    connections: int,
    t0: float,
    stalls=(),
    server: int = 0,
    every: float = 60.0,
    db_cpu: BackendCpu | None = None,
) -> dict:
    pool = Pool(port, connections)
    stats = {"latency": [], "status": Counter(), "errors": Counter(), "refusals": Counter(), "open": [], "opened": []}
    stats["wrongly refused as a seek"] = 0
    stats["waiting"] = 0
    pool.stats = stats
    for learner in learners:
        if learner.browser is None:
            learner.browser = Browser(pool)
        learner.browser.pool = pool  # logged in before (--logins before): the same cookies on this loop's pool
    reporter = asyncio.ensure_future(progress(stats, len(learners), t0, every, server, db_cpu)) if every else None
    try:
        await asyncio.gather(
            *(live(learner, learner.browser, t0, world, stats) for learner in learners),
            *(stall(server, t0, at, seconds) for at, seconds in stalls),
        )
    finally:
        if reporter:
            reporter.cancel()
    stats["connections opened"] = pool.opened
    return stats


# ---------------------------------------------------------------- --cost: CPU per heartbeat


def fill(conn, world: dict, person_ids: list[int]) -> None:
    """The learners not measured (``--measure``) as if they were studying: a session, progress and a day's credit
    each, so the tables the measured requests read and write are as large as in a run of all of them."""
    class_id, lesson_id = world["class_id"], world["lesson_id"]
    conn.execute(
        "INSERT INTO training_study_sessions (person_id, token, class_id, lesson_id, started_at, last_at, position, "
        "lag, page, prompt, prompts_left, misses) SELECT p, md5(p::text), %s, %s, now(), now(), 60, 0, 'on', '', 0, 0 "
        "FROM unnest(%s::int[]) AS p",
        (class_id, lesson_id, person_ids),
    )
    conn.execute(
        "INSERT INTO training_lesson_progress (person_id, class_id, lesson_id, furthest, credited_seconds) "
        "SELECT p, %s, %s, 60, 60 FROM unnest(%s::int[]) AS p",
        (class_id, lesson_id, person_ids),
    )
    conn.execute(
        "INSERT INTO training_study_credits (person_id, class_id, lesson_id, day, seconds) "
        "SELECT p, %s, %s, current_date, 60 FROM unnest(%s::int[]) AS p",
        (class_id, lesson_id, person_ids),
    )


def cost(args) -> int:
    """CPU per heartbeat in one gunicorn worker (1 thread) and its PostgreSQL backend, and of the bare upsert."""
    import psycopg
    from request_cost import Meter, gunicorn, measure, worker_pid

    n = args.learners or 200
    name, url, env, admin = create_bench_database("anpei_bench_study_cost")
    env["ANPEI_PASSWORD_HASH"] = args.password_hash  # a login checks, never re-hashes, the bench's hash
    servers: list[subprocess.Popen] = []
    try:
        if args.snapshots:
            env["ANPEI_SNAPSHOTS_LESSONS"] = os.environ["ANPEI_SNAPSHOTS_LESSONS"] = "1"
        world = seed(n, 3600, args.password_hash)
        meter_conn = psycopg.connect(url.replace("+psycopg", ""), autocommit=True)
        if args.snapshots:
            meter_conn.execute(
                "INSERT INTO people_snapshot_consents (person_id, context, ref_id, granted, at) "
                "SELECT p, 'lesson', %s, true, now() FROM unnest(%s::int[]) AS p",
                (world["class_id"], world["person_ids"]),
            )
        measured = args.measure or n
        if measured < n:
            fill(meter_conn, world, world["person_ids"][measured:])
        port = free_port()
        servers.append(gunicorn("app:create_app()", port, env))
        wait_ready(port, "/login", servers[-1])
        meter = Meter(worker_pid(servers[-1].pid), meter_conn, name)
        lesson_path = f"/training/mine/{world['class_id']}/lessons/{world['lesson_id']}"
        clients = [(Client(port), username) for username in world["usernames"][: args.measure or n]]
        tokens: dict[int, str] = {}
        results: list = []

        def login_page(client):
            status, _h, page = client.get("/login")
            client.csrf = CSRF_RE.search(page.decode()).group(1)
            return status

        def login(client, username):
            return client.post_form("/login", {"csrf_token": client.csrf, "username": username, "password": "pw"})[0]

        def lesson_page(client):
            status, _h, page = client.get(lesson_path)
            client.csrf = PAGE_CSRF.search(page.decode()).group(1)
            return status

        def start(k, client):
            status, _h, body = client.post_json(f"{lesson_path}/start", {})
            tokens[k] = json.loads(body)["token"]
            return status

        measure(meter, "login page", [lambda c=c: login_page(c) for c, _u in clients], results)
        label = "login (cheap hash)" if args.password_hash == CHEAP_HASH else f"login ({args.password_hash})"
        measure(meter, label, [lambda c=c, u=u: login(c, u) for c, u in clients], results)
        measure(meter, "lesson page", [lambda c=c: lesson_page(c) for c, _u in clients], results)
        measure(meter, "start", [lambda k=k, c=c: start(k, c) for k, (c, _u) in enumerate(clients)], results)
        clients = [(client, tokens[k]) for k, (client, _u) in enumerate(clients)]

        def beat(client, token, position):
            payload = {"token": token, "lesson_id": world["lesson_id"], "position": position}
            status, _, _ = client.post_json(HEARTBEAT, {**payload, "visible": True, "playing": True})
            return status

        for r in range(args.rounds):
            label = "heartbeat (first)" if r == 0 else "heartbeat (credits)"
            measure(meter, label, [lambda c=c, t=t, r=r: beat(c, t, 2.0 * r) for c, t in clients], results)
            time.sleep(1.1)  # every gap at least a second: each later round credits
        stop(servers.pop())
        bare_port = free_port()
        servers.append(gunicorn("exam_day:bare_app()", bare_port, env, chdir=ROOT / "bench"))
        wait_ready(bare_port, "/", servers[-1])
        bare_meter = Meter(worker_pid(servers[-1].pid), meter_conn, name)
        bare = Client(bare_port)
        rng = random.Random(3)
        calls = [
            lambda i=i: bare.post_json("/bare", {"position": rng.randrange(10_000), "response": [1], "seq": i})[0]
            for i in range(args.rounds * len(clients))
        ]
        measure(bare_meter, "bare Flask upsert", calls, results)
        credited = meter_conn.execute("SELECT sum(seconds) FROM training_study_credits").fetchone()[0]
        meter_conn.close()
        print(
            f"CPU per request: 1 gunicorn worker × 1 thread (production config), PostgreSQL, {len(clients)} of {n} "
            f"learners measured; 人像抓拍 {'required, all consenting' if args.snapshots else 'off'}"
        )
        print(f"  {'request':<22} {'n':>6} {'web ms':>8} {'db ms':>7}")
        for label, count, web, db_ms in results:
            print(f"  {label:<22} {count:>6,} {web:>8.2f} {db_ms:>7.2f}")
        later = [r for r in results if r[0] == "heartbeat (credits)"]
        web = sum(r[2] for r in later) / len(later)
        db_cpu = sum(r[3] for r in later) / len(later)
        bare_web, bare_db = results[-1][2], results[-1][3]
        print(
            f"crediting heartbeat: web {web:.2f} ms + db {db_cpu:.2f} ms; bare upsert {bare_web:.2f} + {bare_db:.2f} ms"
            f" ({(web + db_cpu) / (bare_web + bare_db):.1f}×); {credited} s credited in all; load average "
            f"{loadavg()}"
        )
        return 0
    finally:
        for proc in servers:
            stop(proc)
        drop_bench_database(admin, name)


# ---------------------------------------------------------------- main


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def backends_started(url: str, name: str) -> int:
    """PostgreSQL sessions established on the bench database so far (a new backend is a fork and cold caches)."""
    import psycopg

    with psycopg.connect(url.replace("+psycopg", "")) as conn:
        return conn.execute("SELECT sessions FROM pg_stat_database WHERE datname = %s", (name,)).fetchone()[0]


def server_cpu(master: int) -> float:
    """CPU seconds of gunicorn's workers so far."""
    from request_cost import cpu_seconds

    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return sum(cpu_seconds(int(pid)) for pid in children)


def _interrupted(signum, _frame):
    raise KeyboardInterrupt(f"signal {signum}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="300 learners, 2 minutes, 20 s ramp")
    parser.add_argument("--learners", type=int)
    parser.add_argument("--minutes", type=float, help="minutes all learners study together, after the ramp (10)")
    parser.add_argument("--ramp", type=float, help="seconds over which the learners open the page (600)")
    parser.add_argument(
        "--interval",
        type=int,
        default=30,
        help="seconds between a page's beats (the server's ANPEI_STUDY_HEARTBEAT_SECONDS)",
    )
    parser.add_argument(
        "--lesson",
        type=int,
        help="the video's seconds (default: 20 s less than --minutes, so every learner reaches the cap; a long ramp "
        "wants ramp + study - 20, so only the earliest reach it and the others credit all through)",
    )
    parser.add_argument("--hide", type=float, default=0.1, help="share of learners who hide the page for a while")
    parser.add_argument("--seek", type=float, default=0.1, help="share of learners whose page tries to seek ahead")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument(
        "--worker-class", default="gthread", help="gunicorn's -k: gthread, or sync (one request per process)"
    )
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--connections", type=int, default=64, help="keep-alive connections of the load client")
    parser.add_argument("--access-log", help="gunicorn's access log here, with each request's server time (µs)")
    parser.add_argument(
        "--aligned",
        action="store_true",
        help="every page opens on a whole second of the run, so the ~17 pages opened in one second beat in the same "
        "millisecond, every second (a stress pattern: real pages open at any moment)",
    )
    parser.add_argument(
        "--stall",
        type=float,
        default=0.0,
        help="stop the server (SIGSTOP) for this many seconds at one third and two thirds of the ramp: beats reach "
        "it up to that late, and the ledger must still be right",
    )
    parser.add_argument(
        "--progress",
        type=float,
        default=60.0,
        help="seconds between progress lines during the study phase (0: none)",
    )
    parser.add_argument(
        "--password-hash",
        default=CHEAP_HASH,
        help="hash method of the learners' password (app/auth/passwords.py; production: argon2id, ~35 ms of CPU a "
        "login)",
    )
    parser.add_argument(
        "--logins",
        choices=("at-open", "before"),
        default="at-open",
        help="at-open: each learner logs in a second before it opens the lesson (an opening is 4 requests); before: "
        "all log in before the study phase, as learners whose session lasts from earlier in the day (an opening is "
        "the lesson page and its start; the logins are reported apart)",
    )
    parser.add_argument("--login-concurrency", type=int, default=8, help="--logins before: logins at a time")
    parser.add_argument("--cost", action="store_true", help="CPU per heartbeat on one worker instead")
    parser.add_argument(
        "--snapshots",
        action="store_true",
        help="--cost: with 人像抓拍 required (the production default) and every learner consenting: the lesson page, "
        "start and heartbeat read and draw the snapshot schedule (no snapshot is taken: the beats are refused)",
    )
    parser.add_argument("--rounds", type=int, default=5, help="--cost: heartbeats per learner")
    parser.add_argument(
        "--measure", type=int, help="--cost: learners measured (default all); the others only fill the tables"
    )
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # every line out at once: a run stopped early still says something
    signal.signal(signal.SIGTERM, _interrupted)  # `kill`: stop the servers and drop the database as on ^C
    if args.cost:
        return cost(args)
    n = args.learners or (300 if args.quick else 5000)
    minutes = args.minutes or (2.0 if args.quick else 10.0)
    ramp = args.ramp if args.ramp is not None else (20.0 if args.quick else 600.0)
    study = minutes * 60
    # 20 s shorter than the shortest study time (the last page to open): the cap must hold for those who lose
    # nothing (a seeker loses up to 30 s, a hider 1–3 minutes: their credit is exact, and capped if they studied
    # longer than the lesson plus what they lost)
    lesson_seconds = args.lesson or int(study - 20)
    saturation_seconds = 5.0 if args.quick else 15.0

    import psycopg

    t_setup = time.time()
    name, url, env, admin = create_bench_database("anpei_bench_study")
    env["ANPEI_PASSWORD_HASH"] = args.password_hash  # a login checks, never re-hashes, the bench's hash
    env["ANPEI_STUDY_HEARTBEAT_SECONDS"] = str(args.interval)
    os.environ["ANPEI_STUDY_HEARTBEAT_SECONDS"] = str(args.interval)
    servers: list[subprocess.Popen] = []
    try:
        world = seed(n, lesson_seconds, args.password_hash)
        # only now: config reads the environment the setup set
        from app.training.crediting import SLACK

        tolerated = args.interval + SLACK

        print(f"setup: database {name}, migrations, {n} learners seeded in {time.time() - t_setup:.1f} s")
        port, bare_port = free_port(), free_port()
        gunicorn = [
            str(ROOT / ".venv/bin/gunicorn"),
            "-w", str(args.workers), "-k", args.worker_class, "--threads", str(args.threads),
            "--log-level", "warning", "--timeout", "60",
        ]  # fmt: skip
        if args.access_log:
            gunicorn += [
                "--access-logfile",
                args.access_log,
                "--access-logformat",
                "%(t)s %(p)s %(m)s %(U)s %(s)s %(D)s",
            ]
        servers.append(
            subprocess.Popen(
                [*gunicorn, "-b", f"{HOST}:{port}", "app:create_app()"], env=env, cwd=ROOT, start_new_session=True
            )
        )
        wait_ready(port, "/login", servers[-1])
        world["aligned"] = args.aligned
        learners = plan(n, ramp, study, args.interval, args.hide, args.seek, random.Random(7), args.aligned)
        beats = sum(len(learner.beats) for learner in learners)
        print(
            f"study: {n} learners open the lesson within {ramp:.0f} s, then all study together for {minutes:g} min; "
            f"a heartbeat every "
            f"{args.interval:.0f} s ({beats:,} heartbeats; lesson {lesson_seconds} s, so the cap applies; "
            f"{args.hide:.0%} hide the page for 1–3 min, {args.seek:.0%} try to seek ahead) …",
            flush=True,
        )
        world["logged_in"] = args.logins == "before"
        if world["logged_in"]:
            t_logins, web_logins = time.time(), server_cpu(servers[0].pid)
            logins = asyncio.run(login_phase(learners, port, args.connections, args.login_concurrency))
            took, web_spent = time.time() - t_logins, server_cpu(servers[0].pid) - web_logins
            print(
                f"logins before the study ({args.login_concurrency} at a time, {args.password_hash}): "
                f"{len(logins['latency']):,} in {took:.0f} s ({len(logins['latency']) / took:.1f}/s), "
                f"{window_figures(logins['latency'])}; gunicorn {web_spent:.0f} s of CPU "
                f"({web_spent * 1000 / max(1, len(logins['latency'])):.1f} ms a login page + login); errors "
                f"{dict(logins['errors']) or 'none'}"
            )
        load_before = loadavg()
        sessions_before = backends_started(url, name)
        t0 = time.time() + 2.0
        cpu0, web0 = resource.getrusage(resource.RUSAGE_SELF), server_cpu(servers[0].pid)
        stalls = [(ramp * k / 3, args.stall) for k in (1, 2)] if args.stall else []
        if stalls:
            print(f"stalls: the server stopped for {args.stall:g} s at {stalls[0][0]:.0f} s and {stalls[1][0]:.0f} s")
        db_cpu = BackendCpu(url, name)
        try:
            stats = asyncio.run(
                study_phase(learners, port, world, args.connections, t0, stalls, servers[0].pid, args.progress, db_cpu)
            )
        finally:
            db_cpu.close()
        cpu1, web1 = resource.getrusage(resource.RUSAGE_SELF), server_cpu(servers[0].pid)
        elapsed = time.time() - t0
        load_after = loadavg()
        sessions = backends_started(url, name) - sessions_before
        client_cpu = (cpu1.ru_utime + cpu1.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime)

        with psycopg.connect(url.replace("+psycopg", "")) as conn:
            rows = conn.execute(
                "SELECT u.username, coalesce(sum(c.seconds), 0) FROM auth_users u "
                "LEFT JOIN training_study_credits c ON c.person_id = u.person_id "
                "WHERE u.role = 'worker' GROUP BY u.username"
            ).fetchall()
            progress = dict(
                conn.execute(
                    "SELECT u.username, p.credited_seconds FROM auth_users u "
                    "JOIN training_lesson_progress p ON p.person_id = u.person_id"
                ).fetchall()
            )
        stored = {u: int(s) for u, s in rows}
        checks = Counter()
        diffs = Counter()
        for learner in learners:
            want, decided, uncertainty, latest = expected(learner, t0, lesson_seconds)
            got = stored.get(learner.username, 0)
            acked = sum(b.credited for b in learner.beats if b.status == 200)
            diffs[got - want] += 1
            checks["ledger = sum of acknowledged credits"] += got == acked
            checks["ledger = progress.credited_seconds"] += got == progress.get(learner.username, -1)
            if decided:
                checks["decided"] += 1
                checks["decided and exact"] += got == want
            elif latest < tolerated:
                checks["undecided"] += 1
                checks["undecided and within their uncertainty"] += abs(got - want) <= max(1, uncertainty)
            else:
                checks["beyond tolerance"] += 1
            checks[f"{learner.behaviour}: learners"] += 1
            checks[f"{learner.behaviour}: capped"] += got == lesson_seconds
            checks[f"{learner.behaviour}: credited s"] += got
            checks[f"{learner.behaviour}: watched s"] += watched(learner, lesson_seconds)
        fivexx = sum(v for s, v in stats["status"].items() if s >= 500)

        # saturation: the heartbeat endpoint, then the bare upsert on the same stack
        sat = [learner for learner in learners if learner.token][:32]
        sat_clients = []
        for learner in sat:
            client = Client(port)
            client.cookies, client.csrf = dict(learner.browser.cookies), learner.browser.csrf
            sat_clients.append((client, learner.token))
        print("\n(saturation runs …)", flush=True)

        def real_call(k, r):
            client, token = sat_clients[k]
            payload = {"token": token, "lesson_id": world["lesson_id"], "position": 0}
            return client.post_json(HEARTBEAT, {**payload, "visible": True, "playing": True})[0]

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
        lat = [x for _, x in stats["latency"]]
        opened = max(stats["opened"], default=0.0) + 5  # every page open (logins queue behind each other)
        steady = [x for at, x in stats["latency"] if at >= opened]
        rush = [x for at, x in stats["latency"] if at < opened]
        print(
            f"study phase: {elapsed:.0f} s, {len(lat):,} heartbeats ({len(lat) / elapsed:,.1f}/s); load average "
            f"{load_before} before, {load_after} after (2 cores, shared)"
        )
        print(
            f"heartbeat latency while all {n} study ({opened:.0f}–{elapsed:.0f} s, {len(steady):,} heartbeats): "
            f"p50 {ms(steady, 50)}, p99 {ms(steady, 99)}, max {max(steady, default=0) * 1000:.0f} ms (target p99 < "
            f"100 ms); while the pages open (0–{opened:.0f} s, {len(rush):,}): p50 {ms(rush, 50)}, p99 {ms(rush, 99)}; "
            f"whole run: p50 {ms(lat, 50)}, p99 {ms(lat, 99)}; 5xx {fivexx}"
        )
        opens = stats["open"]
        print(
            f"opening the page ({'lesson page, start' if world['logged_in'] else 'login page, login, lesson page, start'}"
            f"): p50 {ms(opens, 50)}, p99 {ms(opens, 99)}; "
            f"{stats['connections opened']:,} client connections opened; {sessions:,} PostgreSQL backends started"
        )
        print(
            f"CPU: load client {client_cpu:.0f} s ({client_cpu / elapsed:.0%} of one core); gunicorn workers "
            f"{web1 - web0:.0f} s ({(web1 - web0) / elapsed:.0%} of one core"
            f"{', the logins apart' if world['logged_in'] else ', logins included'})"
        )
        print(f"statuses {dict(stats['status'])}; client errors {dict(stats['errors']) or 'none'}")
        print(f"refusals by beat kind: {dict(sorted(stats['refusals'].items()))}")
        print(f"beats of learners who never seeked that were refused as a seek: {stats['wrongly refused as a seek']}")
        for behaviour in ("plain", "hider", "seeker"):
            k = checks[f"{behaviour}: learners"]
            if k:
                print(
                    f"  {behaviour + 's':<8} {k:>5}: credited {checks[f'{behaviour}: credited s'] / k:,.1f} s on "
                    f"average (visible and playing: {checks[f'{behaviour}: watched s'] / k:,.1f} s), "
                    f"{checks[f'{behaviour}: capped']} at the {lesson_seconds} s cap"
                )
        print(
            f"ledger vs the rule on each client's beats: decided to the second {checks['decided']}/{n}, of them "
            f"exact {checks['decided and exact']}; undecided (a beat ≥ {HALF} s late) {checks['undecided']}, of "
            f"them within their uncertainty {checks['undecided and within their uncertainty']}; a beat ≥ {tolerated:g} s "
            f"late (not comparable) {checks['beyond tolerance']}; differences "
            f"{dict(sorted(diffs.items())) if len(diffs) < 20 else f'{len(diffs)} distinct, from {min(diffs)} to {max(diffs)}'}"
        )
        print(
            f"ledger = sum of the credits each client was told: {checks['ledger = sum of acknowledged credits']}/{n}; "
            f"= the lesson's progress: {checks['ledger = progress.credited_seconds']}/{n}"
        )
        print(
            f"saturation ({len(sat_clients)} closed-loop clients, {saturation_seconds:g} s): heartbeat "
            f"{real_rate:,.0f} req/s p99 {ms(real_lat, 99)} 5xx {real_5xx}; bare upsert {bare_rate:,.0f} req/s "
            f"p99 {ms(bare_lat, 99)} 5xx {bare_5xx}; ratio {real_rate / bare_rate:.2f}"
        )
        fast = bool(steady) and pct(steady, 99) < 0.1
        ok = (
            fast
            and fivexx == 0
            and not stats["errors"]
            and checks["decided and exact"] == checks["decided"]
            and checks["undecided and within their uncertainty"] == checks["undecided"]
            and not checks["beyond tolerance"]
            and not stats["wrongly refused as a seek"]
            and checks["ledger = sum of acknowledged credits"] == n
        )
        print(
            "RESULT:",
            "ok" if ok else "FAILED",
            f"(p99 while all study {pct(steady, 99) * 1000:.0f} ms {'✔' if fast else '✘'}; ledger checks above)",
        )
        return 0 if ok else 1
    finally:
        for proc in servers:
            stop(proc)
        drop_bench_database(admin, name)


if __name__ == "__main__":
    sys.exit(main())
