"""Certificates (``certificates:read``): the list with today's status, one certificate with its history."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import orm as so

from app.api import bp, represent
from app.api.base_views import endpoint, principal, touched
from app.api.models import ApiScope
from app.api.params import one, page, person_filter
from app.api.schemas import certificates as cert_schemas
from app.api.schemas.common import Error
from app.api.spec import responses, validate
from app.certificates import lifecycle
from app.certificates import scope as cert_scope
from app.certificates.models import Certificate, CertificateEvent, CertStatus
from app.certificates.status_sql import status_expr
from app.core.clock import local_today
from app.extensions import db


@bp.route("/certificates")
@endpoint(ApiScope.CERTIFICATES_READ)
@validate(
    query=cert_schemas.CertificateQuery,
    resp=responses(cached=True, HTTP_200=cert_schemas.CertificatePage),
    tags=["certificates"],
)
def certificates(query: cert_schemas.CertificateQuery):
    """Certificates the client may see, with each one's status today (by the rules in force on each obligation's
    due date, computed in SQL for the filter and per row for the answer — never the stored status)."""
    p = principal()
    today, book = local_today(), lifecycle.rules()
    q = cert_scope.certificates_query(p).options(so.selectinload(Certificate.person))
    if query.status:
        q = q.where(status_expr(book, today) == CertStatus(query.status))
    if query.kind:
        q = q.where(Certificate.kind == query.kind)
    q = person_filter(q, Certificate.person_id, query.person)
    rows, cursor = page(q, Certificate, query)
    data = [represent.certificate(p, c, today, book) for c in rows]
    touched(*(d["id"] for d in data))
    return {"data": data, "next_cursor": cursor}


@bp.route("/certificates/<certificate>")
@endpoint(ApiScope.CERTIFICATES_READ)
@validate(resp=responses(cached=True, HTTP_200=cert_schemas.CertificateDetail, HTTP_404=Error), tags=["certificates"])
def certificate_detail(certificate: str):
    """One certificate with its status today, its next obligation and its history (发证, 复审, 换证, 暂扣 …)."""
    p = principal()
    cert = one("certificate", certificate, cert_scope.certificates_query(p), Certificate)
    history = db.session.scalars(
        sa.select(CertificateEvent).where(CertificateEvent.certificate_id == cert.id).order_by(CertificateEvent.id)
    ).all()
    return {
        **represent.certificate(p, cert, local_today(), lifecycle.rules()),
        "history": [represent.certificate_change(e) for e in history],
    }
