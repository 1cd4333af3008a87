"""How each kind of 一人一档 event reads: a translated title and typed (label, value) facts.

The archive stores canonical JSON written by the services (``record_event``); this module is the one place that
turns those payloads into what a person reads — times in the user's zone, enums by their labels, scores as
"85/100", an operation code with its name — on the timeline, the dossier page and the dossier PDF.

Every kind written by the code has a renderer below; ``tests/archive/test_render.py`` checks each one.
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
}
_GROUP_OF_PREFIX = {"person": "person", "employment": "person", "exam": "exam", "spotcheck": "spotcheck"}
_GROUP_OF_PREFIX["finding"] = "spotcheck"


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


def operation_text(code: str | None) -> str:
    """``9.16`` → ``9.16 化工自动化控制仪表作业`` (the code alone only when the catalogue does not know it)."""
    if not code:
        return ""
    name = _operation_names().get(code)
    return f"{code} {name}" if name else code


def _operation_names() -> dict[str, str]:
    """The 特种作业目录's names by code, read once per request (a roster shows one per row)."""
    import sqlalchemy as sa
    from flask import g, has_app_context

    from app.extensions import db
    from app.rules.models import Operation

    if has_app_context() and "_operation_names" in g:
        return g._operation_names
    names = dict(db.session.execute(sa.select(Operation.code, Operation.name)).all())
    if has_app_context():
        g._operation_names = names
    return names


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


# ---------------------------------------------------------------- one renderer per kind


def _facts(*pairs: tuple[str, str]) -> list[tuple[str, str]]:
    """Facts without the empty ones."""
    return [(label, value) for label, value in pairs if value not in (None, "")]


def _person_registered(p: dict) -> RenderedEvent:
    sex = {"M": _("男"), "F": _("女")}.get(p.get("sex"), "")
    return RenderedEvent(
        _("建档"),
        _facts(
            (_("姓名"), p.get("name")),
            (_("证件"), p.get("id")),
            (_("性别"), sex),
            (_("来源"), source_text(p.get("source"))),
        ),
    )


def _employment_started(p: dict) -> RenderedEvent:
    from app.people.models import EmploymentType, Post

    return RenderedEvent(
        _("入职"),
        _facts(
            (_("单位"), p.get("enterprise")),
            (_("岗位类别"), enum_label(Post, p.get("post")) if p.get("post") else ""),
            (_("操作项目"), operation_text(p.get("operation"))),
            (_("用工形式"), enum_label(EmploymentType, p.get("employment_type")) if p.get("employment_type") else ""),
            (_("职务"), p.get("job_title")),
            (_("入职日期"), local_time(p.get("start_date"))),
            (_("来源"), source_text(p.get("source"))),
        ),
    )


def _change_field(key: str) -> tuple[str, Callable[[object], str]]:
    from app.people.models import EmploymentType, Post

    fields: dict[str, tuple[str, Callable[[object], str]]] = {
        "name": (_("姓名"), str),
        "phone": (_("手机号"), str),
        "education": (_("文化程度"), str),
        "enterprise": (_("单位"), str),
        "post": (_("岗位类别"), lambda v: enum_label(Post, v)),
        "employment_type": (_("用工形式"), lambda v: enum_label(EmploymentType, v)),
        "operation": (_("操作项目"), lambda v: operation_text(v) or "—"),
        "job_title": (_("职务"), str),
        "start_date": (_("入职日期"), local_time),
    }
    return fields.get(key, (_("其他信息"), str))


def _employment_updated(p: dict) -> RenderedEvent:
    facts = []
    for key, pair in sorted((p.get("changes") or {}).items()):
        label, fmt = _change_field(key)
        before, after = [*pair, None, None][:2] if isinstance(pair, list) else (None, pair)
        facts.append((label, f"{fmt(before) if before not in (None, '') else '—'} → {fmt(after) if after else '—'}"))
    return RenderedEvent(_("信息变更"), facts)


def _employment_ended(p: dict) -> RenderedEvent:
    return RenderedEvent(
        _("离职"),
        _facts(
            (_("单位"), p.get("enterprise")),
            (_("离职日期"), local_time(p.get("end_date"))),
            (_("原因"), p.get("reason")),
        ),
    )


def _exam_facts(p: dict) -> list[tuple[str, str]]:
    from app.exams.models import ExamKind

    return _facts(
        (_("考试"), p.get("title")),
        (_("类型"), enum_label(ExamKind, p.get("exam_kind")) if p.get("exam_kind") else ""),
    )


