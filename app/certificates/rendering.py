"""The certificate as a PDF: the layout of the card (photo, name, sex, masked ID, kind, items, 初领日期, 有效期,
应复审日期 and 复审 records, authority, number, QR to the public verification page), rendered by WeasyPrint from
``templates/certificates/card_pdf.html`` with primitives only, and stored with its sha256.

Fonts are the pre-subset CJK faces of :mod:`app.core.fonts` (WeasyPrint's per-document font subsetting of the
system's 20 MB collections cost 0.1–0.3 s). An on-demand render is one document of the whole card. A batch
(:func:`render_many`) is rendered as one multi-page document of the certificates' fields only, each page laid
over the card's frame (border, title, labels, captions: the template's "frame" layer, rendered by WeasyPrint once
per process and kind, drawn as a form XObject), and split per certificate with pikepdf (qpdf): layout, fonts and
set-up once per document, and per page only what differs. ``bench/certificates.py`` measures both.

The card prints the holder's registered photo while it is stored (a certificate in force keeps it from the purge,
consent withdrawn or not: the card's photo is the authority's statutory record). When the purge deletes it, every
stored PDF of the holder's cards (each a copy of the photo: the current file and the earlier renders the history
names) is deleted and the card is rendered again on demand, with the empty photo box (:func:`drop_photo_pdfs`, an
``on_retired`` listener wired in ``app.WIRING``).
"""

from __future__ import annotations

import base64
import hashlib
import io
import threading
from datetime import date

import sqlalchemy as sa
from flask import current_app, has_request_context
from flask_babel import force_locale

from app.certificates.issuing.numbering import masked_number
from app.certificates.lifecycle import shows_review_date
from app.certificates.models import CLASSIFIER_LABELS, Certificate, CertificateEvent, CertKind, EventKind
from app.core.clock import local_today
from app.core.db import conditional_update
from app.core.pdf import ATTACHMENT, render_pdf
from app.core.qr import qr_png
from app.core.storage import delete_after_commit, storage
from app.extensions import db
from app.people import photos

TEMPLATE = "certificates/card_pdf.html"
#: Kinds with a card of their own (by ``kind_value``): the 培训合格证明 prints its training, not a licence.
TEMPLATES = {CertKind.TRAINING.value: "certificates/training_card_pdf.html"}
#: Templates drawn in two layers by a batch ("frame" under "fields", see the template); others render whole.
LAYERED = {TEMPLATE}
#: Any fixed QR data mask reads back the same; scoring the eight costs ~10 ms a certificate (app/core/qr.py).
QR_MASK = 2
#: Events printed on the card: the 复审 records and the reissue note.
PRINTED = (
    EventKind.REVIEWED,
    EventKind.REVIEW_EXTENDED,
    EventKind.EXTENDED,
    EventKind.RENEWED,
    EventKind.REISSUED,
    EventKind.REPLACED,
)


def verification_url(cert: Certificate) -> str:
    """The public page the QR opens (built from ``PUBLIC_BASE_URL``: a worker has no request to build it from)."""
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/v/{cert.verify_code}"


def _attach(attachments: dict | None, name: str, data: bytes, mime: str) -> str:
    """``data`` as an ``<img src>``: an attachment of the render (see :func:`app.core.pdf.render_pdf`) when
    ``attachments`` is given, else a data URI."""
    if attachments is None:
        return f"data:{mime};base64," + base64.b64encode(data).decode()
    url = f"{ATTACHMENT}{name}"
    attachments[url] = (data, mime)
    return url


def _d(value: date | None) -> str:
    return f"{value.year}年{value.month:02d}月{value.day:02d}日" if value else ""


