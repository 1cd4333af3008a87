"""``/api/v1``: the routes. Each is declared once — path, scope, query/body/response models — and the OpenAPI
document is generated from these declarations (``app.api.spec``). Views load through the domains' ``scope.py``
with the calling client's :class:`~app.api.principal.Principal`, shape through ``app.api.represent`` (which asks
``app.auth.policy``), and call the domains' services for writes; ``app.api.base_views`` commits."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, g, jsonify, render_template, request, stream_with_context
from flask_babel import gettext as _
from sqlalchemy import orm as so

from app.api import bp, exports, ids, represent, schemas, webhooks
from app.api.base_views import close_export, endpoint, open_export, principal, touched
from app.api.models import ApiScope, WebhookDelivery, WebhookEvent, WebhookSubscription
from app.api.spec import openapi_document, responses, validate
from app.auth import policy
from app.auth.access import public
from app.auth.models import User
from app.auth.scope import region_prefix
from app.certificates import compliance, lifecycle, verification
from app.certificates import scope as cert_scope
from app.certificates.models import Certificate, CertificateEvent, CertStatus
from app.certificates.status_sql import status_expr
from app.core import crypto
from app.core.clock import isoformat_local, local_today, utcnow
from app.core.errors import DomainError, error_body
from app.exams import scope as exam_scope
from app.exams.models import Attempt, AttemptState
from app.exams.practical.models import PracticalAttempt
from app.extensions import csrf, db
from app.people import scope as people_scope
from app.people.models import Employment, IdType, Person, Post
from app.spotchecks import findings as rectification
from app.spotchecks import inspections as inspecting
from app.spotchecks import scope as spot_scope
from app.spotchecks.models import Finding, Inspection
from app.tenancy.models import Enterprise
from app.training import classes as training_classes
from app.training import hours
from app.training import scope as training_scope
from app.training.models import Enrolment, TrainingClass

csrf.exempt(bp)  # bearer tokens, never cookies: a browser cannot be tricked into sending one

THREE_POSTS = (Post.PRINCIPAL, Post.SAFETY_MANAGER, Post.SPECIAL_OPERATOR)


# ---------------------------------------------------------------- the document and its page


@bp.route("/openapi.json")
@public
def openapi():
    return jsonify(openapi_document())


@bp.route("/docs")
@public
def docs():
    return render_template("api/docs.html")


# ---------------------------------------------------------------- helpers


def _one(kind: str, public_id: str, query: sa.Select, model):
    """The object behind ``public_id`` if the client's scope reaches it; a 404 otherwise (never a 403)."""
    number = ids.decode(kind, public_id)
    if number is None:
        raise DomainError("api.not_found", http_status=404)
    obj = db.session.scalars(query.where(model.id == number)).first()
    if obj is None:
        raise DomainError("api.not_found", http_status=404)
    touched(public_id)
    return obj


def _page(query: sa.Select, model, q: schemas.PageQuery) -> tuple[list, str | None]:
    """Keyset pagination on the database id (never shown: the cursor is sealed like an id)."""
    if q.cursor:
        after = ids.decode("cursor", q.cursor)
        if after is None:
            raise DomainError("api.bad_cursor", http_status=400)
        query = query.where(model.id > after)
    rows = db.session.scalars(query.order_by(model.id).limit(q.limit + 1)).all()
    more = len(rows) > q.limit
    rows = rows[: q.limit]
    return rows, ids.encode("cursor", rows[-1].id) if more and rows else None


def _person_filter(query: sa.Select, column, public_id: str | None) -> sa.Select:
    if public_id is None:
        return query
    return query.where(column == (ids.decode("person", public_id) or -1))


def _filled(value: str, field: str) -> str:
    """A required text field, stripped; only spaces is refused (the document cannot say so portably)."""
    if not value.strip():
        raise DomainError("api.blank", http_status=422, field=field)
    return value.strip()


def _need(scope: ApiScope) -> None:
    if not principal().has(scope):
        raise DomainError("api.scope_missing", http_status=403, scope=scope.value)


# ---------------------------------------------------------------- the client


@bp.route("/me")
@endpoint()
@validate(resp=responses(cached=True, HTTP_200=schemas.Me), tags=["client"])
def me():
    """The calling client: its tenant, scopes and rate limit."""
    client = g.api_call.client
    return {
        "id": ids.encode("client", client.id),
        "name": client.name,
        "tenant_kind": client.tenant_kind.value,
        "tenant_name": client.tenant_name,
        "region_code": client.region_code,
        "scopes": sorted(client.scopes),
        "rate_limit_per_minute": client.rate_limit or current_app.config["API_RATE_LIMIT"],
    }


