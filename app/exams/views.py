"""Exam sittings (organisers), the exam page and its JSON API (candidates), results. Thin: load in scope, call a
service, commit, redirect."""

from __future__ import annotations

import io
from datetime import timedelta

import sqlalchemy as sa
from flask import (
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from app.auth import policy
from app.auth.access import roles_required
from app.auth.models import Role
from app.bank import queries as bank_queries
from app.bank import scope as bank_scope
from app.bank.models import PaperTemplate
from app.core.clock import to_local, to_utc
from app.core.db import utcnow
from app.core.errors import DomainError, json_error
from app.core.forms import choices, enum_choices
from app.core.storage import send_stored
from app.exams import attempts, bp, exports, gates, makeups, page_views, queries
from app.exams import scope as exam_scope
from app.exams import sittings as exam_sittings
from app.exams.forms import ExtendForm, MakeupForm, SittingForm, StartForm
from app.exams.models import Attempt, AttemptState, ExamKind
from app.extensions import db
from app.people import snapshots
from app.people.access_views import record_access
from app.people.models import AccessKind, Employment, Person, Post, SnapshotContext
from app.people.scope import reaches_person, sees_full_record
from app.people.snapshot_views import review_from_form
from question_bank import Paper

ORGANISERS = (Role.ADMIN, Role.REGULATOR, Role.ENTERPRISE, Role.INSTITUTION)


@bp.app_template_global("my_exams")
def my_exams_for_current_user():
    """The worker home page's exam list (templates/exams/_my_exams.html)."""
    if not policy.is_own_candidate(current_user):
        return []
    return queries.my_exams(current_user.person_id, utcnow())


def _local_input(value):
    """Default for a datetime-local field: a UTC time in the platform's zone, without tzinfo."""
    return to_local(value).replace(tzinfo=None, second=0, microsecond=0)


# ---------------------------------------------------------------- candidate


@bp.route("/mine")
@roles_required(Role.WORKER)
def mine():
    return render_template("exams/mine.html")


@bp.route("/sittings/<int:sitting_id>/start", methods=["GET", "POST"])
@roles_required(Role.WORKER)
def start(sitting_id: int):
    sitting = exam_scope.get_candidate_sitting_or_404(current_user, sitting_id)
    if request.method == "GET" and (existing := attempts.find_attempt(sitting, current_user.person_id)) is not None:
        return redirect(url_for("exams.attempt_page", attempt_id=existing.id))
    form = StartForm()
    if form.validate_on_submit():
        try:
            attempt = attempts.start_or_resume(
                sitting,
                current_user.person_id,
                ip=request.remote_addr or "",
                user_agent=request.user_agent.string,
                access_code=form.access_code.data,
                actor=current_user,
            )
        except DomainError as exc:
            db.session.rollback()
            (form.access_code.errors.append if exc.code == "sitting.access_code" else lambda m: flash(m, "error"))(
                exc.message
            )
        else:
            attempt_id = attempt.id  # read before the commit expires it
            db.session.commit()
            return redirect(url_for("exams.attempt_page", attempt_id=attempt_id))
    return render_template("exams/start.html", sitting=sitting, form=form, now=utcnow())


@bp.route("/attempts/<int:attempt_id>")
@roles_required(Role.WORKER)
def attempt_page(attempt_id: int):
    attempt = exam_scope.get_own_attempt_or_404(current_user, attempt_id)
    if attempt.state is AttemptState.GRADED:
        return redirect(url_for("exams.attempt_result", attempt_id=attempt.id))
    snapshot = None
    if attempt.is_open and snapshots.enabled(SnapshotContext.EXAM):
        now = utcnow()
        plan = snapshots.plan_for(attempt.person_id, SnapshotContext.EXAM, attempt.id)
        if plan is None:  # drawn once per attempt, when its page first opens
            span = (attempt.deadline - now).total_seconds()
            plan = snapshots.open_plan(
                attempt.person_id, SnapshotContext.EXAM, attempt.id, span_seconds=span, now=now, keep=True
            )
            db.session.commit()
        consent = snapshots.consent_of(attempt.person_id, SnapshotContext.EXAM, attempt.sitting_id)
        snapshot = {
            "consent": consent,
            "due": consent is True and snapshots.status(plan, now).due,
            "url": url_for("exams.attempt_snapshot", attempt_id=attempt.id),
            "consent_url": url_for("exams.attempt_snapshot_consent", attempt_id=attempt.id),
        }
    return page_views.render_attempt_page(
        attempt,
        api=url_for("exams.attempt_page", attempt_id=attempt.id),
        result_url=url_for("exams.attempt_result", attempt_id=attempt.id),
        back_url=url_for("exams.mine"),
        snapshot=snapshot,
    )


@bp.route("/attempts/<int:attempt_id>/snapshots/consent", methods=["POST"])
@roles_required(Role.WORKER)
def attempt_snapshot_consent(attempt_id: int):
    """The candidate's answer to the 人像抓拍 consent step of a sitting. A refusal does not stop the exam: the
    organiser sees it beside the attempt."""
    attempt = exam_scope.get_own_attempt_or_404(current_user, attempt_id)
    decision = request.form.get("decision")
    if decision not in ("yes", "no"):
        abort(400)
    granted = decision == "yes"
    snapshots.record_consent(
        attempt.person_id,
        SnapshotContext.EXAM,
        attempt.sitting_id,
        granted,
        title=attempt.sitting.title,
        actor=current_user,
        now=utcnow(),
    )
    db.session.commit()
    if not granted:
        flash(_("您拒绝了人像抓拍。考试可以继续，组织单位会看到您拒绝了抓拍。"), "error")
    return redirect(url_for("exams.attempt_page", attempt_id=attempt_id))


@bp.route("/attempts/<int:attempt_id>/snapshot", methods=["GET", "POST"])
@roles_required(Role.WORKER)
def attempt_snapshot(attempt_id: int):
    """GET: whether a snapshot is due now. POST: a due snapshot (the JPEG is the request body)."""
    attempt = exam_scope.get_own_attempt_or_404(current_user, attempt_id)
    now = utcnow()
    plan = snapshots.plan_for(attempt.person_id, SnapshotContext.EXAM, attempt.id)
    consent = snapshots.consent_of(attempt.person_id, SnapshotContext.EXAM, attempt.sitting_id)
    if request.method == "GET":
        due = plan is not None and consent is True and attempt.is_open and snapshots.status(plan, now).due
        return jsonify(due=due)
    try:
        if consent is not True:
            raise DomainError("snapshot.no_consent")
        if plan is None or not attempt.is_open:
            raise DomainError("snapshot.no_plan", http_status=409)
        snapshots.take(plan, request.get_data(cache=False), max_bytes=current_app.config["SNAPSHOT_MAX_BYTES"], now=now)
    except DomainError as exc:
        db.session.rollback()
        return json_error(exc)
    due = snapshots.status(plan, now).due
    db.session.commit()
    return jsonify(saved=True, due=due)


@bp.route("/attempts/<int:attempt_id>/state")
@roles_required(Role.WORKER)
def attempt_state(attempt_id: int):
    return page_views.state_json(exam_scope.get_own_attempt_or_404(current_user, attempt_id))


@bp.route("/attempts/<int:attempt_id>/answer", methods=["POST"])
@roles_required(Role.WORKER)
def attempt_answer(attempt_id: int):
    return page_views.answer_json(exam_scope.get_own_attempt_or_404(current_user, attempt_id))


@bp.route("/attempts/<int:attempt_id>/focus", methods=["POST"])
@roles_required(Role.WORKER)
def attempt_focus(attempt_id: int):
    return page_views.focus_json(exam_scope.get_own_attempt_or_404(current_user, attempt_id))


@bp.route("/attempts/<int:attempt_id>/submit", methods=["POST"])
@roles_required(Role.WORKER)
def attempt_submit(attempt_id: int):
    return page_views.submit_json(exam_scope.get_own_attempt_or_404(current_user, attempt_id), by=current_user)


@bp.route("/attempts/<int:attempt_id>/result")
def attempt_result(attempt_id: int):
    """The score, and — when the sitting allows review — every question with the right answer and explanation."""
    attempt = exam_scope.get_attempt_or_404(current_user, attempt_id)
    if attempt.is_open:
        if policy.is_candidate(current_user):
            return redirect(url_for("exams.attempt_page", attempt_id=attempt.id))
        abort(404)
    now = utcnow()
    outcome = makeups.outcome(attempt, now)
    standing = makeups.standing(attempt.person_id, attempt.sitting.subject, now)
    review = withheld = None
    if attempt.state is AttemptState.GRADED:
        withheld = policy.review_withheld(
            current_user,
            attempt,
            banks=bank_queries.banks_by_id(attempt.sitting.bank_ids),
            now=now,
            makeup_pending=outcome in (makeups.Outcome.MAKEUP_AVAILABLE, makeups.Outcome.MAKEUP_SCHEDULED),
        )
        review = _review(attempt) if withheld is None else None
    own = None
    if policy.may_see_own_snapshots(current_user, attempt.person_id):
        own = snapshots.own_snapshots(attempt.person_id, SnapshotContext.EXAM, attempt.id)
    return render_template(
        "exams/result.html",
        caps=policy.result_page(current_user),
        attempt=attempt,
        sitting=attempt.sitting,
        review=review,
        withheld=withheld,
        outcome=outcome,
        retakes_unlimited=standing.unlimited,
        attempt_no=makeups.attempt_number(attempt) if attempt.state is AttemptState.GRADED else 1,
        own_snapshots=own,
    )


def _review(attempt: Attempt) -> list[dict]:
    paper = Paper.from_dict(attempt.paper)
    results = {r["position"]: r for r in attempt.result["items"]}
    return [
        {
            "position": pos,
            "type": item.question.type,
            "stem": item.question.stem,
            "options": item.displayed_options(),
            "explanation": item.question.explanation,
            "points": item.points,
            **results.get(pos, {}),
        }
        for pos, item in enumerate(paper.items)
    ]


# ---------------------------------------------------------------- organiser


@bp.route("/sittings")
@roles_required(*ORGANISERS)
def sittings():
    query = exam_scope.sittings_query(current_user).order_by(sa.desc("opens_at"))
    page_ = db.paginate(query, page=request.args.get("page", 1, type=int), per_page=30, error_out=False)
    return render_template(
        "exams/sittings.html", page=page_, now=utcnow(), can_create=policy.may_organise_exams(current_user)
    )


def _candidate_choices(post: str, operation: str) -> list[tuple[int, str]]:
    query = exam_scope.exam_candidates_query(current_user).join(Employment.person).order_by(Person.name, Person.id)
    if post in Post._value2member_map_:
        query = query.where(Employment.post == Post(post))
    if operation:
        query = query.where(
            sa.or_(Employment.operation_code == operation, Employment.operation_code.startswith(operation + "."))
        )
    labels: dict[int, str] = {}
    for e in db.session.scalars(query.limit(2000)):
        label = " · ".join(
            x for x in (e.person.name, e.person.id_masked, e.post.label, e.operation_code or "", e.enterprise.name) if x
        )
        labels.setdefault(e.person_id, label)
    return list(labels.items())


@bp.route("/sittings/new", methods=["GET", "POST"])
@roles_required(*ORGANISERS)
def new_sitting():
    post, operation = request.args.get("post", ""), request.args.get("operation", "").strip()
    form = SittingForm()
    form.template_id.choices = choices(
        (t.id, t.name) for t in db.session.scalars(bank_scope.active_templates_query(current_user).order_by("name"))
    )
    form.kind.choices = enum_choices(exam_sittings.kinds_for(current_user))
    form.person_ids.choices = choices(_candidate_choices(post, operation))
    if request.method == "GET":
        start_at = _local_input(utcnow() + timedelta(hours=1))
        form.opens_at.data, form.closes_at.data = start_at, start_at + timedelta(hours=3)
    if form.validate_on_submit():
        person_ids = form.person_ids.data
        if request.form.get("all_shown"):
            person_ids = [c.value for c in form.person_ids.choices]
        template = db.session.scalars(
            bank_scope.active_templates_query(current_user).where(PaperTemplate.id == form.template_id.data)
        ).first()
        if template is None:
            abort(404)
        try:
            if not person_ids:
                raise DomainError("sitting.no_candidates")
            sitting = exam_sittings.create_sitting(
                template,
                title=form.title.data,
                kind=ExamKind(form.kind.data),
                opens_at=to_utc(form.opens_at.data),
                closes_at=to_utc(form.closes_at.data),
                duration_minutes=form.duration_minutes.data,
                access_code=form.access_code.data or "",
                person_ids=person_ids,
                actor=current_user,
                post=post if post in Post._value2member_map_ else "",
                operation_code=operation[:16],
                override=gates.GateOverride(form.override_code.data, form.override_text.data or "")
                if form.override_code.data or (form.override_text.data or "").strip()
                else None,
            )
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("已创建考试场次，共 %(n)s 名考生。", n=len(set(person_ids))), "success")
            return redirect(url_for("exams.sitting", sitting_id=sitting.id))
    return render_template("exams/sitting_form.html", form=form, posts=list(Post), post=post, operation=operation)


