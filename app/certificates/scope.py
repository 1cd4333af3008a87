"""Who may see which certificates. Built on ``app.auth.scope`` and ``app.people.scope``; who may issue and act on
them is ``app.auth.policy.certificates.may_issue_certificate`` / ``may_administer_certificate``.

=========== ============================================================================================
admin       every certificate
regulator   certificates issued in its jurisdiction, and those of persons employed in its enterprises
enterprise  certificates of the persons it employs now (持证上岗 is about who works there today), once the person
            has confirmed the employment (``app.people.scope.sees_full_record``)
institution the 培训合格证明 it issued
worker      their own
=========== ============================================================================================

A ZIP bundle of certificate PDFs (``app.certificates.bundles``) is seen only by the user who asked for it (the
certificates in it were chosen within that user's scope); nobody else, the platform admin included.
"""

from __future__ import annotations

import sqlalchemy as sa

from app.auth.models import Role, User
from app.auth.scope import NOWHERE, one_or_404, region_prefix
from app.certificates.models import Certificate, CertificateBundle
from app.people.models import Employment
from app.people.scope import visible_enterprise_ids


def certificates_query(user: User) -> sa.Select:
    query = sa.select(Certificate)
    match user.role:
        case Role.ADMIN:
            return query
        case Role.REGULATOR:
            employed = sa.select(Employment.person_id).where(Employment.enterprise_id.in_(visible_enterprise_ids(user)))
            return query.where(
                sa.or_(
                    Certificate.region_code.startswith(region_prefix(user) or NOWHERE),
                    Certificate.person_id.in_(employed),
                )
            )
        case Role.ENTERPRISE:
            employed = sa.select(Employment.person_id).where(
                Employment.enterprise_id == user.enterprise_id,
                Employment.end_date.is_(None),
                Employment.confirmed_at.is_not(None),  # a pending employment shows no certificate
            )
            return query.where(Certificate.person_id.in_(employed))
        case Role.INSTITUTION:
            return query.where(Certificate.institution_id == (user.institution_id or -1))
        case Role.WORKER:
            return query.where(Certificate.person_id == (user.person_id or -1))
    return query.where(sa.false())


def get_certificate_or_404(user: User, certificate_id: int) -> Certificate:
    return one_or_404(certificates_query(user).where(Certificate.id == certificate_id))


def bundles_query(user: User) -> sa.Select:
    """The ZIP bundles ``user`` may see and download: the ones they asked for."""
    return sa.select(CertificateBundle).where(CertificateBundle.requested_by_id == user.id)


def get_bundle_or_404(user: User, bundle_id: int) -> CertificateBundle:
    return one_or_404(bundles_query(user).where(CertificateBundle.id == bundle_id))