# ---------------------------------------------------------------- enterprises and persons


@bp.route("/enterprises")
@endpoint(ApiScope.PERSONS_READ)
@validate(query=schemas.EnterpriseQuery, resp=responses(cached=True, HTTP_200=schemas.EnterprisePage), tags=["persons"])
def enterprises(query: schemas.EnterpriseQuery):
    """Enterprises the client may see (by 统一社会信用代码 with `uscc`)."""
    q = people_scope.enterprises_query(principal())
    if query.uscc:
        q = q.where(Enterprise.uscc == query.uscc.upper())
    rows, cursor = _page(q, Enterprise, query)
    data = [represent.enterprise(e) for e in rows]
    touched(*(d["id"] for d in data))
    return {"data": data, "next_cursor": cursor}


@bp.route("/enterprises/<enterprise>")
@endpoint(ApiScope.PERSONS_READ)
@validate(resp=responses(cached=True, HTTP_200=schemas.Enterprise, HTTP_404=schemas.Error), tags=["persons"])
def enterprise_detail(enterprise: str):
    """One enterprise."""
    e = _one("enterprise", enterprise, people_scope.enterprises_query(principal()), Enterprise)
    return represent.enterprise(e)


@bp.route("/enterprises/<enterprise>/roster")
@endpoint(ApiScope.PERSONS_READ)
@validate(
    query=schemas.YearQuery,
    resp=responses(cached=True, HTTP_200=schemas.Roster, HTTP_404=schemas.Error),
    tags=["persons"],
)
def roster(enterprise: str, query: schemas.YearQuery):
    """The enterprise's 三项岗位 (主要负责人, 安全管理人员, 特种作业人员) today, each with the certificate covering the
    post and its status today, and the year's 再培训 hours: what an inspector reads before arriving. Needs
    `persons:read`, `certificates:read` and `training:read`."""
    _need(ApiScope.CERTIFICATES_READ)
    _need(ApiScope.TRAINING_READ)
    p = principal()
    e = _one("enterprise", enterprise, people_scope.enterprises_query(p), Enterprise)
    today = local_today()
    year = query.year or today.year
    employments = db.session.scalars(
        people_scope.employments_query(p)
        .where(Employment.enterprise_id == e.id, Employment.end_date.is_(None), Employment.post.in_(THREE_POSTS))
        .order_by(Employment.post, Employment.id)
        .options(so.selectinload(Employment.person), so.selectinload(Employment.enterprise))
    ).all()
    lines = compliance.lines_for(employments, today, high_risk=e.high_risk)
    ledger = {row.employment.id: row for row in hours.year_ledger(e, year)}
    book = lifecycle.rules()
    out = []
    for line in lines:
        emp, cert = line.employment, line.certificate
        row = ledger.get(emp.id)
        out.append(
            {
                "person": represent.person_ref(p, emp.person),
                "post": emp.post.value,
                "post_name": emp.post.label,
                "employment_type": emp.employment_type.value,
                "operation_code": emp.operation_code,
                "start_date": emp.start_date,
                "certificate": None
                if cert is None
                else {
                    "id": ids.encode("certificate", cert.id),
                    "kind": cert.kind.value,
                    "number": represent.certificate_number(p, cert),
                    "item_name": cert.item_name,
                    "status": line.status.value,
                    "status_name": line.status.label,
                    "valid_to": cert.valid_to,
                    "next_obligation": represent.obligation(lifecycle.next_obligation(cert, today, book)),
                },
                "holds": line.holds,
                "overdue_appointment": line.overdue,
                "hours": {
                    "year": year,
                    "required": row.required if row else None,
                    "done": row.done if row else 0.0,
                    "short": row.short if row else 0.0,
                },
            }
        )
    touched(*(line["person"]["id"] for line in out))
    return {
        "enterprise": represent.enterprise(e),
        "as_of": today,
        "lines": out,
        "required": sum(1 for line in lines if _needs_certificate(line.employment, e)),
        "holding": sum(1 for line in lines if line.holds and _needs_certificate(line.employment, e)),
    }


def _needs_certificate(employment: Employment, enterprise: Enterprise) -> bool:
    """持证上岗: every special operator; the managers of a 高危 unit."""
    return employment.post is Post.SPECIAL_OPERATOR or enterprise.high_risk


