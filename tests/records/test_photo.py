"""The registered photo (登记照片) on the dossier PDF, recorded in the 查阅记录 as a photo view, and deleted by the
retention job when its rule says so: consent withdrawn with nothing depending on it, or its retention over."""

from __future__ import annotations

import io
from datetime import date, datetime

import pdfplumber
import pytest
import sqlalchemy as sa

from app.archive.models import ArchiveEvent
from app.core.clock import utcnow
from app.core.storage import storage
from app.extensions import db
from app.people import photos
from app.people.models import AccessLogEntry, Person, Snapshot, SnapshotContext
from app.people.services import end_employment
from app.records.holds import set_hold
from app.records.purge import purge
from tests.certificates.world import photo_bytes
from tests.people.test_dossier_facts import page_text, pdf_text


def pdf_images(data: bytes) -> int:
    with pdfplumber.open(io.BytesIO(data)) as doc:
        return sum(len(page.images) for page in doc.pages)


def photo_entries(person_id: int) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(AccessLogEntry.endpoint)
            .where(AccessLogEntry.person_id == person_id, AccessLogEntry.kind == "photo")
            .order_by(AccessLogEntry.id)
        )
    )


def events_of(person_id: int, kind: str) -> list[dict]:
    import json

    return [
        json.loads(p)
        for p in db.session.scalars(
            sa.select(ArchiveEvent.payload)
            .where(ArchiveEvent.person_id == person_id, ArchiveEvent.kind == kind)
            .order_by(ArchiveEvent.seq)
        )
    ]


@pytest.fixture
def photographed(world):
    """Person A with a registered photo uploaded by the employer, then replaced (the first file went with it)."""
    photos.set_photo(world.person_a, photo_bytes((90, 140, 200)), actor=world.admin_a, max_bytes=1 << 22)
    first = world.person_a.photo_key
    photos.set_photo(world.person_a, photo_bytes((200, 90, 90)), actor=world.admin_a, max_bytes=1 << 22)
    db.session.commit()
    assert first != world.person_a.photo_key and storage().size(first) is None
    return [first, world.person_a.photo_key]


def withdraw(client, login, world) -> None:
    login(world.worker_a)
    page = client.get(f"/people/{world.person_a.id}").get_data(as_text=True)
    assert 'data-testid="photo-withdraw"' in page
    assert client.post("/me/photo/withdraw-consent").status_code == 302


# ---------------------------------------------------------------- the photo in the PDF


def test_the_dossier_pdf_prints_the_photo_and_the_view_is_logged(client, login, world, photographed):
    login(world.regulator_nj)
    response = client.get(f"/people/{world.person_a.id}/dossier.pdf")
    assert (
        response.status_code == 200 and pdf_images(response.data) == 1
    )  # the photo (the QR code is drawn, not an image)
    assert photo_entries(world.person_a.id) == ["people.dossier_pdf"]
    login(world.worker_a)  # the person's own download prints it too, and is not a view by someone else
    assert pdf_images(client.get("/me/record.pdf").data) == 1
    assert photo_entries(world.person_a.id) == ["people.dossier_pdf"]
    html = client.get("/me/access-log").get_data(as_text=True)
    assert "南京市应急管理局" in html and "登记照片" in html


def test_a_pending_employer_gets_no_photo_in_the_pdf(client, login, world, factory, photographed):
    from app.people.services import PersonData, employ

    other = world.ent_b
    employ(
        PersonData(
            name=world.person_a.name,
            id_type=world.person_a.id_type,
            id_number=world.person_a.id_number,
            post=world.person_a.employments[0].post,
            start_date=date(2025, 1, 1),
        ),
        other,
        actor=world.admin_b,
    )
    db.session.commit()
    login(world.admin_b)
    response = client.get(f"/people/{world.person_a.id}/dossier.pdf")
    assert response.status_code == 200 and pdf_images(response.data) == 0
    assert photo_entries(world.person_a.id) == []


