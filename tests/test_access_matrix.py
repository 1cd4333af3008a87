"""Access matrix (STYLE.md 3.5): walk ``app.url_map`` so endpoints added later are covered without editing this file.

1. Guests: every endpoint not marked ``@public`` sends them to the login page, for every method it accepts.
2. Other tenants: every URL that names an object owned by tenant A (enterprise A in 320102, city 3201) answers
   403 or 404 to a user of another enterprise, a regulator of another city (320500), a worker of another
   person and a training institution; and a POST there changes nothing.

URL arguments are filled from ``OBJECT_ARGS``: argument name → a function building (or finding) an object of
tenant A and returning the value to put in the URL. A package that adds a route with a new argument adds one
line there; until then ``test_every_object_url_is_in_the_matrix`` fails.
"""

from __future__ import annotations

import fnmatch
import io
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from PIL import Image
from werkzeug.routing import AnyConverter, IntegerConverter, UUIDConverter

from app.api.models import ApiClient
from app.archive.models import ArchiveEvent
from app.auth.access import PUBLIC_ATTR, TOKEN_ATTR
from app.auth.models import Role
from app.exams.practical.models import PracticalAttempt, PracticalExaminer, PracticalSignature, ScoreItem
from app.extensions import db
from app.people import faces, photos, roster_import
from app.people.models import Employment, Person, Snapshot, SnapshotContext
from app.people.snapshots import face_checks, schedule, taking
from app.rules.models import Operation, Rule
from app.tenancy.models import Enterprise
from app.training.models import (
    Attendance,
    AttendanceCorrection,
    ClassInvitation,
    Enrolment,
    EnrolmentApplication,
    TrainingClass,
)
from tests.certificates.world import objects_for_access_matrix as cert_objects
from tests.dashboards.world import objects_for_access_matrix as dashboard_objects
from tests.exams.practical_world import objects_for_access_matrix as practical_objects
from tests.exams.world import objects_for_access_matrix as exam_objects
from tests.factories import Factory
from tests.people.world import World, build_world, fresh_g_per_request, good_rows, xlsx_bytes
from tests.pictures import pattern
from tests.spotchecks.world import objects_for_access_matrix
from tests.training.world import objects_for_access_matrix as training_objects


@dataclass
class Tenant:
    """Tenant A's objects, plus the factory for anything a later package needs to build."""

    world: World
    factory: Factory
    cache: dict


def _cached(name: str, build: Callable[[Tenant], object]) -> Callable[[Tenant], object]:
    def get(t: Tenant):
        if name not in t.cache:
            t.cache[name] = build(t)
            db.session.commit()
        return t.cache[name]

    return get


def _stage_batch(t: Tenant) -> str:
    batch = roster_import.stage(xlsx_bytes(good_rows(2)), "a.xlsx", enterprise=t.world.ent_a, actor=t.world.admin_a)
    return batch.token


def _flagged(snapshot: Snapshot) -> int:
    """Flag it as the face checker would, so that a 复核 POST reaching it would change it (and ``_state``)."""
    face_checks.record_match(snapshot, faces.FaceMatch("test", 1, 1, 0.9, matched=False))
    return snapshot.id


def _snapshot(t: Tenant) -> int:
    """A flagged 人像抓拍 of person A studying in enterprise A's class."""
    class_id = OBJECT_ARGS["class_id"](t)
    plan = schedule.open_plan(t.world.person_a.id, SnapshotContext.LESSON, class_id, span_seconds=600)
    return _flagged(taking.take(plan, pattern(1), max_bytes=1 << 20))  # not the registered photo again


def _exam_snapshot(t: Tenant) -> int:
    """A flagged 人像抓拍 of person A's attempt in enterprise A's sitting."""
    attempt_id = OBJECT_ARGS["attempt_id"](t)
    plan = schedule.open_plan(t.world.person_a.id, SnapshotContext.EXAM, attempt_id, span_seconds=600)
    return _flagged(taking.take(plan, pattern(2), max_bytes=1 << 20))


