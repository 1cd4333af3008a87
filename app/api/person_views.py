"""Enterprises and persons (``persons:read``): lists and records, the enterprise's 三项岗位 roster with its
certificates and hours, a person by 证件号码 or by public id."""

from __future__ import annotations

from sqlalchemy import orm as so

from app.api import bp, ids, represent
from app.api.base_views import endpoint, principal, touched
from app.api.models import ApiScope
from app.api.params import one, page
from app.api.schemas import people as people_schemas
from app.api.schemas import roster as roster_schemas
from app.api.schemas import training as training_schemas
from app.api.schemas.common import Error
from app.api.spec import responses, validate
from app.certificates import compliance, lifecycle
from app.core import crypto
from app.core.clock import local_today
from app.core.errors import DomainError
from app.extensions import db
from app.people import scope as people_scope
from app.people.models import Employment, IdType, Person, Post
from app.tenancy.models import Enterprise
from app.training import hours

THREE_POSTS = (Post.PRINCIPAL, Post.SAFETY_MANAGER, Post.SPECIAL_OPERATOR)


def _need(scope: ApiScope) -> None:
    if not principal().has(scope):
        raise DomainError("api.scope_missing", http_status=403, scope=scope.value)


@bp.route("/enterprises")
@endpoint(ApiScope.PERSONS_READ)
@validate(
    query=people_schemas.EnterpriseQuery,
    resp=responses(cached=True, HTTP_200=people_schemas.EnterprisePage),
    tags=["persons"],
)
def enterprises(query: people_schemas.EnterpriseQuery):
    """Enterprises the client may see (by 统一社会信用代码 with `uscc`)."""
    q = people_scope.enterprises_query(principal())
    if query.uscc:
        q = q.where(Enterprise.uscc == query.uscc.upper())
    rows, cursor = page(q, Enterprise, query)
    data = [represent.enterprise(e) for e in rows]
    touched(*(d["id"] for d in data))
    return {"data": data, "next_cursor": cursor}


@bp.route("/enterprises/<enterprise>")
@endpoint(ApiScope.PERSONS_READ)
@validate(resp=responses(cached=True, HTTP_200=people_schemas.Enterprise, HTTP_404=Error), tags=["persons"])
def enterprise_detail(enterprise: str):
    """One enterprise."""
    e = one("enterprise", enterprise, people_scope.enterprises_query(principal()), Enterprise)
    return represent.enterprise(e)


@bp.route("/enterprises/<enterprise>/roster")
@endpoint(ApiScope.PERSONS_READ)
@validate(
    query=training_schemas.YearQuery,
    resp=responses(cached=True, HTTP_200=roster_schemas.Roster, HTTP_404=Error),
    tags=["persons"],
)
def roster(enterprise: str, query: training_schemas.YearQuery):
    """The enterprise's 三项岗位 (主要负责人, 安全管理人员, 特种作业人员) today, each with the certificate covering the
    post and its status today, and the year's 再培训 hours: what an inspector reads before arriving. Needs
    `persons:read`, `certificates:read` and `training:read`."""
    _need(ApiScope.CERTIFICATES_READ)
    _need(ApiScope.TRAINING_READ)
    p = principal()
    e = one("enterprise", enterprise, people_scope.enterprises_query(p), Enterprise)
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


@bp.route("/persons/lookup", methods=["POST"])
@endpoint(ApiScope.PERSONS_READ, replayable=False)
@validate(
    json=people_schemas.PersonLookup, resp=responses(HTTP_200=people_schemas.Person, HTTP_404=Error), tags=["persons"]
)
def person_lookup(json: people_schemas.PersonLookup):
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
@validate(resp=responses(cached=True, HTTP_200=people_schemas.Person, HTTP_404=Error), tags=["persons"])
def person_detail(person: str):
    """One person by public id, with the employments the client may see."""
    p = principal()
    return _person(p, one("person", person, people_scope.persons_query(p), Person))


def _person(p, person: Person) -> dict:
    employments = db.session.scalars(
        people_scope.employments_query(p)
        .where(Employment.person_id == person.id)
        .order_by(Employment.start_date.desc(), Employment.id)
        .options(so.selectinload(Employment.enterprise))
    ).all()
    return represent.person(p, person, employments, shared=people_scope.sees_full_record(p, person.id))
