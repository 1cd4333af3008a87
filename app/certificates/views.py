"""Certificate pages for staff and holders: the list, one certificate with its history and actions, issuing for a
sitting, the PDF. Thin: load in scope, check the policy, call a service, commit, redirect."""

from __future__ import annotations

import io

import sqlalchemy as sa
from flask import abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from openpyxl import Workbook

from app.auth.access import roles_required
from app.auth.models import Role
from app.auth.policy import certificates as cert_policy
from app.auth.policy import people as people_policy
from app.auth.policy import roles as role_policy
from app.certificates import authority_views as _authority_views  # noqa: F401  (考核发证机关: its routes)
from app.certificates import (
    bp,
    bundle_tasks,
    bundles,
    decisions,
    lifecycle,
    notice_text,
    reminders,
    rendering,
    renewals,
    tasks,
)
from app.certificates import class_views as _class_views  # noqa: F401  (培训合格证明 for a class: its routes)
from app.certificates import compliance as compliance_queries
from app.certificates import scope as cert_scope
from app.certificates.forms import DecisionForm, IssueForm, ReissueForm, ReviewForm
from app.certificates.issuing import bulk, issuers, numbering, subjects
from app.certificates.models import BundleState, Certificate, CertificateBundle, CertKind, CertStatus, RevocationGround
from app.certificates.status_sql import status_expr
from app.core.celery import enqueue_after_commit
from app.core.clock import local_today, rendered_at, to_local, utcnow
from app.core.errors import DomainError
from app.core.storage import send_stored
from app.core.web import safe_next, whole_number
from app.exams import scope as exam_scope
from app.exams.models import Attempt
from app.extensions import db
from app.people import scope as people_scope
from app.people.access_views import record_access
from app.people.models import AccessKind, Person
from app.tenancy.models import Enterprise

STAFF = (Role.ADMIN, Role.REGULATOR, Role.ENTERPRISE, Role.INSTITUTION)


@bp.route("/")
@roles_required(*STAFF)
def index():
    status = request.args.get("status", "")
    today, book = local_today(), lifecycle.rules()
    query = cert_scope.certificates_query(current_user).join(Person, Person.id == Certificate.person_id)
    if status in CertStatus._value2member_map_:  # today's status, in SQL (the stored one waits for the nightly job)
        query = query.where(status_expr(book, today) == CertStatus(status))
    if q := request.args.get("q", "").strip():
        query = query.where(sa.or_(Person.name.contains(q), Certificate.item_name.contains(q)))
    page = db.paginate(query.order_by(Certificate.valid_to, Certificate.id), per_page=50, error_out=False)
    now = {c.id: lifecycle.effective_status(c, today, book) for c in page.items}
    upcoming = {c.id: lifecycle.next_obligation(c, today, book) for c in page.items}
    return render_template(
        "certificates/index.html",
        page=page,
        status=status,
        q=q,
        statuses=CertStatus,
        today=today,
        now=now,
        upcoming=upcoming,
    )


@bp.route("/mine")
@roles_required(Role.WORKER)
def mine():
    certs = db.session.scalars(cert_scope.certificates_query(current_user).order_by(Certificate.valid_to.desc())).all()
    today, book = local_today(), lifecycle.rules()
    rows = [(c, lifecycle.effective_status(c, today, book), lifecycle.next_obligation(c, today, book)) for c in certs]
    return render_template("certificates/mine.html", rows=rows, today=today)


@bp.route("/<int:cert_id>")
def detail(cert_id: int):
    cert = cert_scope.get_certificate_or_404(current_user, cert_id)
    today, book = local_today(), lifecycle.rules()
    may_act = cert_policy.may_administer_certificate(current_user, cert)
    review_form = ReviewForm()
    bases = renewals.basis_attempts(cert, today) if may_act else []
    review_form.attempt_id.choices = [
        (a.id, f"{a.sitting.title} · {a.score:g} · {to_local(a.graded_at):%Y-%m-%d}") for a in bases
    ]
    obligation = lifecycle.next_obligation(cert, today, book)
    if people_policy.may_see_full_id(current_user, cert.person):
        record_access(current_user, cert.person_id, AccessKind.FULL_ID)
    return render_template(
        "certificates/detail.html",
        cert=cert,
        status=lifecycle.effective_status(cert, today, book),
        obligation=obligation,
        show_review_date=lifecycle.shows_review_date(cert, book),
        ten_year=renewals.ten_year_basis(cert, today)
        if may_act and obligation is not None and obligation.duty.value == "review"
        else None,
        may_act=may_act,
        may_note=cert_policy.may_note_certificate(current_user, cert) and not may_act,
        show_full_id=people_policy.may_see_full_id(current_user, cert.person),
        # a 逢查必考 failure proposes a 暂扣: the form comes filled with the reason, the regulator adds the 文号 and decides
        decision_form=DecisionForm(
            data={"reason": request.args.get("reason", "")[:200]} if request.args.get("propose") else None
        ),
        proposed=request.args.get("propose") == "suspend",
        review_form=review_form,
        reissue_form=ReissueForm(mode="reissue"),
    )


