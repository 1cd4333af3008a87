"""How the 一人一档 events people writes read (``person.*``, ``employment.*``), and 操作项目 with their names."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from flask import g, has_app_context
from flask_babel import gettext as _

from app.archive.render import RenderedEvent, enum_label, facts, local_time, renders, source_text
from app.extensions import db
from app.people.models import CorrectionField, CorrectionState, EmploymentType, Post, ReviewVerdict
from app.rules.models import Operation


def operation_text(code: str | None) -> str:
    """``9.16`` → ``9.16 化工自动化控制仪表作业`` (the code alone only when the catalogue does not know it)."""
    if not code:
        return ""
    name = _operation_names().get(code)
    return f"{code} {name}" if name else code


def _operation_names() -> dict[str, str]:
    """The 特种作业目录's names by code, read once per request (a roster shows one per row)."""
    if has_app_context() and "_operation_names" in g:
        return g._operation_names
    names = dict(db.session.execute(sa.select(Operation.code, Operation.name)).all())
    if has_app_context():
        g._operation_names = names
    return names


@renders("person.registered")
def _person_registered(p: dict) -> RenderedEvent:
    sex = {"M": _("男"), "F": _("女")}.get(p.get("sex"), "")
    return RenderedEvent(
        _("建档"),
        facts(
            (_("姓名"), p.get("name")),
            (_("证件"), p.get("id")),
            (_("性别"), sex),
            (_("来源"), source_text(p.get("source"))),
        ),
    )


