"""Issue #14, bulk download: on the 持证上岗 page the enterprise clicks "download all as ZIP", watches the progress bar
reach 100 % (static/js/bundle.js polling the bundle's JSON under the CSP) and downloads a ZIP of its staff's PDFs."""

from __future__ import annotations

import io
import threading
import time
import zipfile

import pdfplumber

from app.certificates import bundle_tasks
from app.certificates.issuing import issuance
from tests.certificates.world import build_cert_world, give_photo


def test_download_all_as_zip_from_the_compliance_page(factory, page, log_in, tmp_path, monkeypatch):
    cw = build_cert_world(factory)
    give_photo(cw.persons[2])
    certs = [issuance.issue(cw.attempt_of(p), actor=cw.regulator) for p in (cw.persons[0], cw.persons[2])]
    factory.commit()
    expected = {f"{c.person.name}_低压电工作业_{c.id}.pdf": c.person.name for c in certs}
    # the build starts a moment after the request, in a thread of its own (as a worker would): the page opens at
    # 0 % and only the polling script can bring the bar to 100 % and show the download
    builds: list[threading.Thread] = []

    def later(bundle_id):
        time.sleep(1.0)
        bundle_tasks.build_bundle.apply(args=(bundle_id,))

    def delay(bundle_id):
        builds.append(threading.Thread(target=later, args=(bundle_id,), daemon=True))
        builds[-1].start()

    monkeypatch.setattr(bundle_tasks.build_bundle, "delay", delay)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    log_in(page, cw.admin.username)
    page.goto("/certificates/compliance")
    page.get_by_role("button", name="全部证书打包下载（ZIP）").click()
    page.wait_for_url("**/certificates/bundles/*")
    bar = page.get_by_test_id("bundle-progress")
    assert bar.get_attribute("value") == "0"  # as served: nothing built yet
    assert not page.get_by_test_id("bundle-download").is_visible()
    page.wait_for_function(
        "() => document.querySelector('[data-testid=bundle-progress]').value === 100", timeout=60_000
    )
    assert page.get_by_test_id("bundle-percent").inner_text() == "100 %"
    assert page.locator("[data-field=count]").inner_text() == "2 / 2"
    download_link = page.get_by_test_id("bundle-download")
    download_link.wait_for(state="visible")
    for build in builds:
        build.join(timeout=60)

    with page.expect_download() as info:
        download_link.click()
    path = tmp_path / "bundle.zip"
    info.value.save_as(path)
    archive = zipfile.ZipFile(path)
    assert sorted(archive.namelist()) == sorted([*expected, "README.txt"])
    for name, holder in expected.items():
        data = archive.read(name)
        assert data.startswith(b"%PDF-")
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            assert holder in pdf.pages[0].extract_text()
    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e], errors