def _api_client(t: Tenant) -> int:
    from app.api import clients

    client, _credentials = clients.create_client(
        actor=t.world.regulator_nj, name="矩阵接口", tenant=t.world.ent_a, scopes=["persons:read"]
    )
    return client.id


def _record_correction(t: Tenant) -> int:
    """Person A's 更正申请 to enterprise A (answered by its admin or the 南京市 regulator)."""
    from app.core.clock import utcnow
    from app.people.models import CorrectionField
    from app.people.own_record import request_correction

    w = t.world
    correction = request_correction(
        w.person_a, CorrectionField.PHONE, "号码错误", "13900000000", enterprise=w.ent_a, actor=w.worker_a, now=utcnow()
    )
    return correction.id


def _legal_hold(t: Tenant) -> int:
    from app.core.clock import utcnow
    from app.records.holds import set_hold

    return set_hold(t.world.regulator_nj, reason="调查", now=utcnow(), person_id=t.world.person_a.id).id


#: URL argument → value naming an object of tenant A. Extend this when adding routes with new arguments.
OBJECT_ARGS: dict[str, Callable[[Tenant], object]] = {
    "person_id": lambda t: t.world.person_a.id,
    "employment_id": lambda t: t.world.person_a.employments[0].id,
    "enterprise_id": lambda t: t.world.ent_a.id,
    "batch_id": _cached("batch", _stage_batch),
    # reference data (platform admin only): any row will do
    "operation_id": lambda t: db.session.scalars(sa.select(Operation.id).limit(1)).one(),
    "rule_id": lambda t: db.session.scalars(sa.select(Rule.id).limit(1)).one(),
    # 逢查必考: an open inspection with a ticket, and a finding of a closed one (tests/spotchecks/world.py)
    "inspection_id": lambda t: _cached("spotcheck", lambda t: objects_for_access_matrix(t.world))(t)["inspection_id"],
    "ticket_id": lambda t: _cached("spotcheck", lambda t: objects_for_access_matrix(t.world))(t)["ticket_id"],
    "finding_id": lambda t: _cached("spotcheck", lambda t: objects_for_access_matrix(t.world))(t)["finding_id"],
    # question bank and exams: enterprise A's own bank, template, sitting and person A's attempt (tests/exams/world.py)
    **{
        arg: (lambda arg: lambda t: _cached("exam", lambda t: exam_objects(t.world))(t)[arg])(arg)  # noqa: B023
        for arg in ("bank_id", "question_id", "token", "fmt", "template_id", "sitting_id", "attempt_id")
    },
    # training: enterprise A's course with a PDF lesson and a running class with person A, an attendance entry and a
    # pending correction of it, and enterprise A's application for person A to an institution's class
    # (tests/training/world.py)
    **{
        arg: (lambda arg: lambda t: _cached("training", lambda t: training_objects(t.world))(t)[arg])(arg)  # noqa: B023
        for arg in ("course_id", "lesson_id", "class_id", "attendance_id", "correction_id", "application_id")
    },
    # 实操: the 南京市 authority's practical sitting with person A enrolled, and its score sheet
    # (tests/exams/practical_world.py)
    **{
        arg: (lambda arg: lambda t: _cached("practical", lambda t: practical_objects(t.world))(t)[arg])(arg)  # noqa: B023
        for arg in ("practical_sitting_id", "practical_attempt_id", "score_sheet_id")
    },
    # certificates: person A's 特种作业操作证 (tests/certificates/world.py)
    "cert_id": lambda t: _cached("cert", lambda t: cert_objects(t.world))(t)["cert_id"],
    "bundle_id": lambda t: _cached("cert", lambda t: cert_objects(t.world))(t)["bundle_id"],
    # records: a legal hold on person A, set by the 南京市 regulator
    "hold_id": _cached("hold", _legal_hold),
    "delegation_id": lambda t: _cached("cert", lambda t: cert_objects(t.world))(t)["delegation_id"],
    # the regulator's view: an institution of 玄武区 with a complaint (and its document), person A's 退出 recommendation
    # (tests/dashboards/world.py)
    **{
        arg: (lambda arg: lambda t: _cached("dashboards", lambda t: dashboard_objects(t.world))(t)[arg])(arg)  # noqa: B023
        for arg in ("institution_id", "complaint_id", "document_id", "exit_id")
    },
    # 人像抓拍: person A's snapshot in that class, and of that attempt
    "snapshot_id": _cached("snapshot", _snapshot),
    "exam_snapshot_id": _cached("exam_snapshot", _exam_snapshot),
    # the data-exchange API's pages: an API client of enterprise A, made by the 南京市 regulator
    "client_id": _cached("api_client", _api_client),
    # 更正申请: person A's request to enterprise A
    "record_correction_id": _cached("record_correction", _record_correction),
}