@renders("employment.started")
def _employment_started(p: dict) -> RenderedEvent:
    return RenderedEvent(
        _("入职"),
        facts(
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


def _changes(p: dict) -> list[tuple[str, str]]:
    changes = []
    for key, pair in sorted((p.get("changes") or {}).items()):
        label, fmt = _change_field(key)
        before, after = [*pair, None, None][:2] if isinstance(pair, list) else (None, pair)
        changes.append((label, f"{fmt(before) if before not in (None, '') else '—'} → {fmt(after) if after else '—'}"))
    return changes


@renders("employment.updated")
def _employment_updated(p: dict) -> RenderedEvent:
    return RenderedEvent(_("信息变更"), _changes(p))


@renders("person.updated")
def _person_updated(p: dict) -> RenderedEvent:
    """A change of the person's shared fields (姓名, 手机号, 文化程度), through ``change_person_details``."""
    return RenderedEvent(_("个人信息变更"), _changes(p))


@renders("employment.ended")
def _employment_ended(p: dict) -> RenderedEvent:
    return RenderedEvent(
        _("离职"),
        facts(
            (_("单位"), p.get("enterprise")),
            (_("离职日期"), local_time(p.get("end_date"))),
            (_("原因"), p.get("reason")),
        ),
    )


@renders("person.photo")
def _person_photo(p: dict) -> RenderedEvent:
    """A new registered photo; its sha256 (shortened) lets a reader match it to the photo on a certificate."""
    return RenderedEvent(
        _("更换登记照片") if p.get("replaced") else _("登记照片"),
        facts((_("照片校验值"), (p.get("sha256") or "")[:12])),
    )


@renders("person.photo_consent_withdrawn")
def _person_photo_consent_withdrawn(p: dict) -> RenderedEvent:
    """The person withdrew consent to their registered photo: the nightly purge deletes it once nothing depends on
    it (``app.records.retention.photo_may_go``)."""
    return RenderedEvent(
        _("撤回登记照片使用同意"), facts((_("照片校验值"), (p.get("sha256") or "")[:12])), outcome=(_("待删除"), "warn")
    )


@renders("person.photo_purged")
def _person_photo_purged(p: dict) -> RenderedEvent:
    """The retention job deleted the registered photo (the file and its references)."""
    reason = {"withdrawn": _("本人撤回同意"), "retention": _("保存期限届满")}.get(p.get("reason"), "")
    return RenderedEvent(
        _("照片已按规定删除"), facts((_("照片校验值"), (p.get("sha256") or "")[:12]), (_("原因"), reason))
    )


@renders("person.trainee")
def _person_trainee(p: dict) -> RenderedEvent:
    """A training institution now trains the person (enrolled in a class, or sent by the employer)."""
    return RenderedEvent(
        _("成为培训机构学员"), facts((_("培训机构"), p.get("institution")), (_("来源"), source_text(p.get("source"))))
    )


def _snapshot_context(p: dict) -> str:
    return {"lesson": _("在线学习"), "exam": _("在线考试")}.get(p.get("context"), "")


@renders("snapshot.consent")
def _snapshot_consent(p: dict) -> RenderedEvent:
    """The person agreed to 人像抓拍 for a class (lessons) or a sitting (online exam)."""
    return RenderedEvent(_("同意人像抓拍"), facts((_("场景"), _snapshot_context(p)), (_("班次或考试"), p.get("title"))))


@renders("snapshot.refused")
def _snapshot_refused(p: dict) -> RenderedEvent:
    """The person refused 人像抓拍: lessons then credit nothing; the exam goes on, its organiser sees the refusal."""
    return RenderedEvent(_("拒绝人像抓拍"), facts((_("场景"), _snapshot_context(p)), (_("班次或考试"), p.get("title"))))


@renders("snapshot.flagged")
def _snapshot_flagged(p: dict) -> RenderedEvent:
    """The face checker did not find the registered person in a snapshot: marked for review, credit unchanged."""
    return RenderedEvent(
        _("人像抓拍待复核"),
        facts(
            (_("场景"), _snapshot_context(p)),
            (_("比对方式"), p.get("checker")),
            (_("检出人脸数"), str(p.get("faces", ""))),
        ),
    )


@renders("snapshot.reviewed")
def _snapshot_reviewed(p: dict) -> RenderedEvent:
    """A person reviewed a flagged snapshot (本人 / 非本人, with a note); credit unchanged either way."""
    verdict = p.get("verdict")
    tone = "ok" if verdict == ReviewVerdict.SAME_PERSON.value else "bad"
    return RenderedEvent(
        _("人像抓拍复核"),
        facts((_("场景"), _snapshot_context(p)), (_("复核说明"), p.get("note"))),
        (enum_label(ReviewVerdict, verdict), tone),
    )


@renders("person.record_downloaded")
def _record_downloaded(p: dict) -> RenderedEvent:
    """The person downloaded their own record (PDF or JSON)."""
    return RenderedEvent(_("下载本人档案"), facts((_("格式"), (p.get("format") or "").upper())))


@renders("person.correction_requested")
def _correction_requested(p: dict) -> RenderedEvent:
    return RenderedEvent(
        _("申请更正档案"),
        facts(
            (_("更正项目"), enum_label(CorrectionField, p.get("field"))),
            (_("错误之处"), p.get("wrong")),
            (_("应更正为"), p.get("proposed")),
            (_("提交给"), p.get("to") or _("监管部门")),
        ),
    )


@renders("person.correction_answered")
def _correction_answered(p: dict) -> RenderedEvent:
    accepted = p.get("outcome") == CorrectionState.ACCEPTED.value
    return RenderedEvent(
        _("答复更正申请"),
        facts((_("更正项目"), enum_label(CorrectionField, p.get("field"))), (_("说明"), p.get("note"))),
        outcome=(enum_label(CorrectionState, p.get("outcome")), "ok" if accepted else "bad"),
    )


@renders("employment.confirmed")
def _employment_confirmed(p: dict) -> RenderedEvent:
    """The person (or the authority, in person) confirmed an employment another employer's person was added to."""
    by = _("监管部门当面核实") if p.get("by") == "authority" else _("本人")
    return RenderedEvent(_("确认任职"), facts((_("单位"), p.get("enterprise")), (_("确认方"), by)))
