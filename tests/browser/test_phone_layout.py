"""Every page of the navigation, as every demo role, on a 390 × 844 phone: nothing scrolls sideways, the header
stays short (at most 120 px of the 844), and no table squeezes its cells to a character a line (tables become
cards: each cell with its column's heading)."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.seed.demo import DEMO_LOGINS, DEMO_PASSWORD, seed_demo


@pytest.fixture
def demo(app):
    assert seed_demo()
    db.session.commit()


SQUEEZED = """() => Array.from(document.querySelectorAll('main td, main th'))
  .filter(c => c.offsetWidth > 0 && c.textContent.trim().length > 4 && c.offsetWidth < 60)
  .map(c => c.textContent.trim().slice(0, 12))"""


def test_no_page_of_any_role_scrolls_sideways_on_a_phone(demo, phone_page, log_in, live_server):
    page, checked, wide, tall, squeezed = phone_page, 0, [], [], []
    for username, _role, _label in DEMO_LOGINS:
        page.context.clear_cookies()
        log_in(page, username, DEMO_PASSWORD)
        hrefs = page.eval_on_selector_all("header nav a", "links => links.map(a => a.getAttribute('href'))")
        assert hrefs, username
        for href in dict.fromkeys(["/", *hrefs]):
            page.goto(href)
            page.wait_for_load_state("load")  # stylesheets and images in: the layout is final
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            checked += 1
            if overflow > 1:
                wide.append(f"{username} {href}: {overflow}px")
            header = page.evaluate("document.querySelector('header.top').getBoundingClientRect().height")
            if header > 120:
                tall.append(f"{username} {href}: {header:.0f}px")
            cells = page.evaluate(SQUEEZED)
            if cells:
                squeezed.append(f"{username} {href}: {cells[:3]}")
    assert checked >= 25
    assert wide == [], "pages that scroll sideways on a phone:\n" + "\n".join(wide)
    assert tall == [], "headers taller than 120 px on a phone:\n" + "\n".join(tall)
    assert squeezed == [], "table cells squeezed narrower than 60 px on a phone:\n" + "\n".join(squeezed)
