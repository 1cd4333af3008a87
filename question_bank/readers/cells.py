"""Reading a cell: its value as text, several values in one cell, 选项 packed into one cell
(:func:`split_options`, :func:`packing_style`) and answers as option letters (:func:`parse_letters`, :func:`letters`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from ..normalise import to_half_width
from ..registry import MAX_OPTIONS, OPTION_LETTERS

#: Separators of packed option cells: left inside an option, they show two options were run together.
PACKING_MARKERS = ("**", "##")
_ANSWER_SEPARATORS = re.compile(r"[\s,;/|，、；.．和及]+")
_MULTI_VALUE = re.compile(r"[,;/|\s，、；]+")
#: An option marker: letter A–H then one of . 、 ． : ： ) ）
_MARKER = re.compile(r"([A-Ha-hＡ-Ｈａ-ｈ])\s*[.、．:：)）]")


def cell_text(value: Any) -> str:
    """Cell value → text: integral floats lose their ``.0``, booleans become true/false."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


#: Separators between packed options: ``**A.甲**B.乙``, ``A.甲##B.乙``, one option per line.
_PACK_SEPARATOR = re.compile(r"\*\*|##|\r?\n|\r")
_PACK_SEPARATORS = ("**", "##", "\n")
#: A leading option letter, followed by punctuation or directly by the option text.
_LEAD = re.compile(r"^\s*([A-Ha-hＡ-Ｈａ-ｈ])(?:\s*[.、．:：)）]\s*|(?=\S))")


def split_options(text: str) -> list[str]:
    """Split a single 选项 cell into option texts.

    Handles ``"**A.甲**B.乙"``, ``"A.甲##B.乙"``, ``"**A甲**B乙"`` (no punctuation after the letter),
    full-width letters, one option per line, and ``"A、甲 B、乙"`` on one line.  In the last case
    markers must come in order A, B, C… and must not follow an ASCII letter or digit, so text such
    as ``PLC.`` or ``3B.`` inside an option is not mistaken for a marker.
    """
    text = text.strip()
    parts = [p.strip() for p in _PACK_SEPARATOR.split(text) if p.strip()]
    if len(parts) > 1:
        # Each separator alone first: in "A.0##B.0**" the ** belongs to option B.  A cell that mixes
        # separators ("**A.甲**B.乙\nC.丙") splits into more lettered options at all of them together.
        best: list[str] = []
        for pieces in [*(text.split(sep) for sep in _PACK_SEPARATORS), parts]:
            options = _lettered([p.strip() for p in pieces if p.strip()])
            if options is not None and len(options) > len(best):
                best = options
        if best:
            return best
        if not any(_MARKER.match(p) for p in parts):
            return parts  # one option per line/segment, without letters
    starts: list[tuple[int, int]] = []  # (marker start, text start)
    pos = 0
    for letter in OPTION_LETTERS:
        for m in _MARKER.finditer(text, pos):
            if to_half_width(m.group(1)).upper() != letter:
                continue
            before = text[m.start() - 1] if m.start() else ""
            if before and before.isascii() and before.isalnum():
                continue
            starts.append((m.start(), m.end()))
            pos = m.end()
            break
        else:
            break
    if not starts:
        return parts if len(parts) > 1 else ([text] if text else [])
    bounds = [s for s, _ in starts[1:]] + [len(text)]
    return [_strip_separators(text[begin:end]) for (_, begin), end in zip(starts, bounds)]


def _lettered(parts: list[str]) -> list[str] | None:
    """``["A.甲", "B.乙"]`` → ``["甲", "乙"]``; None unless there are 2–8 parts lettered A, B, C… in order."""
    if not 1 < len(parts) <= MAX_OPTIONS:
        return None
    leads = [_LEAD.match(p) for p in parts]
    if not all(m is not None and to_half_width(m.group(1)).upper() == OPTION_LETTERS[i] for i, m in enumerate(leads)):
        return None
    return [p[m.end() :].strip() for p, m in zip(parts, leads)]


def _strip_separators(text: str) -> str:
    return text.strip().strip("*#").strip()


def packing_style(text: str) -> str:
    """How a packed 选项 cell marks its options: ``"**A."``, ``"A.##"``, ``"lines"`` or ``"inline"``."""
    stripped = text.strip()
    if stripped.startswith("**"):
        return "**A."
    if "**" in stripped:
        return "A.**"
    if "##" in stripped:
        return "A.##"
    if "\n" in stripped:
        return "lines"
    return "inline"


def split_values(text: str) -> list[str]:
    return [v for v in _MULTI_VALUE.split(text.strip()) if v]


def parse_letters(text: str) -> list[int] | None:
    """``"A C"``, ``"ABCD"``, ``"A,C"``, ``"A、C"``, ``"ａｃ"`` → sorted option indices; None if not letters."""
    compact = _ANSWER_SEPARATORS.sub("", to_half_width(text)).upper()
    if not compact or any(c not in OPTION_LETTERS for c in compact):
        return None
    return sorted({OPTION_LETTERS.index(c) for c in compact})


def letters(indices: Iterable[int]) -> str:
    """Option indices → answer letters (``(0, 2)`` → ``"AC"``)."""
    return "".join(OPTION_LETTERS[i] for i in indices)
