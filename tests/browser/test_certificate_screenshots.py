"""README screenshot of a certificate ZIP bundle from the demo data (written only with ``ANPEI_SCREENSHOTS=1``)."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.test_screenshots import demo, log_in, shoot  # noqa: F401  (the demo fixture)


def test_certificate_bundle_screenshot(page, demo):  # noqa: F811
    log_in(page, "enterprise")
    page.get_by_role("navigation").get_by_role("link", name="持证上岗").click()
    page.get_by_test_id("bundle-zip").first.click()
    expect(page.get_by_test_id("bundle-percent")).to_have_text(
        "100 %", timeout=60_000
    )  # a real worker builds it on PostgreSQL
    shoot(page, "certificate-bundle.png")
