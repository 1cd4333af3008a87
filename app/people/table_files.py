"""Reading an uploaded table (a roster, a 面授 sign-in sheet, a file of 证件号码): an .xlsx or a .csv read by the
shared hardened reader (``question_bank.tabular``) within ``question_bank.limits.ROSTER_LIMITS``."""

from __future__ import annotations

from question_bank.limits import ROSTER_LIMITS, ROSTER_MAX_PEOPLE
from question_bank.tabular import TableReader, TableRefused

#: Upload limits (bytes, rows, columns kept, cells parsed) are ``question_bank.limits.ROSTER_LIMITS``; the names
#: below are the ones the messages quote.
MAX_ROWS = ROSTER_MAX_PEOPLE
MAX_COLUMNS = ROSTER_LIMITS.max_columns
MAX_BYTES = ROSTER_LIMITS.max_file_bytes


class FileUnreadable(ValueError):
    def __init__(self, code: str, /, **params):
        super().__init__(code)
        self.code, self.params = code, params


def read_table(data: bytes, filename: str) -> list[list[object]]:
    """Rows of cells from an .xlsx or a .csv (UTF-8 with or without BOM, or GBK/GB18030), read by the shared
    hardened reader (``question_bank.tabular``) within ``ROSTER_LIMITS``: row *n* of the file is ``rows[n - 1]``.

    :raises FileUnreadable: the file is empty, past a limit (bytes, unpacked bytes, cells, line length) or no table.
    """
    if not data.strip():
        raise FileUnreadable("file.empty")
    table = TableReader(ROSTER_LIMITS)
    rows: list[list[object]] = []

    def take(numbered) -> None:
        for number, cells in numbered:
            rows.extend([] for _ in range(number - 1 - len(rows)))  # rows the file leaves out are empty
            rows.append(cells)

    try:
        if filename.lower().endswith(".xlsx") or data[:2] == b"PK":
            with table.xlsx(data, formulas=True) as sheets:  # formulas as text: they are refused, not trusted
                if not sheets or sheets[0].rows is None:
                    raise FileUnreadable("file.not_xlsx")
                take(sheets[0].rows)
        else:
            if b"\x00" in data[:4096]:
                raise FileUnreadable("file.not_table")
            take(table.csv(data))
    except TableRefused as exc:
        raise _unreadable(exc) from None
    if table.truncated_at is not None:  # past the row limit: as many rows as the limit, so the count says so
        rows.extend([] for _ in range(ROSTER_LIMITS.max_rows - len(rows)))
    return rows


def _unreadable(exc: TableRefused) -> FileUnreadable:
    if exc.code == "file_too_large":
        return FileUnreadable("file.too_large", mb=MAX_BYTES // (1024 * 1024))
    if exc.code == "unpacked_too_large":
        return FileUnreadable("file.too_large_unpacked", rows=MAX_ROWS)
    if exc.code in ("too_many_cells", "line_too_long", "row_too_wide"):
        return FileUnreadable(f"file.{exc.code}", max=exc.params["max"], rows=MAX_ROWS)
    if exc.code == "bad_encoding":
        return FileUnreadable("file.encoding")
    if exc.code == "not_a_spreadsheet":
        return FileUnreadable("file.not_xlsx")
    return FileUnreadable("file.not_table")