@bp.route("/sittings/<int:sitting_id>")
@roles_required(*ORGANISERS)
def sitting(sitting_id: int):
    sitting = exam_scope.get_sitting_or_404(current_user, sitting_id)
    now = utcnow()
    rows = queries.board(sitting, now)
    organise = exam_scope.can_organise(current_user, sitting)
    makeup_possible = organise and bool(makeups.makeup_candidates(sitting))
    return render_template(
        "exams/board.html",
        sitting=sitting,
        rows=rows,
        summary=queries.board_summary(rows),
        now=now,
        live=sitting.is_open(now) or any(r.attempt is not None and r.attempt.is_open for r in rows),
        can_organise=organise,
        makeup_possible=makeup_possible,
        makeups=makeups.makeups_of(sitting),
        snapshot_consents=snapshots.consents_in(SnapshotContext.EXAM, sitting.id),
        snapshot_flags=snapshots.flagged_counts(SnapshotContext.EXAM, [r.attempt.id for r in rows if r.attempt]),
    )


@bp.route("/sittings/<int:sitting_id>/results.xlsx")
@roles_required(*ORGANISERS)
def export_results(sitting_id: int):
    sitting = exam_scope.get_sitting_or_404(current_user, sitting_id)
    shown: list[int] = []

    def full_id(person) -> bool:
        if policy.may_see_full_id(current_user, person):
            shown.append(person.id)
            return True
        return False

    data = exports.results_xlsx(queries.board(sitting, utcnow()), full_id=full_id)
    record_access(current_user, shown, AccessKind.FULL_ID)
    return send_file(
        io.BytesIO(data),
        as_attachment=True,
        download_name=f"sitting-{sitting.id}-results.xlsx",
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@bp.route("/attempts/<int:attempt_id>/detail", methods=["GET", "POST"])
@roles_required(*ORGANISERS)
def attempt_detail(attempt_id: int):
    """One candidate's attempt for the organiser: integrity log, and the extend-time form."""
    attempt = exam_scope.get_attempt_or_404(current_user, attempt_id)
    organise = exam_scope.can_organise(current_user, attempt.sitting)
    form = ExtendForm()
    if form.validate_on_submit():
        if not organise:
            abort(403)
        try:
            attempts.extend_time(attempt, form.minutes.data, form.reason.data, current_user)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("已为 %(name)s 延长 %(n)s 分钟。", name=attempt.person.name, n=form.minutes.data), "success")
            return redirect(url_for("exams.sitting", sitting_id=attempt.sitting_id))
    in_scope = reaches_person(current_user, attempt.person_id)
    show_snapshots = policy.may_see_snapshots(current_user, attempt.sitting, person_in_scope=in_scope)
    may_review = show_snapshots and policy.may_review_snapshots(current_user, attempt.sitting, person_in_scope=in_scope)
    return render_template(
        "exams/attempt_detail.html",
        attempt=attempt,
        form=form,
        log=queries.attempt_log(attempt),
        can_organise=organise,
        now=utcnow(),
        show_snapshots=show_snapshots,
        snapshots=snapshots.snapshots_of(attempt.person_id, SnapshotContext.EXAM, [attempt.id])
        if show_snapshots
        else [],
        snapshot_consent=snapshots.consent_of(attempt.person_id, SnapshotContext.EXAM, attempt.sitting_id),
        snapshot_status=_attempt_snapshot_status(attempt) if show_snapshots else None,
        may_review=may_review,
    )


