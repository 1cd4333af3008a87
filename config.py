"""Configuration classes.

Three modes, chosen by ``ANPEI_CONFIG`` (``embedded`` by default):

- ``EmbeddedConfig``: a SQLite file under ``instance/``, Celery tasks run in-process when no broker is
  configured. This is what the README's first command runs.
- ``ProductionConfig``: PostgreSQL + Redis from the environment; refuses to start without secrets.
- ``TestingConfig``: like embedded, with a throwaway database chosen by the test fixtures.

Every setting can be overridden by an environment variable of the same name (typed helpers below).
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("ANPEI_INSTANCE", BASE_DIR / "instance"))


def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def env_int(name: str, default: int) -> int:
    value = env_str(name)
    return int(value) if value is not None else default


def env_float(name: str, default: float) -> float:
    value = env_str(name)
    return float(value) if value is not None else default


def env_bool(name: str, default: bool) -> bool:
    value = env_str(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class ConfigError(RuntimeError):
    """Raised at start-up when the configuration is unsafe or incomplete."""


class Config:
    """Settings shared by every mode."""

    MODE = "base"
    SECRET_KEY = env_str("SECRET_KEY")
    #: Key for encrypting ID numbers at rest and keying their lookup hash (any string; derived with HKDF).
    DATA_KEY = env_str("ANPEI_DATA_KEY")
    #: Former data keys, comma-separated: still decrypt and verify (``flask rotate-keys`` moves data off them).
    DATA_KEY_OLD = env_str("ANPEI_DATA_KEY_OLD")
    SQLALCHEMY_DATABASE_URI = env_str("DATABASE_URL")
    #: No ``pool_pre_ping``: it costs a round trip on every request (one in seven of an autosave's). After a
    #: database restart the first statement on a dead connection fails, SQLAlchemy then drops the whole pool, and
    #: the exam page's answer queue retries; ``ANPEI_DB_PRE_PING=1`` trades the round trip for no such error.
    #: ``create_app`` adds the JSON codec of the JSON columns (``app.core.jsontext``).
    #: Connections kept per process: a request may hold two at once (its session's, and the one a rate-limit
    #: counter commits on by itself), so 4 threads need 8. Beyond the pool a connection is opened and closed per
    #: use, and a new PostgreSQL backend costs a fork and cold catalog caches (measured: the login rush churned
    #: backends several times a second with SQLAlchemy's default of 5).
    SQLALCHEMY_ENGINE_OPTIONS: dict = {
        "pool_recycle": 1800,
        "pool_pre_ping": env_bool("ANPEI_DB_PRE_PING", False),
        "pool_size": env_int("ANPEI_DB_POOL_SIZE", 10),
    }

    #: A read replica of the primary for read-only pages (dashboards, their lists and exports, the 排名公告);
    #: unset: they read the primary (app/dashboards/replica.py).
    DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL")

    CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
    CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND")
    #: The queue tasks are sent to and a worker reads (``celery worker -Q``): one per test process when the suite runs
    #: in parallel against PostgreSQL (tests/parallel.py); production keeps Celery's default.
    CELERY_QUEUE = env_str("ANPEI_CELERY_QUEUE", "celery")
    #: Seconds Redis waits for a worker to acknowledge a late-acknowledged task (``acks_late``: bundles, renders,
    #: mails, webhooks) before it delivers the task again: a worker killed outright (``kill -9``, a lost host) holds
    #: its task this long. Longer than the longest such task runs (a full bundle: a few minutes); Redis' own default
    #: is an hour.
    CELERY_VISIBILITY_SECONDS = env_int("ANPEI_CELERY_VISIBILITY_SECONDS", 900)

    #: 一人一档 checkpoints (app/archive/tasks.py, docs/security.md): minutes between them; without a broker (no
    #: beat) the app writes them itself before a request when one is due (``ANPEI_ARCHIVE_CHECKPOINT_IN_APP``).
    #: ``flask verify-archive`` warns and exits 2 when the latest is older than the maximum age.
    ARCHIVE_CHECKPOINT_MINUTES = env_int("ANPEI_ARCHIVE_CHECKPOINT_MINUTES", 60)
    ARCHIVE_CHECKPOINT_IN_APP = env_bool("ANPEI_ARCHIVE_CHECKPOINT_IN_APP", CELERY_BROKER_URL is None)
    ARCHIVE_CHECKPOINT_MAX_AGE_MINUTES = env_int("ANPEI_ARCHIVE_CHECKPOINT_MAX_AGE_MINUTES", 120)
    #: Older chains re-hashed whole by each incremental verification, at random (app/archive/verification.py).
    ARCHIVE_VERIFY_SAMPLE = env_int("ANPEI_ARCHIVE_VERIFY_SAMPLE", 1000)

    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = {"zh_CN": "中文", "en": "English"}

    # Uploads: rosters and question files. Larger bodies get a clear 413 page.
    MAX_CONTENT_LENGTH = env_int("ANPEI_MAX_UPLOAD_MB", 10) * 1024 * 1024
    #: Reverse proxies in front of gunicorn whose X-Forwarded-For / -Proto to trust (0: none). Behind nginx, 1: the
    #: attempt's IP, the login lockout and the spot-check guessing limit then see the client, not the proxy.
    PROXY_HOPS = env_int("ANPEI_PROXY_HOPS", 0)
    STORAGE_DIR = Path(env_str("ANPEI_STORAGE", str(INSTANCE_DIR / "storage")))
    #: Where each archive checkpoint is also appended, outside the database and its backups, so ``verify-archive``
    #: notices a database restored from a backup older than the last checkpoint (app/archive/witness.py,
    #: docs/backup.md). Empty: no copy (only the log line).
    ARCHIVE_WITNESS = env_str("ANPEI_ARCHIVE_WITNESS", str(INSTANCE_DIR / "archive-checkpoints.jsonl"))
    #: Pre-subset CJK fonts for PDFs, built by scripts/setup.sh (app/core/fonts.py); without them PDFs use the
    #: system's Noto CJK collections, correct but 0.1–0.3 s slower per document.
    PDF_FONT_DIR = Path(env_str("ANPEI_PDF_FONTS", str(INSTANCE_DIR / "fonts")))
    #: An S3-compatible object store for stored files (videos, photos, PDFs) instead of STORAGE_DIR, so several web
    #: hosts serve the same files (app/core/storage.py). Credentials come from boto3's usual environment variables.
    S3_BUCKET = env_str("ANPEI_S3_BUCKET")
    S3_PREFIX = env_str("ANPEI_S3_PREFIX", "")
    S3_ENDPOINT = env_str("ANPEI_S3_ENDPOINT")
    S3_REGION = env_str("ANPEI_S3_REGION")
    #: A registered photo upload may be at most this large (it is re-encoded as a 一寸 JPEG anyway).
    PHOTO_MAX_BYTES = env_int("ANPEI_PHOTO_MAX_KB", 8192) * 1024
    #: 人像抓拍 face comparison: ``off`` (snapshots are kept for people to compare) or ``dlib`` (app/people/faces.py).
    FACE_CHECKER = env_str("ANPEI_FACE_CHECKER", "off")
    #: 人像抓拍 face detection (no identity): a snapshot must show exactly one face, a registered photo one;
    #: ``dlib`` (its HOG detector, app/people/faces.py) or ``off``.
    FACE_DETECTOR = env_str("ANPEI_FACE_DETECTOR", "dlib")
    #: 人像抓拍 (app/people/snapshots.py): required when studying lessons / sitting online exams, how many per lesson
    #: page or exam attempt (the start one included, the rest at random moments), the largest upload, and how long
    #: after a random moment crediting goes on while the page takes its snapshot.
    SNAPSHOTS_LESSONS = env_bool("ANPEI_SNAPSHOTS_LESSONS", True)
    SNAPSHOTS_EXAMS = env_bool("ANPEI_SNAPSHOTS_EXAMS", True)
    SNAPSHOTS_PER_LESSON = env_int("ANPEI_SNAPSHOTS_PER_LESSON", 3)
    SNAPSHOTS_PER_EXAM = env_int("ANPEI_SNAPSHOTS_PER_EXAM", 3)
    SNAPSHOT_MAX_BYTES = env_int("ANPEI_SNAPSHOT_MAX_KB", 2048) * 1024
    SNAPSHOT_GRACE_SECONDS = env_int("ANPEI_SNAPSHOT_GRACE_SECONDS", 60)
    #: Online study (app/training/crediting.py, docs/study-time.md): the fastest playback rate a video lesson allows
    #: (the page holds it, the server's position check assumes it); PDF, image and text lessons: random "还在学习吗？"
    #: prompts per lesson page, seconds to answer one, and prompts a page may answer late before it earns no more.
    STUDY_MAX_RATE = env_float("ANPEI_STUDY_MAX_RATE", 1.0)
    STUDY_PROMPTS = env_int("ANPEI_STUDY_PROMPTS", 3)
    #: Seconds between a lesson page's timed heartbeats (10–120). Pause, hide, end and leave are reported at once
    #: whatever it is; a longer beat halves the load of a big evening (docs/study-time.md, docs/benchmarks.md).
    STUDY_HEARTBEAT_SECONDS = env_int("ANPEI_STUDY_HEARTBEAT_SECONDS", 30)
    STUDY_PROMPT_WINDOW = env_int("ANPEI_STUDY_PROMPT_WINDOW", 60)
    STUDY_PROMPT_MISSES = env_int("ANPEI_STUDY_PROMPT_MISSES", 2)
    #: Seconds a process keeps the daily-cap rules a heartbeat reads (a rule edit reaches study within this).
    STUDY_RULES_MAX_AGE = 60
    #: A snapshot whose perceptual hash (64 bits) differs in at most this many bits from an earlier snapshot of the
    #: person or from the registered photo is the same picture again, and refused (app/people/snapshots.py).
    SNAPSHOT_SAME_PICTURE_BITS = env_int("ANPEI_SNAPSHOT_SAME_PICTURE_BITS", 6)

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = env_bool("ANPEI_SECURE_COOKIES", False)
    REMEMBER_COOKIE_HTTPONLY = True
    PERMANENT_SESSION_LIFETIME = timedelta(hours=8)
    WTF_CSRF_TIME_LIMIT = None  # an exam page may stay open for hours; the token is still bound to the session

    #: Login limits (等保 practice), per (account, client IP): this many failed logins block that pair for
    #: LOGIN_LOCKOUT_MINUTES, doubling with every further failure (app/auth/services.py).
    LOGIN_MAX_FAILURES = env_int("ANPEI_LOGIN_MAX_FAILURES", 5)
    LOGIN_LOCKOUT_MINUTES = env_int("ANPEI_LOGIN_LOCKOUT_MINUTES", 15)
    #: Failed logins per client IP across all accounts within LOGIN_IP_WINDOW_MINUTES.
    LOGIN_IP_MAX_FAILURES = env_int("ANPEI_LOGIN_IP_MAX_FAILURES", 50)
    LOGIN_IP_WINDOW_MINUTES = env_int("ANPEI_LOGIN_IP_WINDOW_MINUTES", 15)
    #: How new passwords are hashed (app/auth/passwords.py): Argon2id at OWASP's minimum, or ``argon2id:T:M:P``
    #: (passes, KiB, lanes). Hashes of another method still sign in, and are replaced at that sign-in.
    PASSWORD_HASH_METHOD = env_str("ANPEI_PASSWORD_HASH", "argon2id")

    ROSTER_PAGE_SIZE = 50
    #: Seconds after an attempt's deadline during which answers are still accepted (latency, a last click).
    EXAM_GRACE_SECONDS = env_int("ANPEI_EXAM_GRACE_SECONDS", 30)
    PUBLIC_BASE_URL = env_str("ANPEI_PUBLIC_URL", "http://127.0.0.1:5000")

    # Certificates (app/certificates): number schemes other than 特种作业操作证's "T" + 身份证号 (placeholders:
    # {id_number}, {year}, {region}, {org_code} = the issuer's 统一社会信用代码, {serial} = the certificate's id, for
    # a 培训合格证明 the next of its issuer's series for the year — keep {org_code} and {year} in that scheme, the
    # series is per issuer and year), public lookups per client IP, reminders.
    CERT_NUMBER_SCHEMES = {"manager": "{id_number}", "training": "PX{org_code}{year}{serial:05d}"}
    CERT_VERIFY_LIMIT = env_int("ANPEI_CERT_VERIFY_LIMIT", 30)
    CERT_VERIFY_WINDOW_MINUTES = env_int("ANPEI_CERT_VERIFY_WINDOW_MINUTES", 10)
    CERT_REMIND_DAYS = env_int("ANPEI_CERT_REMIND_DAYS", 60)
    #: ZIP bundles of certificate PDFs (app/certificates/bundles.py): at most this many certificates and megabytes
    #: per bundle, kept this many hours after they are built.
    CERT_BUNDLE_MAX = env_int("ANPEI_CERT_BUNDLE_MAX", 2000)
    CERT_BUNDLE_MAX_MB = env_int("ANPEI_CERT_BUNDLE_MAX_MB", 500)
    CERT_BUNDLE_HOURS = env_int("ANPEI_CERT_BUNDLE_HOURS", 24)
    #: Minutes without progress after which a queued or running bundle is 已停滞 (its worker died): another run
    #: takes it over, and asking again starts a new one instead of showing the stuck one.
    CERT_BUNDLE_STALL_MINUTES = env_int("ANPEI_CERT_BUNDLE_STALL_MINUTES", 5)

    #: Outgoing email (app/core/mail.py): reminders are emailed too when a host is set. Port 465 is SMTP over TLS;
    #: otherwise STARTTLS unless ANPEI_SMTP_STARTTLS=0 (a relay on localhost).
    SMTP_HOST = env_str("ANPEI_SMTP_HOST")
    SMTP_PORT = env_int("ANPEI_SMTP_PORT", 587)
    SMTP_USER = env_str("ANPEI_SMTP_USER")
    SMTP_PASSWORD = env_str("ANPEI_SMTP_PASSWORD")
    SMTP_FROM = env_str("ANPEI_SMTP_FROM", "安培 <noreply@localhost>")
    SMTP_STARTTLS = env_bool("ANPEI_SMTP_STARTTLS", True)
    SMTP_TIMEOUT = env_int("ANPEI_SMTP_TIMEOUT", 30)

    # The data-exchange API (app/api, docs/api.md): requests per client per minute, how long an Idempotency-Key's
    # answer is kept, how long calls are logged; webhooks: the send timeout, tries before giving up, when a claim
    # of a worker that died goes stale, how many days before its deadline a finding is "due", and which URLs a
    # subscription may name (https only, never this machine, unless allowed).
    #: Key of the API's public ids (app/api/ids.py): set it once and never change it, or every id changes.
    #: Unset: derived from ANPEI_DATA_KEY (embedded: generated into instance/api_id_key) — pin it before rotating.
    API_ID_KEY = env_str("ANPEI_API_ID_KEY")
    API_RATE_LIMIT = env_int("ANPEI_API_RATE_LIMIT", 600)
    #: Calls with a missing or wrong token per client address per minute, then 429 for the minute.
    API_AUTH_FAILURES = env_int("ANPEI_API_AUTH_FAILURES", 30)
    API_IDEMPOTENCY_HOURS = env_int("ANPEI_API_IDEMPOTENCY_HOURS", 24)
    API_LOG_DAYS = env_int("ANPEI_API_LOG_DAYS", 180)
    API_WEBHOOK_TIMEOUT = env_int("ANPEI_API_WEBHOOK_TIMEOUT", 10)
    API_WEBHOOK_MAX_ATTEMPTS = env_int("ANPEI_API_WEBHOOK_MAX_ATTEMPTS", 12)
    API_WEBHOOK_CLAIM_SECONDS = env_int("ANPEI_API_WEBHOOK_CLAIM_SECONDS", 300)
    API_WEBHOOK_ALLOW_HTTP = env_bool("ANPEI_API_WEBHOOK_ALLOW_HTTP", False)
    API_WEBHOOK_ALLOW_LOOPBACK = env_bool("ANPEI_API_WEBHOOK_ALLOW_LOOPBACK", False)
    API_FINDING_DUE_DAYS = env_int("ANPEI_API_FINDING_DUE_DAYS", 3)
    #: Nightly jobs run at this local hour (``BABEL_DEFAULT_TIMEZONE``), when nobody studies or sits an exam.
    NIGHTLY_HOUR = env_int("ANPEI_NIGHTLY_HOUR", 2)
    #: Dashboards (app/dashboards): how often the rollups of enterprises whose data changed are recounted, and how
    #: many enterprises the nightly check recounts against their rollups.
    ROLLUP_REFRESH_MINUTES = env_int("ANPEI_ROLLUP_REFRESH_MINUTES", 15)
    ROLLUP_CHECK_SAMPLE = env_int("ANPEI_ROLLUP_CHECK_SAMPLE", 200)

    # 逢查必考: default sample per post, inspection window, finding deadline, ticket and guessing limits.
    SPOTCHECK_SAMPLE_RULE = {"principal": 1, "safety_manager": 2, "special_operator": 2, "worker": 3}
    SPOTCHECK_WINDOW_MINUTES = env_int("ANPEI_SPOTCHECK_WINDOW_MINUTES", 60)
    SPOTCHECK_TIME_LIMIT_MINUTES = 10
    SPOTCHECK_PASS_MARK = 80
    SPOTCHECK_FINDING_DAYS = env_int("ANPEI_SPOTCHECK_FINDING_DAYS", 15)
    SPOTCHECK_IDENTITY_TRIES = 5
    #: Unknown ticket tokens/codes per IP address within SPOTCHECK_GUESS_WINDOW_MINUTES before refusing lookups.
    SPOTCHECK_MAX_GUESSES = env_int("ANPEI_SPOTCHECK_MAX_GUESSES", 20)
    SPOTCHECK_GUESS_WINDOW_MINUTES = 15

    @classmethod
    def validate(cls) -> None:
        """Fail fast on settings the mode cannot run without."""

    @classmethod
    def celery(cls) -> dict:
        broker = cls.CELERY_BROKER_URL
        return {
            "broker_url": broker or "memory://",
            "result_backend": cls.CELERY_RESULT_BACKEND or (broker if broker else None),
            # No broker configured: run tasks in-process so the embedded mode needs no Redis.
            "task_always_eager": broker is None,
            "task_eager_propagates": True,
            "task_default_queue": cls.CELERY_QUEUE,
            "broker_transport_options": {"visibility_timeout": cls.CELERY_VISIBILITY_SECONDS},
            "task_serializer": "json",
            "accept_content": ["json"],
            "timezone": cls.BABEL_DEFAULT_TIMEZONE,
            # Every periodic job, in one place (STYLE.md 3.8). Nightly jobs at a local hour (crontab in
            # ``timezone``), staggered: the certificates' statuses, then the rollups and scores that read them.
            "beat_schedule": {
                "archive-verify-nightly": {"task": "archive.verify_all", "schedule": nightly(cls, 40)},
                # what the nightly sample may miss (an old event of a chain nobody writes to): every chain, weekly
                "archive-verify-weekly-full": {
                    "task": "archive.verify_all",
                    "schedule": crontab(day_of_week=0, hour=cls.NIGHTLY_HOUR, minute=50),
                    "kwargs": {"full": True},
                },
                # after the certificates' statuses, before the verification reads the epochs it sealed
                "records-purge-nightly": {"task": "records.purge", "schedule": nightly(cls, 30)},
                "archive-checkpoint-hourly": {
                    "task": "archive.checkpoint",
                    "schedule": cls.ARCHIVE_CHECKPOINT_MINUTES * 60,
                },
                "core-purge-limits-hourly": {"task": "core.purge_limits", "schedule": 3600},
                "exams-expire-overdue": {"task": "exams.expire_overdue", "schedule": 60},
                # papers drawn before the start: 开始考试 is then one statement (app.exams.attempts.preparing)
                "exams-prepare-papers": {"task": "exams.prepare_papers", "schedule": 300},
                "spotchecks-close-expired": {"task": "spotchecks.close_expired", "schedule": 60},
                "certificates-mark-lapsed-nightly": {"task": "certificates.mark_lapsed", "schedule": nightly(cls, 0)},
                # reminders (and their emails) in the morning, when people read them
                "certificates-reminders-daily": {
                    "task": "certificates.send_reminders",
                    "schedule": crontab(hour=8, minute=0),
                },
                "certificates-retry-mails": {"task": "certificates.retry_mails", "schedule": 600},
                "certificates-expire-bundles-hourly": {"task": "certificates.expire_bundles", "schedule": 3600},
                "training-refresh-completions": {"task": "training.refresh_completions", "schedule": 600},
                "api-retry-deliveries": {"task": "api.retry_deliveries", "schedule": 60},
                "api-findings-due-hourly": {"task": "api.findings_due", "schedule": 3600},
                "api-purge-daily": {"task": "api.purge", "schedule": 24 * 3600},
                "dashboards-refresh-nightly": {"task": "dashboards.refresh_rollups", "schedule": nightly(cls, 15)},
                "dashboards-scores-nightly": {"task": "dashboards.compute_scores", "schedule": nightly(cls, 50)},
                "dashboards-refresh-changed": {
                    "task": "dashboards.refresh_changed",
                    "schedule": cls.ROLLUP_REFRESH_MINUTES * 60,
                },
                "dashboards-recommend-exits": {"task": "dashboards.recommend_exits", "schedule": 600},
                "dashboards-collect-alerts": {"task": "dashboards.collect_alerts", "schedule": 600},
            },
        }


def nightly(config: type[Config], minute: int):
    """A nightly crontab at ``NIGHTLY_HOUR``:``minute``, in Celery's ``timezone`` (the platform's zone)."""
    return crontab(hour=config.NIGHTLY_HOUR, minute=minute)


def instance_secret(name: str, directory: Path | None = None) -> str:
    """A random key kept in ``instance/<name>`` (mode 0600): created on first use, the same one ever after.

    Written to a private temporary file and linked into place, so two processes starting at once (gunicorn
    workers) end up with one key, and no process ever reads a half-written file.
    """
    directory = directory or INSTANCE_DIR
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    if not path.exists():
        tmp = directory / f".{name}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process was first: use its key
        finally:
            tmp.unlink()
    return path.read_text().strip()


#: Loopback addresses: embedded mode serves only these unless its keys are set explicitly.
LOOPBACK = ("127.", "::1", "localhost")


def public_binds(addresses) -> list[str]:
    """The bind addresses (``("0.0.0.0", 8000)``, ``"unix:/…"``) that reach beyond this machine."""
    public = []
    for address in addresses:
        host = address[0] if isinstance(address, tuple) else str(address)
        if isinstance(address, str) and (address.startswith("unix:") or "/" in address):
            continue
        if not host.startswith(LOOPBACK):
            public.append(host or "0.0.0.0")  # noqa: S104 — the address this check looks for
    return public


def check_bind(config_class: type[Config], addresses) -> None:
    """Refuse to serve beyond loopback with keys nobody chose: embedded mode generates its keys, the testing mode
    ships fixed ones. Setting ``SECRET_KEY`` and ``ANPEI_DATA_KEY`` in the environment (or production mode) is
    the explicit choice that lifts this.

    :raises ConfigError: naming the address.
    """
    if config_class.MODE == "production":
        return
    explicit = env_str("SECRET_KEY") and env_str("ANPEI_DATA_KEY") and config_class.MODE == "embedded"
    public = public_binds(addresses)
    if public and not explicit:
        raise ConfigError(
            f"{config_class.MODE} mode refuses to listen on {', '.join(public)}: its keys are generated or for "
            "tests. Bind 127.0.0.1 (scripts/run.sh does), or set SECRET_KEY and ANPEI_DATA_KEY (or use "
            "ANPEI_CONFIG=production) to serve beyond this machine."
        )


class EmbeddedConfig(Config):
    """Single machine, no servers: the README's run command.

    Without ``SECRET_KEY``/``ANPEI_DATA_KEY`` in the environment, random keys are generated into ``instance/`` on
    first start and reused (``validate``); the site then only listens on loopback (``check_bind``).
    """

    MODE = "embedded"
    SQLALCHEMY_DATABASE_URI = Config.SQLALCHEMY_DATABASE_URI or f"sqlite:///{INSTANCE_DIR / 'anpei.sqlite'}"

    API_WEBHOOK_ALLOW_HTTP = env_bool("ANPEI_API_WEBHOOK_ALLOW_HTTP", True)  # one machine, maybe no TLS inside

    @classmethod
    def validate(cls) -> None:
        cls.SECRET_KEY = cls.SECRET_KEY or instance_secret("secret_key")
        cls.DATA_KEY = cls.DATA_KEY or instance_secret("data_key")
        cls.API_ID_KEY = cls.API_ID_KEY or instance_secret("api_id_key")


class TestingConfig(EmbeddedConfig):
    MODE = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret"  # noqa: S105 — the test configuration's key
    DATA_KEY = "testing-data-key"
    API_ID_KEY = "testing-api-id-key"
    #: Tests run webhook receivers on 127.0.0.1.
    API_WEBHOOK_ALLOW_LOOPBACK = True

    @classmethod
    def validate(cls) -> None:
        """Fixed keys: tests must be repeatable (``check_bind`` keeps this mode off the network)."""

    # Fixtures set SQLALCHEMY_DATABASE_URI; tests of CSRF turn it back on where they check it.
    WTF_CSRF_ENABLED = True
    SERVER_NAME = None
    #: Off unless a test turns them on (``monkeypatch.setitem(app.config, "SNAPSHOTS_LESSONS", True)``): the other
    #: study and exam tests are about other rules.
    SNAPSHOTS_LESSONS = False
    SNAPSHOTS_EXAMS = False
    #: No random "还在学习吗？" prompts unless a test draws them (its own ``STUDY_PROMPTS``): the rest are deterministic.
    STUDY_PROMPTS = 0
    STUDY_RULES_MAX_AGE = 0  # every test reads the rules it set
    #: No checkpoint copy unless a test names its own file (tests/archive/test_backup_restore.py).
    ARCHIVE_WITNESS = ""
    #: Off unless a test turns it on: other tests count the checkpoints they write.
    ARCHIVE_CHECKPOINT_IN_APP = False
    #: Off unless a test turns it on (``monkeypatch.setitem(app.config, "FACE_DETECTOR", "dlib")``): most tests'
    #: photos and snapshots are drawn pictures without a face; tests/people/test_detection.py, the snapshot tests
    #: and tests/browser/test_snapshots_phone.py run the real detector.
    FACE_DETECTOR = "off"
    #: Tests create hundreds of users; Argon2id's deliberate cost is for real passwords, not fixtures
    #: (tests/auth/test_passwords.py sets the real method).
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # noqa: S105 — a hash method's name


class ProductionConfig(Config):
    MODE = "production"
    SESSION_COOKIE_SECURE = env_bool("ANPEI_SECURE_COOKIES", True)

    @classmethod
    def validate(cls) -> None:
        missing = [
            name
            for name, value in (
                ("SECRET_KEY", cls.SECRET_KEY),
                ("DATABASE_URL", cls.SQLALCHEMY_DATABASE_URI),
                ("ANPEI_DATA_KEY", cls.DATA_KEY),
            )
            if not value
        ]
        if missing:
            raise ConfigError("production mode needs these environment variables: " + ", ".join(missing))
        if len(cls.SECRET_KEY or "") < 16 or len(cls.DATA_KEY or "") < 16:
            raise ConfigError("SECRET_KEY and ANPEI_DATA_KEY must be at least 16 characters")
        # the API's public ids: their own key when set, else one derived from the data key (docs/api.md)
        cls.API_ID_KEY = cls.API_ID_KEY or "derived:" + cls.DATA_KEY


CONFIGS = {"embedded": EmbeddedConfig, "production": ProductionConfig, "testing": TestingConfig}


def config_from_env() -> type[Config]:
    name = env_str("ANPEI_CONFIG", "embedded")
    try:
        return CONFIGS[name]
    except KeyError:
        raise ConfigError(f"ANPEI_CONFIG must be one of {', '.join(CONFIGS)}, not {name!r}") from None
