"""The bell in every role's header, on a phone and on a PC: its unread count is visible, it opens the alerts, the
home page shows the top ones, and marking them read clears the count."""

from __future__ import annotations

import sqlalchemy as sa

from app.auth.models import User
from app.core.db import utcnow
from app.dashboards import alerts
from app.dashboards.models import Alert
from app.extensions import db
from app.seed.demo import DEMO_LOGINS, DEMO_PASSWORD, seed_demo
from tests.browser.conftest import DESKTOP, PHONE


def test_every_role_sees_its_bell_on_a_phone_and_a_pc(app, browser, live_server, log_in):
    assert seed_demo()
    # every demo login gets one more alert of its own (the collector's kinds are tested in tests/dashboards)
    for username, _role, _label in DEMO_LOGINS:
        user = db.session.scalars(sa.select(User).where(User.username == username)).one()
        db.session.add(
            Alert(
                user_id=user.id,
                kind="import",
                ref=f"bell:{username}",
                params={"file": f"{username}.xlsx", "rows": 3},
                link="/",
                created_at=utcnow(),
            )
        )
    db.session.commit()
    for options in (PHONE, DESKTOP):
        context = browser.new_context(base_url=live_server, **options)
        page = context.new_page()
        for username, _role, _label in DEMO_LOGINS:
            user_id = db.session.scalar(sa.select(User.id).where(User.username == username))
            context.clear_cookies()
            log_in(page, username, DEMO_PASSWORD)
            unread = alerts.unread_count(user_id)
            bell = page.locator("header [data-testid=notice-bell]")
            assert (
                bell.is_visible()
                and bell.bounding_box()["x"] + bell.bounding_box()["width"] <= options["viewport"]["width"]
            )
            assert bell.inner_text().strip() == str(unread), (username, bell.inner_text())
            assert bell.locator("svg.icon").is_visible()
            assert page.locator(".home-alerts").get_by_text(f"导入完成：{username}.xlsx（3 行）").is_visible()
            with page.expect_navigation():
                bell.click()
            assert page.url.endswith("/alerts")
            assert page.locator("ul.alerts li.unread").count() == unread
            with page.expect_navigation():
                page.get_by_test_id("mark-read").click()
            assert page.locator("header [data-testid=bell]").is_visible()
            assert page.locator("header [data-testid=notice-bell]").count() == 0
            # read again for the next viewport's round
            db.session.execute(sa.update(Alert).where(Alert.user_id == user_id).values(read_at=None))
            db.session.commit()
        context.close()