def card_context(cert: Certificate, attachments: dict | None = None) -> dict:
    """Everything the card shows, as strings (Chinese, whatever the user's language: it is the legal document).

    ``attachments``: a dict to put the photo and QR into (for :func:`_render`), named in the card by URL; without
    it they are data URIs."""
    if cert.kind is CertKind.TRAINING:
        return training_card_context(cert, attachments)
    person = cert.person
    labels = CLASSIFIER_LABELS[cert.kind]
    return _card(
        cert,
        attachments,
        category_label=labels[0],
        category=cert.category_name,
        item_label=labels[1],
        item=cert.item_name,
        first_issued=_d(cert.first_issued_on),
        # 应复审日期 only where 30号令's 复审 applied (a 复审 due from 2026-06-01 on does not exist: 令第19号)
        review_due=_d(cert.review_due_on) if shows_review_date(cert) else "",
        photo=_attach(attachments, f"photo/{cert.id}", storage().read(person.photo_key), "image/jpeg")
        if person.photo_key
        else "",
    )


def _card(cert: Certificate, attachments: dict | None, **fields) -> dict:
    """What every card prints — its kind, number, holder, validity, the 发证/复审 records, the issuer, the QR of its
    verification URL — with ``fields``, the kind's own."""
    person = cert.person
    with force_locale("zh_CN"):
        kind = cert.kind.label
        records = [
            {"date": _d(e.on_date), "what": e.kind.label, "doc": e.doc_number} for e in cert.events if e.kind in PRINTED
        ]
    url = verification_url(cert)
    return {
        "kind": kind,
        "kind_value": cert.kind.value,
        "number": cert.number,
        "name": person.name,
        "sex": {"M": "男", "F": "女"}.get(person.sex, ""),
        "id_masked": person.id_masked,
        **fields,
        "valid": f"{_d(cert.valid_from)} 至 {_d(cert.valid_to)}",
        "records": records,
        "authority": cert.authority,
        # one pixel a module, drawn crisp by the template
        "qr": _attach(attachments, f"qr/{cert.id}", qr_png(url, scale=1, mask=QR_MASK), "image/png"),
        "url": url,
    }


def _render(cards: list[dict], template: str = TEMPLATE, **context) -> bytes:
    """The template's context processors expect a request: a Celery worker or the CLI has none, so make one."""
    if has_request_context():
        return render_pdf(template, cards=cards, **context)
    with current_app.test_request_context("/"):
        return render_pdf(template, cards=cards, **context)


def template_of(cert: Certificate) -> str:
    return TEMPLATES.get(cert.kind.value, TEMPLATE)


def render(cert: Certificate) -> bytes:
    attachments: dict = {}
    return _render([card_context(cert, attachments)], template_of(cert), attachments=attachments)


def render_many(certs: list[Certificate]) -> list[bytes]:
    """One PDF per certificate, rendered as one multi-page document per card template and split (see the module's
    docstring); the files come back in the order of ``certs``."""
    groups: dict[str, list[Certificate]] = {}
    for cert in certs:
        groups.setdefault(template_of(cert), []).append(cert)
    files: dict[int, bytes] = {}
    for template, group in groups.items():
        attachments: dict = {}
        cards = [card_context(c, attachments) for c in group]
        files.update(zip((id(c) for c in group), _render_cards(cards, template, attachments=attachments), strict=True))
    return [files[id(c)] for c in certs]


#: Per thread (pikepdf objects are not for sharing between threads): frame key → (the frame's one-page PDF, the
#: page as a form XObject).
_frames = threading.local()


def _frame_key(card: dict, template: str) -> tuple:
    """What the frame layer draws: the kind's title and labels, and whether there is an 应复审日期 line."""
    return (
        template,
        str(current_app.config["PDF_FONT_DIR"]),
        card["kind"],
        card["kind_value"],
        card["category_label"],
        card["item_label"],
        bool(card["review_due"]),
    )


def _frame(card: dict, template: str):
    """The card's frame as a form XObject (of a one-page pikepdf document), rendered once per thread and kind."""
    import pikepdf

    cache = _frames.__dict__.setdefault("forms", {})
    key = _frame_key(card, template)
    if key not in cache:
        frame_card = {k: card[k] for k in ("kind", "kind_value", "category_label", "item_label", "review_due")}
        frame = pikepdf.open(io.BytesIO(_render([frame_card], template, layer="frame")))
        cache[key] = (frame, frame.pages[0].as_form_xobject())  # the object lives as long as its document
    return cache[key][1]


