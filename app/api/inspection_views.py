"""逢查必考 over the API: inspections, their tickets and findings (``inspections:read``); opening and closing an
inspection, pushing and closing findings for a jurisdiction's officers (``inspections:write``)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import orm as so

from app.api import bp, ids, represent
from app.api.base_views import endpoint, principal, touched
from app.api.models import ApiScope
from app.api.params import filled, one, page
from app.api.schemas import inspections as inspection_schemas
from app.api.schemas.common import Error, IdempotencyHeaders, PageQuery
from app.api.spec import responses, validate
from app.auth.models import User
from app.auth.policy import roles as role_policy
from app.auth.scope import region_prefix
from app.core.clock import local_today, utcnow
from app.core.errors import DomainError
from app.extensions import db
from app.people import scope as people_scope
from app.spotchecks import findings as rectification
from app.spotchecks import inspections as inspecting
from app.spotchecks import scope as spot_scope
from app.spotchecks.models import Finding, Inspection
from app.tenancy.models import Enterprise


@bp.route("/inspections")
@endpoint(ApiScope.INSPECTIONS_READ)
@validate(
    query=PageQuery, resp=responses(cached=True, HTTP_200=inspection_schemas.InspectionPage), tags=["inspections"]
)
def inspections(query: PageQuery):
    """Inspections of the enterprises the client may see."""
    q = spot_scope.inspections_query(principal()).options(so.selectinload(Inspection.enterprise))
    rows, cursor = page(q, Inspection, query)
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
@validate(resp=responses(cached=True, HTTP_200=inspection_schemas.Inspection, HTTP_404=Error), tags=["inspections"])
def inspection_detail(inspection: str):
    """One inspection with its 逢查必考 tickets (results) and findings. The tickets' links and codes are shown to an
    `inspections:write` client of the inspecting authority while they are live."""
    i = one("inspection", inspection, spot_scope.inspections_query(principal()), Inspection)
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
            or not role_policy.is_authority(user)
            or user.jurisdiction is None
            or not user.jurisdiction.code.startswith(prefix)
            or not spot_scope.can_inspect(user, enterprise)
        ):
            raise DomainError("api.officer_unknown", http_status=422, username=name)
        officers.append(user)
    return officers


def _authority() -> None:
    if not role_policy.is_authority(principal()):
        raise DomainError("api.not_a_jurisdiction", http_status=403)


@bp.route("/inspections", methods=["POST"])
@endpoint(ApiScope.INSPECTIONS_WRITE)
@validate(
    json=inspection_schemas.InspectionCreate,
    headers=IdempotencyHeaders,
    resp=responses(HTTP_201=inspection_schemas.Inspection, HTTP_400=Error, HTTP_404=Error, HTTP_409=Error),
    tags=["inspections"],
)
def inspection_create(json: inspection_schemas.InspectionCreate):
    """Open an inspection of an enterprise with its officers: the 逢查必考 sample is drawn from the roster and each
    person drawn gets a ticket (`entry_url`, `code`) to take the test on a phone. Needs an `Idempotency-Key`."""
    _authority()
    p = principal()
    enterprise = one("enterprise", json.enterprise, people_scope.enterprises_query(p), Enterprise)
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
        doc_number=filled(json.doc_number, "doc_number"),
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
    inspection = one("inspection", public_id, spot_scope.inspections_query(p), Inspection)
    if not spot_scope.can_inspect(p, inspection.enterprise):
        raise DomainError("inspection.out_of_jurisdiction", http_status=403, enterprise=inspection.enterprise.name)
    return inspection


@bp.route("/inspections/<inspection>/close", methods=["POST"])
@endpoint(ApiScope.INSPECTIONS_WRITE)
@validate(
    json=inspection_schemas.InspectionClose,
    headers=IdempotencyHeaders,
    resp=responses(HTTP_200=inspection_schemas.Inspection, HTTP_400=Error, HTTP_404=Error, HTTP_409=Error),
    tags=["inspections"],
)
def inspection_close(inspection: str, json: inspection_schemas.InspectionClose):
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
    json=inspection_schemas.FindingCreate,
    headers=IdempotencyHeaders,
    resp=responses(HTTP_201=inspection_schemas.Finding, HTTP_400=Error, HTTP_404=Error, HTTP_409=Error),
    tags=["inspections"],
)
def finding_create(inspection: str, json: inspection_schemas.FindingCreate):
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
        ticket, actor=officer, action=filled(json.action, "action"), deadline=json.deadline, now=utcnow()
    )
    touched(ids.encode("finding", finding.id))
    return represent.finding(principal(), finding, local_today()), 201


@bp.route("/findings")
@endpoint(ApiScope.INSPECTIONS_READ)
@validate(query=PageQuery, resp=responses(cached=True, HTTP_200=inspection_schemas.FindingPage), tags=["inspections"])
def findings(query: PageQuery):
    """Findings (整改问题清单) of the enterprises the client may see."""
    p = principal()
    q = spot_scope.findings_query(p).options(so.selectinload(Finding.person))
    rows, cursor = page(q, Finding, query)
    today = local_today()
    data = [represent.finding(p, f, today) for f in rows]
    touched(*(d["id"] for d in data))
    return {"data": data, "next_cursor": cursor}


@bp.route("/findings/<finding>/close", methods=["POST"])
@endpoint(ApiScope.INSPECTIONS_WRITE)
@validate(
    json=inspection_schemas.FindingClose,
    headers=IdempotencyHeaders,
    resp=responses(HTTP_200=inspection_schemas.Finding, HTTP_400=Error, HTTP_404=Error, HTTP_409=Error),
    tags=["inspections"],
)
def finding_close(finding: str, json: inspection_schemas.FindingClose):
    """销号: close a finding, on a passed 补考 or with a stated reason. Needs an `Idempotency-Key`."""
    _authority()
    p = principal()
    f = one("finding", finding, spot_scope.findings_query(p), Finding)
    enterprise = f.inspection.enterprise
    if not spot_scope.can_inspect(p, enterprise):
        raise DomainError("inspection.out_of_jurisdiction", http_status=403, enterprise=enterprise.name)
    officer = _officers([json.officer], enterprise)[0]
    rectification.close_finding(f, actor=officer, override_reason=json.reason)
    return represent.finding(p, f, local_today())