def _may_see_attempt_snapshots(attempt: Attempt) -> bool:
    return policy.may_see_snapshots(
        current_user, attempt.sitting, person_in_scope=reaches_person(current_user, attempt.person_id)
    )


def _may_review_attempt_snapshots(attempt: Attempt) -> bool:
    return policy.may_review_snapshots(
        current_user, attempt.sitting, person_in_scope=reaches_person(current_user, attempt.person_id)
    )


def _attempt_snapshot_status(attempt: Attempt):
    """How many snapshots were due so far (up to the hand-in) and how many were taken."""
    plan = snapshots.plan_for(attempt.person_id, SnapshotContext.EXAM, attempt.id)
    if plan is None:
        return None
    end = attempt.submitted_at or min(utcnow(), attempt.deadline)
    return snapshots.status(plan, max(end, plan.started_at))


def _attempt_for_snapshots(attempt_id: int) -> Attempt:
    attempt = exam_scope.get_attempt_or_404(current_user, attempt_id)
    if not _may_see_attempt_snapshots(attempt):
        abort(403)
    return attempt


@bp.route("/attempts/<int:attempt_id>/photo")
@roles_required(*ORGANISERS)
def attempt_photo(attempt_id: int):
    """The candidate's registered photo beside the attempt's snapshots (same check as the snapshots)."""
    attempt = _attempt_for_snapshots(attempt_id)
    if not attempt.person.photo_key or not sees_full_record(current_user, attempt.person_id):  # not a pending employer
        abort(404)
    record_access(current_user, attempt.person_id, AccessKind.PHOTO)
    return send_stored(attempt.person.photo_key, content_type="image/jpeg")


