"""How each kind of 一人一档 event reads: a translated title and typed (label, value) facts.

The archive stores canonical JSON written by the services (``record_event``); this module is the one place that
turns those payloads into what a person reads — times in the user's zone, enums by their labels, scores as
"85/100", an operation code with its name — on the timeline, the dossier page and the dossier PDF.

Each domain registers the renderings of the kinds it writes (``app/people/archive_events.py``,
``app/exams/archive_events.py``, ``app/spotchecks/archive_events.py``); ``tests/archive/test_render.py`` checks that
every kind written by the code has one.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.core.enums import LabelledEnum
from app.core.templating import format_iso_local


@dataclass(frozen=True)
class RenderedEvent:
    """One event as shown: ``outcome`` is a badge ``(text, tone)`` with tone ``ok``/``bad``/``warn``, or None."""

    title: str
    facts: list[tuple[str, str]] = field(default_factory=list)
    outcome: tuple[str, str] | None = None
    group: str = "other"


#: Filter groups of the dossier's timeline: key → label (the key is the kind's first dotted part, grouped).
GROUPS = {
    "person": _l("人事"),
    "exam": _l("考试"),
    "spotcheck": _l("逢查必考"),
    "certificate": _l("证书"),
}
_GROUP_OF_PREFIX = {"person": "person", "employment": "person", "exam": "exam", "spotcheck": "spotcheck"}
_GROUP_OF_PREFIX["finding"] = "spotcheck"
_GROUP_OF_PREFIX["exit"] = "spotcheck"  # 退出 recommendations follow 逢查必考 failures
_GROUP_OF_PREFIX["certificate"] = "certificate"


def group_of(kind: str) -> str:
    return _GROUP_OF_PREFIX.get(kind.split(".", 1)[0], "other")


# ---------------------------------------------------------------- value formatting


def local_time(value) -> str:
    """An ISO time from a payload (naive = UTC, or with an offset) as the user reads it; a bare date stays a date."""
    return format_iso_local(value)


def enum_label(enum_cls: type[LabelledEnum], value) -> str:
    """The translated label of a stored enum value; an unknown value is shown as a dash, never as a code."""
    if value in enum_cls._value2member_map_:
        return enum_cls(value).label
    return "—" if value in (None, "") else str(value)


def score_text(score, max_score=None) -> str:
    if score is None:
        return ""
    return f"{score:g}/{max_score:g}" if max_score else f"{score:g}"


def source_text(source: str | None) -> str:
    if not source:
        return ""
    if source.startswith("import:"):
        return _("花名册导入 %(file)s", file=source[7:])
    if source == "demo":
        return _("演示数据")
    return _("手工登记")


def outcome_passed(passed) -> tuple[str, str] | None:
    if passed is None:
        return None
    return (_("合格"), "ok") if passed else (_("不合格"), "bad")


# ---------------------------------------------------------------- the registry


def facts(*pairs: tuple[str, str]) -> list[tuple[str, str]]:
    """Facts without the empty ones."""
    return [(label, value) for label, value in pairs if value not in (None, "")]


#: kind → renderer. Each domain registers the kinds it writes (``app/<domain>/archive_events.py``), so this module
#: needs no domain: archive sits below them all.
RENDERERS: dict[str, Callable[[dict], RenderedEvent]] = {}


def renders(kind: str):
    """Decorator: ``@renders("exam.started")`` makes the function the rendering of that kind."""

    def register(fn: Callable[[dict], RenderedEvent]) -> Callable[[dict], RenderedEvent]:
        RENDERERS[kind] = fn
        return fn

    return register


def render_payload(kind: str, payload: dict | str) -> RenderedEvent:
    """Title and facts of one event; an unknown kind reads "其他记录" with no raw keys."""
    data = json.loads(payload) if isinstance(payload, str) else dict(payload or {})
    renderer = RENDERERS.get(kind)
    rendered = renderer(data) if renderer else RenderedEvent(_("其他记录"))
    return RenderedEvent(rendered.title, rendered.facts, rendered.outcome, group_of(kind))


def render_event(event) -> RenderedEvent:
    """An ``ArchiveEvent`` as shown."""
    return render_payload(event.kind, event.payload)


def actor_text(actor_label: str) -> str:
    return _("系统") if actor_label in ("", "system") else actor_label
