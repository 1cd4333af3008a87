"""The pre-subset CJK fonts (app/core/fonts.py): what they cover, built once and kept, used by the card, with the
system font for what they lack; and the PDF fetcher still opens nothing but data: URLs and exactly those files."""

from __future__ import annotations

import io
import os
import shutil
import tempfile
from datetime import date

import pytest
from pypdf import PdfReader

from app.certificates import rendering
from app.certificates.issuing import issuance
from app.core import fonts, pdf
from app.people.models import permit_master_change
from tests.certificates.test_pdf import text_of

pytestmark = pytest.mark.skipif(
    not all((fonts.SYSTEM_FONTS / f.source).is_file() for f in fonts.FACES), reason="Noto CJK fonts not installed"
)


def font_names(data: bytes) -> set[str]:
    names = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]).split("+", 1)[-1])
    return names


def test_the_charset_is_gb2312_and_ascii():
    text = fonts.charset()
    hanzi = [c for c in text if "\u4e00" <= c <= "\u9fff"]
    assert len(hanzi) == 6763  # GB2312 levels 1 and 2
    for c in "王李张刘锤应急管理局复审〔〕、：（）—·年月日0123456789ABCXYZ*-/ ":
        assert c in text, c
    assert "堃" not in text and "喆" not in text  # GBK only: the system font draws them


SMALL_TEXT = "中华人民共和国特种作业操作证号姓名性别王大锤男"


@pytest.fixture(scope="module")
def small_build(tmp_path_factory):
    """A quick build (the real one is ~7,500 characters and takes a minute), made once: each build still reads
    the system's 20 MB collections."""
    directory = tmp_path_factory.mktemp("small-fonts")
    assert fonts.build(directory, text=SMALL_TEXT)
    return directory


@pytest.fixture
def small_fonts(app, small_build, tmp_path):
    """A copy of the quick build (stamp included) in a dir of its own, used for the app's PDFs."""
    directory = tmp_path / "fonts"
    shutil.copytree(small_build, directory)
    was = app.config["PDF_FONT_DIR"]
    app.config["PDF_FONT_DIR"] = directory
    yield directory
    app.config["PDF_FONT_DIR"] = was


def test_built_once_then_kept(small_fonts):
    stamp = (small_fonts / fonts.STAMP).read_text()
    assert not fonts.build(small_fonts, text=SMALL_TEXT)
    assert (small_fonts / fonts.STAMP).read_text() == stamp
    assert fonts.build(small_fonts, text="中华")  # another charset: built again
    assert [face for face, _ in fonts.available(small_fonts)] == list(fonts.FACES)
    (small_fonts / fonts.FACES[1].file).unlink()
    assert fonts.available(small_fonts) == []  # half a set is no set: the system fonts are used


def test_the_card_uses_them_and_the_system_font_for_what_they_lack(cw, small_fonts):
    permit_master_change(cw.persons[0])
    cw.persons[0].name = "王堃"  # 堃: not in GB2312, nor in this small build
    cert = issuance.issue(cw.qualified(cw.persons[0], date(2026, 1, 10)), actor=cw.regulator, today=date(2026, 1, 10))
    data = rendering.render(cert)
    names = font_names(data)
    assert {"Anpei-Sans", "Anpei-Sans-Bold", "Anpei-Serif-Bold"} <= names
    assert names - {"Anpei-Sans", "Anpei-Sans-Bold", "Anpei-Serif-Bold"}, names  # the fallback: 低压电工作业, 堃 …
    text = text_of(data)
    assert "王堃" in text and "中华人民共和国特种作业操作证" in text and "低压电工作业" in text


def test_without_them_the_system_fonts_draw_everything(app, cw, tmp_path):
    was = app.config["PDF_FONT_DIR"]
    app.config["PDF_FONT_DIR"] = tmp_path / "none"
    try:
        cert = issuance.issue(
            cw.qualified(cw.persons[0], date(2026, 1, 10)), actor=cw.regulator, today=date(2026, 1, 10)
        )
        data = rendering.render(cert)
    finally:
        app.config["PDF_FONT_DIR"] = was
    assert not any(n.startswith("Anpei") for n in font_names(data))
    assert "中华人民共和国特种作业操作证" in text_of(data)


def test_the_fetcher_opens_data_urls_and_exactly_the_allowed_files(tmp_path):
    allowed = tmp_path / "a.otf"
    allowed.write_bytes(b"font")
    other = tmp_path / "b.otf"
    shutil.copy(allowed, other)
    document = pdf._fetcher()
    assert document.fetch("data:text/plain;base64,aGk=").read() == b"hi"
    for url in ("file:///etc/passwd", allowed.as_uri(), "http://127.0.0.1/", "https://example.com/x.png"):
        with pytest.raises(ValueError, match="URL not allowed in a PDF"):
            document.fetch(url)
    fonts_only = pdf._fetcher({allowed.as_uri()})
    assert fonts_only.fetch(allowed.as_uri()).read() == b"font"
    for url in (other.as_uri(), "file:///etc/passwd", allowed.as_uri() + "/../b.otf", "http://127.0.0.1/"):
        with pytest.raises(ValueError, match="URL not allowed in a PDF"):
            fonts_only.fetch(url)
    attached = pdf._fetcher(attachments={"attachment:photo/1": (b"jpeg", "image/jpeg")})
    assert attached.fetch("attachment:photo/1").read() == b"jpeg"
    for url in ("attachment:photo/2", "attachment:../photo/1", "file:///etc/passwd", allowed.as_uri()):
        with pytest.raises(ValueError, match="URL not allowed in a PDF"):
            attached.fetch(url)


def test_font_copies_of_dead_processes_are_removed(small_fonts, tmp_path, monkeypatch):
    """WeasyPrint copies the faces for fontconfig (~10 MB) and removes them in ``__del__``, which a Celery pool
    child (``os._exit``) or a killed worker never runs: the next process to set up fonts removes the dead's."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    dead = tmp_path / f"{pdf.COPIES}999999999-0"  # above any pid_max: no such process
    alive = tmp_path / f"{pdf.COPIES}1-0"  # init
    for folder in (dead, alive):
        folder.mkdir()
    pdf._font_sheet(small_fonts)
    assert not dead.exists() and alive.exists()
    (mine,) = list(tmp_path.glob(f"{pdf.COPIES}{os.getpid()}-*"))
    assert len(list(mine.iterdir())) == len(fonts.FACES)
