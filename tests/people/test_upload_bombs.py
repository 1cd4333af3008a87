"""Hostile roster files stay small in time and memory, and say what is wrong; big files are parsed by the task."""

from __future__ import annotations

import io
import json
import re
import time
import tracemalloc
import zipfile

import pytest
import sqlalchemy as sa

from app.core import crypto
from app.extensions import db
from app.people import roster_import, tasks
from app.people.models import ImportBatch, Person
from app.people.roster_import import MAX_STORED_PROBLEMS
from app.people.table_files import MAX_BYTES, MAX_COLUMNS, MAX_ROWS, FileUnreadable, read_table
from question_bank.limits import ROSTER_LIMITS
from tests import bombs
from tests.people.world import HEADER, csv_text, good_rows, xlsx_bytes


def with_sheet_xml(make_rows: bytes, dimension: str | None = None) -> bytes:
    """A real workbook whose first sheet's rows (and declared dimension) are replaced by hand-made XML."""
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes([])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as package:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                if dimension:
                    data = re.sub(rb'<dimension ref="[^"]*" ?/>', f'<dimension ref="{dimension}"/>'.encode(), data)
                data = data.replace(b"</sheetData>", make_rows + b"</sheetData>")
            package.writestr(item, data)
    return out.getvalue()


def measured(call):
    """``call()``'s result and the peak memory it allocated, in MB."""
    tracemalloc.start()
    try:
        result = call()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return result, peak / 1024 / 1024


@pytest.fixture
def admin_a(client, login, world):
    login(world.admin_a)
    return world.admin_a


def upload_page(client, data: bytes, filename: str) -> str:
    """The preview page once the file is parsed: at once in-process (eager Celery); with a real worker (CI's
    PostgreSQL run) the page says it is parsing and refreshes itself, as a browser would, until it is done."""
    response = client.post("/people/import", data={"file": (io.BytesIO(data), filename)})
    assert response.status_code == 302
    deadline = time.monotonic() + 60
    while True:
        page = client.get(response.location).get_data(as_text=True)
        if 'data-testid="import-parsing"' not in page or time.monotonic() > deadline:
            return page
        time.sleep(0.2)


def test_dimension_bomb_is_read_within_bounds(client, admin_a):
    """A ~35 KB workbook declaring A1:XFD1048576 with one far-right cell per row: 16,384 columns a row before."""
    rows = b"".join(b'<row r="%d"><c r="XFD%d"><v>1</v></c></row>' % (i, i) for i in range(2, 6000))
    bomb = with_sheet_xml(rows, dimension="A1:XFD1048576")
    assert len(bomb) < 64 * 1024
    table, peak_mb = measured(lambda: read_table(bomb, "bomb.xlsx"))
    assert max(len(r) for r in table) <= MAX_COLUMNS and len(table) <= MAX_ROWS + 51
    assert peak_mb < 80  # 716 MB when every row was padded to 16,384 columns (time is no measure on a shared box)
    page = upload_page(client, bomb, "bomb.xlsx")
    assert f"一次最多导入 {MAX_ROWS} 行，请拆分文件。" in page


def test_a_million_rows_in_a_small_zip_is_refused_before_parsing(client, admin_a):
    """The shape of the 506 KB file that ran 88 s and took 1.6 GB: rows without positions compress to nothing."""
    bomb = with_sheet_xml(b"<row><c><v>1</v></c></row>" * 1_000_000)
    assert len(bomb) < 512 * 1024

    def refused():
        with pytest.raises(FileUnreadable) as caught:
            read_table(bomb, "m.xlsx")
        return caught.value.code

    code, peak_mb = measured(refused)
    assert code == "file.too_large_unpacked" and peak_mb < 40  # it took 1.6 GB when it was parsed
    page = upload_page(client, bomb, "m.xlsx")
    assert "工作簿解压后过大（行或单元格过多）。一次最多导入 5000 行" in page


def test_csv_with_too_many_rows_stops_reading(client, admin_a):
    text = csv_text([["张三", "居民身份证", "1", "", "其他从业人员"]] * (MAX_ROWS + 500))
    table = read_table(text.encode(), "r.csv")
    assert len(table) == MAX_ROWS + 51
    assert f"一次最多导入 {MAX_ROWS} 行，请拆分文件。" in upload_page(client, text.encode(), "r.csv")


def test_stored_problems_are_capped_and_the_rest_counted(client, admin_a, world):
    bad = [["", "居民身份证", "123", "12", "不存在的岗位"] + [""] * 4] * 1500
    page = upload_page(client, csv_text(bad, HEADER).encode(), "bad.csv")
    batch = db.session.scalars(sa.select(ImportBatch).order_by(ImportBatch.id.desc())).first()
    stored = json.loads(batch.problems)
    assert len(stored) == MAX_STORED_PROBLEMS and batch.problem_count > 3000
    assert len(batch.problems) < 100_000
    assert f"发现 {batch.problem_count} 处错误" in page
    assert f"另有 {batch.problem_count - MAX_STORED_PROBLEMS} 处错误未列出" in page


