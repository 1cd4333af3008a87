"""Application factory."""

from __future__ import annotations

import importlib

from flask import Flask

from app.core import jsontext
from app.core.web import IdConverter
from config import INSTANCE_DIR, Config, config_from_env


def create_app(config_class: type[Config] | None = None, **overrides) -> Flask:
    """Build the Flask app: config, extensions, Celery, blueprints, error handlers, CLI."""
    config_class = config_class or config_from_env()
    config_class.validate()
    app = Flask(__name__, template_folder="../templates", static_folder="../static", instance_relative_config=True)
    app.url_map.converters["int"] = IdConverter  # before any route: no id past MAX_ID reaches the database
    app.config.from_object(config_class)
    app.config.update(overrides)
    from app.auth import passwords
    from app.people import faces

    passwords.init_app(app)  # refuses a password hash method that hashes nothing
    faces.init_app(app)  # refuses an unknown ANPEI_FACE_CHECKER before anything starts; the checker loads on first use
    # The embedded SQLite file, generated keys and stored files live under instance/: a fresh clone has none yet.
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    # JSON columns: UTF-8 Chinese (not \uXXXX escapes: a frozen paper is ~40% smaller), encoded by orjson
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
        "json_serializer": jsontext.dumps,
        "json_deserializer": jsontext.loads,
        **app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}),
    }
    app.config["CELERY"] = config_class.celery() | app.config.get("CELERY_OVERRIDES", {})
    if hops := app.config.get("PROXY_HOPS", 0):
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    from app.core.templating import locale_selector, timezone_selector
    from app.extensions import babel, csrf, db, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=locale_selector, timezone_selector=timezone_selector)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None

    from app import models as _models  # noqa: F401  (complete metadata before anything queries)
    from app.core.celery import celery_init_app

    celery_init_app(app)
    _wire()
    _register_blueprints(app)

    from app.core import errors, storage, templating, web

    storage.init_app(app)
    from app.dashboards import replica

    replica.init_app(app)
    errors.register(app)
    templating.register(app)
    web.register(app)

    from app.auth.access import close_lean_connection, require_login

    app.before_request(require_login)
    from app.archive import tasks as archive_tasks

    archive_tasks.init_app(app)  # the embedded mode's hourly checkpoint (beat's elsewhere)
    app.teardown_request(close_lean_connection)

    from app import cli

    cli.register(app)
    return app


#: Every blueprint, in one explicit list (no discovery: the URL map should be readable here).
BLUEPRINTS = (
    ("app.auth.views", None),
    ("app.home.views", None),
    ("app.people.views", None),
    ("app.rules.views", "/admin"),
    ("app.spotchecks.views", None),  # /spotchecks/… for staff
    ("app.spotchecks.ticket_views", None),  # /s/… the phone's public ticket pages
    ("app.bank.views", "/bank"),
    ("app.exams.views", "/exams"),
    ("app.exams.practical_views", "/exams/practical"),  # 实操: sittings, scoring, score sheets
    ("app.exams.override_views", "/exams"),  # the supervising regulator's list of hours-gate overrides
    ("app.certificates.views", "/certificates"),
    ("app.certificates.public_views", None),  # /v/<code> and /verify: public certificate verification
    ("app.training.views", "/training"),
    ("app.training.attendance_views", "/training"),  # 面授 attendance, its corrections and the class exam's gate
    ("app.training.enrolment_views", "/training"),  # 报名申请, 报名审核, invitations, bulk enrolment
    ("app.api.views", "/api/v1"),  # the data-exchange API: bearer tokens, JSON, OpenAPI
    ("app.api.client_views", None),  # /api-clients: who manages API clients
    ("app.dashboards.views", None),  # /dashboard, its lists, complaints, 退出, the bell's page
    ("app.dashboards.public_views", None),  # /rankings: the public 排名公告
    ("app.records.views", "/records"),  # the purge report and legal holds
)


#: Modules that fill a lower layer's registry, in one explicit list: the exam gates (a gated exam kind with no gate
#: wired refuses everyone, ``app.exams.gates``), the listeners of graded exams, closed inspections and settled
#: snapshots, and how each domain's 一人一档 events read (``app.archive.rendering``). Nothing else registers by being
#: imported somewhere.
WIRING = (
    "app.training.gate",  # 学时 before 资格/复审考试, and 逢培必考's start gate
    "app.certificates.gate",  # the fraud bar before 资格考试 (30号令 第三十条)
    "app.training.classes",  # a graded class exam completes the class (exams.listeners.on_graded)
    "app.training.held",  # a 复核 settles held study credit (people.snapshots.settling.on_credit_settled)
    "app.certificates.sections",  # 持证情况 on 一人一档 and the 逢查必考 page (people.sections)
    "app.training.sections",  # 培训学时 on 一人一档 (people.sections)
    "app.exams.sections",  # 考试记录 on 一人一档 (people.sections)
    "app.spotchecks.sections",  # 逢查必考记录 and 整改 on 一人一档 (people.sections)
    "app.api.webhooks.outbox",  # inspection closed → webhook deliveries (spotchecks.listeners.on_closed)
    "app.records.holds",  # a held person's replaced photo is kept (people.photos.keeps_replaced)
    "app.certificates.rendering",  # a purged photo's certificate PDFs go (people.photos.on_retired)
    "app.people.archive_events",
    "app.exams.archive_events",
    "app.training.archive_events",
    "app.certificates.archive_events",
    "app.spotchecks.archive_events",
    "app.dashboards.archive_events",
)


def _wire() -> None:
    for module_name in WIRING:
        importlib.import_module(module_name)


def _register_blueprints(app: Flask) -> None:
    for module_name, prefix in BLUEPRINTS:
        module = importlib.import_module(module_name)
        app.register_blueprint(module.bp, url_prefix=prefix)