def _exam_started(p: dict) -> RenderedEvent:
    return RenderedEvent(
        _("考试开始"),
        _exam_facts(p)
        + _facts(
            (_("题数"), str(p["questions"]) if p.get("questions") else ""),
            (_("交卷截止"), local_time(p.get("deadline"))),
        ),
    )


def _exam_submitted(p: dict) -> RenderedEvent:
    return RenderedEvent(
        _("交卷"), _exam_facts(p) + _facts((_("已答题数"), str(p["answered"]) if "answered" in p else ""))
    )


def _exam_expired(p: dict) -> RenderedEvent:
    return RenderedEvent(
        _("考试超时，系统自动交卷"),
        _exam_facts(p) + _facts((_("已答题数"), str(p["answered"]) if "answered" in p else "")),
    )


def _exam_graded(p: dict) -> RenderedEvent:
    return RenderedEvent(
        _("考试成绩"),
        _exam_facts(p)
        + _facts(
            (_("得分"), score_text(p.get("score"), p.get("max_score"))),
            (_("合格线"), score_text(p.get("pass_mark"))),
        ),
        outcome_passed(p.get("passed")),
    )


def _exam_time_extended(p: dict) -> RenderedEvent:
    return RenderedEvent(
        _("考试延时"),
        _exam_facts(p)
        + _facts(
            (_("延长"), _("%(minutes)s 分钟", minutes=p["minutes"]) if p.get("minutes") else ""),
            (_("原因"), p.get("reason")),
        ),
    )


def _spotcheck_facts(p: dict) -> list[tuple[str, str]]:
    return _facts((_("检查文书"), p.get("doc_number")), (_("单位"), p.get("enterprise")))


def _spotcheck_sampled(p: dict) -> RenderedEvent:
    from app.people.models import Post
    from app.spotchecks.models import TicketReason

    return RenderedEvent(
        _("逢查必考 被抽中受测"),
        _spotcheck_facts(p)
        + _facts(
            (_("岗位类别"), enum_label(Post, p.get("post")) if p.get("post") else ""),
            (_("抽取方式"), enum_label(TicketReason, p.get("reason")) if p.get("reason") else ""),
        ),
    )


def _spotcheck_result(p: dict) -> RenderedEvent:
    if p.get("answered") is False:
        return RenderedEvent(_("逢查必考 成绩"), _spotcheck_facts(p), (_("未参加"), "bad"))
    return RenderedEvent(
        _("逢查必考 成绩"),
        _spotcheck_facts(p) + _facts((_("得分"), score_text(p.get("score"), p.get("max_score")))),
        outcome_passed(p.get("passed")),
    )


def _spotcheck_voided(p: dict) -> RenderedEvent:
    replaced = p.get("replaced")
    return RenderedEvent(
        _("逢查必考 受测作废"),
        _spotcheck_facts(p)
        + _facts(
            (_("原因"), p.get("reason")),
            (_("处理"), _("由同岗位人员替换") if replaced else _("无可替换人员") if replaced is False else ""),
        ),
        (_("已作废"), "warn"),
    )


def _finding_opened(p: dict) -> RenderedEvent:
    return RenderedEvent(
        _("整改项"),
        _spotcheck_facts(p) + _facts((_("整改措施"), p.get("action")), (_("整改期限"), local_time(p.get("deadline")))),
        (_("待整改"), "bad"),
    )


def _finding_closed(p: dict) -> RenderedEvent:
    if p.get("override"):
        facts = _facts((_("人工销号理由"), p.get("override")))
    else:
        facts = _facts((_("补考得分"), score_text(p.get("makeup_score"))))
    return RenderedEvent(_("整改销号"), _facts((_("检查文书"), p.get("doc_number"))) + facts, (_("已销号"), "ok"))


RENDERERS: dict[str, Callable[[dict], RenderedEvent]] = {
    "person.registered": _person_registered,
    "employment.started": _employment_started,
    "employment.updated": _employment_updated,
    "employment.ended": _employment_ended,
    "exam.started": _exam_started,
    "exam.submitted": _exam_submitted,
    "exam.expired": _exam_expired,
    "exam.graded": _exam_graded,
    "exam.time_extended": _exam_time_extended,
    "spotcheck.sampled": _spotcheck_sampled,
    "spotcheck.result": _spotcheck_result,
    "spotcheck.voided": _spotcheck_voided,
    "finding.opened": _finding_opened,
    "finding.closed": _finding_closed,
}


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