#: Endpoints allowed to answer a guest with something other than the login redirect, with the reason.
GUEST_EXCEPTIONS: dict[str, str] = {}


def _default_value(converter):
    if isinstance(converter, IntegerConverter):
        return 1
    if isinstance(converter, UUIDConverter):
        return uuid.UUID(int=1)
    if isinstance(converter, AnyConverter):
        return next(iter(converter.items)) if hasattr(converter, "items") else "x"
    return "x"


def _rules(app):
    """Every session-authenticated route. The API's token-authenticated routes (``/api/v1``) answer guests with a 401,
    not the login page: tests/api/test_access_matrix.py walks them with API clients of other tenants and scopes."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        view = app.view_functions[rule.endpoint]
        if getattr(view, TOKEN_ATTR, False) and not getattr(view, PUBLIC_ATTR, False):
            continue
        yield rule, bool(getattr(view, PUBLIC_ATTR, False))


def _methods(rule) -> list[str]:
    return [m for m in ("GET", "POST", "PUT", "PATCH", "DELETE") if m in rule.methods]


def _build(rule, values: dict) -> str:
    return rule.build(values, append_unknown=False)[1]


@pytest.fixture
def tenant(factory):
    world = build_world(factory)
    # person A has a registered photo, so /people/<id>/photo is a real file an outsider must not get
    photos.set_photo(world.person_a, _photo_bytes(), actor=world.admin_a, max_bytes=1 << 20)
    factory.commit()
    return Tenant(world=world, factory=factory, cache={})


def _photo_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (300, 400), (90, 90, 90)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def outsiders(tenant, factory):
    """Users of other tenants, none of whom may see tenant A's objects."""
    w = tenant.world
    person_b = factory.employ(w.ent_b, name="江宁工人").person
    institution = factory.institution("320102")
    users = {
        "enterprise B admin": w.admin_b,
        "enterprise C admin": w.admin_c,
        "regulator 320500": w.regulator_sz,
        "worker of another person": factory.worker(person_b),
        "institution in 320102": factory.user(Role.INSTITUTION, institution_id=institution.id),
    }
    factory.commit()
    return users


@pytest.fixture
def fresh_g(app):
    with fresh_g_per_request(app):
        yield


#: Every ``@public`` endpoint (fnmatch patterns), with the reason it needs no login. Making an endpoint public is
#: a decision: add it here.
PUBLIC_ENDPOINTS: dict[str, str] = {
    "auth.login": "the login page itself",
    "auth.set_language": "the language switch on the login page",
    "tickets.code_entry": "逢查必考: a worker types the code from the inspector's screen; the ticket is the credential",
    "tickets.ticket": "逢查必考 ticket page (bound to its one-time token)",
    "tickets.api_*": "逢查必考 ticket API (bound to its one-time token)",
    "certverify.by_code": "certificate verification from the card's QR (public record only, masked; rate-limited)",
    "certverify.lookup": "certificate query by 证号 or 证件号码 with 姓名, as the national page (masked; rate-limited)",
    "api.openapi": "the API's OpenAPI document: what an integrator reads before having a token",
    "api.docs": "the API's documentation page (renders the OpenAPI document)",
    "api.verify_*": "certificate verification as an API: the public record only, masked, rate-limited like the page",
    "rankings.index": "排名公告 of training institutions: published by the regulator for the public (no person's data)",
    "rankings.show": "one published 排名公告 (frozen; institutions and their figures only)",
    "home.favicon": "the site's icon (a static picture)",
}


