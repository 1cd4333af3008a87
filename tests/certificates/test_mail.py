"""Reminder emails against a real SMTP server (aiosmtpd, in this process on a free port): none when SMTP is not
configured, one per holder and employer per window when it is, never twice however the task is retried, and a
refused or unreachable server neither loses the in-app notice nor the mail (recorded, logged, sent by the sweep)."""

from __future__ import annotations

import email
import email.policy
import logging
import socket
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from app.certificates import mail_tasks, mailing, reminders
from app.certificates.issuing import issuance
from app.certificates.models import MailState, Notice, NoticeMail
from app.core.clock import utcnow
from app.extensions import db

ISSUED = date(2026, 1, 10)  # valid to 2032-01-10, then 换证 (应急管理部令第19号)
WINDOW_OPENS = date(2031, 11, 11)
LINE = "王大锤 的特种作业操作证（低压电工作业）将于 2032-01-10 到期，请办理换证"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """aiosmtpd handler: keeps every accepted message; ``refuse`` answers the next n messages with a 451."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refuse = 0

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            self.refuse -= 1
            return "451 4.3.0 Mailbox busy, try again later"
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"

    def to(self) -> list[str]:
        return sorted(m["To"] for m in self.messages)


@pytest.fixture
def smtp(app, monkeypatch):
    """A real SMTP server on 127.0.0.1 and the app configured to use it (plain SMTP: no TLS on a test port)."""
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", port)
    monkeypatch.setitem(app.config, "SMTP_STARTTLS", False)
    monkeypatch.setitem(app.config, "SMTP_FROM", "安培 <noreply@anpei.test>")
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture(autouse=True)
def _mail_tasks_in_this_process(monkeypatch):
    """Send in this process even where CI runs a real worker: the worker has no SMTP settings of the test's."""
    monkeypatch.setattr(mail_tasks.email_notice, "delay", lambda *args: mail_tasks.email_notice.apply(args=args))


@pytest.fixture(autouse=True)
def _task_log_enabled(monkeypatch):
    """The session's ``upgrade()`` ran Alembic's ``fileConfig``, which disables the loggers that existed then."""
    monkeypatch.setattr(logging.getLogger("app.certificates.mail_tasks"), "disabled", False)


@pytest.fixture
def holder_and_employer(cw):
    """王大锤's certificate, his own login and his employer's admin, both with email addresses."""
    worker = cw.factory.worker(cw.persons[0])
    worker.email = "wang@example.cn"
    cw.admin.email = "hse@xuanwu-chem.example.cn"
    cert = issuance.issue(cw.qualified(cw.persons[0], ISSUED), actor=cw.regulator, today=ISSUED)
    db.session.commit()
    return worker, cw.admin, cert


def send_window() -> int:
    written = reminders.send_due(WINDOW_OPENS)
    db.session.commit()  # the mails go after the commit, as from the daily task
    return written


def mails() -> list[NoticeMail]:
    db.session.rollback()
    return list(db.session.scalars(sa.select(NoticeMail).order_by(NoticeMail.id)))


def test_not_configured_no_email_but_the_notices_are_there(app, cw, holder_and_employer, monkeypatch):
    monkeypatch.setitem(app.config, "SMTP_HOST", None)
    assert send_window() == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notice)) == 2
    assert mails() == []


def test_configured_one_email_per_holder_and_employer_per_window(cw, smtp, holder_and_employer):
    worker, _admin, _cert = holder_and_employer
    assert send_window() == 2
    assert smtp.to() == ["hse@xuanwu-chem.example.cn", "wang@example.cn"]
    message = next(m for m in smtp.messages if m["To"] == "wang@example.cn")
    assert message["Subject"] == "证书换证提醒：王大锤 的特种作业操作证"
    assert message["From"] == "安培 <noreply@anpei.test>"
    assert message["Message-ID"].startswith("<notice-")
    plain = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert LINE in plain and "证号：T" in plain and "/certificates/" in plain
    assert LINE in html and "<a href=" in html
    assert plain.startswith(f"{worker.username}，您好：")  # greeted by their account's name
    assert [m.state for m in mails()] == [MailState.SENT, MailState.SENT]
    # the next days of the window: no new notices, no new mail
    assert reminders.send_due(WINDOW_OPENS + timedelta(days=1)) == 0
    db.session.commit()
    assert len(smtp.messages) == 2


