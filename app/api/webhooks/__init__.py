"""Webhooks: events out of the domain, fanned out to the subscriptions whose client may see them, signed and
delivered by Celery after the commit, retried with backoff, logged per delivery.

Events (``EVENTS``), and where they come from — without the domains knowing about the API:

======================== ========================================================================================
certificate.status_changed an 一人一档 event of a certificate that sets its status (发证, 复审, 延期复审, 换证, 暂扣,
                         发还, 撤销, 注销, the nightly 状态到期变更, a 依新规调整 that moved the status): heard as
                         the archive event is inserted (``archive_events`` after-insert)
training.completed       the 一人一档 event ``training.completed`` (结业: hours reached and class exam passed)
inspection.closed        ``app.spotchecks.listeners.on_closed`` (the inspector's close or the expiry job)
finding.due              beat (``api.findings_due``): a finding not yet closed whose deadline is ``API_FINDING_DUE_DAYS``
                         away or nearer, once per finding and deadline
======================== ========================================================================================

The pieces: ``events`` (the kinds), ``subscriptions``, ``outbox`` (the events, heard in the transaction of the change), ``fanout``,
``signing``, ``sending``. Each becomes a :class:`WebhookEvent` row in the transaction of the change (an outbox: rolled back with it, never
lost after it), written only while some subscription exists. ``api.fan_out`` — sent after the commit, and swept by
beat — makes one :class:`WebhookDelivery` per subscription to the kind whose client's scope reaches the subject
(the same ``scope.py`` queries as for its GETs); ``api.deliver`` sends each. Nothing here can make the change that
caused an event fail or wait: the outbox row is one insert, and sending happens in a worker.

A delivery is a POST of ``{"id", "type", "occurred_at", "data"}`` with ``Anpei-Signature: t=<unix time>,
v1=<hex HMAC-SHA256 of "<t>.<body>" under the client's signing secret>``, ``Anpei-Event-Id`` (the same on every
retry: receivers deduplicate on it) and ``Anpei-Delivery-Id``. A 2xx answer delivers it; anything else, or no
answer within ``API_WEBHOOK_TIMEOUT`` seconds, is retried after 30 s, 1, 2, 4 … minutes (at most 6 h apart),
``API_WEBHOOK_MAX_ATTEMPTS`` times in all, then ``dead``.
"""
