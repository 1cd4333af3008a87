"""PDF documents (inspection reports, certificates, dossiers): a Jinja template → WeasyPrint, offline.

Templates get primitives only (dicts, strings, numbers), never database objects. The document's URL fetcher
allows ``data:`` URLs alone (inline QR codes, photos passed as data URIs): nothing is read from disk or the network,
so a name in a document cannot make the renderer fetch ``file:///etc/passwd`` or an internal URL.

Fonts: the pre-subset CJK faces of :mod:`app.core.fonts` ("Anpei Sans", "Anpei Serif"), when built, are declared
by a stylesheet made here — not by the template — whose own fetcher opens exactly those files and nothing else.
The stylesheet and its font configuration are made once per thread (WeasyPrint's Pango font map is not shared
between threads), so later documents load no font at all. Templates name the system's Noto CJK after ours, for
the characters ours lack and for machines where they are not built.
"""

from __future__ import annotations

import atexit
import itertools
import os
import shutil
import tempfile
import threading
import weakref
from pathlib import Path

from flask import current_app, render_template

from app.core import fonts

_local = threading.local()
_configs: weakref.WeakSet = weakref.WeakSet()
#: Where WeasyPrint copies our font faces for fontconfig (~10 MB): a folder per font configuration, named by pid.
COPIES = "anpei-pdf-fonts-"
_numbers = itertools.count()


def _copies_folder() -> Path:
    """A fresh folder for this thread's font copies, after removing those of processes that are gone: WeasyPrint
    removes its copies in ``__del__``, which a process that ends by ``os._exit`` (Celery's and multiprocessing's
    pool children) or SIGKILL never runs."""
    tmp = Path(tempfile.gettempdir())
    for folder in tmp.glob(COPIES + "*"):
        pid = folder.name.removeprefix(COPIES).split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
    folder = tmp / f"{COPIES}{os.getpid()}-{next(_numbers)}"
    shutil.rmtree(folder, ignore_errors=True)  # a dead process's that had our pid
    folder.mkdir(mode=0o700)
    return folder


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@atexit.register
def _remove_font_copies() -> None:
    """At a normal exit ``__del__`` finds ``shutil`` gone: remove the copies while it is still there."""
    for config in list(_configs):
        if config._folder:
            shutil.rmtree(config._folder, ignore_errors=True)
            config._folder = None


def _font_sheet(directory: Path):
    """(CSS, FontConfiguration) declaring the built faces in ``directory``, or None; cached per thread."""
    cache = _local.__dict__.setdefault("sheets", {})
    if directory not in cache:
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        faces = fonts.available(directory)
        if not faces:
            return None  # not built (yet): no cache, so a later build is picked up
        allowed = {path.resolve().as_uri() for _, path in faces}
        rules = "".join(
            f'@font-face {{ font-family: "{face.family}"; font-weight: {face.weight}; '
            f'src: url("{path.resolve().as_uri()}"); }}\n'
            for face, path in faces
        )
        config = FontConfiguration()
        config._folder = _copies_folder()  # WeasyPrint's own would be a random mkdtemp() name
        _configs.add(config)
        cache[directory] = (CSS(string=rules, font_config=config, url_fetcher=_fetcher(allowed)), config)
    return cache[directory]


def _fetcher(files: set[str] = frozenset(), attachments: dict[str, tuple[bytes, str]] | None = None):
    """``data:`` URLs, the exact ``file:`` URLs in ``files`` (our fonts) and the exact URLs of ``attachments``
    (bytes handed over by the caller: no base64 for the HTML parser to read through) — nothing else."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    attachments = attachments or {}

    class Fetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url in attachments:
                body, mime = attachments[url]
                return URLFetcherResponse(url, body, {"Content-Type": mime})
            if url.startswith("data:") or url in files:
                return super().fetch(url, headers)
            raise ValueError(f"URL not allowed in a PDF: {url[:80]}")

    return Fetcher(allowed_protocols={"data", "file"} if files else {"data"}, timeout=1, allow_redirects=False)


#: The scheme of :func:`render_pdf`'s attachments: ``attachment:NAME``.
ATTACHMENT = "attachment:"


def render_pdf(template: str, *, attachments: dict[str, tuple[bytes, str]] | None = None, **context) -> bytes:
    """Render ``template`` with ``context`` to PDF bytes. ``attachments``: ``{"attachment:NAME": (bytes, mime)}``,
    for ``<img src="attachment:NAME">`` (a photo, a QR) without a base64 data URI in the HTML."""
    from weasyprint import HTML  # imported on first use: WeasyPrint loads Pango, ~0.3 s

    html = render_template(template, **context)
    sheet = _font_sheet(Path(current_app.config["PDF_FONT_DIR"]))
    document = HTML(string=html, base_url=None, url_fetcher=_fetcher(attachments=attachments))
    if sheet is None:
        return document.write_pdf()
    css, config = sheet
    return document.write_pdf(stylesheets=[css], font_config=config)
