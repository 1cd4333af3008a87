"""Text normalisation shared by readers, duplicate detection and grading.

Chinese question banks mix full-width and half-width characters freely (``Ａ．`` vs ``A.``,
``（12）`` vs ``(12)``), so every comparison goes through these helpers rather than ``==``.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

#: Full-width ASCII block (U+FF01..U+FF5E) → ASCII, plus the ideographic space.
_FULL_TO_HALF = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FULL_TO_HALF[0x3000] = 0x20
#: Chinese punctuation that has an obvious ASCII twin but is not in the full-width block.
_FULL_TO_HALF.update(
    {
        ord("、"): ord(","),
        ord("。"): ord("."),
        ord("“"): ord('"'),
        ord("”"): ord('"'),
        ord("‘"): ord("'"),
        ord("’"): ord("'"),
        ord("【"): ord("["),
        ord("】"): ord("]"),
    }
)

_WS = re.compile(r"\s+")
#: Numbering prefixes of exported banks: ``12.`` ``12..`` ``12、`` ``12．`` ``(12)`` ``（12）`` ``第12题`` ``12)``,
#: ``12<tab>``, and ``12 `` when Chinese text follows (``10 kV`` keeps its number).
_NUMBERING = re.compile(
    r"^\s*(?:第\s*\d+\s*题[.、:：．]?|[(（]\s*\d+\s*[)）]|\d+\s*[.、．)）]+(?!\d)|\d{1,5}\t|\d{1,5}[ \u3000]+(?=[\u4e00-\u9fff《“\"（(【]))\s*"
)
#: An empty answer bracket in any width/spacing: ``( )`` ``（  ）`` ``(    )`` ``()``.
_BLANK = re.compile(r"[(（][ \t\u3000\xa0]*[)）]")
#: How every empty answer bracket is written after import.
BLANK = "（ ）"
#: Everything that is not a letter/digit/CJK ideograph; removed for duplicate detection.
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


def to_half_width(text: str) -> str:
    """Convert full-width ASCII forms and common Chinese punctuation to their half-width twins."""
    return text.translate(_FULL_TO_HALF)


def collapse_whitespace(text: str) -> str:
    """Strip and collapse every run of whitespace (including newlines) to one space."""
    return _WS.sub(" ", text).strip()


def normalise_answer(text: str) -> str:
    """Normalise a 填空 answer for comparison: strip, full→half width, collapse whitespace, case-fold."""
    return collapse_whitespace(to_half_width(unicodedata.normalize("NFKC", text))).casefold()


def normalise_label(text: str) -> str:
    """Normalise a header or code-like cell (``题 型``, ``Type``) for alias lookup."""
    return _WS.sub("", to_half_width(text)).casefold().strip("*:")


def strip_numbering(text: str) -> str:
    """Remove a leading question number (``12.``, ``12、``, ``（12）``, ``第12题``) from a stem."""
    return _NUMBERING.sub("", text, count=1)


def normalise_blanks(text: str) -> str:
    """Write every empty answer bracket the same way: ``"（ ）"``."""
    return _BLANK.sub(BLANK, text)


def clean_stem(text: str) -> str:
    """Tidy a stem read from a spreadsheet or text file.

    Removes the numbering prefix and *stray* line breaks (WPS wraps long cells with hard newlines):
    a break between two CJK characters disappears, any other break becomes one space.  Empty
    answer brackets become :data:`BLANK`; trailing tabs and spaces go.
    """
    return normalise_blanks(strip_numbering(join_lines(text)).strip())


def clean_option(text: str) -> str:
    """Tidy an option: join hard-wrapped lines and normalise blanks, but keep leading numbers (``3、4级``)."""
    return normalise_blanks(join_lines(text))


def join_lines(text: str) -> str:
    """Join hard-wrapped lines: no space between CJK characters, one space between Latin words."""
    text = text.strip()
    if "\n" in text or "\r" in text:
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        out = lines[0] if lines else ""
        for line in lines[1:]:
            # Joining CJK needs no space; joining Latin words does.
            out += ("" if _is_cjk(out[-1]) or _is_cjk(line[0]) else " ") + line
        text = out
    return text


def _is_cjk(ch: str) -> bool:
    return ch >= "\u2e80"


def normalise_stem(text: str) -> str:
    """Canonical form of a stem for duplicate detection and key generation.

    Strips numbering prefixes, full/half-width punctuation differences, all punctuation and
    whitespace, and case.  ``"12、下列说法正确的是（ ）。"`` and ``"下列说法正确的是()"`` are equal.
    """
    text = strip_numbering(unicodedata.normalize("NFKC", text.strip()))
    return _NOT_WORD.sub("", to_half_width(text)).casefold()


def make_key(qtype: str, stem: str, options: tuple[str, ...] = ()) -> str:
    """Stable key for a question whose source has none.

    Hash of the type, normalised stem and normalised options — *not* the answer, so correcting an
    answer in the source and re-importing updates the same question (the app bumps its version)
    instead of creating a new one.
    """
    payload = "\x1f".join([str(qtype), normalise_stem(stem), *(normalise_stem(o) for o in options)])
    return "q" + hashlib.blake2b(payload.encode("utf-8"), digest_size=8).hexdigest()
