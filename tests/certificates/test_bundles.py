"""Bulk download: the certificates of a 持证上岗 page, a sitting or a regulator's jurisdiction as one ZIP, built by a
task with progress counters, served only to who asked, bounded, and expired."""

from __future__ import annotations

import io
import tempfile
import time
import zipfile
from datetime import date, timedelta

import pdfplumber
import pytest
import sqlalchemy as sa

from app.certificates import bundle_runs, bundle_tasks, bundle_zip, bundles, rendering
from app.certificates.issuing import issuance
from app.certificates.models import BundleState, Certificate, CertificateBundle
from app.core.clock import utcnow
from app.core.errors import DomainError
from app.core.storage import storage
from app.extensions import db
from tests.certificates.world import give_photo

ISSUED = date(2026, 1, 10)


def text_of(pdf: bytes) -> str:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return "\n".join(page.extract_text() or "" for page in doc.pages)


@pytest.fixture
def two_certs(cw) -> list[Certificate]:
    """王大锤 and 赵铁柱 passed: one certificate each, not rendered yet."""
    give_photo(cw.persons[2])
    certs = [issuance.issue(cw.attempt_of(p), actor=cw.regulator) for p in (cw.persons[0], cw.persons[2])]
    cw.factory.commit()
    return certs


def finished(bundle_id: int, timeout: float = 120) -> CertificateBundle:
    """The bundle once its task has finished (at once in-process; CI's real worker takes a moment)."""
    deadline = time.monotonic() + timeout
    while True:
        db.session.rollback()  # a fresh snapshot: a worker commits in its own connection
        bundle = db.session.get(CertificateBundle, bundle_id)
        if bundle.state not in bundle_runs.ACTIVE or time.monotonic() > deadline:
            return bundle
        time.sleep(0.2)


def zip_of(bundle: CertificateBundle) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(storage().read(bundle.file_key)))


def request(client, **form) -> tuple[int, object]:
    response = client.post("/certificates/bundles", data=form)
    assert response.status_code == 302, response.data[:300]
    bundle_id = db.session.scalar(sa.select(sa.func.max(CertificateBundle.id)))
    return bundle_id, response


def test_the_enterprise_downloads_its_staff_certificates_as_one_zip(client, login, cw, two_certs):
    login(cw.admin)
    page = client.get(f"/certificates/compliance/{cw.enterprise.id}").get_data(as_text=True)
    assert 'data-testid="bundle-zip"' in page
    bundle_id, response = request(client, scope="enterprise", ref=str(cw.enterprise.id))
    assert response.location == f"/certificates/bundles/{bundle_id}"
    bundle = finished(bundle_id)
    assert (bundle.state, bundle.done, bundle.total) == (BundleState.DONE, 2, 2)
    status = client.get(f"/certificates/bundles/{bundle_id}.json").get_json()
    assert {k: status[k] for k in ("state", "percent", "done", "total")} == {
        "state": "done",
        "percent": 100,
        "done": 2,
        "total": 2,
    }
    progress = client.get(f"/certificates/bundles/{bundle_id}").get_data(as_text=True)
    assert 'data-testid="bundle-progress"' in progress and "js/bundle.js" in progress

    download = client.get(f"/certificates/bundles/{bundle_id}/download")
    assert download.status_code == 200 and download.mimetype == "application/zip"
    assert "private" in download.headers["Cache-Control"] or "no-store" in download.headers["Cache-Control"]
    archive = zipfile.ZipFile(io.BytesIO(download.data))
    c0, c2 = two_certs
    assert sorted(archive.namelist()) == sorted(
        ["README.txt", f"王大锤_低压电工作业_{c0.id}.pdf", f"赵铁柱_低压电工作业_{c2.id}.pdf"]
    )
    assert "王大锤" in text_of(archive.read(f"王大锤_低压电工作业_{c0.id}.pdf"))
    readme = archive.read("README.txt").decode("utf-8")
    assert "玄武化工有限公司 持证上岗" in readme and "证书 PDF：2 份" in readme and "未包含" not in readme
    # the missing PDFs were rendered and stored on the way, as their own download would have
    db.session.rollback()
    assert all(db.session.get(Certificate, c.id).pdf_current for c in two_certs)


