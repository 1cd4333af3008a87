"""动态积分 and 排名: an institution's own dashboard, the regulator's list of institutions with their scores, an
institution's record (score history with every component, holds, complaints' verdicts, published places), holding
an institution under review, and publishing a month's ranking."""

from __future__ import annotations

import io
import json
from datetime import date

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from openpyxl import Workbook

from app.archive.models import ArchiveEvent
from app.auth.access import roles_required
from app.auth.models import Role
from app.auth.policy import roles as role_policy
from app.core.clock import format_local, local_today
from app.core.errors import DomainError
from app.dashboards import bp, complaints, ranking, ranking_components, ranking_publication, scope
from app.dashboards.forms import HoldForm, PublishForm
from app.dashboards.models import Complaint, ComplaintSource, InstitutionScore, Ranking, RankingEntry, Verdict
from app.dashboards.scope import Place
from app.exams.models import Attempt
from app.exams.practical.models import PracticalAttempt
from app.extensions import db
from app.people.models import Person, Snapshot
from app.spotchecks.models import SpotCheckTicket
from app.tenancy.models import TrainingInstitution

SUPERVISORS = (Role.ADMIN, Role.REGULATOR)


def _current_score(institution_id: int) -> InstitutionScore | None:
    """This month's score, computed now (an institution's figures are few: a handful of grouped queries)."""
    month = local_today().replace(day=1)
    ranking.compute(month, institution_ids=[institution_id])
    db.session.commit()
    return db.session.scalars(
        sa.select(InstitutionScore).where(
            InstitutionScore.institution_id == institution_id, InstitutionScore.month == month
        )
    ).first()


def _record_context(institution: TrainingInstitution) -> dict:
    supervising = role_policy.oversees(current_user)
    published = db.session.execute(
        sa.select(Ranking, RankingEntry)
        .join(RankingEntry, RankingEntry.ranking_id == Ranking.id)
        .where(RankingEntry.institution_id == institution.id)
        .order_by(Ranking.month.desc())
        .limit(24)
    ).all()
    return {
        "institution": institution,
        "history": ranking.scores_of(institution.id),
        "hold": ranking_publication.open_hold(institution.id),
        "events": complaints.events_of(institution_id=institution.id),
        "complaints": db.session.scalars(
            sa.select(Complaint).where(Complaint.institution_id == institution.id).order_by(Complaint.id.desc())
        ).all()
        if supervising
        else [],
        "published": published,
        "supervising": supervising,
        "may_hold": scope.may_supervise(current_user, institution.region_code),
        "hold_form": HoldForm(),
        "component_titles": COMPONENT_TITLES,
    }


def institution_dashboard(place: Place):
    """An institution's dashboard: its 动态积分 this month with the breakdown, and its history."""
    institution = place.institution
    score = _current_score(institution.id)
    return render_template(
        "dashboards/institution.html", place=place, score=score, own=True, **_record_context(institution)
    )


@bp.route("/dashboard/institutions")
@roles_required(*SUPERVISORS)
def institutions():
    """The institutions of the region with this month's score (as the nightly job counted it) and whether they are
    held; each institution's own page counts its score now. Before the month's first nightly run, counted here once."""
    month = local_today().replace(day=1)
    if db.session.scalar(sa.select(InstitutionScore.id).where(InstitutionScore.month == month).limit(1)) is None:
        ranking.compute(month)
        db.session.commit()
    rows = db.session.execute(
        scope.institutions_query(current_user)
        .add_columns(InstitutionScore)
        .outerjoin(
            InstitutionScore,
            sa.and_(InstitutionScore.institution_id == TrainingInstitution.id, InstitutionScore.month == month),
        )
        .order_by(TrainingInstitution.name)
    ).all()
    entries = ranking_publication.rank_entries([(inst, s) for inst, s in rows if s is not None])
    held = {h for h in (ranking_publication.open_hold(inst.id) for inst, _s in rows) if h is not None}
    return render_template(
        "dashboards/institutions.html",
        entries=entries,
        held={h.institution_id for h in held},
        month=month,
        may_publish=role_policy.is_authority(current_user),
        publish_form=PublishForm(data={"month": month.strftime("%Y-%m")}),
    )


@bp.route("/dashboard/institutions/<int:institution_id>")
@roles_required(Role.ADMIN, Role.REGULATOR, Role.INSTITUTION)
def institution_record(institution_id: int):
    institution = scope.get_institution_or_404(current_user, institution_id)
    score = _current_score(institution.id)
    place = Place("institution", institution.name, institution=institution)
    return render_template(
        "dashboards/institution.html",
        place=place,
        score=score,
        own=role_policy.acts_for_institution(current_user),
        **_record_context(institution),
    )


