"""A batch render survives a worker killed mid-batch (``kill -9``): PostgreSQL, Redis and real worker processes.

Starts a worker of its own (its own queue, under a Redis key prefix of its own: CI's shared worker never sees the
task), enqueues one ``certificates.render_pending`` of N certificates in small chunks, SIGKILLs the worker's
process group once some chunks are committed and before the last, starts another worker, and checks that every
certificate ends with exactly one rendered PDF: version 1, the stored file's sha256 on the row, one file in its
storage folder, no "re-rendered" event — the interrupted chunk rendered again, nothing rendered twice.

Runs where CI's second stage runs (``DATABASE_URL=postgresql…``, ``CELERY_BROKER_URL=redis…``, ``ANPEI_STORAGE``
shared with workers); skipped on SQLite and without a broker.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.certificates.issuing import bulk
from app.certificates.models import Certificate, CertificateEvent, EventKind
from app.core.clock import local_today
from app.core.storage import storage
from app.exams.models import Attempt
from app.extensions import db
from app.people.models import Post
from tests.certificates.world import TRAINED_ON, give_photo, graded_sitting, practical_pass
from tests.factories import make_id_number
from tests.training.world import trained

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgresql")
        or not os.environ.get("CELERY_BROKER_URL", "").startswith("redis")
        or not os.environ.get("ANPEI_STORAGE"),
        reason="needs PostgreSQL, a Redis broker and ANPEI_STORAGE shared with workers (CI's second stage)",
    ),
]

N, CHUNK = 40, 4
ROOT = Path(__file__).resolve().parents[2]


def rendered() -> int:
    db.session.rollback()  # a fresh snapshot: the workers commit in other connections
    return db.session.scalar(sa.select(sa.func.count()).where(Certificate.pdf_key.is_not(None)))


class Worker:
    """``celery worker`` in a session of its own, so its whole process group (main + pool child) can be killed."""

    def __init__(self, name: str, queue: str, options: dict, log: Path, env: dict | None = None):
        env = {**os.environ, "ANPEI_TEST_BROKER_OPTIONS": json.dumps(options), **(env or {})}
        self.log = log
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "tests.certificates.kill_worker", "worker", "-Q", queue,
             "-n", f"{name}@%h", "--concurrency=1", "--prefetch-multiplier=1", "--without-gossip",
             "--without-mingle", "--without-heartbeat", "--loglevel=INFO"],
            cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip

    def kill(self, sig: int = signal.SIGKILL, timeout: float = 30) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, sig)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout)


#: How the second worker looks for tasks a dead worker left unacknowledged: once, as it starts (a periodic sweep
#: would hand back its own running task once that is older than the visibility timeout).
RESTORE_AT_START = {"unacked_restore_throttle": 1, "unacked_restore_interval": 3600}


def production_visibility() -> int:
    """The visibility timeout the workers run with: the app's production setting, not the test's."""
    from config import Config

    return Config.celery()["broker_transport_options"]["visibility_timeout"]


def age_unacked(prefix: str, seconds: float) -> int:
    """Move the broker's clock for the tasks now unacknowledged under ``prefix``: each one's delivery time goes
    back by ``seconds``, as if that long had passed since a worker took it (instead of waiting for it)."""
    import redis

    client = redis.Redis.from_url(os.environ["CELERY_BROKER_URL"])
    key = f"{prefix}unacked_index"
    try:
        entries = client.zrange(key, 0, -1, withscores=True)
        if entries:
            client.zadd(key, {tag: score - seconds for tag, score in entries})
        return len(entries)
    finally:
        client.close()


def files_of(cert_id: int) -> set[str]:
    folder = storage().path(f"certificates/{cert_id}/x.pdf").parent
    return {p.name for p in folder.iterdir()} if folder.is_dir() else set()


def wait_for(predicate, timeout: float, what: str, worker: Worker) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if worker.proc.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"no {what} (worker exit code {worker.proc.poll()}); log:\n{worker.log.read_text()[-3000:]}")
        time.sleep(0.05)


@pytest.fixture
def batch(cw) -> list[int]:
    """N certificates issued on one sitting, none rendered yet."""
    persons = []
    for i in range(N):
        person = cw.factory.employ(
            cw.enterprise,
            name="张王李赵刘陈杨黄"[i % 8] + "伟芳娜敏静丽强磊军洋"[i % 10],
            post=Post.SPECIAL_OPERATOR,
            operation_code="1.2",
            id_number=make_id_number("320102", date(1970 + i % 30, 1 + i % 12, 1 + i % 28), 100 + i),
        ).person
        give_photo(person)
        persons.append(person)
    trained(cw.admin, persons, operation_code="1.2", on=TRAINED_ON, exam_passed=None)  # the 初次培训 issuing checks
    sitting = graded_sitting(cw.enterprise, [(p, True) for p in persons])
    for person in persons:  # a 特种作业操作证 rests on the 实操 too
        theory = db.session.query(Attempt).filter_by(sitting_id=sitting.id, person_id=person.id).one()
        practical_pass(person, theory, local_today() - timedelta(days=1))
    result = bulk.issue_bulk(sitting, actor=cw.regulator)
    db.session.commit()
    assert len(result.issued) == N
    return [c.id for c in result.issued]


def test_a_worker_killed_mid_batch_loses_nothing_and_renders_nothing_twice(batch, tmp_path):
    from celery import Celery

    prefix, queue = f"anpei-killtest-{uuid.uuid4().hex[:8]}:", "certificates-killtest"
    log = tmp_path / "workers.log"
    before = {i: files_of(i) for i in batch}
    client = Celery("killtest", broker=os.environ["CELERY_BROKER_URL"], set_as_current=False)  # not the suite's app
    client.conf.broker_transport_options = {"global_keyprefix": prefix}
    # both workers run with the production visibility timeout; the second takes back at start what a dead worker
    # left unacknowledged for longer than that
    first = Worker("killtest1", queue, {"global_keyprefix": prefix}, log)
    second = None
    try:
        client.send_task("certificates.render_pending", args=[batch, CHUNK], queue=queue)
        wait_for(lambda: rendered() >= CHUNK, 180, "first chunk", first)
        first.kill()  # kill -9, mid-batch: the task is neither finished nor acknowledged
        at_kill = rendered()
        assert CHUNK <= at_kill < N, f"{at_kill} of {N} rendered when the worker was killed: not mid-batch"
        assert production_visibility() == 900
        assert age_unacked(prefix, production_visibility() + 1) == 1  # the broker's clock: 15 minutes on
        second = Worker("killtest2", queue, {"global_keyprefix": prefix, **RESTORE_AT_START}, log)
        wait_for(lambda: rendered() == N, 300, "complete batch", second)
        second.kill(signal.SIGTERM)  # warm shutdown: lets the task finish and be acknowledged
    finally:
        first.kill()
        if second is not None:
            second.kill()
        client.close()

    db.session.rollback()
    certs = db.session.scalars(sa.select(Certificate).where(Certificate.id.in_(batch))).all()
    assert len(certs) == N
    for cert in certs:
        assert (cert.pdf_version, cert.pdf_content_version) == (1, cert.content_version), cert.id
        assert hashlib.sha256(storage().read(cert.pdf_key)).hexdigest() == cert.pdf_sha256
        added = files_of(cert.id) - before[cert.id]  # the suite shares one storage dir (and ids restart)
        assert added <= {Path(cert.pdf_key).name} and Path(cert.pdf_key).name in files_of(cert.id), (cert.id, added)
    rerendered = db.session.scalar(sa.select(sa.func.count()).where(CertificateEvent.kind == EventKind.RENDERED))
    assert rerendered == 0
    text = log.read_text()
    # the same task, delivered again to the second worker, rendered exactly what the first had not committed
    assert text.count("certificates.render_pending[") >= 2 and "killtest2@" in text
    assert f"certificates: rendered {N - at_kill} PDFs" in text


# ---------------------------------------------------------------- a ZIP bundle whose worker was killed


def bundle_row(bundle_id: int):
    from app.certificates.models import CertificateBundle

    db.session.rollback()  # a fresh snapshot
    return db.session.get(CertificateBundle, bundle_id)


def test_a_bundle_whose_worker_was_killed_stalls_visibly_and_is_built_anew(
    batch, app, client, login, cw, tmp_path, monkeypatch
):
    """Production settings (visibility timeout, stall minutes); the test moves the app's clock and the broker's
    instead of waiting. A worker killed mid-bundle leaves it at 打包中 n %; asking again at once returns it (it may
    only be slow); five minutes of silence later its page says 已停滞 and offers 重新打包, which builds a new bundle
    on another worker, rendering what the dead one had not; the dead run's task, delivered again, leaves the ended
    bundle alone, and its partial ZIP is removed."""
    from celery import Celery

    from app.certificates import bundle_zip, views
    from app.certificates.models import BundleState
    from app.core import clock

    sitting_id = db.session.get(Attempt, db.session.get(Certificate, batch[0]).attempt_id).sitting_id
    login(cw.regulator)
    sent = []
    monkeypatch.setattr(views, "enqueue_after_commit", lambda task, *args: sent.append(args))  # the test sends
    prefix, queue = f"anpei-bundletest-{uuid.uuid4().hex[:8]}:", "bundles-killtest"
    log = tmp_path / "workers.log"
    client_celery = Celery("bundletest", broker=os.environ["CELERY_BROKER_URL"], set_as_current=False)
    client_celery.conf.broker_transport_options = {"global_keyprefix": prefix}
    small_chunks = {"ANPEI_TEST_BUNDLE_CHUNK": str(CHUNK)}
    assert app.config["CERT_BUNDLE_STALL_MINUTES"] == 5 and production_visibility() == 900

    def ask() -> int:
        response = client.post("/certificates/bundles", data={"scope": "sitting", "ref": str(sitting_id)})
        assert response.status_code == 302, response.data[:300]
        return int(response.location.rsplit("/", 1)[1])

    stuck_id = ask()
    first = Worker("bundletest1", queue, {"global_keyprefix": prefix}, log, small_chunks)
    second = None
    try:
        client_celery.send_task("certificates.build_bundle", args=[stuck_id], queue=queue)
        wait_for(lambda: bundle_row(stuck_id).done >= CHUNK, 180, "first chunk of the bundle", first)
        first.kill()  # kill -9, mid-bundle
        at_kill = bundle_row(stuck_id)
        assert at_kill.state is BundleState.RUNNING and CHUNK <= at_kill.done < N, at_kill.done
        partial = list(
            Path(bundle_zip.workdir_of(stuck_id, at_kill.run_token)).parent.glob(f"anpei-bundle-{stuck_id}-*")
        )
        assert len(partial) == 1, partial  # the dead run's half-written ZIP
        percent = f"{100 * at_kill.done // N} %"
        page = client.get(f"/certificates/bundles/{stuck_id}").get_data(as_text=True)
        assert "打包中" in page and percent in page and 'data-field="stalled" hidden' in page
        assert ask() == stuck_id  # asked again at once: the same bundle (it may only be slow)

        real = clock.utcnow
        monkeypatch.setattr(clock, "utcnow", lambda: real() + timedelta(minutes=5, seconds=1))  # the app's clock
        status = client.get(f"/certificates/bundles/{stuck_id}.json").get_json()
        assert (status["state_label"], status["percent"], status["stalled"]) == (
            "已停滞",
            100 * at_kill.done // N,
            True,
        )
        page = client.get(f"/certificates/bundles/{stuck_id}").get_data(as_text=True)
        assert "已停滞" in page and 'data-testid="bundle-restart"' in page
        assert 'data-field="stalled" hidden' not in page
        new_id = ask()  # the 重新打包 button posts the same request
        assert new_id != stuck_id and sent == [(stuck_id,), (new_id,)]  # one build each
        client_celery.send_task("certificates.build_bundle", args=[new_id], queue=queue)
        assert age_unacked(prefix, production_visibility() + 1) == 1  # and the dead run's task comes back too
        second = Worker("bundletest2", queue, {"global_keyprefix": prefix, **RESTORE_AT_START}, log, small_chunks)
        wait_for(lambda: bundle_row(new_id).state is BundleState.DONE, 300, "the new bundle", second)
        wait_for(lambda: "skipped" in log.read_text(), 60, "the dead run's task handled", second)
        second.kill(signal.SIGTERM)
    finally:
        first.kill()
        if second is not None:
            second.kill()
        client_celery.close()

    import io
    import zipfile

    rebuilt = bundle_row(new_id)
    names = zipfile.ZipFile(io.BytesIO(storage().read(rebuilt.file_key))).namelist()
    assert len([n for n in names if n.endswith(".pdf")]) == N and (rebuilt.done, rebuilt.total) == (N, N)
    old = bundle_row(stuck_id)
    assert old.state is BundleState.FAILED and old.error == "打包已停滞（5 分钟无进展），已重新打包"
    assert old.file_key is None
    assert not any(p.exists() for p in partial)  # the new run removed the dead run's partial ZIP
    certs = db.session.scalars(sa.select(Certificate).where(Certificate.id.in_(batch))).all()
    assert all(c.pdf_version == 1 for c in certs)  # what the dead run rendered was kept, nothing rendered twice
    page = client.get(f"/certificates/bundles/{stuck_id}").get_data(as_text=True)
    assert "打包已停滞（5 分钟无进展），已重新打包" in page
