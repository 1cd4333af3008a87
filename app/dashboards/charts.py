"""What a tile's chart draws (ECharts, ``static/js/dashboard.js``) and the table beside it for screen readers and
print — the same numbers, in both; and the plain values the one-page PDF is rendered from."""

from __future__ import annotations

from flask_babel import gettext as _

from app.dashboards import labels
from app.dashboards.tiles import FIGURES, Figures, TileDef


def _rate(num: int, den: int) -> float | None:
    return round(100 * num / den, 1) if den else None


def chart_for(tile: TileDef, figures: Figures, operations: dict[str, str]) -> dict:
    """``{"kind", "title", "labels", "values", "rows"}``: bars per dim (rate in %) or a line per month."""
    key = tile.figures[0]
    value = figures[key]
    rows = []
    if tile.chart == "month":
        for month in figures.ctx.months:
            num, den = value.by_month.get(month, (0, 0))
            rows.append((month.strftime("%Y-%m"), num, den, _rate(num, den)))
        kind = "line"
    else:
        for dim, (num, den) in sorted(value.by_dim.items(), key=lambda item: -item[1][1]):
            rows.append((labels.dim_label(key, dim, operations), num, den, _rate(num, den)))
        kind = "bar"
    return {
        "kind": kind,
        "title": str(FIGURES[key].title),
        "labels": [r[0] for r in rows],
        "values": [r[3] for r in rows],
        "rows": rows,
        "unit": "%",
        "trend": trend(rows) if tile.chart == "month" else None,
    }


def trend(rows: list[tuple]) -> dict | None:
    """The last month with results against the one before it with results (percentage points)."""
    known = [(label, rate) for label, _num, den, rate in rows if den]
    if len(known) < 2:
        return None
    (prev_label, prev), (last_label, last) = known[-2], known[-1]
    return {"from": prev_label, "to": last_label, "change": round(last - prev, 1)}


def pdf_context(data: dict) -> dict:
    """Primitives only (``app.core.pdf``): the place, every figure with its value and definition, the breakdowns
    (at most eight rows each) and the drill-down table (at most twelve rows), to fit one page."""
    figures, place = data["figures"], data["place"]
    tiles = []
    for tile in data["tiles"]:
        items = []
        for key in tile.figures:
            value, figure = figures[key], FIGURES[key]
            shown = f"{value.rate * 100:.1f}%" if figure.is_rate and value.rate is not None else str(value.num)
            if figure.is_rate:
                shown = f"{shown}（{value.num}/{value.den}）" if value.den else "—"
            items.append({"title": str(figure.title), "value": shown, "definition": figure.tooltip()})
        chart = data["charts"].get(tile.key)
        rows = [
            {"label": label, "num": num, "den": den, "rate": "—" if rate is None else f"{rate}%"}
            for label, num, den, rate in (chart["rows"][-8:] if chart else [])
        ]
        tiles.append({"title": str(tile.title), "items": items, "rows": rows})
    children = [
        {
            "label": row.label,
            "licensed": "—" if row.values["licensed"].rate is None else f"{row.values['licensed'].rate * 100:.1f}%",
            "spotcheck": "—" if row.values["spotcheck"].rate is None else f"{row.values['spotcheck'].rate * 100:.1f}%",
            "findings": row.values["findings_open"].num,
            "due": row.values["certs_due_60"].num,
            "overdue": row.values["managers_overdue"].num,
        }
        for row in data["children"].rows[:12]
    ]
    return {
        "place_name": _("全国") if place.level == "nation" else place.name,
        "as_of": figures.as_of.isoformat() if figures.as_of else "",
        "live": figures.live,
        "tiles": tiles,
        "children": children,
        "more_children": max(0, data["children"].total - 12),
    }