def _act(cert_id: int, action, *, may=cert_policy.may_administer_certificate) -> object:
    cert = cert_scope.get_certificate_or_404(current_user, cert_id)
    if not may(current_user, cert):
        abort(403)
    try:
        action(cert)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("certificates.detail", cert_id=cert_id))
    db.session.commit()
    flash(_("已办理"), "success")
    return redirect(url_for("certificates.detail", cert_id=cert_id))


def _decide(action, *, may=cert_policy.may_administer_certificate, **extra):
    def view(cert_id: int):
        form = DecisionForm()
        form.validate()
        options = {name: pick(form) for name, pick in extra.items()}
        return _act(
            cert_id,
            lambda cert: action(
                cert,
                actor=current_user,
                reason=form.reason.data or "",
                doc_number=form.doc_number.data or "",
                **options,
            ),
            may=may,
        )

    return view


def _review(service):
    def view(cert_id: int):
        form = ReviewForm()
        form.validate()

        def run(cert: Certificate):
            attempt = None
            if form.attempt_id.data:
                attempt = db.session.scalars(
                    exam_scope.attempts_query(current_user).where(
                        Attempt.id == form.attempt_id.data, Attempt.person_id == cert.person_id
                    )
                ).first()
            options = {"ten_year": bool(form.ten_year.data), "doc_number": form.doc_number.data or ""}
            if service is renewals.renew:
                options["applied_on"] = form.applied_on.data
            service(cert, actor=current_user, attempt=attempt, **options)

        return _act(cert_id, run)

    return view


def _ground(form: DecisionForm) -> RevocationGround:
    value = form.ground.data
    return RevocationGround(value) if value in RevocationGround._value2member_map_ else RevocationGround.OTHER


#: One POST endpoint per decision (暂扣, 发还, 撤销, 注销), note (违章, 暂扣建议) and renewal: endpoint → view.
for _name, _view in {
    "suspend": _decide(decisions.suspend),
    "reinstate": _decide(decisions.reinstate),
    "revoke": _decide(decisions.revoke, ground=_ground),
    "cancel": _decide(decisions.cancel),
    "violation": _decide(decisions.record_violation, may=cert_policy.may_note_certificate, on=lambda f: f.on.data),
    "propose": _decide(decisions.propose_suspension, may=cert_policy.may_note_certificate),
    "review": _review(renewals.review),
    "renew": _review(renewals.renew),
}.items():
    bp.add_url_rule(f"/<int:cert_id>/{_name}", _name, roles_required(*STAFF)(_view), methods=["POST"])


@bp.route("/<int:cert_id>/reissue", methods=["POST"])
@roles_required(*STAFF)
def reissue(cert_id: int):
    form = ReissueForm()
    form.validate()
    return _act(
        cert_id,
        lambda cert: decisions.reissue(
            cert, actor=current_user, replace=form.mode.data == "replace", reason=form.reason.data or ""
        ),
    )