def test_a_recipient_without_an_address_gets_the_notice_only(cw, smtp, holder_and_employer):
    worker, _admin, _cert = holder_and_employer
    worker.email = ""
    db.session.commit()
    assert send_window() == 2
    assert smtp.to() == ["hse@xuanwu-chem.example.cn"]


def test_a_retried_or_redelivered_task_does_not_send_twice(cw, smtp, holder_and_employer):
    send_window()
    assert len(smtp.messages) == 2
    for row in mails():
        assert mail_tasks.email_notice(row.id) == "skipped"  # retried after it was sent
    assert mail_tasks.retry_mails() == 0
    assert len(smtp.messages) == 2
    # a redelivery while another worker holds the claim (within its lease) sends nothing either
    row = mails()[0]
    db.session.execute(
        sa.update(NoticeMail).where(NoticeMail.id == row.id).values(state=MailState.SENDING, claimed_at=utcnow())
    )
    db.session.commit()
    assert mail_tasks.email_notice(row.id) == "skipped"
    assert len(smtp.messages) == 2


def test_an_smtp_refusal_keeps_the_notice_is_logged_and_sent_by_the_sweep(cw, smtp, holder_and_employer, caplog):
    worker, admin, _cert = holder_and_employer
    smtp.refuse = 2
    with caplog.at_level(logging.WARNING, logger="app.certificates.mail_tasks"):
        assert send_window() == 2
    assert smtp.messages == []
    assert [(m.state, m.attempts) for m in mails()] == [(MailState.FAILED, 1), (MailState.FAILED, 1)]
    assert all("451" in m.error for m in mails())
    assert sum("failed (attempt 1)" in r.getMessage() for r in caplog.records) == 2
    assert reminders.unread_count(worker.id) == 1 and reminders.unread_count(admin.id) == 1  # in-app still there

    assert mail_tasks.retry_mails() == 0  # the pause is not over yet
    db.session.execute(sa.update(NoticeMail).values(next_try_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert mail_tasks.retry_mails() == 2
    assert smtp.to() == ["hse@xuanwu-chem.example.cn", "wang@example.cn"]
    assert [(m.state, m.attempts) for m in mails()] == [(MailState.SENT, 2), (MailState.SENT, 2)]
    assert mail_tasks.retry_mails() == 0
    assert len(smtp.messages) == 2


def test_an_unreachable_server_is_a_recorded_failure_not_an_error(app, cw, holder_and_employer, monkeypatch, caplog):
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", free_port())  # nobody listens there
    monkeypatch.setitem(app.config, "SMTP_STARTTLS", False)
    monkeypatch.setitem(app.config, "SMTP_TIMEOUT", 5)
    with caplog.at_level(logging.WARNING, logger="app.certificates.mail_tasks"):
        assert send_window() == 2
    rows = mails()
    assert [m.state for m in rows] == [MailState.FAILED, MailState.FAILED]
    assert all("ConnectionRefusedError" in m.error for m in rows)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notice)) == 2


def test_a_mail_out_of_tries_is_left_alone(cw, smtp, holder_and_employer):
    smtp.refuse = 2
    send_window()
    db.session.execute(
        sa.update(NoticeMail).values(attempts=mailing.MAX_ATTEMPTS, next_try_at=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()
    assert mail_tasks.retry_mails() == 0
    assert mail_tasks.email_notice(mails()[0].id) == "skipped"
    assert smtp.messages == []


def test_the_account_page_sets_the_address(client, login, cw):
    login(cw.admin)
    page = client.get("/account").get_data(as_text=True)
    assert 'name="email"' in page
    response = client.post("/account", data={"email": "not-an-address"})
    assert "请输入有效的电子邮箱地址" in response.get_data(as_text=True)
    assert client.post("/account", data={"email": " hse@example.cn "}).status_code == 302
    db.session.rollback()
    assert cw.admin.email == "hse@example.cn"
    assert client.post("/account", data={"email": ""}).status_code == 302
    db.session.rollback()
    assert cw.admin.email == ""