# ---------------------------------------------------------------- purge by consent and by retention


def test_withdrawn_consent_purges_the_photo_end_to_end(app, client, login, world, photographed):
    withdraw(client, login, world)
    assert "已撤回同意" in client.get(f"/people/{world.person_a.id}").get_data(as_text=True)
    assert events_of(world.person_a.id, "person.photo_consent_withdrawn")
    sha256 = world.person_a.photo_sha256

    run = purge(db.session.commit, now=utcnow())
    assert run.photos_purged == 1 and run.kinds["photo"] == 1
    person = db.session.get(Person, world.person_a.id)
    db.session.refresh(person)
    assert (person.photo_key, person.photo_sha256, person.photo_phash) == (None, None, "")
    assert person.photo_purged_at is not None
    assert all(storage().size(key) is None for key in photographed)  # the earlier one went with its replacement
    assert events_of(person.id, "person.photo_purged") == [{"sha256": sha256, "reason": "withdrawn"}]
    assert app.test_cli_runner().invoke(args=["verify-archive"]).exit_code == 0

    for user in (world.regulator_nj, world.worker_a):
        login(user)
        page = client.get(f"/people/{person.id}").get_data(as_text=True)
        assert 'data-testid="photo-purged"' in page and 'data-testid="photo"' not in page
        assert client.get(f"/people/{person.id}/photo").status_code == 404
        response = client.get(f"/people/{person.id}/dossier.pdf")
        assert response.status_code == 200 and pdf_images(response.data) == 0
        assert "照片已按规定删除" in pdf_text(response.data)
    timeline = page_text(client.get(f"/people/{person.id}/timeline").get_data(as_text=True))
    assert "照片已按规定删除" in timeline and "本人撤回同意" in timeline
    assert purge(db.session.commit, now=utcnow()).photos_purged == 0  # nothing left the next night


def test_a_photo_something_depends_on_stays_after_withdrawal(client, login, world, photographed):
    snap = Snapshot(
        person_id=world.person_a.id,
        context=SnapshotContext.LESSON,
        ref_id=1,
        storage_key="snapshots/test-review.jpg",
        sha256="0" * 64,
        needs_review=True,  # an open 复核 compares it with the registered photo
    )
    db.session.add(snap)
    db.session.commit()
    withdraw(client, login, world)
    assert purge(db.session.commit, now=utcnow()).photos_purged == 0
    assert storage().size(photographed[-1]) is not None
    db.session.execute(sa.update(Snapshot).where(Snapshot.id == snap.id).values(needs_review=False))
    db.session.commit()
    assert purge(db.session.commit, now=utcnow()).photos_purged == 1


def certificate_pdf(client, cert_id: int) -> bytes:
    response = client.get(f"/certificates/{cert_id}/pdf")
    assert response.status_code == 200
    return response.data


def stored_pdfs(cert_id: int) -> list[str]:
    """Every PDF file of the certificate in storage: the current one and the earlier renders its history names."""
    from app.certificates import rendering
    from app.certificates.models import Certificate, CertificateEvent, EventKind

    cert = db.session.get(Certificate, cert_id)
    shas = {cert.pdf_sha256} | {
        sha
        for detail in db.session.scalars(
            sa.select(CertificateEvent.detail).where(
                CertificateEvent.certificate_id == cert_id, CertificateEvent.kind == EventKind.RENDERED
            )
        )
        for sha in detail.values()
    }
    keys = {rendering.pdf_key(cert, sha) for sha in shas if sha}
    return sorted(key for key in keys if storage().size(key) is not None)


