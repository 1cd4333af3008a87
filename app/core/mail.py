"""Outgoing email over SMTP, with the standard library (``smtplib`` + ``email.message``): one plain-text body with
an HTML alternative, UTF-8 throughout (Chinese subjects and names are encoded per RFC 2047 / 8-bit MIME).

Off unless ``SMTP_HOST`` is set (``ANPEI_SMTP_*``). Port 465 speaks TLS from the first byte; any other port
upgrades with STARTTLS unless ``SMTP_STARTTLS`` is off (a relay on the same host). Login only when a user is set.

No queue here: a domain decides what to send and when (after its transaction commits, from a Celery task) and
records that it was sent; :func:`send` only delivers one message or raises :class:`MailError`.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app


class MailError(Exception):
    """The message was not accepted (connection, TLS, login or a refusal by the server)."""


@dataclass(frozen=True)
class Mail:
    to: tuple[str, ...]
    subject: str
    text: str
    html: str = ""
    #: A stable id (``<notice-12@anpei>``) lets a receiving server or client drop a duplicate delivery.
    message_id: str | None = None


def configured() -> bool:
    return bool(current_app.config.get("SMTP_HOST"))


def build(mail: Mail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["SMTP_FROM"]
    message["To"] = ", ".join(mail.to)
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = mail.message_id or make_msgid(domain="anpei")
    message.set_content(mail.text, charset="utf-8")
    if mail.html:
        message.add_alternative(mail.html, subtype="html", charset="utf-8")
    return message


def send(mail: Mail) -> None:
    """Deliver ``mail`` to the configured SMTP server.

    :raises MailError: with the server's or the socket's reason; nothing is known to be delivered then.
    """
    config = current_app.config
    host, port, timeout = config["SMTP_HOST"], int(config["SMTP_PORT"]), config.get("SMTP_TIMEOUT", 30)
    message = build(mail)
    try:
        if port == 465:
            client: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(host, port, timeout=timeout)
        with client:
            if port != 465 and config.get("SMTP_STARTTLS"):
                client.starttls(context=ssl.create_default_context())
            if config.get("SMTP_USER"):
                client.login(config["SMTP_USER"], config.get("SMTP_PASSWORD") or "")
            client.send_message(message)
    except (smtplib.SMTPException, OSError) as exc:  # OSError: refused, unreachable, timeouts, TLS
        raise MailError(f"{type(exc).__name__}: {exc}"[:280]) from exc