@bp.route("/attempts/<int:attempt_id>/snapshots/<int:exam_snapshot_id>")
@roles_required(*ORGANISERS)
def attempt_snapshot_file(attempt_id: int, exam_snapshot_id: int):
    """One snapshot of the attempt, after the policy check (there is no other way to it)."""
    attempt = _attempt_for_snapshots(attempt_id)
    snapshot = snapshots.snapshot_in(exam_snapshot_id, SnapshotContext.EXAM, attempt.id)
    if snapshot is None:
        abort(404)
    record_access(current_user, snapshot.person_id, AccessKind.SNAPSHOT, ref_id=snapshot.id)
    return send_stored(snapshot.storage_key, content_type="image/jpeg")


@bp.route("/attempts/<int:attempt_id>/snapshots/<int:exam_snapshot_id>/review", methods=["POST"])
@roles_required(*ORGANISERS)
def attempt_snapshot_review(attempt_id: int, exam_snapshot_id: int):
    """复核 of a flagged snapshot of the attempt: 确认本人 or 非本人 (with a note); back to the attempt's page."""
    attempt = _attempt_for_snapshots(attempt_id)
    if not _may_review_attempt_snapshots(attempt):
        abort(403)
    snapshot = snapshots.snapshot_in(exam_snapshot_id, SnapshotContext.EXAM, attempt.id)
    if snapshot is None:
        abort(404)
    review_from_form(snapshot)
    return redirect(url_for("exams.attempt_detail", attempt_id=attempt_id))


@bp.route("/sittings/<int:sitting_id>/makeup", methods=["GET", "POST"])
@roles_required(*ORGANISERS)
def new_makeup(sitting_id: int):
    original = exam_scope.get_sitting_or_404(current_user, sitting_id)
    if not exam_scope.can_organise(current_user, original):
        abort(403)
    persons = db.session.scalars(sa.select(Person).where(Person.id.in_(makeups.makeup_candidates(original)))).all()
    form = MakeupForm()
    if request.method == "GET":
        start_at = _local_input(utcnow() + timedelta(hours=1))
        form.opens_at.data, form.closes_at.data = start_at, start_at + timedelta(hours=3)
    if form.validate_on_submit():
        try:
            makeup = makeups.create_makeup_sitting(
                original,
                opens_at=to_utc(form.opens_at.data),
                closes_at=to_utc(form.closes_at.data),
                duration_minutes=form.duration_minutes.data,
                access_code=form.access_code.data or "",
                actor=current_user,
            )
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("已安排补考。"), "success")
            return redirect(url_for("exams.sitting", sitting_id=makeup.id))
    return render_template("exams/makeup_form.html", original=original, persons=persons, form=form)