def test_a_certificate_in_force_keeps_printing_the_photo_after_withdrawal(client, login, world):
    """The card's photo is the issuing authority's statutory record, not a use by consent: after the holder withdraws
    consent the certificate in force still prints it and keeps it from the purge (no new 人像抓拍 is compared with it:
    tests/training/test_held_credit.py), and the public page never shows a photo."""
    from app.certificates.models import Certificate
    from tests.certificates.world import objects_for_access_matrix as cert_objects

    cert_id = cert_objects(world)["cert_id"]  # person A's 特种作业操作证, with its photo
    db.session.commit()
    key = world.person_a.photo_key
    withdraw(client, login, world)
    assert purge(db.session.commit, now=utcnow()).photos_purged == 0 and storage().size(key) is not None
    login(world.regulator_nj)
    assert pdf_images(certificate_pdf(client, cert_id)) == 2  # the photo and the QR
    assert stored_pdfs(cert_id) != []
    verify_code = db.session.get(Certificate, cert_id).verify_code
    public = client.get(f"/v/{verify_code}").get_data(as_text=True)
    assert 'data-testid="verify-record"' in public and "<img" not in public


def test_a_certificate_in_force_keeps_the_photo_and_its_pdf(world):
    """Not employed any more, but the certificate is in force: the photo is kept (its retention runs from the
    certificate's end), and its stored PDF too."""
    from tests.certificates.world import objects_for_access_matrix as cert_objects

    cert_id = cert_objects(world)["cert_id"]
    end_employment(world.person_a.employments[0], actor=world.admin_a, end_date=date(2025, 1, 1), reason="离职")
    db.session.commit()
    from app.certificates import rendering
    from app.certificates.models import Certificate

    rendering.ensure_pdf(db.session.get(Certificate, cert_id))
    db.session.commit()
    key = world.person_a.photo_key
    assert purge(db.session.commit, now=utcnow()).photos_purged == 0 and storage().size(key) is not None
    assert stored_pdfs(cert_id) != []


def test_the_retention_purge_drops_the_certificate_pdfs_that_printed_the_photo(client, login, world):
    """A certificate ended, its holder left: at the photo's purge its stored PDF (a copy of the photo) goes too, and
    the next download has the empty photo box."""
    from app.certificates import rendering
    from app.certificates.models import Certificate
    from tests.certificates.world import objects_for_access_matrix as cert_objects

    cert_id = cert_objects(world)["cert_id"]
    end_employment(world.person_a.employments[0], actor=world.admin_a, end_date=date(2025, 1, 1), reason="离职")
    cert = db.session.get(Certificate, cert_id)
    rendering.ensure_pdf(cert)
    db.session.commit()
    assert pdf_images(storage().read(cert.pdf_key)) == 2
    stored = stored_pdfs(cert_id)
    # past the 3 years from the certificate's end (the later of its end and the employment's)
    run = purge(db.session.commit, now=datetime(cert.valid_to.year + 4, 1, 1))
    assert run.photos_purged == 1
    assert [key for key in stored if storage().size(key) is not None] == []
    login(world.regulator_nj)
    assert pdf_images(certificate_pdf(client, cert_id)) == 1


def test_only_the_person_uploads_again_after_withdrawing(client, login, world, photographed):
    withdraw(client, login, world)
    login(world.admin_a)
    upload = {"photo": (io.BytesIO(photo_bytes()), "p.png")}
    client.post(f"/people/{world.person_a.id}/photo", data=upload, content_type="multipart/form-data")
    db.session.refresh(world.person_a)
    assert world.person_a.photo_key == photographed[-1]  # refused: the person's consent is withdrawn
    login(world.worker_a)
    upload = {"photo": (io.BytesIO(photo_bytes((10, 200, 10))), "p.png")}
    client.post(f"/people/{world.person_a.id}/photo", data=upload, content_type="multipart/form-data")
    db.session.refresh(world.person_a)
    assert world.person_a.photo_key != photographed[-1] and world.person_a.photo_consent_withdrawn_at is None
    assert purge(db.session.commit, now=utcnow()).photos_purged == 0


