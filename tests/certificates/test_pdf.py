"""The certificate PDF: Chinese fields readable back (pdfplumber), the QR decoded back to the verification URL from
the rendered image (pdftoppm + zxing-cpp), stored with its sha256, re-rendered after a change and recorded."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pdfplumber
import pytest
import sqlalchemy as sa
from PIL import Image

from app.certificates import rendering, renewals
from app.certificates.issuing import issuance
from app.certificates.models import Certificate, EventKind
from app.core.storage import storage
from app.exams.models import ExamKind
from app.extensions import db
from tests.certificates.world import graded_sitting, photo_bytes, review_trained, trained_for

zxingcpp = pytest.importorskip("zxingcpp")
pytestmark = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) not installed")

ISSUED = date(2026, 1, 10)


def text_of(pdf: bytes) -> str:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return "\n".join(page.extract_text() or "" for page in doc.pages)


def png_of(pdf: bytes, tmp_path: Path, dpi: int = 150) -> Image.Image:
    source = tmp_path / "card.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-singlefile", str(source), str(tmp_path / "card")], check=True)
    if target := os.environ.get("ANPEI_CERT_PNG"):  # keep a copy to look at (README screenshot)
        shutil.copy(tmp_path / "card.png", target)
    return Image.open(tmp_path / "card.png")


@pytest.fixture
def cert(cw):
    return issuance.issue(cw.qualified(cw.persons[0], ISSUED), actor=cw.regulator, today=ISSUED)


def test_the_card_follows_the_national_face(cw, cert):
    """DOMAIN.md §2.3: title with 应急管理部监制 beneath, 证号, 姓名, 性别, 作业类别, 操作项目, 初领日期, 有效期 起止,
    签发机关 — and no 应复审日期 on a card issued under 应急管理部令第19号's 换证 rule."""
    person = cw.persons[0]
    text = text_of(rendering.render(cert))
    for expected in (
        "中华人民共和国特种作业操作证",
        "中华人民共和国应急管理部监制",
        "证号",
        "王大锤",
        "电工作业",
        "低压电工作业",
        "初领日期",
        "2026年01月10日 至 2032年01月10日",
        "南京市应急管理局",
        "T" + person.id_number,  # the number is the ID number: the card itself carries it, as the real one
    ):
        assert expected in text, expected
    assert "应复审日期" not in text and "2029年01月10日" not in text
    assert person.id_number not in text.replace("T" + person.id_number, "")
    labels = [line.split(" ")[0] for line in text.splitlines()]
    order = ["证号", "姓名", "性别", "作业类别", "操作项目", "初领日期", "有效期"]
    assert [label for label in labels if label in order] == order  # one field a line, in the national order


def test_a_card_of_order_30_prints_its_review_date_and_its_review(cw):
    old = issuance.issue(cw.qualified(cw.persons[1], date(2020, 3, 1)), actor=cw.regulator, today=date(2020, 3, 1))
    text = text_of(rendering.render(old))
    assert "应复审日期" in text and "2023年03月01日" in text
    review_trained(cw, cw.persons[1], date(2023, 1, 1))
    review = graded_sitting(cw.enterprise, [(cw.persons[1], True)], kind=ExamKind.REVIEW, on=date(2023, 1, 20))
    renewals.review(
        old, actor=cw.regulator, attempt=cw.attempt_of(cw.persons[1], review), doc_number="宁复〔2023〕7号",
        today=date(2023, 2, 1),
    )  # fmt: skip
    text = text_of(rendering.render(old))
    assert "2023年02月01日" in text and "复审" in text and "宁复〔2023〕7号" in text
    assert "应复审日期" not in text  # the next one would have been the end of validity: 延期复审 instead


def test_the_qr_decodes_to_the_public_verification_url(app, cw, cert, tmp_path):
    image = png_of(rendering.render(cert), tmp_path)
    decoded = [r.text for r in zxingcpp.read_barcodes(image)]
    assert decoded == [f"{app.config['PUBLIC_BASE_URL']}/v/{cert.verify_code}"]


def test_the_stored_pdf_has_its_sha256_and_a_rerender_after_a_change_replaces_it(cw, cert):
    pdf = rendering.ensure_pdf(cert)
    assert cert.pdf_sha256 == hashlib.sha256(pdf).hexdigest()
    assert storage().read(cert.pdf_key) == pdf and cert.pdf_version == 1
    assert rendering.ensure_pdf(cert) == pdf and cert.pdf_version == 1  # current: not rendered again

    review_trained(cw, cw.persons[0], date(2031, 11, 1))
    renewal = graded_sitting(cw.enterprise, [(cw.persons[0], True)], kind=ExamKind.REVIEW, on=date(2031, 11, 20))
    renewals.renew(
        cert,
        actor=cw.regulator,
        attempt=cw.attempt_of(cw.persons[0], renewal),
        doc_number="宁换〔2031〕1号",
        today=date(2031, 12, 1),
    )
    assert not cert.pdf_current
    again = rendering.ensure_pdf(cert)
    assert again != pdf and cert.pdf_version == 2
    assert (
        cert.pdf_sha256 == hashlib.sha256(again).hexdigest() == hashlib.sha256(storage().read(cert.pdf_key)).hexdigest()
    )
    assert "宁换〔2031〕1号" in text_of(again) and "换证" in text_of(again)
    assert "2032年01月10日 至 2038年01月10日" in text_of(again)
    assert cert.events[-1].kind is EventKind.RENDERED
    assert cert.events[-1].detail == {"sha256_was": hashlib.sha256(pdf).hexdigest(), "sha256": cert.pdf_sha256}