@bp.route("/enterprises/<enterprise>/training-ledger")
@endpoint(ApiScope.TRAINING_READ)
@validate(
    query=schemas.YearQuery,
    resp=responses(cached=True, HTTP_200=schemas.Ledger, HTTP_404=schemas.Error),
    tags=["training"],
)
def training_ledger(enterprise: str, query: schemas.YearQuery):
    """The enterprise's 学时台账: current staff, the year's 再培训 hours required for their post and done."""
    p = principal()
    e = _one("enterprise", enterprise, people_scope.enterprises_query(p), Enterprise)
    year = query.year or local_today().year
    rows = [
        {
            "person": represent.person_ref(p, row.person),
            "post": row.employment.post.value,
            "required": row.required,
            "done": row.done,
            "short": row.short,
        }
        for row in hours.year_ledger(e, year)
    ]
    return {"enterprise": represent.enterprise_ref(e), "year": year, "rows": rows}


@bp.route("/persons/lookup", methods=["POST"])
@endpoint(ApiScope.PERSONS_READ, replayable=False)
@validate(json=schemas.PersonLookup, resp=responses(HTTP_200=schemas.Person, HTTP_404=schemas.Error), tags=["persons"])
def person_lookup(json: schemas.PersonLookup):
    """One person by the whole 证件号码 (a POST, so the number is in no URL or access log), with the employments the
    client may see; 404 when nobody in the client's scope has it (the same answer as for nobody at all)."""
    p = principal()
    kinds = [IdType(json.id_type)] if json.id_type else list(IdType)
    number = json.id_number.upper()
    digests = [d for kind in kinds for d in crypto.blind_indexes(kind.value, number)]
    person = db.session.scalars(people_scope.persons_query(p).where(Person.id_hash.in_(digests))).first()
    if person is None:
        raise DomainError("api.not_found", http_status=404)
    touched(ids.encode("person", person.id))
    return _person(p, person)


@bp.route("/persons/<person>")
@endpoint(ApiScope.PERSONS_READ)
@validate(resp=responses(cached=True, HTTP_200=schemas.Person, HTTP_404=schemas.Error), tags=["persons"])
def person_detail(person: str):
    """One person by public id, with the employments the client may see."""
    p = principal()
    return _person(p, _one("person", person, people_scope.persons_query(p), Person))


def _person(p, person: Person) -> dict:
    employments = db.session.scalars(
        people_scope.employments_query(p)
        .where(Employment.person_id == person.id)
        .order_by(Employment.start_date.desc(), Employment.id)
        .options(so.selectinload(Employment.enterprise))
    ).all()
    return represent.person(p, person, employments, shared=people_scope.sees_full_record(p, person.id))


@bp.route("/persons/<person>/training")
@endpoint(ApiScope.TRAINING_READ)
@validate(
    query=schemas.YearQuery,
    resp=responses(cached=True, HTTP_200=schemas.PersonTraining, HTTP_404=schemas.Error),
    tags=["training"],
)
def person_training(person: str, query: schemas.YearQuery):
    """A person's 学时 in a year (every class counts, as in the 学时台账) and the classes the client may see that the
    person is enrolled in, with the hours credited in each and 结业."""
    p = principal()
    subject = _one("person", person, people_scope.persons_query(p), Person)
    if not people_scope.sees_full_record(p, subject.id):  # a pending employer: the person's hours are not yet its own
        raise DomainError("api.not_found", http_status=404)
    year = query.year or local_today().year
    required, done = hours.my_year(subject, year)
    enrolled = db.session.scalars(
        training_scope.classes_query(p)
        .join(Enrolment, Enrolment.class_id == TrainingClass.id)
        .where(Enrolment.person_id == subject.id)
        .order_by(TrainingClass.starts_on, TrainingClass.id)
    ).all()
    completed = dict(
        db.session.execute(
            sa.select(Enrolment.class_id, Enrolment.completed_at).where(Enrolment.person_id == subject.id)
        ).all()
    )
    classes = []
    for c in enrolled:
        classes.append(
            {
                **represent.class_ref(c),
                "mode": c.mode.value,
                "starts_on": c.starts_on,
                "ends_on": c.ends_on,
                "required_hours": c.required_hours,
                "hours": hours.class_hours(subject.id, c),
                "completed_at": isoformat_local(completed.get(c.id)),
                "exam_passed": training_classes.exam_passed(c, [subject.id]).get(subject.id),
            }
        )
    return {
        "person": represent.person_ref(p, subject),
        "year": year,
        "hours_done": done,
        "hours_required": required,
        "classes": classes,
    }