def test_public_endpoints_are_few_and_known(app):
    public = {rule.endpoint for rule, is_public in _rules(app) if is_public}
    assert {"auth.login", "auth.set_language"} <= public
    unexpected = sorted(e for e in public if not any(fnmatch.fnmatchcase(e, p) for p in PUBLIC_ENDPOINTS))
    assert not unexpected, f"unexpected @public endpoints: {unexpected}"


def test_guests_are_sent_to_login_everywhere(app, client, tenant, fresh_g):
    checked, failures = 0, []
    for rule, is_public in _rules(app):
        if is_public or rule.endpoint in GUEST_EXCEPTIONS:
            continue
        values = {}
        for arg in rule.arguments:
            if arg in OBJECT_ARGS:
                values[arg] = OBJECT_ARGS[arg](tenant)
            else:
                values[arg] = _default_value(rule._converters[arg])
        url = _build(rule, values)
        for method in _methods(rule):
            response = client.open(url, method=method)
            checked += 1
            if response.status_code != 302 or not response.location.startswith("/login"):
                failures.append(f"{method} {url} ({rule.endpoint}) → {response.status_code} {response.location}")
    assert checked >= 20
    assert not failures, "guests reached non-public endpoints:\n" + "\n".join(failures)


def _state() -> tuple:
    """Everything a cross-tenant POST might change."""
    return (
        db.session.scalar(sa.select(sa.func.count()).select_from(ArchiveEvent)),
        db.session.scalar(sa.select(sa.func.count()).select_from(Employment)),
        db.session.scalar(sa.select(sa.func.count()).select_from(Person)),
        db.session.scalar(sa.select(sa.func.count()).select_from(Enterprise)),
        tuple(db.session.execute(sa.select(Employment.id, Employment.end_date, Employment.job_title)).all()),
        tuple(db.session.execute(sa.select(Operation.id, Operation.name)).all()),
        tuple(db.session.execute(sa.select(Rule.id, Rule.value)).all()),
        db.session.scalar(sa.text("SELECT count(*) FROM people_import_batches WHERE applied_at IS NOT NULL")),
        tuple(db.session.execute(sa.select(Snapshot.id, Snapshot.needs_review, Snapshot.reviewed_at)).all()),
        tuple(db.session.execute(sa.select(PracticalAttempt.id, PracticalAttempt.signatures)).all()),
        tuple(db.session.execute(sa.select(PracticalExaminer.sitting_id, PracticalExaminer.user_id)).all()),
        db.session.scalar(sa.select(sa.func.count()).select_from(PracticalSignature)),
        tuple(db.session.execute(sa.select(ScoreItem.id, ScoreItem.max_points)).all()),
        tuple(db.session.execute(sa.select(Attendance.id, Attendance.minutes)).all()),
        tuple(db.session.execute(sa.select(AttendanceCorrection.id, AttendanceCorrection.state)).all()),
        tuple(db.session.execute(sa.select(EnrolmentApplication.id, EnrolmentApplication.state)).all()),
        tuple(db.session.execute(sa.select(Enrolment.id, Enrolment.class_id, Enrolment.person_id)).all()),
        db.session.scalar(sa.select(sa.func.count()).select_from(ClassInvitation)),
        tuple(db.session.execute(sa.select(TrainingClass.id, TrainingClass.exam_before_hours)).all()),
        tuple(
            db.session.execute(
                sa.select(ApiClient.id, ApiClient.token_hash, ApiClient.secret_enc, ApiClient.revoked_at)
            )
        ),
        tuple(db.session.execute(sa.text("SELECT id, verdict FROM dash_complaints")).all()),
        tuple(
            db.session.execute(
                sa.text("SELECT id, state, action_note, close_note FROM dash_exit_recommendations")
            ).all()
        ),
        db.session.scalar(sa.text("SELECT count(*) FROM dash_complaint_documents")),
        db.session.scalar(sa.text("SELECT count(*) FROM dash_ranking_holds")),
        db.session.scalar(sa.text("SELECT count(*) FROM dash_record_events")),
        tuple(db.session.execute(sa.text("SELECT id, state, answer_note FROM people_record_corrections")).all()),
    )


