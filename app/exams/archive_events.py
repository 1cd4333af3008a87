"""How the 一人一档 events the exam engine writes read (``exam.*``)."""

from __future__ import annotations

from flask_babel import gettext as _

from app.archive.render import RenderedEvent, enum_label, facts, local_time, outcome_passed, renders, score_text
from app.exams.gates import override_label
from app.exams.models import ExamKind
from app.people.archive_events import operation_text


def _exam_facts(p: dict) -> list[tuple[str, str]]:
    return facts(
        (_("考试"), p.get("title")),
        (_("类型"), enum_label(ExamKind, p.get("exam_kind")) if p.get("exam_kind") else ""),
    )


@renders("exam.started")
def _exam_started(p: dict) -> RenderedEvent:
    return RenderedEvent(
        _("考试开始"),
        _exam_facts(p)
        + facts(
            (_("题数"), str(p["questions"]) if p.get("questions") else ""),
            (_("交卷截止"), local_time(p.get("deadline"))),
        ),
    )


@renders("exam.submitted")
def _exam_submitted(p: dict) -> RenderedEvent:
    return RenderedEvent(
        _("交卷"), _exam_facts(p) + facts((_("已答题数"), str(p["answered"]) if "answered" in p else ""))
    )


@renders("exam.expired")
def _exam_expired(p: dict) -> RenderedEvent:
    return RenderedEvent(
        _("考试超时，系统自动交卷"),
        _exam_facts(p) + facts((_("已答题数"), str(p["answered"]) if "answered" in p else "")),
    )


@renders("exam.graded")
def _exam_graded(p: dict) -> RenderedEvent:
    return RenderedEvent(
        _("考试成绩"),
        _exam_facts(p)
        + facts(
            (_("得分"), score_text(p.get("score"), p.get("max_score"))),
            (_("合格线"), score_text(p.get("pass_mark"))),
        ),
        outcome_passed(p.get("passed")),
    )


@renders("exam.time_extended")
def _exam_time_extended(p: dict) -> RenderedEvent:
    return RenderedEvent(
        _("考试延时"),
        _exam_facts(p)
        + facts(
            (_("延长"), _("%(minutes)s 分钟", minutes=p["minutes"]) if p.get("minutes") else ""),
            (_("原因"), p.get("reason")),
        ),
    )


@renders("exam.gate_overridden")
def _exam_gate_overridden(p: dict) -> RenderedEvent:
    return RenderedEvent(
        _("学时不足放行参考"),
        _exam_facts(p)
        + facts(
            (_("不符合条件"), p.get("refused_because")),
            (_("放行依据"), override_label(p["reason_code"]) if p.get("reason_code") else ""),
            (_("放行原因"), p.get("reason")),
        ),
    )


def _points(value) -> str:
    return "—" if value is None else f"{value:g}"


@renders("exam.practical_graded")
def _practical_graded(p: dict) -> RenderedEvent:
    """实操 result: items with each examiner's points, the examiners and when they signed, the 否决项, the score."""
    names = {i.get("code"): f"{i.get('code', '')} {i.get('name', '')}".strip() for i in p.get("items") or []}
    items = [
        _(
            "%(item)s：%(points)s（满分 %(max)s）",
            item=names[i.get("code")],
            points="、".join(_points(v) for v in i.get("scores") or []),
            max=_points(i.get("max")),
        )
        for i in p.get("items") or []
    ]
    examiners = [
        _("%(name)s（%(time)s 签名）", name=e.get("name", ""), time=local_time(e.get("signed_at")))
        for e in p.get("examiners") or []
    ]
    return RenderedEvent(
        _("实操考试成绩"),
        facts(
            (_("考试"), p.get("title")),
            (_("操作项目"), operation_text(p.get("operation"))),
            (_("实操考点"), p.get("site")),
            (_("考试日期"), local_time(p.get("exam_on"))),
            (_("考试次数"), _("第 %(n)s 次", n=p["attempt_no"]) if p.get("attempt_no") else ""),
            (_("各项得分"), "；".join(items)),
            (_("否决项"), "、".join(names.get(code, code) for code in p.get("vetoed") or [])),
            (_("考评员"), "、".join(examiners)),
            (_("得分"), score_text(p.get("score"), p.get("max_score"))),
            (_("合格线"), score_text(p.get("pass_mark"))),
        ),
        outcome_passed(p.get("passed")),
    )