def test_a_batch_renders_as_one_document_split_per_certificate(cw, cert):
    trained_for(cw, cw.persons[0], "1.1")
    second = issuance.issue(cw.qualified(cw.persons[0], ISSUED, "1.1"), actor=cw.regulator, today=ISSUED)
    first_pdf, second_pdf = rendering.render_many([cert, second])
    assert "低压电工作业" in text_of(first_pdf) and "高压电工作业" not in text_of(first_pdf)
    assert "高压电工作业" in text_of(second_pdf)


def test_each_file_of_a_batch_has_its_own_frame_photo_and_qr_only(cw, cert):
    """A batch draws each page over the frame of its kind (title, labels) and splits it into a file that carries
    its own photo and QR, not the rest of the document's (other people's photos)."""
    import pikepdf

    special = rendering.card_context(cert)
    manager = dict(
        special,
        kind="安全生产知识和管理能力考核合格证",
        kind_value="manager",
        category_label="人员类型",
        category="主要负责人",
        item_label="行业类别",
        item="危险化学品生产",
        review_due="",
        name="李四",
        photo="data:image/png;base64," + base64.b64encode(photo_bytes((200, 80, 80))).decode(),
    )
    first, second, again = rendering._render_cards([special, manager, special])
    assert again == first  # the same bytes for the same card (frames named in order, no random names)
    text = text_of(first)
    for expected in (
        "中华人民共和国特种作业操作证",
        "作业类别",
        "低压电工作业",
        "王大锤",
        "扫码核验",
        "发证机关",
    ):
        assert expected in text, expected
    assert "人员类型" not in text and "李四" not in text
    text = text_of(second)
    for expected in ("安全生产知识和管理能力考核合格证", "人员类型", "危险化学品生产", "李四", "本证书可扫描二维码"):
        assert expected in text, expected
    assert "作业类别" not in text and "应复审日期" not in text and "王大锤" not in text
    for data in (first, second):
        with pikepdf.open(io.BytesIO(data)) as pdf:
            images = [o for o in pdf.objects if isinstance(o, pikepdf.Stream) and o.get("/Subtype") == "/Image"]
            assert len(pdf.pages) == 1 and len(images) == 2  # its photo and its QR


def test_the_batch_task_is_idempotent(cw, cert):
    from app.certificates import tasks

    trained_for(cw, cw.persons[0], "1.1")
    second = issuance.issue(cw.qualified(cw.persons[0], ISSUED, "1.1"), actor=cw.regulator, today=ISSUED)
    db.session.commit()
    ids = [cert.id, second.id]
    assert tasks.render_pending.run(ids) == 2
    files = {c.id: storage().read(c.pdf_key) for c in (cert, second)}
    shas = {c.id: c.pdf_sha256 for c in (cert, second)}
    assert tasks.render_pending.run(ids + ids) == 0  # run twice (and with duplicates): nothing rendered again
    db.session.expire_all()
    for c in (cert, second):
        c = db.session.get(Certificate, c.id)
        assert (c.pdf_version, c.pdf_sha256) == (1, shas[c.id])
        assert storage().read(c.pdf_key) == files[c.id]
        assert [e.kind for e in c.events] == [EventKind.ISSUED]
    keys = db.session.scalars(sa.select(Certificate.pdf_key).order_by(Certificate.id)).all()
    assert keys == [f"certificates/{c.id}/{shas[c.id][:16]}.pdf" for c in (cert, second)]


def test_two_renders_of_one_certificate_record_one_version(cw, cert):
    """A redelivered task beside the first, a batch beside an on-demand render: both render, the first to store is
    recorded, the other's file (other bytes: rendered in another batch) is removed, and no second version is made."""
    trained_for(cw, cw.persons[0], "1.1")
    second = issuance.issue(cw.qualified(cw.persons[0], ISSUED, "1.1"), actor=cw.regulator, today=ISSUED)
    db.session.commit()
    assert cert.pdf_version == 0 and cert.pdf_sha256 is None  # what this worker read before rendering
    alone, in_batch = rendering.render(cert), rendering.render_many([cert, second])[0]
    assert alone != in_batch  # the batch's font subset differs
    # the other worker stores first (behind this session's back: its objects keep what they read)
    sha = hashlib.sha256(alone).hexdigest()
    stored = storage().put(rendering.pdf_key(cert, sha), alone, "application/pdf")
    db.session.execute(
        sa.update(Certificate)
        .where(Certificate.id == cert.id)
        .values(pdf_key=stored.key, pdf_sha256=sha, pdf_version=1, pdf_content_version=cert.content_version)
        .execution_options(synchronize_session=False)
    )
    assert rendering.store(cert, in_batch) is False
    db.session.commit()
    db.session.expire_all()
    c = db.session.get(Certificate, cert.id)
    assert (c.pdf_version, c.pdf_sha256, c.pdf_key) == (1, sha, stored.key)
    assert storage().read(c.pdf_key) == alone
    assert storage().size(rendering.pdf_key(cert, hashlib.sha256(in_batch).hexdigest())) is None
    assert [e.kind for e in c.events] == [EventKind.ISSUED]