@bp.route("/training/completions")
@endpoint(ApiScope.TRAINING_READ)
@validate(query=schemas.PageQuery, resp=responses(cached=True, HTTP_200=schemas.CompletionPage), tags=["training"])
def completions(query: schemas.PageQuery):
    """结业 (hours reached and class exam passed) in the classes the client may see, of persons it may see."""
    p = principal()
    q = (
        sa.select(Enrolment)
        .where(
            Enrolment.completed_at.is_not(None),
            Enrolment.class_id.in_(training_scope.classes_query(p).with_only_columns(TrainingClass.id)),
            Enrolment.person_id.in_(people_scope.persons_query(p).with_only_columns(Person.id)),
        )
        .options(so.selectinload(Enrolment.person), so.selectinload(Enrolment.training_class))
    )
    rows, cursor = _page(q, Enrolment, query)
    data = [
        {
            "id": ids.encode("enrolment", e.id),
            "person": represent.person_ref(p, e.person),
            "training_class": represent.class_ref(e.training_class),
            "completed_at": isoformat_local(e.completed_at),
        }
        for e in rows
    ]
    touched(*(d["id"] for d in data))
    return {"data": data, "next_cursor": cursor}


# ---------------------------------------------------------------- certificates


@bp.route("/certificates")
@endpoint(ApiScope.CERTIFICATES_READ)
@validate(
    query=schemas.CertificateQuery, resp=responses(cached=True, HTTP_200=schemas.CertificatePage), tags=["certificates"]
)
def certificates(query: schemas.CertificateQuery):
    """Certificates the client may see, with each one's status today (by the rules in force on each obligation's
    due date, computed in SQL for the filter and per row for the answer — never the stored status)."""
    p = principal()
    today, book = local_today(), lifecycle.rules()
    q = cert_scope.certificates_query(p).options(so.selectinload(Certificate.person))
    if query.status:
        q = q.where(status_expr(book, today) == CertStatus(query.status))
    if query.kind:
        q = q.where(Certificate.kind == query.kind)
    q = _person_filter(q, Certificate.person_id, query.person)
    rows, cursor = _page(q, Certificate, query)
    data = [represent.certificate(p, c, today, book) for c in rows]
    touched(*(d["id"] for d in data))
    return {"data": data, "next_cursor": cursor}


@bp.route("/certificates/<certificate>")
@endpoint(ApiScope.CERTIFICATES_READ)
@validate(
    resp=responses(cached=True, HTTP_200=schemas.CertificateDetail, HTTP_404=schemas.Error), tags=["certificates"]
)
def certificate_detail(certificate: str):
    """One certificate with its status today, its next obligation and its history (发证, 复审, 换证, 暂扣 …)."""
    p = principal()
    cert = _one("certificate", certificate, cert_scope.certificates_query(p), Certificate)
    history = db.session.scalars(
        sa.select(CertificateEvent).where(CertificateEvent.certificate_id == cert.id).order_by(CertificateEvent.id)
    ).all()
    return {
        **represent.certificate(p, cert, local_today(), lifecycle.rules()),
        "history": [represent.certificate_change(e) for e in history],
    }


# ---------------------------------------------------------------- exam results


@bp.route("/exam-results")
@endpoint(ApiScope.EXAMS_READ)
@validate(query=schemas.ResultQuery, resp=responses(cached=True, HTTP_200=schemas.ExamResultPage), tags=["exams"])
def exam_results(query: schemas.ResultQuery):
    """Theory exam results (资格考试, 复审考试, 补考, 培训考试, 逢查必考 …) of the sittings the client may see."""
    p = principal()
    q = exam_scope.attempts_query(p).options(so.selectinload(Attempt.sitting), so.selectinload(Attempt.person))
    if query.graded_only:
        q = q.where(Attempt.state == AttemptState.GRADED)
    q = _person_filter(q, Attempt.person_id, query.person)
    rows, cursor = _page(q, Attempt, query)
    data = [represent.exam_result(p, a) for a in rows]
    touched(*(d["id"] for d in data))
    return {"data": data, "next_cursor": cursor}


