"""What each kind of reminder says — one text for the bell's page and the email (which forces Chinese)."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from app.certificates.models import Notice


@dataclass(frozen=True)
class Wording:
    """What a notice says, in the page's language (the email forces Chinese): the line, an email subject, what to
    do, and the page it links to."""

    line: str
    subject: str
    action: str
    path: str


def wording(notice: Notice) -> Wording:
    """The one text of each kind of notice, for the bell's page and the email alike."""
    if notice.kind == "appointment":
        employment = notice.employment
        params = {
            "name": employment.person.name,
            "enterprise": employment.enterprise.name,
            "post": employment.post.label,
            "date": notice.due_on.isoformat(),
        }
        return Wording(
            _(
                "%(enterprise)s 的%(post)s %(name)s 任职已满6个月（%(date)s），尚未取得安全生产知识和管理能力考核合格证",
                **params,
            ),
            _("任职考核提醒：%(name)s（%(enterprise)s）", name=params["name"], enterprise=params["enterprise"]),
            _("高危行业主要负责人、安全生产管理人员应自任职之日起6个月内通过考核（3号令 第二十四条）。"),
            f"/certificates/compliance/{employment.enterprise_id}",
        )
    cert = notice.certificate
    params = {
        "name": cert.person.name,
        "kind": cert.kind.label,
        "item": cert.item_name,
        "date": notice.due_on.isoformat(),
    }
    path = f"/certificates/{cert.id}"
    short = {"name": params["name"], "kind": params["kind"]}
    if notice.kind == "review":
        return Wording(
            _("%(name)s 的%(kind)s（%(item)s）应于 %(date)s 前复审", **params),
            _("证书复审提醒：%(name)s 的%(kind)s", **short),
            _("请在应复审日期前参加复审考试并办理复审。"),
            path,
        )
    if notice.duty in ("renew", "renew_manager"):
        return Wording(
            _("%(name)s 的%(kind)s（%(item)s）将于 %(date)s 到期，请办理换证", **params),
            _("证书换证提醒：%(name)s 的%(kind)s", **short),
            _("请在有效期届满前参加换证考试并申请换证（合格证须在届满30日前申请）。"),
            path,
        )
    return Wording(
        _("%(name)s 的%(kind)s（%(item)s）将于 %(date)s 到期", **params),
        _("证书到期提醒：%(name)s 的%(kind)s", **short),
        _("请在有效期届满前办理延期复审或重新取证。"),
        path,
    )
