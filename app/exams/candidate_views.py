"""The candidate's exam pages: their exams (also the home page's list), starting a sitting, the exam page with its
人像抓拍 consent and snapshots, the page's JSON API (``app.exams.page_views``, shared with the ticket pages), and
the result with its review. Thin: load the candidate's own attempt, call a service, commit."""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.access import roles_required, signed_in_as
from app.auth.models import Role
from app.auth.policy import exams as exam_policy
from app.auth.policy import roles as role_policy
from app.auth.policy import snapshots as snapshot_policy
from app.bank import queries as bank_queries
from app.core.db import utcnow
from app.core.errors import DomainError
from app.exams import bp, makeups, page_views, queries
from app.exams import scope as exam_scope
from app.exams.attempts import starting
from app.exams.forms import StartForm
from app.exams.models import Attempt, AttemptState
from app.extensions import db
from app.people.models import SnapshotContext
from app.people.snapshot_views import consent_from_form, upload_json
from app.people.snapshots import reading as snapshot_reading
from app.people.snapshots import schedule as snapshot_schedule
from app.people.snapshots import settings as snapshot_settings
from app.people.snapshots.consent import consent_of
from question_bank import Paper


@bp.app_template_global("my_exams")
def my_exams_for_current_user():
    """The worker home page's exam list (templates/exams/_my_exams.html)."""
    if not role_policy.is_own_candidate(current_user):
        return []
    return queries.my_exams(current_user.person_id, utcnow())


# ---------------------------------------------------------------- candidate


@bp.route("/mine")
@roles_required(Role.WORKER)
def mine():
    return render_template("exams/mine.html")


@bp.route("/sittings/<int:sitting_id>/start", methods=["GET", "POST"])
@roles_required(Role.WORKER)
def start(sitting_id: int):
    sitting = exam_scope.get_candidate_sitting_or_404(current_user, sitting_id)
    if request.method == "GET" and (existing := starting.find_attempt(sitting, current_user.person_id)) is not None:
        return redirect(url_for("exams.attempt_page", attempt_id=existing.id))
    form = StartForm()
    if form.validate_on_submit():
        try:
            attempt = starting.start_or_resume(
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
    attempt = exam_scope.get_own_attempt_or_404(current_user, attempt_id, for_page=True)
    if attempt.state is AttemptState.GRADED:
        return redirect(url_for("exams.attempt_result", attempt_id=attempt.id))
    snapshot = None
    if attempt.is_open and snapshot_settings.enabled(SnapshotContext.EXAM):
        now = utcnow()
        plan = snapshot_schedule.plan_for(attempt.person_id, SnapshotContext.EXAM, attempt.id)
        if plan is None:  # drawn once per attempt, when its page first opens
            span = (attempt.deadline - now).total_seconds()
            plan = snapshot_schedule.open_plan(
                attempt.person_id, SnapshotContext.EXAM, attempt.id, span_seconds=span, now=now, keep=True
            )
            db.session.commit()
        consent = consent_of(attempt.person_id, SnapshotContext.EXAM, attempt.sitting_id)
        snapshot = {
            "consent": consent,
            "due": consent is True and snapshot_schedule.status(plan, now).due,
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
    granted = consent_from_form(
        attempt.person_id, SnapshotContext.EXAM, attempt.sitting_id, title=attempt.sitting.title, now=utcnow()
    )
    if not granted:
        flash(_("您拒绝了人像抓拍。考试可以继续，组织单位会看到您拒绝了抓拍。"), "error")
    return redirect(url_for("exams.attempt_page", attempt_id=attempt_id))


@bp.route("/attempts/<int:attempt_id>/snapshot", methods=["GET", "POST"])
@roles_required(Role.WORKER)
def attempt_snapshot(attempt_id: int):
    """GET: whether a snapshot is due now. POST: a due snapshot (the JPEG is the request body)."""
    attempt = exam_scope.get_own_attempt_or_404(current_user, attempt_id)
    now = utcnow()
    plan = snapshot_schedule.plan_for(attempt.person_id, SnapshotContext.EXAM, attempt.id)
    consent = consent_of(attempt.person_id, SnapshotContext.EXAM, attempt.sitting_id)
    if request.method == "GET":
        due = plan is not None and consent is True and attempt.is_open and snapshot_schedule.status(plan, now).due
        return jsonify(due=due)
    refusal = None
    if consent is not True:
        refusal = DomainError("snapshot.no_consent")
    elif plan is None or not attempt.is_open:
        refusal = DomainError("snapshot.no_plan", http_status=409)
    return upload_json(plan, now, refusal)


@bp.route("/attempts/<int:attempt_id>/state")
@roles_required(Role.WORKER)
def attempt_state(attempt_id: int):
    return page_views.state_json(exam_scope.get_own_attempt_or_404(current_user, attempt_id))


@bp.route("/attempts/<int:attempt_id>/answer", methods=["POST"])
@signed_in_as(Role.WORKER, write=page_views.own_answer_json)  # exam day's busiest request: one statement
def attempt_answer(attempt_id: int):
    # anything but a plain save (a refusal, another's attempt): the ORM way answers it as it always has
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
        if role_policy.is_candidate(current_user):
            return redirect(url_for("exams.attempt_page", attempt_id=attempt.id))
        abort(404)
    now = utcnow()
    outcome = makeups.outcome(attempt, now)
    standing = makeups.standing(attempt.person_id, attempt.sitting.subject, now)
    review = withheld = None
    if attempt.state is AttemptState.GRADED:
        withheld = exam_policy.review_withheld(
            current_user,
            attempt,
            banks=bank_queries.banks_by_id(attempt.sitting.bank_ids),
            now=now,
            makeup_pending=outcome in (makeups.Outcome.MAKEUP_AVAILABLE, makeups.Outcome.MAKEUP_SCHEDULED),
        )
        review = _review(attempt) if withheld is None else None
    own = None
    if snapshot_policy.may_see_own_snapshots(current_user, attempt.person_id):
        own = snapshot_reading.own_snapshots(attempt.person_id, SnapshotContext.EXAM, attempt.id)
    return render_template(
        "exams/result.html",
        caps=exam_policy.result_page(current_user),
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
