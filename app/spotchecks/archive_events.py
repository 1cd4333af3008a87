"""How the 一人一档 events 逢查必考 writes read (``spotcheck.*``, ``finding.*``)."""

from __future__ import annotations

from flask_babel import gettext as _

from app.archive.render import RenderedEvent, enum_label, facts, local_time, outcome_passed, renders, score_text
from app.people.models import Post
from app.spotchecks.models import TicketReason


def _spotcheck_facts(p: dict) -> list[tuple[str, str]]:
    return facts((_("检查文书"), p.get("doc_number")), (_("单位"), p.get("enterprise")))


@renders("spotcheck.sampled")
def _spotcheck_sampled(p: dict) -> RenderedEvent:
    return RenderedEvent(
        _("逢查必考 被抽中受测"),
        _spotcheck_facts(p)
        + facts(
            (_("岗位类别"), enum_label(Post, p.get("post")) if p.get("post") else ""),
            (_("抽取方式"), enum_label(TicketReason, p.get("reason")) if p.get("reason") else ""),
        ),
    )


@renders("spotcheck.result")
def _spotcheck_result(p: dict) -> RenderedEvent:
    if p.get("answered") is False:
        return RenderedEvent(_("逢查必考 成绩"), _spotcheck_facts(p), (_("未参加"), "bad"))
    return RenderedEvent(
        _("逢查必考 成绩"),
        _spotcheck_facts(p) + facts((_("得分"), score_text(p.get("score"), p.get("max_score")))),
        outcome_passed(p.get("passed")),
    )


@renders("spotcheck.voided")
def _spotcheck_voided(p: dict) -> RenderedEvent:
    replaced = p.get("replaced")
    return RenderedEvent(
        _("逢查必考 受测作废"),
        _spotcheck_facts(p)
        + facts(
            (_("原因"), p.get("reason")),
            (_("处理"), _("由同岗位人员替换") if replaced else _("无可替换人员") if replaced is False else ""),
        ),
        (_("已作废"), "warn"),
    )


@renders("finding.opened")
def _finding_opened(p: dict) -> RenderedEvent:
    return RenderedEvent(
        _("整改项"),
        _spotcheck_facts(p) + facts((_("整改措施"), p.get("action")), (_("整改期限"), local_time(p.get("deadline")))),
        (_("待整改"), "bad"),
    )


@renders("finding.closed")
def _finding_closed(p: dict) -> RenderedEvent:
    if p.get("override"):
        closing = facts((_("人工销号理由"), p.get("override")))
    else:
        closing = facts((_("补考得分"), score_text(p.get("makeup_score"))))
    return RenderedEvent(_("整改销号"), facts((_("检查文书"), p.get("doc_number"))) + closing, (_("已销号"), "ok"))
