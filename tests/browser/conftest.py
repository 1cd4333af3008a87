"""Browser fixtures: the session app served on a real port, driven by headless Chromium through Playwright.

The server runs the same ``app`` (and so the same test database) as the rest of the suite, in a daemon thread,
so rows made with ``factory`` and ``factory.commit()`` are visible to the browser, and the autouse clean-up in
``tests/conftest.py`` empties the database after each browser test as after any other.

CSRF protection is switched on for each browser test (and off again afterwards, because the session app is
shared with the test-client tests): the browser submits the real forms with their tokens.

Chromium is the distribution's ``/usr/bin/chromium`` (``playwright install`` is never needed); the tests are
skipped, with the reason, only when that binary is missing.
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from playwright.sync_api import expect

CHROMIUM = os.environ.get("ANPEI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"viewport": {"width": 1280, "height": 800}, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 1,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
    "timezone_id": "Asia/Shanghai",
}
TIMEOUT_MS = 10_000


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def live_server(app):
    """Base URL (no trailing slash) of the session app served by werkzeug in a daemon thread."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    if not (os.path.isfile(CHROMIUM) or shutil.which(CHROMIUM)):
        pytest.skip(f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium); not found")
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()


def _new_page(browser, live_server, options):
    context = browser.new_context(base_url=live_server, **options)
    context.set_default_timeout(TIMEOUT_MS)
    return context, context.new_page()


@pytest.fixture
def page(browser, live_server):
    """A desktop page (1280×800, zh-CN) in a fresh context: no cookies shared between tests."""
    context, page = _new_page(browser, live_server, DESKTOP)
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def phone_page(browser, live_server):
    """A phone-sized page (390×844, touch) in a fresh context."""
    context, page = _new_page(browser, live_server, PHONE)
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def log_in():
    """``log_in(page, username, password="pw")`` signs in through the login form and waits for the home page."""

    def do(page, username: str, password: str = "pw"):
        page.goto("/login")
        page.fill("#username", username)
        page.fill("#password", password)
        page.click("form.stack button[type=submit]")
        page.wait_for_url(lambda url: "/login" not in url)
        return page

    return do


def assert_image_shown(page, selector: str) -> None:
    """The one image at ``selector`` is on screen and shows a picture: its file is served as an image (the status
    is named when not), and the browser has loaded and decoded it (waited for, as a user waits for a picture)."""
    image = page.locator(selector)
    expect(image).to_be_visible()
    response = page.request.get(image.get_attribute("src"))
    assert response.status == 200, f"{selector}: {image.get_attribute('src')} answered {response.status}"
    assert response.headers["content-type"].startswith("image/"), response.headers["content-type"]
    page.wait_for_function(
        "selector => { const img = document.querySelector(selector); return img.complete && img.naturalWidth > 0 }",
        arg=selector,
    )