@bp.route("/practical-results")
@endpoint(ApiScope.EXAMS_READ)
@validate(query=schemas.ResultQuery, resp=responses(cached=True, HTTP_200=schemas.PracticalResultPage), tags=["exams"])
def practical_results(query: schemas.ResultQuery):
    """实操 (practical exam) results of the sittings the client may see (the examining authority's: a jurisdiction's
    clients)."""
    p = principal()
    q = exam_scope.practical_attempts_query(p).options(
        so.selectinload(PracticalAttempt.sitting), so.selectinload(PracticalAttempt.person)
    )
    if query.graded_only:
        q = q.where(PracticalAttempt.graded_at.is_not(None))
    q = _person_filter(q, PracticalAttempt.person_id, query.person)
    rows, cursor = _page(q, PracticalAttempt, query)
    data = [represent.practical_result(p, a) for a in rows]
    touched(*(d["id"] for d in data))
    return {"data": data, "next_cursor": cursor}


# ---------------------------------------------------------------- inspections, tickets, findings


@bp.route("/inspections")
@endpoint(ApiScope.INSPECTIONS_READ)
@validate(query=schemas.PageQuery, resp=responses(cached=True, HTTP_200=schemas.InspectionPage), tags=["inspections"])
def inspections(query: schemas.PageQuery):
    """Inspections of the enterprises the client may see."""
    q = spot_scope.inspections_query(principal()).options(so.selectinload(Inspection.enterprise))
    rows, cursor = _page(q, Inspection, query)
    data = [represent.inspection_summary(i) for i in rows]
    touched(*(d["id"] for d in data))
    return {"data": data, "next_cursor": cursor}


def _inspection_answer(inspection: Inspection) -> dict:
    p = principal()
    findings = db.session.scalars(
        spot_scope.findings_query(p).where(Finding.inspection_id == inspection.id).order_by(Finding.id)
    ).all()
    with_secrets = p.has(ApiScope.INSPECTIONS_WRITE) and spot_scope.can_inspect(p, inspection.enterprise)
    return represent.inspection(p, inspection, findings, local_today(), with_secrets=with_secrets)


@bp.route("/inspections/<inspection>")
@endpoint(ApiScope.INSPECTIONS_READ)
@validate(resp=responses(cached=True, HTTP_200=schemas.Inspection, HTTP_404=schemas.Error), tags=["inspections"])
def inspection_detail(inspection: str):
    """One inspection with its 逢查必考 tickets (results) and findings. The tickets' links and codes are shown to an
    `inspections:write` client of the inspecting authority while they are live."""
    i = _one("inspection", inspection, spot_scope.inspections_query(principal()), Inspection)
    return _inspection_answer(i)


def _officers(usernames: list[str], enterprise: Enterprise) -> list[User]:
    """The named 执法人员: active regulator accounts of the client's jurisdiction that may inspect ``enterprise``.
    Unknown and foreign accounts are refused alike."""
    prefix = region_prefix(principal()) or "\0"
    officers = []
    for name in dict.fromkeys(usernames):
        user = db.session.scalar(sa.select(User).where(User.username == name))
        if (
            user is None
            or not user.active
            or not policy.is_authority(user)
            or user.jurisdiction is None
            or not user.jurisdiction.code.startswith(prefix)
            or not spot_scope.can_inspect(user, enterprise)
        ):
            raise DomainError("api.officer_unknown", http_status=422, username=name)
        officers.append(user)
    return officers


def _authority() -> None:
    if not policy.is_authority(principal()):
        raise DomainError("api.not_a_jurisdiction", http_status=403)


@bp.route("/inspections", methods=["POST"])
@endpoint(ApiScope.INSPECTIONS_WRITE)
@validate(
    json=schemas.InspectionCreate,
    headers=schemas.IdempotencyHeaders,
    resp=responses(HTTP_201=schemas.Inspection, HTTP_400=schemas.Error, HTTP_404=schemas.Error, HTTP_409=schemas.Error),
    tags=["inspections"],
)
def inspection_create(json: schemas.InspectionCreate):
    """Open an inspection of an enterprise with its officers: the 逢查必考 sample is drawn from the roster and each
    person drawn gets a ticket (`entry_url`, `code`) to take the test on a phone. Needs an `Idempotency-Key`."""
    _authority()
    p = principal()
    enterprise = _one("enterprise", json.enterprise, people_scope.enterprises_query(p), Enterprise)
    if not spot_scope.can_inspect(p, enterprise):
        raise DomainError("inspection.out_of_jurisdiction", http_status=403, enterprise=enterprise.name)
    officers = _officers(json.officers, enterprise)
    lead = officers[0]
    templates = inspecting.spotcheck_templates(lead)
    if not templates:
        raise DomainError("template.no_bank")
    config = current_app.config
    rule = json.sample.model_dump() if json.sample else {"principal": 1, **config["SPOTCHECK_SAMPLE_RULE"]}
    data = inspecting.InspectionData(
        inspected_on=json.inspected_on,
        inspectors="、".join(o.label for o in officers),
        doc_number=_filled(json.doc_number, "doc_number"),
        template=templates[0],
        rule=rule,
        window_minutes=json.window_minutes or config["SPOTCHECK_WINDOW_MINUTES"],
        time_limit_minutes=json.time_limit_minutes or config["SPOTCHECK_TIME_LIMIT_MINUTES"],
        pass_mark=json.pass_mark if json.pass_mark is not None else config["SPOTCHECK_PASS_MARK"],
    )
    inspection = inspecting.open_inspection(data, enterprise, actor=lead)
    touched(ids.encode("inspection", inspection.id))
    db.session.refresh(inspection)
    return _inspection_answer(inspection), 201


