"""Bounds on what a reader will look at, so a hostile or broken file costs little.

A 1.6 KB xlsx may declare ``A1:XFD1048576``; a zip may inflate a thousandfold.  Readers stop at
these caps and say so in the report instead of building huge lists.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limits:
    """Caps applied by every reader.

    :param max_rows: rows (or text lines) examined per file; later ones are reported, not read.
    :param max_columns: columns read per row; cells further right are ignored.
    :param max_cell_chars: characters kept of one cell/field before it is cut (the stem limit of
        :data:`~question_bank.validation.MAX_STEM` still reports long stems).
    :param max_file_bytes: size of the uploaded file.
    :param max_unpacked_bytes: total uncompressed size of an xlsx's parts (zip bombs).
    :param max_reported: rows-not-read, flags and errors stored; beyond it only counts grow.
    """

    max_rows: int = 200_000
    max_columns: int = 64
    max_cell_chars: int = 20_000
    max_file_bytes: int = 64 * 1024 * 1024
    max_unpacked_bytes: int = 512 * 1024 * 1024
    max_reported: int = 1_000


DEFAULT_LIMITS = Limits()
