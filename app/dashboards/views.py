"""The dashboard (``/dashboard``: a region, an enterprise or an institution), the lists behind its figures with their
xlsx exports, and the one-page PDF for a meeting. Read-only pages: they read through :func:`replica.reading`
(``DATABASE_REPLICA_URL`` when set)."""

from __future__ import annotations

import io
from datetime import date

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.access import roles_required
from app.auth.models import Role
from app.core.clock import local_today
from app.core.errors import DomainError
from app.core.pdf import render_pdf
from app.core.web import MAX_ID, whole_number
from app.dashboards import bp, charts, labels, lists, replica, scope, tiles
from app.dashboards import ranking_views as _ranking_views  # noqa: F401  (动态积分, holds, publishing: its routes)
from app.dashboards import record_views as _record_views  # noqa: F401  (complaints, 退出, alerts: their routes)
from app.dashboards.tiles import FIGURES, TILES
from app.dashboards.window import Ctx

VIEWERS = (Role.ADMIN, Role.REGULATOR, Role.ENTERPRISE, Role.INSTITUTION)


def _int_arg(name: str) -> int | None:
    return whole_number(request.args.get(name), maximum=MAX_ID if name != "page" else 100_000)


def _place() -> scope.Place:
    return scope.resolve(current_user, region=request.args.get("region") or None, enterprise_id=_int_arg("enterprise"))


def _page_data(place: scope.Place) -> dict:
    figures = tiles.figures_for(current_user, place)
    operations = labels.operation_names()
    return {
        "place": place,
        "figures": figures,
        "tiles": TILES,
        "defs": FIGURES,
        "charts": {t.key: charts.chart_for(t, figures, operations) for t in TILES if t.chart},
        "split": tiles.high_risk_split(figures["licensed"]),
        "children": tiles.children(place, figures.ctx, page=_int_arg("page") or 1)
        if place.is_region and figures.as_of
        else tiles.Children([]),
    }


@bp.route("/dashboard")
@roles_required(*VIEWERS)
def dashboard():
    with replica.reading():
        place = _place()
        if place.level == "institution":
            from app.dashboards import ranking_views

            return ranking_views.institution_dashboard(place)
        return render_template("dashboards/dashboard.html", **_page_data(place))


@bp.route("/dashboard.pdf")
@roles_required(*VIEWERS)
def dashboard_pdf():
    """The dashboard on one A4 page (landscape): every figure with its definition, the breakdowns as tables."""
    with replica.reading():
        place = _place()
        if place.level == "institution":
            abort(404)
        data = _page_data(place)
        pdf = render_pdf("dashboards/dashboard_pdf.html", **charts.pdf_context(data))
    return send_file(
        io.BytesIO(pdf),
        mimetype="application/pdf",
        as_attachment=False,
        download_name=f"dashboard-{place.region_code or (place.enterprise.id if place.enterprise else 'all')}.pdf",
    )


# ---------------------------------------------------------------- the lists behind the figures


def _filters() -> lists.Filters:
    hit = request.args.get("hit", "")
    month = request.args.get("month", "")
    try:
        month_value = date.fromisoformat(month) if month else None
    except ValueError:
        month_value = None
    return lists.Filters(
        hit=int(hit) if hit in ("0", "1") else None,
        dim=request.args.get("dim") or None,
        month=month_value,
    )


def _list_ctx(place: scope.Place) -> Ctx:
    """Lists are counted live, on today (a region's tiles show the last refresh: its date is on the tile)."""
    return Ctx.on(local_today())


def _list_view(key: str):
    def view():
        with replica.reading():
            place = _place()
            if place.level == "institution":
                abort(404)
            filters = _filters()
            try:
                page = lists.list_page(
                    key, current_user, place, _list_ctx(place), filters, page=_int_arg("page") or 1, per_page=50
                )
            except DomainError as exc:
                flash(exc.message, "error")
                return redirect(url_for("dashboards.dashboard", **place.args))
            return render_template(
                "dashboards/list.html",
                key=key,
                figure=FIGURES[key],
                place=place,
                page=page,
                filters=filters,
                dim_label=labels.dim_label(key, filters.dim) if filters.dim else "",
                args={k: v for k, v in request.args.items() if k != "page"},
            )

    return view


def _export_view(key: str):
    def view():
        with replica.reading():
            place = _place()
            if place.level == "institution":
                abort(404)
            try:
                data = lists.xlsx(key, current_user, place, _list_ctx(place), _filters())
            except DomainError as exc:
                flash(exc.message, "error")
                return redirect(url_for("dashboards.dashboard", **place.args))
        return send_file(
            io.BytesIO(data),
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            as_attachment=True,
            download_name=f"{key}-{place.region_code or (place.enterprise.id if place.enterprise else 'all')}.xlsx",
        )

    return view


for _key in FIGURES:
    bp.add_url_rule(f"/dashboard/lists/{_key}", f"list_{_key}", roles_required(*VIEWERS)(_list_view(_key)))
    bp.add_url_rule(f"/dashboard/lists/{_key}.xlsx", f"export_{_key}", roles_required(*VIEWERS)(_export_view(_key)))


@bp.app_template_filter("percent")
def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


@bp.app_template_global("place_title")
def place_title(place: scope.Place) -> str:
    return _("全国") if place.level == "nation" else place.name