def _writable_inspection(public_id: str) -> Inspection:
    _authority()
    p = principal()
    inspection = _one("inspection", public_id, spot_scope.inspections_query(p), Inspection)
    if not spot_scope.can_inspect(p, inspection.enterprise):
        raise DomainError("inspection.out_of_jurisdiction", http_status=403, enterprise=inspection.enterprise.name)
    return inspection


@bp.route("/inspections/<inspection>/close", methods=["POST"])
@endpoint(ApiScope.INSPECTIONS_WRITE)
@validate(
    json=schemas.InspectionClose,
    headers=schemas.IdempotencyHeaders,
    resp=responses(HTTP_200=schemas.Inspection, HTTP_400=schemas.Error, HTTP_404=schemas.Error, HTTP_409=schemas.Error),
    tags=["inspections"],
)
def inspection_close(inspection: str, json: schemas.InspectionClose):
    """End the on-site test and push the 检查结论: every ticket is graded as it stands, a finding is opened for each
    failure (a second close changes nothing). Needs an `Idempotency-Key`."""
    i = _writable_inspection(inspection)
    officer = _officers([json.officer], i.enterprise)[0]
    inspecting.close_inspection(i, actor=officer)
    if json.conclusion.strip():
        i.notes = f"{i.notes}\n{json.conclusion.strip()}".strip()
    db.session.flush()
    return _inspection_answer(i)


@bp.route("/inspections/<inspection>/findings", methods=["POST"])
@endpoint(ApiScope.INSPECTIONS_WRITE)
@validate(
    json=schemas.FindingCreate,
    headers=schemas.IdempotencyHeaders,
    resp=responses(HTTP_201=schemas.Finding, HTTP_400=schemas.Error, HTTP_404=schemas.Error, HTTP_409=schemas.Error),
    tags=["inspections"],
)
def finding_create(inspection: str, json: schemas.FindingCreate):
    """Push a finding (整改问题) the officers recorded for a person tested in this closed inspection: its 整改要求
    and deadline. One per person and inspection. Needs an `Idempotency-Key`."""
    i = _writable_inspection(inspection)
    officer = _officers([json.officer], i.enterprise)[0]
    if i.is_open:
        raise DomainError("api.inspection_open")
    person_id = ids.decode("person", json.person)
    ticket = next((t for t in i.active_tickets if t.person_id == person_id), None)
    if ticket is None:
        raise DomainError("api.not_in_inspection", http_status=422)
    finding = rectification.record_finding(
        ticket, actor=officer, action=_filled(json.action, "action"), deadline=json.deadline, now=utcnow()
    )
    touched(ids.encode("finding", finding.id))
    return represent.finding(principal(), finding, local_today()), 201


@bp.route("/findings")
@endpoint(ApiScope.INSPECTIONS_READ)
@validate(query=schemas.PageQuery, resp=responses(cached=True, HTTP_200=schemas.FindingPage), tags=["inspections"])
def findings(query: schemas.PageQuery):
    """Findings (整改问题清单) of the enterprises the client may see."""
    p = principal()
    q = spot_scope.findings_query(p).options(so.selectinload(Finding.person))
    rows, cursor = _page(q, Finding, query)
    today = local_today()
    data = [represent.finding(p, f, today) for f in rows]
    touched(*(d["id"] for d in data))
    return {"data": data, "next_cursor": cursor}


