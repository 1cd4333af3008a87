"""Hostile question files are refused or read within bounded work, with an error naming the limit, and nothing
read from a refused file is kept. CPU bounds are generous (a shared 2-core box); before the shared reader the
wide-row workbook took minutes."""

from __future__ import annotations

import time

import pytest

from question_bank import read_questions
from question_bank.limits import DEFAULT_LIMITS, Limits
from question_bank.messages import render
from question_bank.tabular import TableReader, TableRefused
from tests.bombs import ALL_COLUMNS, empty_rows, long_line_csv, wide_rows, with_rows, workbook, zip_bomb
from tests.question_bank.qb_helpers import make_xlsx

HEADER = ["题型", "题干", "答案"]


def cpu(call):
    start = time.process_time()
    result = call()
    return result, time.process_time() - start


def codes(result):
    return [(e.row, e.code) for e in result.errors]


def test_rows_of_16384_cells_are_refused_by_the_cell_limit():
    bomb = wide_rows(HEADER, rows=150)  # 2.46 M cells, past max_cells, in 6 MB
    result, seconds = cpu(lambda: read_questions(bomb, filename="bomb.xlsx"))
    assert seconds < 5
    assert codes(result) == [(0, "too_many_cells")] and not result.questions
    assert str(DEFAULT_LIMITS.max_cells) in render("too_many_cells", result.errors[0].params)


def test_cells_right_of_the_columns_kept_are_not_parsed():
    """Under the cell limit, a wide row yields only the columns kept: the rest end unparsed."""
    bomb = wide_rows(HEADER, rows=20)
    reader = TableReader(Limits(max_columns=5))
    with reader.xlsx(bomb) as sheets:
        rows = list(sheets[0].rows)
    assert [n for n, _ in rows] == list(range(1, 22))
    assert max(len(cells) for _, cells in rows) <= 5
    assert reader.cells_left == DEFAULT_LIMITS.max_cells - 3 - 20 * 16_384


def test_a_million_empty_rows_stop_at_the_row_limit():
    bomb = empty_rows(["题型", "题干", "答案"])
    result, seconds = cpu(lambda: read_questions(bomb, filename="rows.xlsx", limits=Limits(max_rows=5_000)))
    assert seconds < 5
    assert (result.report.truncated, result.report.truncated_at) == ("row_limit", 5_001)
    assert "第5001行" in render("row_limit", {"row": result.report.truncated_at})


def test_a_zip_bomb_is_refused_by_its_declared_size_before_parsing():
    limits = Limits(max_unpacked_bytes=32 * 1024 * 1024)
    bomb = zip_bomb(HEADER, unpacked_bytes=40 * 1024 * 1024)
    assert len(bomb) < 256 * 1024
    result, seconds = cpu(lambda: read_questions(bomb, filename="zip.xlsx", limits=limits))
    assert seconds < 1
    assert codes(result) == [(0, "unpacked_too_large")]
    assert str(limits.max_unpacked_bytes) in render("unpacked_too_large", result.errors[0].params)


def test_a_ten_megabyte_csv_line_is_refused():
    result, seconds = cpu(lambda: read_questions(long_line_csv(HEADER), filename="line.csv"))
    assert seconds < 5
    assert codes(result) == [(0, "line_too_long")] and not result.questions


def test_a_csv_record_wider_than_a_sheet_is_refused_before_it_is_split():
    data = ("题型,题干,答案\n判断,安全第一,对\n" + "," * 2_000_000 + "\n").encode()
    result, seconds = cpu(lambda: read_questions(data, filename="wide.csv"))
    assert seconds < 5
    assert codes(result) == [(0, "row_too_wide")] and not result.questions


def test_normal_files_still_read():
    rows = [HEADER] + [["判断", f"安全生产要点{i}", "对"] for i in range(50)]
    assert len(read_questions(make_xlsx(rows), filename="ok.xlsx").questions) == 50
    csv = "\n".join(",".join(r) for r in rows).encode("gbk")
    assert len(read_questions(csv, filename="ok.csv").questions) == 50


def test_cells_the_byte_count_misses_are_still_counted_while_parsing():
    """Cells written with a namespace prefix (``<x:c>``) escape the count in the unpacked bytes; the parse counts them."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    cells = "".join(f'<x:c r="{letter}#"/>' for letter in ALL_COLUMNS[:500])
    rows = (f'<x:row xmlns:x="{main}" r="{n}">{cells.replace("#", str(n))}</x:row>'.encode() for n in range(2, 12))
    bomb = with_rows(workbook([HEADER]), rows)
    reader = TableReader(Limits(max_cells=2_000))
    with pytest.raises(TableRefused) as refused, reader.xlsx(bomb) as sheets:
        list(sheets[0].rows)
    assert (refused.value.code, refused.value.params) == ("too_many_cells", {"max": 2_000})
