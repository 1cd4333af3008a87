"""How the 一人一档 events of certificates read (``certificate.*``)."""

from __future__ import annotations

from flask_babel import gettext as _

from app.archive.render import RenderedEvent, enum_label, facts, local_time, renders
from app.certificates.models import CertKind, CertStatus


def _cert_facts(p: dict) -> list[tuple[str, str]]:
    return facts(
        (_("证书"), enum_label(CertKind, p.get("cert_kind")) if p.get("cert_kind") else ""),
        (_("证号"), p.get("number")),
        (_("类别"), " / ".join(x for x in (p.get("category"), p.get("item")) if x)),
        (_("发证机关"), p.get("authority")),
    )


def _decision_facts(p: dict) -> list[tuple[str, str]]:
    return facts((_("原因"), p.get("reason")), (_("文号"), p.get("doc_number")))


def _status(p: dict) -> tuple[str, str] | None:
    value = p.get("status")
    if value not in CertStatus._value2member_map_:
        return None
    status = CertStatus(value)
    return status.label, status.tone


@renders("certificate.issued")
def _issued(p: dict) -> RenderedEvent:
    return RenderedEvent(
        _("发证"),
        _cert_facts(p) + facts((_("有效期"), f"{local_time(p.get('valid_from'))} – {local_time(p.get('valid_to'))}")),
        (_("有效"), "ok"),
    )


@renders("certificate.reviewed")
def _reviewed(p: dict) -> RenderedEvent:
    return RenderedEvent(
        _("证书复审"),
        _cert_facts(p)
        + facts(
            (_("方式"), _("连续从事本工种10年以上，延长复审周期") if p.get("ten_year") else _("复审考试合格")),
            (_("原应复审日期"), local_time(p.get("due_was"))),
            (_("下次应复审日期"), local_time(p.get("next_due"))),
            (_("文号"), p.get("doc_number")),
        ),
        _status(p),
    )


@renders("certificate.extended")
def _extended(p: dict) -> RenderedEvent:
    return RenderedEvent(
        _("延期复审"),
        _cert_facts(p)
        + facts(
            (_("原有效期至"), local_time(p.get("valid_to_was"))),
            (_("新有效期至"), local_time(p.get("valid_to"))),
            (_("下次应复审日期"), local_time(p.get("next_due"))),
            (_("文号"), p.get("doc_number")),
        ),
        _status(p),
    )


@renders("certificate.suspended")
def _suspended(p: dict) -> RenderedEvent:
    return RenderedEvent(_("证书暂扣"), _cert_facts(p) + _decision_facts(p), _status(p))


@renders("certificate.reinstated")
def _reinstated(p: dict) -> RenderedEvent:
    return RenderedEvent(_("证书发还"), _cert_facts(p) + _decision_facts(p), _status(p))


@renders("certificate.revoked")
def _revoked(p: dict) -> RenderedEvent:
    return RenderedEvent(_("证书撤销"), _cert_facts(p) + _decision_facts(p), _status(p))


@renders("certificate.cancelled")
def _cancelled(p: dict) -> RenderedEvent:
    return RenderedEvent(_("证书注销"), _cert_facts(p) + _decision_facts(p), _status(p))


@renders("certificate.reissued")
def _reissued(p: dict) -> RenderedEvent:
    return RenderedEvent(_("证书补发"), _cert_facts(p) + facts((_("原因"), p.get("reason"))), _status(p))


@renders("certificate.replaced")
def _replaced(p: dict) -> RenderedEvent:
    return RenderedEvent(_("证书换发"), _cert_facts(p) + facts((_("原因"), p.get("reason"))), _status(p))


@renders("certificate.lapsed")
def _lapsed(p: dict) -> RenderedEvent:
    return RenderedEvent(
        _("证书状态变更"),
        _cert_facts(p) + facts((_("原状态"), enum_label(CertStatus, p.get("from")) if p.get("from") else "")),
        _status(p),
    )


@renders("certificate.renewed")
def _renewed(p: dict) -> RenderedEvent:
    duty = {"renew": _("换证"), "renew_manager": _("延期换证")}.get(p.get("duty"), _("换证"))
    return RenderedEvent(
        _("证书%(duty)s", duty=duty),
        _cert_facts(p)
        + facts(
            (_("申请日期"), local_time(p.get("applied_on"))),
            (_("原有效期至"), local_time(p.get("valid_to_was"))),
            (_("新有效期至"), local_time(p.get("valid_to"))),
            (_("文号"), p.get("doc_number")),
        ),
        _status(p),
    )


@renders("certificate.rule_changed")
def _rule_changed(p: dict) -> RenderedEvent:
    return RenderedEvent(
        _("依新规调整：不再复审，有效期满换证"),
        _cert_facts(p) + facts((_("原应复审日期"), local_time(p.get("review_due_was"))), (_("依据"), p.get("reason"))),
        _status(p),
    )


@renders("certificate.violation")
def _violation(p: dict) -> RenderedEvent:
    return RenderedEvent(
        _("违章记录"), _cert_facts(p) + facts((_("发生日期"), local_time(p.get("on")))) + _decision_facts(p), None
    )


@renders("certificate.suspension_proposed")
def _suspension_proposed(p: dict) -> RenderedEvent:
    return RenderedEvent(_("暂扣建议"), _cert_facts(p) + _decision_facts(p), None)
