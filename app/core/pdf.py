"""PDF documents (inspection reports, certificates, dossiers): a Jinja template → WeasyPrint, offline.

Templates get primitives only (dicts, strings, numbers), never database objects. The URL fetcher allows ``data:``
URLs alone (inline QR codes, photos passed as data URIs): nothing is read from disk or the network, so a name in
a document cannot make the renderer fetch ``file:///etc/passwd`` or an internal URL. Fonts come from the system
(Noto CJK, installed by scripts/setup.sh).
"""

from __future__ import annotations

from flask import render_template


def render_pdf(template: str, **context) -> bytes:
    """Render ``template`` with ``context`` to PDF bytes."""
    from weasyprint import HTML  # imported on first use: WeasyPrint loads Pango, ~0.3 s
    from weasyprint.urls import URLFetcher

    html = render_template(template, **context)
    fetcher = URLFetcher(allowed_protocols={"data"}, timeout=1, allow_redirects=False)
    return HTML(string=html, base_url=None, url_fetcher=fetcher).write_pdf()