@bp.route("/findings/<finding>/close", methods=["POST"])
@endpoint(ApiScope.INSPECTIONS_WRITE)
@validate(
    json=schemas.FindingClose,
    headers=schemas.IdempotencyHeaders,
    resp=responses(HTTP_200=schemas.Finding, HTTP_400=schemas.Error, HTTP_404=schemas.Error, HTTP_409=schemas.Error),
    tags=["inspections"],
)
def finding_close(finding: str, json: schemas.FindingClose):
    """销号: close a finding, on a passed 补考 or with a stated reason. Needs an `Idempotency-Key`."""
    _authority()
    p = principal()
    f = _one("finding", finding, spot_scope.findings_query(p), Finding)
    enterprise = f.inspection.enterprise
    if not spot_scope.can_inspect(p, enterprise):
        raise DomainError("inspection.out_of_jurisdiction", http_status=403, enterprise=enterprise.name)
    officer = _officers([json.officer], enterprise)[0]
    rectification.close_finding(f, actor=officer, override_reason=json.reason)
    return represent.finding(p, f, local_today())


# ---------------------------------------------------------------- bulk exports (NDJSON, streamed)


@bp.route("/exports/certificates.ndjson")
@endpoint(ApiScope.CERTIFICATES_READ)
@validate(resp=responses(HTTP_200=None), tags=["exports"])
def export_certificates():
    """Every certificate the client may see (a jurisdiction's client: its jurisdiction's), one JSON object per
    line, each like an item of `GET /certificates`; streamed in constant memory. The last line is
    `{"end": true, "count": N}`: a download without it was cut off."""
    tally = exports.Tally()
    return _stream(exports.certificates(principal(), tally), tally, _("证书"))


@bp.route("/exports/exam-results.ndjson")
@endpoint(ApiScope.EXAMS_READ)
@validate(resp=responses(HTTP_200=None), tags=["exports"])
def export_exam_results():
    """Every graded theory exam result the client may see, one JSON object per line (as `GET /exam-results`),
    streamed; the last line is `{"end": true, "count": N}`."""
    tally = exports.Tally()
    return _stream(exports.exam_results(principal(), tally), tally, _("考试成绩"))


def _stream(lines, tally: exports.Tally | None = None, what: str = ""):
    """A streamed answer. The body is attached after spectree's response step (which would read a streamed body into
    memory to validate it): the view answers an empty 200, ``_attach_stream`` puts the lines in.

    An export that shows full 证件号码 (``policy.sees_others_full_ids``) is one 查阅记录 row for the call — its scope
    (the client's region) and, once the stream ends or is cut off, how many lines showed a full number — not a row
    per line."""
    p = principal()
    if tally is not None and policy.sees_others_full_ids(p):
        region = region_prefix(p) or p.region_code
        tenant = p.jurisdiction or p.enterprise or p.institution
        entry = open_export(region, f"{what} · {tenant.name if tenant is not None else region}")
        lines = _counted(lines, entry, tally)
    g.api_stream = lines
    touched("export")
    return current_app.response_class(b"", mimetype="application/x-ndjson")


def _counted(lines, entry, tally: exports.Tally):
    """The export's lines; when they end (or the client goes), its 查阅记录 row gets the count of full numbers."""
    try:
        yield from lines
    finally:
        close_export(entry, tally.full)


@bp.after_request
def _attach_stream(response):
    lines = g.pop("api_stream", None)
    if lines is not None and response.status_code == 200:
        response.response = stream_with_context(lines)
        response.headers.pop("Content-Length", None)
        response.headers.pop("ETag", None)
        response.headers["Cache-Control"] = "no-store"
        response.headers["Content-Disposition"] = f"attachment; filename={request.path.rsplit('/', 1)[-1]}"
    return response


# ---------------------------------------------------------------- webhooks


@bp.route("/webhooks")
@endpoint(ApiScope.WEBHOOKS)
@validate(resp=responses(cached=True, HTTP_200=schemas.SubscriptionList), tags=["webhooks"])
def subscriptions():
    """The client's webhook subscriptions."""
    rows = db.session.scalars(webhooks.subscriptions_of(g.api_call.client.id).order_by(WebhookSubscription.id)).all()
    return {"data": [_subscription(s) for s in rows]}


def _subscription(s: WebhookSubscription) -> dict:
    return {
        "id": ids.encode("subscription", s.id),
        "url": s.url,
        "events": s.events,
        "created_at": isoformat_local(s.created_at),
    }


