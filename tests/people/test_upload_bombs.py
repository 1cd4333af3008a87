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

from app.extensions import db
from app.people import roster_import, tasks
from app.people.roster_import import MAX_COLUMNS, MAX_ROWS, MAX_STORED_PROBLEMS, ImportBatch, read_table
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
        with pytest.raises(roster_import.FileUnreadable) as caught:
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
