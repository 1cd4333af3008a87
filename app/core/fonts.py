"""Pre-subset CJK fonts for PDFs: the system's Noto Sans/Serif CJK SC cut down once to the characters a document
can contain (GB2312 — its 6,763 level-1/2 hanzi and its symbols — plus ASCII), written to ``PDF_FONT_DIR``.

WeasyPrint subsets every font a document uses when it writes the PDF; with the system's 20 MB collections that
costs 0.1–0.3 s per document (and more under load), with these ~3 MB fonts a few milliseconds. Built by
``scripts/setup.sh`` (``scripts/build_pdf_fonts.py``), never committed; a name outside GB2312 (堃, 喆, 䶮 …) falls back
glyph by glyph to the system font named after it in the template's ``font-family``. A stamp beside the files
records what they were built from, so a changed charset or system font rebuilds them.
"""

from __future__ import annotations

import hashlib
import json
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

SYSTEM_FONTS = Path("/usr/share/fonts/opentype/noto")


@dataclass(frozen=True)
class Face:
    """One ``@font-face``: a family/weight of ours, cut from a face of a system collection."""

    family: str
    weight: str
    file: str
    source: str
    source_family: str


FACES = (
    Face("Anpei Sans", "normal", "anpei-sans-regular.otf", "NotoSansCJK-Regular.ttc", "Noto Sans CJK SC"),
    Face("Anpei Sans", "bold", "anpei-sans-bold.otf", "NotoSansCJK-Bold.ttc", "Noto Sans CJK SC"),
    Face("Anpei Serif", "bold", "anpei-serif-bold.otf", "NotoSerifCJK-Bold.ttc", "Noto Serif CJK SC"),
)
STAMP = "fonts.json"


#: Punctuation that GB2312 has but Python's codec maps elsewhere (A1AA → U+2015, A1A4 → U+30FB), and typographic
#: forms people paste: the em dash of "—", the middle dot of 少数民族 names (·), curly quotes, ellipsis.
EXTRA = "—–·•‘’“”…"


def charset() -> str:
    """Every character of GB2312 (rows 1–9 symbols and punctuation, 16–87 hanzi), printable ASCII, :data:`EXTRA`."""
    chars = {chr(c) for c in range(0x20, 0x7F)} | set(EXTRA)
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                chars.add(bytes((high, low)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return "".join(sorted(chars))


def _stamp(text: str, source_dir: Path) -> dict:
    from fontTools import version

    sources = {f.source: (source_dir / f.source).stat().st_size for f in FACES}
    return {
        "charset_sha256": hashlib.sha256(text.encode()).hexdigest(),
        "fonttools": version,
        "sources": sources,
        "files": [f.file for f in FACES],
    }


def available(directory: Path) -> list[tuple[Face, Path]]:
    """The built faces in ``directory``, or none when any is missing (the template then uses the system fonts)."""
    found = [(face, directory / face.file) for face in FACES]
    return found if all(path.is_file() for _, path in found) else []


def _subset_face(job: tuple) -> None:
    """Subset one face to ``unicodes`` into ``directory`` (a process of its own when the charset is large)."""
    from fontTools import subset
    from fontTools.ttLib import TTCollection

    face, source_dir, directory, unicodes = job
    options = subset.Options()
    options.layout_features = ["*"]  # keep vertical forms, proportional punctuation etc.
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.hinting = False  # PDFs are not hinted by WeasyPrint either
    collection = TTCollection(str(source_dir / face.source), lazy=True)
    font = next(f for f in collection.fonts if f["name"].getDebugName(1) == face.source_family)
    # Keep the collection's bounding boxes (head, hhea, vhea, CFF FontBBox) instead of measuring every kept glyph
    # again on save: they still bound the subset, and the measuring was half of the build's time.
    font.recalcBBoxes = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=unicodes)
    subsetter.subset(font)
    partial = directory / f".{face.file}.{os.getpid()}"
    font.save(str(partial))
    os.replace(partial, directory / face.file)


def build(directory: Path, *, text: str | None = None, source_dir: Path = SYSTEM_FONTS, force: bool = False) -> bool:
    """Subset the system faces to ``text`` (default :func:`charset`) into ``directory``; each file is written to
    a temporary name and renamed, so a reader never sees half a font.

    :return: False when the files there are already built from the same charset and sources.
    """
    text = charset() if text is None else text
    stamp = _stamp(text, source_dir)
    stamp_path = directory / STAMP
    if not force and available(directory) and stamp_path.is_file():
        try:
            if json.loads(stamp_path.read_text()) == stamp:
                return False
        except ValueError:
            pass
    directory.mkdir(parents=True, exist_ok=True)
    unicodes = sorted({ord(c) for c in text})
    jobs = [(face, source_dir, directory, unicodes) for face in FACES]
    workers = min(len(jobs), os.cpu_count() or 1)
    if workers > 1 and len(unicodes) > 1000:  # the full charset: ~25 s a face, so one face per core
        with ProcessPoolExecutor(workers) as pool:
            list(pool.map(_subset_face, jobs))
    else:
        for job in jobs:
            _subset_face(job)
    partial = directory / f".{STAMP}.{os.getpid()}"
    partial.write_text(json.dumps(stamp, indent=1))
    os.replace(partial, stamp_path)
    return True
