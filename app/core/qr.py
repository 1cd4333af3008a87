"""QR codes (segno) for printed tickets, reports and certificates: inline, nothing written or fetched."""

from __future__ import annotations

import io

import segno


def qr_data_uri(text: str, *, scale: int = 4) -> str:
    """A QR code of ``text`` as an SVG data URI, for an ``<img src>`` in a page or a PDF."""
    return segno.make(text, error="m").svg_data_uri(scale=scale, border=2)


def qr_svg(text: str, *, scale: int = 4) -> str:
    """The same as SVG markup."""
    return segno.make(text, error="m").svg_inline(scale=scale, border=2)


def qr_png(text: str, *, scale: int = 4, mask: int | None = None) -> bytes:
    """The same as PNG bytes (for :func:`app.core.pdf.render_pdf`'s attachments); ``mask`` as below."""
    out = io.BytesIO()
    segno.make(text, error="m", mask=mask).save(out, kind="png", scale=scale, border=2)
    return out.getvalue()


def qr_png_data_uri(text: str, *, scale: int = 4, mask: int | None = None) -> str:
    """The same as a PNG data URI: for PDFs rendered in bulk, where WeasyPrint draws an SVG's every module as a
    path but a PNG as one image (certificates: several times cheaper per page).

    ``mask`` (0–7): use this data mask instead of scoring all eight for the one easiest to scan — any mask reads
    back the same; scoring is most of segno's time (~10 of 12 ms for a verification URL)."""
    return segno.make(text, error="m", mask=mask).png_data_uri(scale=scale, border=2)