@bp.route("/issue/<int:sitting_id>", methods=["GET", "POST"])
@roles_required(*STAFF)
def issue(sitting_id: int):
    """Issue certificates to a sitting's passed candidates: everyone eligible, refusals listed with reasons."""
    sitting = exam_scope.get_sitting_or_404(current_user, sitting_id)
    outcomes = bulk.preview(sitting)
    subject_kind = _subject_kind(outcomes)
    may_issue = subject_kind is not None and issuers.may_issue_for(current_user, sitting, outcomes)
    form = IssueForm()
    form.attempts.choices = [(o.attempt.id, o.attempt.person.name) for o in outcomes if o.refusal is None]
    if request.method == "POST":
        if not may_issue:
            abort(403)
        if form.validate_on_submit():
            result = bulk.issue_bulk(sitting, actor=current_user, attempt_ids=form.attempts.data or [])
            if result.issued:
                enqueue_after_commit(tasks.render_pending, [c.id for c in result.issued])
            db.session.commit()
            flash(_("已发证 %(n)s 人", n=len(result.issued)), "success")
            for outcome in result.refused:
                flash(f"{outcome.attempt.person.name}：{outcome.refusal.message}", "error")
            return redirect(url_for("certificates.issue", sitting_id=sitting.id))
    return render_template(
        "certificates/issue.html",
        sitting=sitting,
        outcomes=outcomes,
        form=form,
        may_issue=may_issue,
        subject_kind=subject_kind,
        issued=_issued_by_attempt(sitting.id),
    )


def _subject_kind(outcomes) -> CertKind | None:
    for outcome in outcomes:
        try:
            return subjects.subject_for(outcome.attempt).kind
        except DomainError:
            continue
    return None


def _issued_by_attempt(sitting_id: int) -> dict[int, Certificate]:
    certs = db.session.scalars(
        sa.select(Certificate)
        .join(Attempt, Attempt.id == Certificate.attempt_id)
        .where(Attempt.sitting_id == sitting_id)
    ).all()
    return {c.attempt_id: c for c in certs}


@bp.route("/<int:cert_id>/pdf")
def pdf(cert_id: int):
    """The certificate's PDF (rendered and stored first when missing or out of date)."""
    cert = cert_scope.get_certificate_or_404(current_user, cert_id)
    if not cert.pdf_current:
        rendering.ensure_pdf(cert, actor=current_user)
        db.session.commit()
    return send_stored(cert.pdf_key, content_type="application/pdf", download_name=f"certificate-{cert.id}.pdf")


@bp.app_template_filter("cert_masked")
def cert_masked(number: str) -> str:
    """A 证号 as shown to who may not see the holder's full ID number (a 特种作业操作证's number embeds it)."""
    return numbering.masked_number(number)


# ---------------------------------------------------------------- 持证上岗


@bp.route("/compliance")
@roles_required(Role.ADMIN, Role.REGULATOR, Role.ENTERPRISE)
def compliance():
    """An enterprise: its own list and rate. A regulator (or the admin): the rate of every enterprise in scope."""
    if role_policy.acts_for_own_enterprise(current_user):
        return redirect(url_for("certificates.compliance_enterprise", enterprise_id=current_user.enterprise_id))
    enterprises = db.session.scalars(people_scope.enterprises_query(current_user).order_by(Enterprise.name)).all()
    today = local_today()
    reports = [compliance_queries.report(e, today) for e in enterprises]
    return render_template("certificates/compliance_overview.html", reports=reports)


@bp.route("/compliance/<int:enterprise_id>")
@roles_required(Role.ADMIN, Role.REGULATOR, Role.ENTERPRISE)
def compliance_enterprise(enterprise_id: int):
    enterprise = people_scope.get_enterprise_or_404(current_user, enterprise_id)
    return render_template(
        "certificates/compliance.html", report=compliance_queries.report(enterprise), today=local_today()
    )


@bp.route("/compliance/<int:enterprise_id>.xlsx")
@roles_required(Role.ADMIN, Role.REGULATOR, Role.ENTERPRISE)
def compliance_xlsx(enterprise_id: int):
    enterprise = people_scope.get_enterprise_or_404(current_user, enterprise_id)
    report = compliance_queries.report(enterprise)
    book = Workbook()
    sheet = book.active
    sheet.title = _("持证上岗")
    sheet.append(
        [_("姓名"), _("岗位类别"), _("操作项目"), _("证书"), _("证号"), _("有效期至"), _("下一事项"), _("状态")]
    )
    for line in report.lines:
        e, c = line.employment, line.certificate
        sheet.append(
            [
                e.person.name,
                e.post.label,
                e.operation_code or "",
                c.kind.label if c else "",
                numbering.masked_number(c.number) if c else "",
                c.valid_to.isoformat() if c else "",
                f"{line.obligation.duty.label} {line.obligation.due_on.isoformat()}" if line.obligation else "",
                line.status.label if line.status else (_("无证（任职超过6个月）") if line.overdue else _("无证")),
            ]
        )
    rate = f"{report.rate:.1%}" if report.rate is not None else "—"
    sheet.append([])
    sheet.append([_("持证上岗率"), rate, f"{report.holding}/{report.required}"])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return send_file(
        buffer,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name=f"compliance-{enterprise.id}.xlsx",
    )