def test_the_photo_goes_when_its_retention_ends(world, photographed):
    employment = world.person_a.employments[0]
    end_employment(employment, actor=world.admin_a, end_date=date(2025, 1, 1), reason="离职")
    db.session.commit()
    # 3 years (retention.photo_years) after the last employment ended, to the end of that day in Beijing time
    assert purge(db.session.commit, now=datetime(2028, 1, 1, 15, 59)).photos_purged == 0
    run = purge(db.session.commit, now=datetime(2028, 1, 1, 16, 0))
    assert run.photos_purged == 1
    assert events_of(world.person_a.id, "person.photo_purged")[0]["reason"] == "retention"


def test_an_employed_persons_photo_is_kept_and_a_hold_keeps_it(client, login, world, photographed):
    assert purge(db.session.commit, now=datetime(2040, 1, 1)).photos_purged == 0  # employed: still needed
    withdraw(client, login, world)
    set_hold(world.regulator_nj, reason="事故调查", now=utcnow(), person_id=world.person_a.id)
    db.session.commit()
    assert purge(db.session.commit, now=utcnow()).photos_purged == 0
    assert storage().size(photographed[-1]) is not None


# ---------------------------------------------------------------- a replaced photo


def upload(client, person_id: int, colour) -> None:
    response = client.post(
        f"/people/{person_id}/photo",
        data={"photo": (io.BytesIO(photo_bytes(colour)), "p.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302


def test_a_replaced_photo_is_deleted_with_the_replacement(client, login, world):
    """Nothing uses a photo once another replaced it (certificates print the current one, snapshots are compared
    with it and shown beside it): its file goes when the replacement is saved; the 一人一档 keeps both sha256."""
    login(world.admin_a)
    upload(client, world.person_a.id, (90, 140, 200))
    first = db.session.get(Person, world.person_a.id).photo_key
    upload(client, world.person_a.id, (200, 90, 90))
    person = db.session.get(Person, world.person_a.id)
    db.session.refresh(person)
    assert person.photo_key != first and storage().size(person.photo_key) is not None
    assert storage().size(first) is None
    sha256s = [e["sha256"] for e in events_of(person.id, "person.photo")]
    assert len(sha256s) == 2 and events_of(person.id, "person.photo")[1]["replaced"] == sha256s[0]
    upload(client, world.person_a.id, (200, 90, 90))  # the same picture again: the same file, kept
    assert storage().size(person.photo_key) is not None
    # a replacement that rolls back deletes nothing: the row still names the file
    photos.set_photo(person, photo_bytes((10, 200, 10)), actor=world.admin_a, max_bytes=1 << 22)
    db.session.rollback()
    db.session.refresh(person)
    assert storage().size(person.photo_key) is not None


def test_a_held_persons_replaced_photo_stays_until_the_hold_is_released(client, login, world):
    """A legal hold stops every deletion of the person's data, a replacement's too; once it is released, the next
    purge deletes the replaced file (counted as ``photo_replaced``), not the photo in use."""
    from app.records.holds import release_hold

    hold = set_hold(world.regulator_nj, reason="冒名顶替调查", now=utcnow(), enterprise_id=world.ent_a.id)
    db.session.commit()
    login(world.admin_a)
    upload(client, world.person_a.id, (90, 140, 200))
    first = db.session.get(Person, world.person_a.id).photo_key
    upload(client, world.person_a.id, (200, 90, 90))
    current = db.session.get(Person, world.person_a.id).photo_key
    assert storage().size(first) is not None  # held: kept
    assert "photo_replaced" not in purge(db.session.commit, now=utcnow()).kinds
    assert storage().size(first) is not None

    release_hold(world.regulator_nj, hold.id, now=utcnow())
    db.session.commit()
    run = purge(db.session.commit, now=utcnow())
    assert run.kinds.get("photo_replaced") == 1 and run.photos_purged == 0
    assert storage().size(first) is None and storage().size(current) is not None
    assert "photo_replaced" not in purge(db.session.commit, now=utcnow()).kinds  # done: not again
