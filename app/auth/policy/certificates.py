"""Certificates: who issues which, who administers and notes them, who is entrusted with issuing, who bundles an
enterprise's certificates."""

from __future__ import annotations

from app.auth.models import Role, User
from app.auth.scope import region_prefix

#: Certificates an authority issues (the 发证机关 is an 应急管理部门); the value of ``CertKind``.
AUTHORITY_CERTIFICATES = ("special_operator", "manager")


def may_issue_certificate(
    user: User,
    kind: str,
    *,
    region_code: str,
    enterprise_id: int | None = None,
    institution_id: int | None = None,
    authorities: tuple[str, ...] = (),
) -> bool:
    """Issuing a certificate of ``kind`` (a ``CertKind`` value) for an exam or class of ``region_code``.

    特种作业操作证 and 安全生产知识和管理能力考核合格证: a regulator whose jurisdiction is one of ``authorities`` — the
    考核发证机关 configured for the exam's region (``app.certificates.authorities``: the province, an entrusted
    city, the city for a local enterprise's managers) — and the exam lies in its area. A district or county bureau
    never. 培训合格证明: the enterprise or institution that ran the training (``enterprise_id`` / ``institution_id``
    of the sitting or class). The platform admin issues nothing: it is no authority.
    """
    if kind in AUTHORITY_CERTIFICATES:
        prefix = region_prefix(user)
        return (
            user.role is Role.REGULATOR
            and prefix is not None
            and region_code.startswith(prefix)
            and user.jurisdiction is not None
            and user.jurisdiction.code in authorities
        )
    match user.role:
        case Role.ENTERPRISE:
            return enterprise_id is not None and enterprise_id == user.enterprise_id
        case Role.INSTITUTION:
            return institution_id is not None and institution_id == user.institution_id
    return False


def may_administer_certificate(user: User, certificate) -> bool:
    """复审, 延期复审, 换证, 暂扣/发还, 撤销, 注销, 补发/换发 and re-rendering of ``certificate``: for an authority's
    certificate a regulator whose jurisdiction is the issuing one (``certificate.region_code``) or contains it (the
    province over its entrusted city); for a 培训合格证明 its issuer."""
    if certificate.kind.value in AUTHORITY_CERTIFICATES:
        prefix = region_prefix(user)
        return user.role is Role.REGULATOR and prefix is not None and certificate.region_code.startswith(prefix)
    return may_issue_certificate(
        user,
        certificate.kind.value,
        region_code=certificate.region_code,
        enterprise_id=certificate.enterprise_id if certificate.institution_id is None else None,
        institution_id=certificate.institution_id,
    )


def may_note_certificate(user: User, certificate) -> bool:
    """Recording a 违章 against the holder of a certificate the user already reaches in scope, or proposing its 暂扣
    to the authority: any regulator that reaches it (a district after its inspection included)."""
    return user.role is Role.REGULATOR and certificate.kind.value in AUTHORITY_CERTIFICATES


def may_delegate_issuing(user: User, province_code: str) -> bool:
    """Entrusting a city bureau with issuing 特种作业操作证: the platform admin, or the province's own regulator."""
    if user.role is Role.ADMIN:
        return True
    return user.role is Role.REGULATOR and user.jurisdiction is not None and user.jurisdiction.code == province_code


def may_bundle_enterprise(user: User) -> bool:
    """Packing an enterprise's certificates into a ZIP: who reaches enterprises (not an institution)."""
    return user.role in (Role.ADMIN, Role.REGULATOR, Role.ENTERPRISE)