#: A plausible form for each POST, so a missing check would show up as a change rather than a form error.
POST_DATA = {
    "end_date": "2025-01-01",
    "reason": "x",
    "name": "改名",
    "phone": "",
    "education": "",
    "post": "worker",
    "employment_type": "regular",
    "operation_code": "",
    "job_title": "被改了",
    "batch": "x",
    "value": "1",
    "legal_basis": "",
    "note": "",
    "verdict": "same_person",
    "action": "transfer",
    "seen": "pending",
    "decision": "accept",
}


def test_every_object_url_is_in_the_matrix(app):
    """A route whose arguments the matrix cannot fill would escape the cross-tenant check: add them to OBJECT_ARGS."""
    unmapped = [
        f"{rule.endpoint} ({rule.rule}): {sorted(set(rule.arguments) - set(OBJECT_ARGS))}"
        for rule, is_public in _rules(app)
        if not is_public and set(rule.arguments) - set(OBJECT_ARGS)
    ]
    assert not unmapped, "routes with arguments not in OBJECT_ARGS:\n" + "\n".join(unmapped)


def test_other_tenants_get_403_or_404(app, client, login, tenant, outsiders, fresh_g):
    object_rules = []
    for rule, is_public in _rules(app):
        if is_public or not rule.arguments or set(rule.arguments) - set(OBJECT_ARGS):
            continue
        values = {a: OBJECT_ARGS[a](tenant) for a in rule.arguments}
        if "batch_id" in values:  # the batch preview belongs to the uploader's enterprise
            values["batch_id"] = OBJECT_ARGS["batch_id"](tenant)
        object_rules.append((rule, _build(rule, values)))
    assert len(object_rules) >= 40

    # Positive control: the URLs are real, so a 404 below means "not yours", not "does not exist".
    w = tenant.world
    owners = [w.admin_a, w.regulator_nj, w.platform_admin, w.worker_a]
    unreachable = []
    for rule, url in object_rules:
        method = "GET" if "GET" in rule.methods else "POST"
        ok = False
        for owner in owners:
            login(owner)
            if client.open(url, method=method).status_code not in (403, 404):  # a 400 for an empty POST found it
                ok = True
                break
        if not ok:
            unreachable.append(f"{rule.endpoint} {url}")
    assert not unreachable, "no tenant-A user can open these URLs (bad fixture?):\n" + "\n".join(unreachable)

    before = _state()
    failures = []
    for label, user in outsiders.items():
        login(user)
        for rule, url in object_rules:
            for method in _methods(rule):
                response = client.open(url, method=method, data=POST_DATA if method != "GET" else None)
                if response.status_code not in (403, 404):
                    failures.append(f"{label}: {method} {url} ({rule.endpoint}) → {response.status_code}")
    assert not failures, "other tenants reached tenant A's objects:\n" + "\n".join(failures)
    db.session.expire_all()
    assert _state() == before


def test_regulator_of_parent_city_is_not_an_outsider(client, login, tenant, fresh_g):
    """Sanity check of the scope the matrix relies on: 320100 covers 320102."""
    login(tenant.world.regulator_nj)
    assert client.get(f"/people/{tenant.world.person_a.id}").status_code == 200
    assert client.get(f"/enterprises/{tenant.world.ent_a.id}").status_code == 200
