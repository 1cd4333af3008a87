"""Bounds on what a reader will look at, so a hostile or broken file costs little.

A 1.6 KB xlsx may declare ``A1:XFD1048576``; a 972 KB one may hold rows of 16,384 cells each; a zip may
inflate a thousandfold.  Readers stop at these caps and say so instead of building huge lists.  Every upload
that is read as a table (question files here, the app's 花名册 import) takes its caps from this module.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Excel's own width (column XFD): no real row has more cells, and a CSV record with more fields is refused.
MAX_ROW_CELLS = 16_384


@dataclass(frozen=True, slots=True)
class Limits:
    """Caps applied by every reader.

    :param max_rows: rows (or text lines) examined per file, counted by row number (a sheet that jumps to
        row 1,048,576 has examined them all); later ones are reported, not read.
    :param max_columns: columns read per row; cells further right are ignored, and not parsed.
    :param max_cells: cells (and other sheet XML elements, or CSV fields) parsed per file, kept or not; past it
        the file is refused, so the work a file can cause is bounded whatever its rows declare.
    :param max_cell_chars: characters kept of one cell/field before it is cut (the stem limit of
        :data:`~question_bank.validation.MAX_STEM` still reports long stems).
    :param max_line_chars: characters in one physical line of a CSV/text file.
    :param max_file_bytes: size of the uploaded file.
    :param max_unpacked_bytes: total uncompressed size of an xlsx's parts, as its zip declares them (zip bombs).
    :param max_reported: rows-not-read, flags and errors stored; beyond it only counts grow.
    """

    max_rows: int = 200_000
    max_columns: int = 64
    max_cells: int = 1_000_000
    max_cell_chars: int = 20_000
    max_line_chars: int = 8_000_000
    max_file_bytes: int = 64 * 1024 * 1024
    max_unpacked_bytes: int = 512 * 1024 * 1024
    max_reported: int = 1_000


DEFAULT_LIMITS = Limits()

#: People in one 花名册 upload (app.people.roster_import).
ROSTER_MAX_PEOPLE = 5_000
#: The 花名册 import: eleven columns, a header among the first ten rows, at most :data:`ROSTER_MAX_PEOPLE` people
#: (rows read: those plus the header and some slack, so "too many rows" can be told apart from a full file).
ROSTER_LIMITS = Limits(
    max_rows=ROSTER_MAX_PEOPLE + 51,
    max_columns=40,
    max_cells=300_000,
    max_line_chars=64 * 1024,
    max_file_bytes=5 * 1024 * 1024,
    max_unpacked_bytes=24 * 1024 * 1024,
    max_reported=200,
)
