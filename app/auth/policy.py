"""What a user may see *inside* a record, decided here and nowhere else.

``app.auth.scope`` and the domains' ``scope.py`` decide which records a user reaches; this module decides which
parts of them it is shown: the answer key and explanations, a candidate's review, the draw seed of a spot check,
full 证件号码. Views pass the result to templates as a flag (``show_answers``, ``show_seed``, ``show_full_id``);
templates never test roles themselves.

The rules:

================== ==========================================================================================
answer key         only who manages every bank the questions come from (the bank's owner; the platform admin
                   for national and regional banks). Using a bank — drawing papers from the national bank for a
                   资格考试 or 逢查必考 — never shows its answers.
attempt review     the candidate: after the sitting has closed (colleagues may still be sitting it before), if
                   the sitting allows review, never for a 逢查必考 and never while a 补考 is pending. An
                   organiser: as for the answer key, or a regulator for a sitting it organises (the examining
                   authority marks its own exams).
draw seed          the regulator and the platform admin always; the inspected enterprise only after the
                   inspection has closed (before, it could predict swaps).
full 证件号码       the person, the platform admin and regulators (执法 needs it); employers see it masked
                   except on the edit form of their own current staff. API clients as users of their tenant (a
                   jurisdiction's client in full). Each showing to someone else goes into the 查阅记录.
registered photo   whoever reaches the person record in scope (employers, the regulator of the area, the
                   person, the platform admin): it identifies the person on certificates and against snapshots.
                   Never a public URL: served by the app after this check. Not an employer whose employment of the
                   person awaits the person's confirmation (``app.people.scope.sees_full_record``). The dossier
                   PDF prints it for the same users. Only the person withdraws consent to it; the nightly purge
                   then deletes it once nothing depends on it (``app.records.retention``).
人像抓拍 snapshots  the organiser of the class or exam sitting they were taken in (its enterprise or institution,
                   a regulator for the authority's own events, the platform admin) and regulators over the
                   event's region or the person's employer; shown beside the registered photo. Not the person's
                   employer as such, another enterprise, another city's regulator or another worker. Never a
                   public URL.
own snapshots      the person themself (个人信息保护法 第四十五条: the right to see what was collected): each of
                   their snapshots with its time, and whether it awaits a 复核 or how the 复核 went — not the face
                   checker's distance, the reviewer or the review note, which are the organiser's working record.
snapshot 复核       closing a flagged snapshot with a verdict (本人 / 非本人): the organiser of the class or sitting
                   and the platform admin; a regulator wherever it may see the snapshots (it is the supervising
                   authority). Never the person's employer as such, nor a worker.
实操 organising     scheduling a 实际操作考试场次, enrolling its candidates, choosing its examiners: a regulator of the
                   organising region (the examining authority). The platform admin sees the sittings but is no
                   authority.
实操 scoring        entering and signing a candidate's points: an examiner (考评员) assigned to the sitting, with
                   their own login — not the organiser as such, not the admin.
attendance          a change to 面授 attendance after its day (更正): approved by a second person — a 负责人
correction          (``User.supervisor``) of the class's organiser, or a regulator over the class's region (the
                    supervising authority) — never by the one who asked for it. The platform admin approves
                    only where it is a 负责人 of a class it organised itself.
================== ==========================================================================================

Pages ask this module too: each list or record page that offers different links, columns or buttons to different
roles gets a frozen capabilities object (``InspectionsPage``, ``RosterPage``, ``ClassPage`` …) from a function named
after the page; the view passes it to the template as ``caps`` and the template reads its booleans
(``caps.can_start_inspection``). Where a capability needs an upper domain's answer (a roster the user manages, a
bank it owns), the view asks that domain's ``scope.py`` and passes the plain value in. Views never compare roles
(``tests/test_policy_in_one_place.py`` checks templates and views).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from app.auth.models import Role, User
from app.auth.scope import organises, owns, region_prefix


def may_see_answer_key(user: User, banks: Iterable) -> bool:
    """The right answers and explanations of questions drawn from ``banks`` (``OwnedMixin`` rows)."""
    banks = list(banks)
    return bool(banks) and all(owns(user, bank) for bank in banks)


def review_withheld(user: User, attempt, *, banks: Iterable, now: datetime, makeup_pending: bool) -> str | None:
    """Why a graded attempt's review (every question with its right answer and explanation) is not shown to
    ``user``, or None when it is: ``not_offered`` (the sitting gives none, or it is a 逢查必考), ``after_close``
    (colleagues may still be sitting it), ``makeup_pending`` (a 补考 is still to come), ``not_owner``.

    :param attempt: the attempt (with ``sitting``, ``person_id``).
    :param banks: the banks its paper was drawn from.
    :param makeup_pending: the candidate failed and a 补考 is available or scheduled.
    """
    sitting = attempt.sitting
    if user.role is Role.WORKER:
        if user.person_id != attempt.person_id or not sitting.allow_review or sitting.kind == "spotcheck":
            return "not_offered"
        if now < sitting.closes_at:
            return "after_close"
        if makeup_pending:
            return "makeup_pending"
        return None
    if user.role is Role.REGULATOR and organises(user, sitting):
        return None
    return None if may_see_answer_key(user, banks) else "not_owner"


def may_review_attempt(user: User, attempt, *, banks: Iterable, now: datetime, makeup_pending: bool) -> bool:
    """See :func:`review_withheld`."""
    return review_withheld(user, attempt, banks=banks, now=now, makeup_pending=makeup_pending) is None


def may_see_draw_seed(user: User, inspection) -> bool:
    """The random seed of a 逢查必考 draw."""
    if user.role in (Role.ADMIN, Role.REGULATOR):
        return True
    return inspection.closed_at is not None


def may_see_full_id(user: User, person) -> bool:
    """The full 证件号码 of ``person``."""
    if sees_others_full_ids(user):
        return True
    return user.role is Role.WORKER and user.person_id == person.id


def sees_others_full_ids(user: User) -> bool:
    """Full 证件号码 of persons other than itself, wherever it reaches them: the platform admin and regulators (and an
    API client of a jurisdiction). A bulk export to such a client is one 查阅记录 row naming its scope."""
    return user.role in (Role.ADMIN, Role.REGULATOR)


def may_see_photo(user: User, person, *, record_shared: bool = True) -> bool:
    """The registered photo of a person the user already reaches in scope (the caller loaded it through scope).

    :param record_shared: the person's shared record is the user's to see (``app.people.scope.sees_full_record``):
        False for an enterprise whose employment of the person awaits the person's confirmation.
    """
    if not record_shared:
        return False
    return user.role in (Role.ADMIN, Role.REGULATOR, Role.ENTERPRISE) or (
        user.role is Role.WORKER and user.person_id == person.id
    )


def may_withdraw_photo_consent(user: User, person) -> bool:
    """Withdrawing consent to the registered photo (biometric data): the person themself, nobody on their behalf."""
    return user.role is Role.WORKER and user.person_id == person.id


def is_own_record(user: User, person_id: int) -> bool:
    """The user is the person ``person_id`` (their own data: not recorded in the 查阅记录, which says who else saw it)."""
    return user.role is Role.WORKER and user.person_id == person_id


def may_query_access_log(user: User) -> bool:
    """The 查阅记录 of everyone (by person, viewer and dates): the platform admin. A person reads their own."""
    return user.role is Role.ADMIN


def may_see_own_snapshots(user: User, person_id: int) -> bool:
    """The 人像抓拍 snapshots of ``person_id`` as their subject sees them (see the table: not the working record)."""
    return user.role is Role.WORKER and user.person_id == person_id


def may_see_snapshots(user: User, event, *, person_in_scope: bool) -> bool:
    """The 人像抓拍 snapshots (and, beside them, the registered photo) of a person in ``event`` — a class or a
    sitting, with its organiser columns — for a user who already reaches the event in scope.

    :param person_in_scope: the user reaches the person record (``app.people.scope``): for a regulator, the
        person's employer is in its region.
    """
    match user.role:
        case Role.ADMIN:
            return True
        case Role.ENTERPRISE | Role.INSTITUTION:
            return organises(user, event)
        case Role.REGULATOR:
            prefix = region_prefix(user)
            in_region = prefix is not None and (event.region_code or "").startswith(prefix)
            return organises(user, event) or in_region or person_in_scope
    return False


def may_review_snapshots(user: User, event, *, person_in_scope: bool) -> bool:
    """Reviewing (复核) the flagged 人像抓拍 snapshots of a person in ``event`` — a class or a sitting, with its
    organiser columns — for a user who already reaches the event in scope: its organiser (enterprise or institution,
    a regulator for the authority's own events) and the platform admin; a regulator also wherever
    :func:`may_see_snapshots` shows it the snapshots, as the supervising authority.

    :param person_in_scope: as for :func:`may_see_snapshots`.
    """
    return may_see_snapshots(user, event, person_in_scope=person_in_scope)  # today the same people, by design


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


def may_organise_practical(user: User, sitting=None) -> bool:
    """Scheduling a 实操考试场次 (``sitting`` None), or running ``sitting`` — its candidates and examiners: a regulator
    whose jurisdiction contains the sitting's region (``region_code``)."""
    prefix = region_prefix(user)
    if user.role is not Role.REGULATOR or prefix is None:
        return False
    return sitting is None or sitting.region_code.startswith(prefix)


def may_score_practical(user: User, sitting) -> bool:
    """Entering and signing scores at a practical sitting: one of its assigned examiners (``examiner_ids``), who are
    regulator accounts."""
    return user is not None and user.role is Role.REGULATOR and user.id in sitting.examiner_ids


def may_see_signing_details(user: User, sitting) -> bool:
    """Where each examiner signed from (the IP of the signature) on a practical score sheet: the admin and regulators
    who reach the sitting — not the candidate, who sees names and times."""
    prefix = region_prefix(user)
    return user.role is Role.ADMIN or (
        user.role is Role.REGULATOR and prefix is not None and sitting.region_code.startswith(prefix)
    )


def may_approve_correction(user: User, training_class, *, requested_by_id: int | None) -> bool:
    """Approving or refusing a correction of ``training_class``'s 面授 attendance after its day (see the table)."""
    if user is None or user.id == requested_by_id:
        return False
    if user.role is Role.REGULATOR:
        prefix = region_prefix(user)
        return prefix is not None and (training_class.region_code or "").startswith(prefix)
    return bool(user.supervisor) and organises(user, training_class)


# ---------------------------------------------------------------- who acts as what (asked by views)


def is_candidate(user: User) -> bool:
    """The user takes exams and studies as a person (a worker): its pages lead back to its own exam list."""
    return user.role is Role.WORKER


def is_own_candidate(user: User) -> bool:
    """A worker with a person record: the worker's own exams, practicals and study lists apply."""
    return user.is_authenticated and user.role is Role.WORKER and user.person_id is not None


def acts_for_own_enterprise(user: User) -> bool:
    """An enterprise's own admin: its roster, ledger and 持证上岗 pages are its enterprise's, chosen by no parameter
    (the platform admin and regulators name an enterprise with ``?enterprise=``)."""
    return user.role is Role.ENTERPRISE


def acts_for_institution(user: User) -> bool:
    """A training institution's staff: it reviews the applications to its classes and reads its own record."""
    return user.role is Role.INSTITUTION


def is_authority(user: User) -> bool:
    """A regulator account (应急管理部门): records complaints, publishes rankings, is named as 执法人员."""
    return user.role is Role.REGULATOR


def oversees(user: User) -> bool:
    """The platform admin and regulators: they oversee enterprises and institutions rather than belong to one."""
    return user.role in (Role.ADMIN, Role.REGULATOR)


def is_platform_admin(user: User) -> bool:
    """The platform admin: national banks, every city, every jurisdiction."""
    return user.role is Role.ADMIN


#: Who creates courses and opens classes: the admin, enterprises and institutions (a regulator supervises).
TRAINING_BUILDERS = (Role.ADMIN, Role.ENTERPRISE, Role.INSTITUTION)


def may_build_training(user: User) -> bool:
    """Creating courses and opening classes (:data:`TRAINING_BUILDERS`)."""
    return user.role in TRAINING_BUILDERS


def may_create_own_bank(user: User) -> bool:
    """An enterprise or institution may keep a bank of its own (the view checks it has none yet)."""
    return user.role in (Role.ENTERPRISE, Role.INSTITUTION)


def may_organise_exams(user: User) -> bool:
    """Creating exam sittings: every staff role."""
    return user.role in (Role.ADMIN, Role.REGULATOR, Role.ENTERPRISE, Role.INSTITUTION)


def may_bundle_enterprise(user: User) -> bool:
    """Packing an enterprise's certificates into a ZIP: who reaches enterprises (not an institution)."""
    return user.role in (Role.ADMIN, Role.REGULATOR, Role.ENTERPRISE)


# ---------------------------------------------------------------- pages: what each offers (passed as ``caps``)


@dataclass(frozen=True)
class InspectionsPage:
    """逢查必考 inspections list."""

    can_start_inspection: bool  # a regulator opens an inspection
    sees_stats: bool  # the admin and regulators analyse pass rates


def inspections_page(user: User) -> InspectionsPage:
    return InspectionsPage(can_start_inspection=user.role is Role.REGULATOR, sees_stats=oversees(user))


@dataclass(frozen=True)
class FindingsPage:
    """整改问题清单."""

    sees_enterprise_column: bool  # an enterprise sees only its own findings


def findings_page(user: User) -> FindingsPage:
    return FindingsPage(sees_enterprise_column=not acts_for_own_enterprise(user))


@dataclass(frozen=True)
class RosterPage:
    """花名册 (and the import pages beside it)."""

    can_manage: bool  # adding people and importing a roster
    sees_enterprise_column: bool  # the list spans several enterprises
    links_enterprise_param: bool  # links to the roster's forms carry ``?enterprise=`` (the platform admin's choice)


def roster_page(user: User, *, enterprise_chosen: bool, manages_chosen: bool = False) -> RosterPage:
    """:param enterprise_chosen: the page shows one enterprise named by ``?enterprise=``.
    :param manages_chosen: the user may manage that enterprise's roster (``app.people.scope.can_manage_roster``)."""
    own = acts_for_own_enterprise(user)
    return RosterPage(
        can_manage=manages_chosen if enterprise_chosen else own,
        sees_enterprise_column=not enterprise_chosen and not own,
        links_enterprise_param=enterprise_chosen and is_platform_admin(user),
    )


@dataclass(frozen=True)
class EnterprisesPage:
    in_jurisdiction: bool  # a regulator's list is its 辖区's


def enterprises_page(user: User) -> EnterprisesPage:
    return EnterprisesPage(in_jurisdiction=user.role is Role.REGULATOR)


@dataclass(frozen=True)
class ClassPage:
    """A training class (班次)."""

    can_organise: bool  # attendance, the class exam, the archive
    links_class_exam: bool  # an enterprise sees an institution's class in its province, not that institution's sitting
    can_issue_certificates: bool  # the organising enterprise or institution issues 培训合格证明


def class_page(user: User, training_class) -> ClassPage:
    organiser = organises(user, training_class)
    return ClassPage(
        can_organise=organiser,
        links_class_exam=organiser or not acts_for_own_enterprise(user),
        can_issue_certificates=organiser and user.role in (Role.ENTERPRISE, Role.INSTITUTION),
    )


@dataclass(frozen=True)
class ResultPage:
    """An attempt's result."""

    back_to_own_exams: bool  # the candidate returns to its exam list, staff to the sitting


def result_page(user: User) -> ResultPage:
    return ResultPage(back_to_own_exams=is_candidate(user))


@dataclass(frozen=True)
class HomePage:
    """Each role's home page: its template and the figures loaded for it."""

    template: str
    sees_region_overview: bool  # counts of enterprises and persons in scope
    sees_supervision: bool  # the regulator's supervision overview
    sees_figures: bool  # the dashboard tiles of the user's place
    sees_enterprise_staff: bool
    sees_institution_score: bool
    sees_own_record: bool  # a worker's own hours, certificates and findings


def home_page(user: User) -> HomePage:
    role = user.role
    return HomePage(
        template=f"home/{role.value}.html",
        sees_region_overview=oversees(user),
        sees_supervision=role is Role.REGULATOR,
        sees_figures=role is Role.ADMIN
        or (role is Role.REGULATOR and user.jurisdiction is not None)
        or (role is Role.ENTERPRISE and user.enterprise is not None),
        sees_enterprise_staff=role is Role.ENTERPRISE,
        sees_institution_score=role is Role.INSTITUTION and user.institution is not None,
        sees_own_record=role is Role.WORKER and user.person_id is not None,
    )