def test_a_big_file_is_parsed_by_the_task_not_the_request(client, admin_a, monkeypatch):
    queued = []
    monkeypatch.setattr(tasks.parse_roster, "delay", lambda *args: queued.append(args))
    rows = good_rows(3)
    data = xlsx_bytes(rows)
    monkeypatch.setattr(roster_import, "INLINE_PARSE_MAX_BYTES", len(data) - 1)
    response = client.post("/people/import", data={"file": (io.BytesIO(data), "big.xlsx")})
    preview_url = response.location
    page = client.get(preview_url).get_data(as_text=True)
    assert "正在解析文件，请稍候" in page and 'http-equiv="refresh"' in page
    assert "确认导入" not in page
    refused = client.post(preview_url, data={"batch": preview_url.rsplit("/", 1)[1]})
    assert "文件还在解析中，请稍候。" in client.get(refused.location).get_data(as_text=True)
    [(batch_id,)] = queued
    assert tasks.parse_roster.run(batch_id)["rows"] == 3  # what the worker does
    page = client.get(preview_url).get_data(as_text=True)
    assert "全部 3 行校验通过" in page and "正在解析文件" not in page
    assert db.session.get(ImportBatch, batch_id).upload_enc is None


def test_a_file_that_breaks_the_parser_fails_the_batch_with_a_message(client, admin_a, monkeypatch):
    queued = []
    monkeypatch.setattr(tasks.parse_roster, "delay", lambda *args: queued.append(args))
    monkeypatch.setattr(roster_import, "INLINE_PARSE_MAX_BYTES", 10)

    def explode(*args, **kwargs):
        raise RuntimeError("parser bug")

    response = client.post("/people/import", data={"file": (io.BytesIO(xlsx_bytes(good_rows(2))), "x.xlsx")})
    monkeypatch.setattr(roster_import, "parse_roster", explode)
    tasks.parse_roster.run(queued[0][0])
    page = client.get(response.location).get_data(as_text=True)
    assert "文件解析失败，未导入任何数据" in page


# ---------------------------------------------------------------- bombs bounded by work, not bytes


def cpu(call):
    start = time.process_time()
    result = call()
    return result, time.process_time() - start


def refused_code(data: bytes, filename: str) -> tuple[str, dict]:
    with pytest.raises(FileUnreadable) as caught:
        read_table(data, filename)
    return caught.value.code, caught.value.params


def stored_nothing(world) -> None:
    batch = db.session.scalars(sa.select(ImportBatch).order_by(ImportBatch.id.desc())).first()
    assert batch.row_count == 0 and json.loads(crypto.decrypt(batch.rows_enc)) == []
    assert not db.session.scalar(sa.select(sa.func.count()).select_from(Person).where(Person.name == "张三"))


def test_rows_of_16384_cells_are_refused_by_the_cell_limit(client, admin_a, world):
    """The shape of the 50 KB roster that took 12 s: every row holds a cell in each column up to XFD."""
    bomb = bombs.wide_rows(HEADER, rows=40)  # 655,360 cells, 9 MB of sheet XML
    (code, params), seconds = cpu(lambda: refused_code(bomb, "wide.xlsx"))
    assert seconds < 5
    assert (code, params["max"]) == ("file.too_many_cells", ROSTER_LIMITS.max_cells)
    page = upload_page(client, bomb, "wide.xlsx")
    assert f"工作簿单元格过多（最多读取 {ROSTER_LIMITS.max_cells} 个单元格），未导入任何数据。" in page
    stored_nothing(world)


def test_wide_rows_under_the_cell_limit_keep_only_the_roster_columns():
    bomb = bombs.wide_rows(HEADER, rows=10)
    table, seconds = cpu(lambda: read_table(bomb, "wide.xlsx"))
    assert seconds < 5
    assert len(table) == 11 and max(len(r) for r in table) <= MAX_COLUMNS


def test_a_million_empty_rows_stop_at_the_row_limit(client, admin_a, world):
    bomb = bombs.empty_rows(HEADER)
    table, seconds = cpu(lambda: read_table(bomb, "rows.xlsx"))
    assert seconds < 5 and len(table) == ROSTER_LIMITS.max_rows
    page = upload_page(client, bomb, "rows.xlsx")
    assert f"一次最多导入 {MAX_ROWS} 行，请拆分文件。" in page
    stored_nothing(world)


def test_a_zip_bomb_is_refused_by_its_declared_size(client, admin_a, world):
    bomb = bombs.zip_bomb(HEADER, unpacked_bytes=ROSTER_LIMITS.max_unpacked_bytes + 1)
    assert len(bomb) < 128 * 1024
    (code, _), seconds = cpu(lambda: refused_code(bomb, "zip.xlsx"))
    assert seconds < 1 and code == "file.too_large_unpacked"
    assert "工作簿解压后过大" in upload_page(client, bomb, "zip.xlsx")
    stored_nothing(world)


def test_a_csv_with_a_ten_megabyte_line_is_refused_by_bytes_and_a_long_line_by_length(client, admin_a, world):
    (code, params), seconds = cpu(lambda: refused_code(bombs.long_line_csv(HEADER), "line.csv"))
    assert seconds < 1 and (code, params["mb"]) == ("file.too_large", MAX_BYTES // (1024 * 1024))
    long_line = bombs.long_line_csv(HEADER, line_bytes=MAX_BYTES - 1024)
    (code, params), seconds = cpu(lambda: refused_code(long_line, "line.csv"))
    assert seconds < 5 and (code, params["max"]) == ("file.line_too_long", ROSTER_LIMITS.max_line_chars)
    page = upload_page(client, long_line, "line.csv")
    assert f"文件中有一行超过 {ROSTER_LIMITS.max_line_chars} 个字符，未导入任何数据。" in page
    stored_nothing(world)