def test_a_double_click_builds_once(client, login, cw, two_certs):
    login(cw.admin)
    bundle, new = bundles.request_bundle(cw.admin, scope="enterprise", ref=str(cw.enterprise.id))
    again, new_again = bundles.request_bundle(cw.admin, scope="enterprise", ref=str(cw.enterprise.id))
    assert new and not new_again and again.id == bundle.id


def test_only_the_requester_sees_or_downloads_a_bundle(client, login, cw, two_certs):
    login(cw.admin)
    bundle_id, _ = request(client, scope="enterprise", ref=str(cw.enterprise.id))
    assert finished(bundle_id).state is BundleState.DONE
    for other in (cw.regulator, cw.other_regulator, cw.factory.admin()):
        db.session.commit()
        login(other)
        for url in (f"/certificates/bundles/{bundle_id}", f"/certificates/bundles/{bundle_id}.json"):
            assert client.get(url).status_code == 404, (other, url)
        assert client.get(f"/certificates/bundles/{bundle_id}/download").status_code == 404


def test_another_citys_regulator_cannot_pack_an_enterprise_it_does_not_reach(client, login, cw, two_certs):
    login(cw.other_regulator)
    assert (
        client.post("/certificates/bundles", data={"scope": "enterprise", "ref": str(cw.enterprise.id)}).status_code
        == 404
    )
    # its "all" holds nothing of Nanjing
    response = client.post("/certificates/bundles", data={"scope": "all"}, follow_redirects=True)
    assert "没有可打包下载的证书" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CertificateBundle)) == 0


def test_the_regulator_packs_its_jurisdiction_and_a_sittings_batch(client, login, cw, two_certs):
    login(cw.regulator)
    bundle_id, _ = request(client, scope="all")
    assert finished(bundle_id).total == 2
    bundle_id, _ = request(client, scope="sitting", ref=str(cw.sitting.id))
    bundle = finished(bundle_id)
    assert (bundle.state, bundle.total, bundle.title) == (BundleState.DONE, 2, "低压电工作业 资格考试 发证")
    assert "本场次证书打包下载" in client.get(f"/certificates/issue/{cw.sitting.id}").get_data(as_text=True)


def test_the_filter_is_applied_within_the_requesters_scope_when_the_task_runs(cw, two_certs):
    """Someone who left the enterprise between the request and the build is not in the ZIP."""
    from app.people.models import Employment

    bundle, _ = bundles.request_bundle(cw.admin, scope="enterprise", ref=str(cw.enterprise.id))
    db.session.execute(
        sa.update(Employment).where(Employment.person_id == cw.persons[2].id).values(end_date=date(2026, 11, 1))
    )
    db.session.commit()
    assert bundle_tasks.build_bundle(bundle.id) == "done"
    bundle = finished(bundle.id)
    assert bundle.total == 1
    assert [n for n in zip_of(bundle).namelist() if n.endswith(".pdf")] == [
        f"王大锤_低压电工作业_{two_certs[0].id}.pdf"
    ]


def test_too_many_certificates_are_refused_before_anything_is_built(app, client, login, cw, two_certs, monkeypatch):
    monkeypatch.setitem(app.config, "CERT_BUNDLE_MAX", 1)
    login(cw.admin)
    response = client.post(
        "/certificates/bundles",
        data={
            "scope": "enterprise",
            "ref": str(cw.enterprise.id),
            "next": f"/certificates/compliance/{cw.enterprise.id}",
        },
    )
    assert response.location == f"/certificates/compliance/{cw.enterprise.id}"
    assert "超过单次打包上限 1 份" in client.get(response.location).get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CertificateBundle)) == 0


def test_a_zip_over_the_size_bound_fails_with_its_reason(app, cw, two_certs, monkeypatch):
    bundle, _ = bundles.request_bundle(cw.admin, scope="enterprise", ref=str(cw.enterprise.id))
    db.session.commit()
    monkeypatch.setitem(app.config, "CERT_BUNDLE_MAX_MB", 0)
    assert bundle_tasks.build_bundle(bundle.id) == "failed"
    bundle = finished(bundle.id)
    assert bundle.state is BundleState.FAILED and "压缩包超过 0 MB 上限" in bundle.error and bundle.file_key is None