# ---------------------------------------------------------------- reminders (the bell)


@bp.app_template_global("unread_notices")
def unread_notices() -> int:
    """The bell's count in the header: unread certificate reminders of the current user."""
    if not current_user.is_authenticated:
        return 0
    return reminders.unread_count(current_user.id)


@bp.route("/notices", methods=["GET", "POST"])
def notices():
    """The current user's reminders; a POST marks read all that the page showed (those that arrived by the time it
    was rendered)."""
    now = utcnow()
    if request.method == "POST":
        reminders.mark_read(current_user.id, rendered_at(request.form.get("shown_at"), now))
        db.session.commit()
        return redirect(url_for("certificates.notices"))
    shown = [(n, notice_text.wording(n)) for n in reminders.notices_for(current_user.id)]
    return render_template("certificates/notices.html", notices=shown, shown_at=now.isoformat(timespec="microseconds"))


# ---------------------------------------------------------------- ZIP bundles (bulk download of PDFs)


@bp.route("/bundles", methods=["GET", "POST"])
@roles_required(*STAFF)
def bundle_list():
    """GET: the user's bundles. POST: pack the certificates of ``scope``/``ref``/``status`` into a ZIP (a task),
    then show its progress. The scope is checked here (the enterprise or sitting must be in reach) and again by the
    task (only certificates the user may see go into it)."""
    if request.method == "GET":
        mine = db.session.scalars(
            cert_scope.bundles_query(current_user).order_by(CertificateBundle.id.desc()).limit(50)
        ).all()
        return render_template("certificates/bundles.html", bundles=mine, state_label=bundles.state_label)
    scope, ref, status = (request.form.get(k, "").strip() for k in ("scope", "ref", "status"))
    back = safe_next(request.form.get("next")) or url_for("certificates.bundle_list")
    if scope == "enterprise":
        if not cert_policy.may_bundle_enterprise(current_user) or whole_number(ref) is None:
            abort(403)
        people_scope.get_enterprise_or_404(current_user, int(ref))
    elif scope == "sitting":
        if whole_number(ref) is None:
            abort(404)
        exam_scope.get_sitting_or_404(current_user, int(ref))
    try:
        item, new = bundles.request_bundle(current_user, scope=scope, ref=ref, status=status)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(back)
    if new:  # in-process (no broker) it is built right after the commit, before the redirect
        enqueue_after_commit(bundle_tasks.build_bundle, item.id)
    db.session.commit()
    return redirect(url_for("certificates.bundle", bundle_id=item.id))


@bp.route("/bundles/<int:bundle_id>")
@roles_required(*STAFF)
def bundle(bundle_id: int):
    """The progress page: a bar that polls :func:`bundle_status` (static/js/bundle.js), then the download."""
    item = cert_scope.get_bundle_or_404(current_user, bundle_id)
    return render_template("certificates/bundle.html", bundle=item, progress=bundles.progress(item))


@bp.route("/bundles/<int:bundle_id>.json")
@roles_required(*STAFF)
def bundle_status(bundle_id: int):
    item = cert_scope.get_bundle_or_404(current_user, bundle_id)
    return jsonify(bundles.progress(item))


@bp.route("/bundles/<int:bundle_id>/download")
@roles_required(*STAFF)
def bundle_download(bundle_id: int):
    """The ZIP, to the user who asked for it, while it is there."""
    item = cert_scope.get_bundle_or_404(current_user, bundle_id)
    state = bundles.state_of(item)
    if state is not BundleState.DONE or not item.file_key:
        if state is BundleState.EXPIRED:
            flash(DomainError("cert.bundle_expired").message, "error")
        return redirect(url_for("certificates.bundle", bundle_id=item.id))
    return send_stored(item.file_key, content_type="application/zip", download_name=f"certificates-{item.id}.zip")