@bp.route("/webhooks", methods=["POST"])
@endpoint(ApiScope.WEBHOOKS)
@validate(
    json=schemas.SubscriptionCreate,
    headers=schemas.IdempotencyHeaders,
    resp=responses(HTTP_201=schemas.Subscription, HTTP_400=schemas.Error),
    tags=["webhooks"],
)
def subscribe(json: schemas.SubscriptionCreate):
    """Subscribe a URL to events (each needs its scope: certificates:read, inspections:read, training:read).
    Deliveries are signed with the client's signing secret (see docs/api.md). Needs an `Idempotency-Key`."""
    s = webhooks.subscribe(g.api_call.client, principal(), json.url, list(json.events))
    touched(ids.encode("subscription", s.id))
    return _subscription(s), 201


@bp.route("/webhooks/<subscription>", methods=["DELETE"])
@endpoint(ApiScope.WEBHOOKS)
@validate(resp=responses(HTTP_204=None, HTTP_404=schemas.Error), tags=["webhooks"])
def unsubscribe(subscription: str):
    """End a subscription: nothing more is delivered to it (deliveries under way are dropped)."""
    s = _one("subscription", subscription, webhooks.subscriptions_of(g.api_call.client.id), WebhookSubscription)
    webhooks.unsubscribe(s)
    db.session.commit()
    return "", 204


@bp.route("/webhooks/deliveries")
@endpoint(ApiScope.WEBHOOKS)
@validate(query=schemas.PageQuery, resp=responses(cached=True, HTTP_200=schemas.DeliveryPage), tags=["webhooks"])
def deliveries(query: schemas.PageQuery):
    """The delivery log of the client's subscriptions: state, attempts, the last answer, the next try."""
    mine = sa.select(WebhookSubscription.id).where(WebhookSubscription.client_id == g.api_call.client.id)
    q = (
        sa.select(WebhookDelivery)
        .where(WebhookDelivery.subscription_id.in_(mine))
        .options(so.selectinload(WebhookDelivery.event))
    )
    rows, cursor = _page(q, WebhookDelivery, query)
    return {"data": [_delivery(d) for d in rows], "next_cursor": cursor}


def _delivery(d: WebhookDelivery) -> dict:
    event: WebhookEvent = d.event
    return {
        "id": ids.encode("delivery", d.id),
        "subscription": ids.encode("subscription", d.subscription_id),
        "event_id": ids.encode("event", d.event_id),
        "event_kind": event.kind,
        "occurred_at": isoformat_local(event.occurred_at),
        "state": d.state.value,
        "attempts": d.attempts,
        "last_status": d.last_status,
        "last_error": d.last_error,
        "next_try_at": isoformat_local(d.next_try_at) if d.state.value == "failed" else None,
        "delivered_at": isoformat_local(d.delivered_at),
    }


# ---------------------------------------------------------------- public certificate verification


def _verified(certs) -> tuple[dict, int]:
    records = [verification.public_record(c) for c in certs]
    if not records:
        g.api_call.error_code = "cert.not_found"
        return error_body("cert.not_found", message=_not_found()), 404
    return {"records": records}, 200


def _not_found() -> str:
    return _("未查询到相关证书信息")


@bp.route("/verify/<code>")
@endpoint(public=True)
@validate(
    resp=responses(public=True, HTTP_200=schemas.Verification, HTTP_404=schemas.Error), security={}, tags=["verify"]
)
def verify_code(code: str):
    """The public record of the certificate behind a card's QR code (no token; each address has
    `ANPEI_CERT_VERIFY_LIMIT` lookups per `ANPEI_CERT_VERIFY_WINDOW_MINUTES`, counted before the lookup, as on the
    page). Name, ID and number masked; every miss is the same 404."""
    verification.count_lookup(request.remote_addr or "")
    return _verified(verification.by_code(code))


@bp.route("/verify", methods=["POST"])
@endpoint(public=True, replayable=False)
@validate(
    json=schemas.VerifyLookup,
    resp=responses(public=True, HTTP_200=schemas.Verification, HTTP_404=schemas.Error),
    security={},
    tags=["verify"],
)
def verify_lookup(json: schemas.VerifyLookup):
    """The public record by 证号 or 证件号码 with 姓名, as the national query page (no token; limited per address)."""
    verification.count_lookup(request.remote_addr or "")
    name = _filled(json.name, "name")
    if json.by == "id_number":
        return _verified(verification.by_id_number(json.key, name))
    return _verified(verification.by_number(json.key, name))