def _supervised(institution_id: int) -> TrainingInstitution:
    institution = scope.get_institution_or_404(current_user, institution_id)
    if not scope.may_supervise(current_user, institution.region_code):
        abort(403)
    return institution


@bp.route("/dashboard/institutions/<int:institution_id>/hold", methods=["POST"])
@roles_required(Role.REGULATOR)
def institution_hold(institution_id: int):
    institution = _supervised(institution_id)
    form = HoldForm()
    try:
        if not form.validate_on_submit():
            raise DomainError("ranking.reason_required")
        ranking_publication.hold(institution, form.reason.data, actor=current_user)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("已暂缓公布该机构的排名"), "success")
    return redirect(url_for("dashboards.institution_record", institution_id=institution_id))


@bp.route("/dashboard/institutions/<int:institution_id>/lift", methods=["POST"])
@roles_required(Role.REGULATOR)
def institution_lift(institution_id: int):
    institution = _supervised(institution_id)
    try:
        ranking_publication.lift(institution, actor=current_user)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("已恢复公布"), "success")
    return redirect(url_for("dashboards.institution_record", institution_id=institution_id))


@bp.route("/dashboard/rankings/publish", methods=["POST"])
@roles_required(Role.REGULATOR)
def ranking_publish():
    """Publish the month's ranking of the regulator's jurisdiction (frozen; public at /rankings)."""
    form = PublishForm()
    if not form.validate_on_submit():
        flash(_("请填写公告月份（YYYY-MM）"), "error")
        return redirect(url_for("dashboards.institutions"))
    month = date.fromisoformat(form.month.data + "-01")
    try:
        item = ranking_publication.publish(current_user.jurisdiction, month, actor=current_user)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("dashboards.institutions"))
    db.session.commit()
    flash(_("排名已公告"), "success")
    return redirect(url_for("rankings.show", ranking_id=item.id))


@bp.app_template_filter("points")
def points(value) -> str:
    if value is None:
        return "—"
    return f"{value:+g}" if value else "0"


@bp.app_template_global("record_event_text")
def record_event_text(event) -> str:
    """One line of a supervision record as it reads."""
    d = event.detail or {}
    match event.kind:
        case "complaint.recorded":
            return _(
                "登记投诉举报（%(source)s，受理 %(date)s）",
                source=_label(ComplaintSource, d.get("source")),
                date=d.get("received_on", ""),
            )
        case "complaint.decided":
            return _("核查结论：%(verdict)s", verdict=_label(Verdict, d.get("verdict")))
        case "complaint.document":
            return _("上传材料：%(name)s", name=d.get("file_name", ""))
        case "ranking.held":
            return _("复核中，暂缓公布排名：%(reason)s", reason=d.get("reason", ""))
        case "ranking.released":
            return _("复核结束，恢复公布排名")
        case "ranking.published":
            rank = d.get("rank")
            if rank:
                return _(
                    "%(month)s 排名公告：第 %(rank)s 名，%(score)s 分",
                    month=d.get("month", "")[:7],
                    rank=rank,
                    score=d.get("score"),
                )
            return _(
                "%(month)s 排名公告：样本不足未排名，%(score)s 分", month=d.get("month", "")[:7], score=d.get("score")
            )
    return event.kind


def _label(enum, value) -> str:
    member = enum._value2member_map_.get(value)
    return member.label if member is not None else "—"


# ---------------------------------------------------------------- the rows behind an institution's figures

COMPONENT_TITLES = {
    "theory": _l("学员理论考试首次考试"),
    "practical": _l("学员实操考试首次考试"),
    "spot_failures": _l("学员逢查必考不合格"),
    "complaints": _l("投诉举报属实"),
    "impostors": _l("人像抓拍复核为非本人"),
    "overrides": _l("学员学时不足放行"),
}