def _render_cards(cards: list[dict], template: str = TEMPLATE, attachments: dict | None = None) -> list[bytes]:
    """``cards`` (``card_context`` dicts) as one PDF each: their fields as one document of ``template``, each page
    laid over its frame (a template of :data:`LAYERED`; others render whole), split with pikepdf."""
    import pikepdf

    if not cards:
        return []
    layered = template in LAYERED
    layer = {"layer": "fields"} if layered else {}
    combined = pikepdf.open(io.BytesIO(_render(cards, template, attachments=attachments, **layer)))
    if len(combined.pages) != len(cards):  # one page per card is the layout's contract
        raise RuntimeError(f"{len(cards)} certificates rendered as {len(combined.pages)} pages")
    if layered:
        forms: dict[tuple, tuple[pikepdf.Name, pikepdf.Object]] = {}
        for card, page in zip(cards, combined.pages, strict=True):
            key = _frame_key(card, template)
            if key not in forms:  # copied into this document once, shared by its pages; named in order (same bytes)
                forms[key] = (pikepdf.Name(f"/AnpeiFrame{len(forms)}"), combined.copy_foreign(_frame(card, template)))
            name, form = forms[key]
            page.add_resource(form, pikepdf.Name.XObject, name)
            page.contents_add(f"q {name} Do Q\n".encode(), prepend=True)  # the same page size: drawn as it is
    # WeasyPrint gives every page of a document one /Resources: without this, each file would carry every photo
    # and QR of the batch (other people's photos) and every frame
    combined.remove_unreferenced_resources()
    out = []
    for card, page in zip(cards, combined.pages, strict=True):
        single = pikepdf.new()
        single.pages.append(page)
        single.docinfo["/Title"] = card["kind"]
        single.docinfo["/Producer"] = "Anpei"
        buffer = io.BytesIO()
        # the streams as WeasyPrint compressed them (qpdf would inflate and deflate each again)
        single.save(
            buffer,
            deterministic_id=True,
            min_version=combined.pdf_version,  # WeasyPrint's (pikepdf.new() says 1.3)
            stream_decode_level=pikepdf.StreamDecodeLevel.none,
        )
        out.append(buffer.getvalue())
    return out


def pdf_key(cert: Certificate, sha256: str) -> str:
    """Named by content: a render that loses the race to store (another worker, a redelivered task) writes a file
    of its own, never over the one the certificate points to."""
    return _file_key(cert.id, sha256)


def _file_key(cert_id: int, sha256: str) -> str:
    return f"certificates/{cert_id}/{sha256[:16]}.pdf"


def store(cert: Certificate, data: bytes, *, actor=None) -> bool:
    """Store ``data`` as the certificate's PDF, replacing the previous one, if it was rendered from the certificate's
    current content (``content_version`` read before rendering) and nobody stored one since (``pdf_version`` read
    before rendering): a conditional UPDATE claims the render, so two workers rendering the same certificate (a
    redelivered task beside the first, a batch beside an on-demand render) record one version, not two. A re-render
    is recorded in the history; the previous file is kept (the event names its sha256).

    :return: False when a newer change or render got there first (nothing recorded; the newer one stands).
    """
    version, pdf_version, previous = cert.content_version, cert.pdf_version, cert.pdf_sha256
    sha = hashlib.sha256(data).hexdigest()
    if previous == sha and cert.pdf_content_version == version:
        return True  # the same file again (an idempotent retry)
    stored = storage().put(pdf_key(cert, sha), data, "application/pdf")
    moved = db.session.execute(
        conditional_update(Certificate)
        .where(
            Certificate.id == cert.id,
            Certificate.content_version == version,
            Certificate.pdf_version == pdf_version,
        )
        .values(
            pdf_key=stored.key,
            pdf_sha256=stored.sha256,
            pdf_version=pdf_version + 1,
            pdf_content_version=version,
        )
    )
    if moved.rowcount != 1:
        winner = db.session.scalar(sa.select(Certificate.pdf_key).where(Certificate.id == cert.id))
        if winner != stored.key:  # the same bytes are the winner's file: keep it
            storage().delete(stored.key)
        db.session.refresh(cert)
        return False
    if previous is not None:
        db.session.add(
            CertificateEvent(
                certificate_id=cert.id,
                kind=EventKind.RENDERED,
                on_date=local_today(),
                detail={"sha256_was": previous, "sha256": stored.sha256},
                actor_id=actor.id if actor is not None else None,
            )
        )
    db.session.flush()
    db.session.refresh(cert)
    return True


