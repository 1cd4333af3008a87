"""Translated messages for the API's error codes."""

from __future__ import annotations

from flask_babel import gettext as _

from app.core.messages import register

MESSAGES = {
    "api.unauthorized": lambda p: _("缺少有效的接口令牌（Authorization: Bearer …）"),
    "api.scope_missing": lambda p: _("该接口客户端没有此权限：%(scope)s", scope=p.get("scope", "")),
    "api.rate_limited": lambda p: _("请求过于频繁，请 %(seconds)s 秒后再试", seconds=p.get("seconds", "")),
    "api.not_found": lambda p: _("未找到，或不在该客户端的可见范围内"),
    "api.invalid_request": lambda p: _("请求参数无效：%(detail)s", detail=p.get("detail", "")),
    "api.blank": lambda p: _("%(field)s 不能为空", field=p.get("field", "")),
    "api.bad_cursor": lambda p: _("分页游标无效"),
    "api.idempotency_key_required": lambda p: _("POST 请求须带 Idempotency-Key 请求头（1–200 个可见字符）"),
    "api.idempotency_key_reused": lambda p: _("该 Idempotency-Key 已用于另一个请求"),
    "api.not_a_jurisdiction": lambda p: _("只有监管部门的接口客户端可以这样做"),
    "api.officer_unknown": lambda p: _("执法人员账号无效或不在本辖区：%(username)s", username=p.get("username", "")),
    "api.inspection_open": lambda p: _("检查尚未结束，请先结束检查"),
    "api.not_in_inspection": lambda p: _("该人员不在本次检查的受检名单中"),
    "api.webhook_url": lambda p: _("推送地址无效：%(reason)s", reason=p.get("reason", "")),
    "api.webhook_events": lambda p: _("未知的事件类型：%(events)s", events=p.get("events", "")),
    "api.webhook_scope": lambda p: _("订阅此事件须有权限：%(scope)s", scope=p.get("scope", "")),
    # managing clients (the pages)
    "api_client.tenant_required": lambda p: _("请选择该客户端所属的监管部门、企业或培训机构"),
    "api_client.tenant_out_of_scope": lambda p: _("只能为本辖区内的单位创建接口客户端"),
    "api_client.scope_not_allowed": lambda p: _(
        "企业和培训机构的客户端不能有此权限：%(scope)s", scope=p.get("scope", "")
    ),
    "api_client.no_scopes": lambda p: _("请至少选择一项权限"),
    "api_client.revoked": lambda p: _("该客户端已停用"),
}

register(MESSAGES)