def test_a_certificate_that_cannot_be_rendered_is_listed_in_the_readme(cw, two_certs, monkeypatch):
    bad = two_certs[1].id
    render, render_many = rendering.render, rendering.render_many

    def failing_many(certs):
        if any(c.id == bad for c in certs):
            raise RuntimeError("layout")
        return render_many(certs)

    def failing_one(cert):
        if cert.id == bad:
            raise RuntimeError("layout")
        return render(cert)

    monkeypatch.setattr(rendering, "render_many", failing_many)
    monkeypatch.setattr(rendering, "render", failing_one)
    bundle, _ = bundles.request_bundle(cw.admin, scope="enterprise", ref=str(cw.enterprise.id))
    db.session.commit()
    assert bundle_tasks.build_bundle(bundle.id) == "done"
    archive = zip_of(finished(bundle.id))
    assert sorted(archive.namelist()) == ["README.txt", f"王大锤_低压电工作业_{two_certs[0].id}.pdf"]
    readme = archive.read("README.txt").decode("utf-8")
    assert "未包含：1 份" in readme and "赵铁柱\t低压电工作业\t未能生成 PDF（RuntimeError）" in readme


def test_a_second_run_takes_over_and_the_first_stops_without_touching_the_counters(cw, two_certs):
    bundle, _ = bundles.request_bundle(cw.admin, scope="enterprise", ref=str(cw.enterprise.id))
    first = bundle_runs.claim(bundle.id)
    steps = bundle_zip.build(bundle.id, first)
    assert next(steps) == 0
    assert bundle_runs.claim(bundle.id) is None and bundle_runs.busy(bundle.id)  # delivered twice: the live run goes on
    later = utcnow() + timedelta(minutes=5)  # CERT_BUNDLE_STALL_MINUTES without progress
    second = bundle_runs.claim(bundle.id, now=later)  # a redelivered task: starts over under its own token
    assert second is not None and second != first
    with pytest.raises(bundle_runs.Superseded):
        next(steps)
    assert bundle_runs.advance(bundle.id, second, 1) == 1  # only the holder of the token moves the counter
    assert bundle_runs.fail(bundle.id, first, "x") is False


def test_a_finished_bundle_is_not_built_again_by_a_redelivered_task(cw, two_certs):
    bundle, _ = bundles.request_bundle(cw.admin, scope="enterprise", ref=str(cw.enterprise.id))
    db.session.commit()
    assert bundle_tasks.build_bundle(bundle.id) == "done"
    key = finished(bundle.id).file_key
    assert bundle_tasks.build_bundle(bundle.id) == "skipped"
    assert finished(bundle.id).file_key == key


def test_expired_bundles_lose_their_file_and_cannot_be_downloaded(client, login, cw, two_certs):
    login(cw.admin)
    bundle_id, _ = request(client, scope="enterprise", ref=str(cw.enterprise.id))
    bundle = finished(bundle_id)
    key = bundle.file_key
    assert storage().size(key) > 0
    db.session.execute(
        sa.update(CertificateBundle).where(CertificateBundle.id == bundle_id).values(expires_at=utcnow() - timedelta(1))
    )
    db.session.commit()
    # on access, before the hourly job: already 已过期
    assert client.get(f"/certificates/bundles/{bundle_id}.json").get_json()["state"] == "expired"
    response = client.get(f"/certificates/bundles/{bundle_id}/download")
    assert response.status_code == 302 and response.location == f"/certificates/bundles/{bundle_id}"
    assert bundle_tasks.expire_bundles() == 1
    db.session.rollback()
    bundle = db.session.get(CertificateBundle, bundle_id)
    assert bundle.state is BundleState.EXPIRED and bundle.file_key is None and storage().size(key) is None
    assert bundle_tasks.expire_bundles() == 0
    assert "已过期" in client.get("/certificates/bundles").get_data(as_text=True)


def test_an_unknown_scope_is_refused(cw):
    with pytest.raises(DomainError) as caught:
        bundles.request_bundle(cw.admin, scope="everything")
    assert caught.value.code == "cert.bundle_scope"


@pytest.fixture
def moved_clock(monkeypatch):
    """The app's clock, moved forward by the test."""
    from app.core import clock

    real, offset = clock.utcnow, {"by": timedelta(0)}
    monkeypatch.setattr(clock, "utcnow", lambda: real() + offset["by"])

    def move(by: timedelta) -> None:
        offset["by"] += by

    return move