@photos.on_retired
def drop_photo_pdfs(person_id: int) -> int:
    """The person's photo may be printed no more: delete every stored PDF of their cards that print a photo (the
    current file and each earlier render the history names, after the commit) and mark them stale, so the next
    download renders the card without it. ``content_version`` moves too, so a render that read the photo before
    this and stores after it loses (``store``'s conditional UPDATE). Returns how many certificates had a file."""
    certs = db.session.execute(
        sa.select(Certificate.id, Certificate.pdf_key).where(
            Certificate.person_id == person_id, Certificate.kind != CertKind.TRAINING
        )
    ).all()
    if not certs:
        return 0
    ids = [cid for cid, _key in certs]
    keys = {key for _cid, key in certs if key}
    for cid, detail in db.session.execute(
        sa.select(CertificateEvent.certificate_id, CertificateEvent.detail).where(
            CertificateEvent.certificate_id.in_(ids), CertificateEvent.kind == EventKind.RENDERED
        )
    ):
        keys.update(_file_key(cid, sha) for sha in (detail or {}).values() if sha)
    db.session.execute(
        sa.update(Certificate)
        .where(Certificate.id.in_(ids))
        .values(pdf_key=None, content_version=Certificate.content_version + 1)
    )
    delete_after_commit(*sorted(keys))
    return sum(1 for _cid, key in certs if key)


def stale(ids: list[int]) -> list[Certificate]:
    """Those of ``ids`` whose stored PDF is missing or older than their content, in id order."""
    return list(
        db.session.scalars(
            sa.select(Certificate)
            .where(
                Certificate.id.in_(ids),
                sa.or_(Certificate.pdf_key.is_(None), Certificate.pdf_content_version != Certificate.content_version),
            )
            .order_by(Certificate.id)
        )
    )


def ensure_pdf(cert: Certificate, *, actor=None) -> bytes:
    """The certificate's current PDF, rendering and storing it when missing or out of date."""
    if cert.pdf_current:
        return storage().read(cert.pdf_key)
    data = render(cert)
    store(cert, data, actor=actor)
    return data


def masked(cert: Certificate) -> str:
    return masked_number(cert.number)


def _iso_d(value: str | None) -> str:
    return _d(date.fromisoformat(value)) if value else ""


def training_card_context(cert: Certificate, attachments: dict | None = None) -> dict:
    """A 培训合格证明's card (``templates/certificates/training_card_pdf.html``): the holder, the training as frozen
    at issue (``Certificate.facts``), validity, the organiser as issuer, the number and the QR. No photo."""
    facts = cert.facts or {}
    starts, ends = _iso_d(facts.get("starts_on")), _iso_d(facts.get("ends_on"))
    hours = facts.get("hours")
    return _card(
        cert,
        attachments,
        # one issued on a 培训考试 (no class): its post and the exam's title
        training_type=facts.get("training_type", ""),
        course=facts.get("course") or cert.item_name,
        post=facts.get("post", "") if cert.training_class_id else cert.category_name,
        hours=f"{hours} 学时（要求 {facts.get('required_hours')} 学时）" if hours else "",
        dates=(f"{starts} 至 {ends}" if ends != starts else starts) if starts else "",
        issued=_d(cert.first_issued_on),
    )