def _component_page(institution: TrainingInstitution, key: str) -> tuple[list[str], list[list], int, int]:
    """(columns, rows, total, hits) of one component of this month's score."""
    ctx = ranking_components.ranking_ctx(local_today().replace(day=1))
    sub = ranking_components.component_rows(ctx, key).subquery()
    found = db.session.execute(
        sa.select(sub.c.ref_id, sub.c.person_id, sub.c.hit)
        .where(sub.c.institution_id == institution.id)
        .order_by(sub.c.ref_id)
    ).all()
    total, hits = len(found), sum(int(r.hit or 0) for r in found)
    persons = {
        p.id: p
        for p in db.session.scalars(sa.select(Person).where(Person.id.in_({r.person_id for r in found if r.person_id})))
    }

    def who(row):
        person = persons.get(row.person_id)
        return (person.name, url_for("people.person", person_id=person.id)) if person else ""

    ids = [r.ref_id for r in found]
    rows: list[list] = []
    if key == "theory":
        attempts = {a.id: a for a in db.session.scalars(sa.select(Attempt).where(Attempt.id.in_(ids)))}
        columns = [_("姓名"), _("考试"), _("评分时间"), _("成绩"), _("结果")]
        for r in found:
            a = attempts[r.ref_id]
            rows.append(
                [
                    who(r),
                    a.sitting.title,
                    format_local(a.graded_at),
                    f"{a.score:g}" if a.score is not None else "",
                    _("合格") if a.passed else _("不合格"),
                ]
            )
    elif key == "practical":
        attempts = {
            a.id: a for a in db.session.scalars(sa.select(PracticalAttempt).where(PracticalAttempt.id.in_(ids)))
        }
        columns = [_("姓名"), _("操作项目"), _("考试日期"), _("成绩"), _("结果")]
        for r in found:
            a = attempts[r.ref_id]
            rows.append(
                [
                    who(r),
                    a.operation_code,
                    a.exam_on.isoformat(),
                    f"{a.score:g}" if a.score is not None else "",
                    _("合格") if a.passed else _("不合格"),
                ]
            )
    elif key == "spot_failures":
        tickets = {t.id: t for t in db.session.scalars(sa.select(SpotCheckTicket).where(SpotCheckTicket.id.in_(ids)))}
        columns = [_("姓名"), _("检查日期"), _("企业"), _("成绩")]
        for r in found:
            t = tickets[r.ref_id]
            rows.append(
                [
                    who(r),
                    t.inspection.inspected_on.isoformat(),
                    t.inspection.enterprise.name,
                    _("未参加") if t.absent else (f"{t.score:g}" if t.score is not None else ""),
                ]
            )
    elif key == "overrides":
        events = {e.id: e for e in db.session.scalars(sa.select(ArchiveEvent).where(ArchiveEvent.id.in_(ids)))}
        columns = [_("姓名"), _("时间"), _("考试"), _("放行原因")]
        for r in found:
            payload = json.loads(events[r.ref_id].payload)
            rows.append(
                [who(r), format_local(events[r.ref_id].at), payload.get("title", ""), payload.get("reason", "")]
            )
    elif key == "complaints":
        items = {c.id: c for c in db.session.scalars(sa.select(Complaint).where(Complaint.id.in_(ids)))}
        supervising = role_policy.oversees(current_user)
        columns = [_("受理日期"), _("来源"), _("核查结论")]
        for r in found:
            c = items[r.ref_id]
            first = (
                (c.received_on.isoformat(), url_for("dashboards.complaint_page", complaint_id=c.id))
                if supervising
                else c.received_on.isoformat()
            )
            rows.append([first, c.source.label, c.verdict.label])
    else:  # impostors
        snaps = {s.id: s for s in db.session.scalars(sa.select(Snapshot).where(Snapshot.id.in_(ids)))}
        columns = [_("姓名"), _("场景"), _("抓拍时间"), _("复核时间")]
        for r in found:
            snap = snaps[r.ref_id]
            rows.append([who(r), snap.context.label, format_local(snap.taken_at), format_local(snap.reviewed_at)])
    return columns, rows, total, hits


@bp.route("/dashboard/institutions/<int:institution_id>/rows")
@roles_required(Role.ADMIN, Role.REGULATOR, Role.INSTITUTION)
def institution_rows(institution_id: int):
    """The rows behind one figure of an institution's score (``?component=``), as a page or (``?xlsx=1``) a file."""
    institution = scope.get_institution_or_404(current_user, institution_id)
    key = request.args.get("component") or "theory"
    if key not in ranking_components.COUNTED:
        abort(404)
    columns, rows, total, hits = _component_page(institution, key)
    title = str(COMPONENT_TITLES[key])
    if request.args.get("xlsx"):
        book = Workbook()
        sheet = book.active
        sheet.title = title[:31]
        sheet.append(columns)
        for row in rows:
            sheet.append([cell[0] if isinstance(cell, tuple) else cell for cell in row])
        sheet.append([])
        sheet.append([_("共计"), total])
        out = io.BytesIO()
        book.save(out)
        out.seek(0)
        return send_file(out, as_attachment=True, download_name=f"institution-{institution.id}-{key}.xlsx")
    return render_template(
        "dashboards/institution_rows.html",
        institution=institution,
        key=key,
        title=title,
        columns=columns,
        rows=rows,
        total=total,
        hits=hits if key in ("theory", "practical") else None,
    )