def test_a_stalled_bundle_says_so_and_asking_again_starts_a_new_one(client, login, cw, two_certs, moved_clock):
    """A worker died after the first chunk: the page shows 已停滞 with a button, and the button builds anew."""
    login(cw.admin)
    stuck, _ = bundles.request_bundle(cw.admin, scope="enterprise", ref=str(cw.enterprise.id))
    token = bundle_runs.claim(stuck.id)
    bundle_runs.advance(stuck.id, token, 1)
    db.session.commit()
    partial = bundle_zip.workdir_of(stuck.id, token)
    partial.mkdir(parents=True)
    (partial / "bundle.zip").write_bytes(b"PK half a zip")  # what the killed worker left behind
    page = client.get(f"/certificates/bundles/{stuck.id}").get_data(as_text=True)
    assert "打包中" in page and "50 %" in page
    moved_clock(timedelta(minutes=4))
    assert client.get(f"/certificates/bundles/{stuck.id}.json").get_json()["state"] == "running"
    moved_clock(timedelta(minutes=2))  # no progress for six minutes
    status = client.get(f"/certificates/bundles/{stuck.id}.json").get_json()
    assert (status["state"], status["state_label"], status["stalled"]) == ("stalled", "已停滞", True)
    page = client.get(f"/certificates/bundles/{stuck.id}").get_data(as_text=True)
    assert "已停滞" in page and "打包已停滞：5 分钟没有进展" in page
    assert 'data-field="stalled" >' in page.replace('data-field="stalled" hidden', "x")
    assert 'data-testid="bundle-restart"' in page
    assert "已停滞" in client.get("/certificates/bundles").get_data(as_text=True)

    new_id, response = request(client, scope="enterprise", ref=str(cw.enterprise.id), status="")
    assert new_id != stuck.id and response.location == f"/certificates/bundles/{new_id}"
    rebuilt = finished(new_id)
    assert (rebuilt.state, rebuilt.done, rebuilt.total) == (BundleState.DONE, 2, 2)
    assert len([n for n in zip_of(rebuilt).namelist() if n.endswith(".pdf")]) == 2
    old = finished(stuck.id)
    assert old.state is BundleState.FAILED and old.error == "打包已停滞（5 分钟无进展），已重新打包"
    assert not partial.exists()  # the new run removed the dead run's partial ZIP
    # the dead run's task, delivered again, finds its bundle ended
    assert bundle_tasks.build_bundle(stuck.id) == "skipped"


def test_a_bundle_making_progress_is_not_replaced(client, login, cw, two_certs, moved_clock):
    login(cw.admin)
    bundle, _ = bundles.request_bundle(cw.admin, scope="enterprise", ref=str(cw.enterprise.id))
    token = bundle_runs.claim(bundle.id)
    db.session.commit()
    moved_clock(timedelta(minutes=4))
    bundle_runs.advance(bundle.id, token, 1)
    db.session.commit()
    moved_clock(timedelta(minutes=4))  # eight minutes since the start, four since the last chunk
    assert client.get(f"/certificates/bundles/{bundle.id}.json").get_json()["state"] == "running"
    again, new = bundles.request_bundle(cw.admin, scope="enterprise", ref=str(cw.enterprise.id))
    assert not new and again.id == bundle.id


def test_the_broker_gives_a_dead_workers_task_back_within_minutes(app):
    assert app.config["CELERY"]["broker_transport_options"]["visibility_timeout"] == 900  # Redis' default: 3600
    assert app.config["CERT_BUNDLE_STALL_MINUTES"] == 5


def test_the_sweep_leaves_the_partial_zips_of_another_platform_alone(app, tmp_path, monkeypatch):
    """Two platforms on one host (or two test processes) have bundles with the same ids in their own databases:
    each sweeps only its own runs' folders, or one would delete the ZIP the other is writing."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    mine = bundle_zip.workdir_of(7, "a" * 32)
    with monkeypatch.context() as other:
        other.setitem(app.config, "SQLALCHEMY_DATABASE_URI", "postgresql+psycopg://anpei@db.example/another")
        theirs = bundle_zip.workdir_of(7, "b" * 32)
    for folder in (mine, theirs):
        folder.mkdir(parents=True)
    assert bundle_zip.sweep_workdirs() == 1  # no bundle 7 is running here
    assert not mine.exists() and theirs.exists()
