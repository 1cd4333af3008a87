"""Upload → preview with row errors → confirm (all-or-nothing or valid rows only) → stored; re-import; Celery path."""

import io
import json
import re

import pytest
from openpyxl import Workbook, load_workbook

from app.bank.models import BankImport, ImportState
from app.bank.queries import question_index
from app.extensions import db
from question_bank import read_questions
from tests.bank.conftest import confirm, error_rows, file_of, make_questions, preview_url, stored, upload, wait_finished


@pytest.mark.parametrize("fmt", ["xlsx", "json", "gift", "moodle"])
def test_good_file_is_previewed_then_imported(client, login, bank_world, fmt):
    login(bank_world.admin)
    bank = bank_world.national
    data, name = file_of(make_questions(9, "f"), fmt)
    page = upload(client, bank.id, data, name)
    html = page.get_data(as_text=True)
    assert 'data-testid="valid-count">9<' in html and 'data-testid="error-count">0<' in html
    assert "新增 9，更新 0，未变化 0" in html
    assert len(stored(bank.id)) == 6  # nothing yet
    response = confirm(client, preview_url(page))
    assert response.status_code == 302
    done = client.get(response.location).get_data(as_text=True)
    assert "新增 9 题" in done
    keys = {row.key for row in stored(bank.id)}
    assert {f"f{i:03d}" for i in range(9)} <= keys
    assert len(question_index([bank.id])) == 15


def test_reimport_same_file_is_unchanged_and_changed_rows_get_new_version(client, login, bank_world):
    login(bank_world.admin)
    bank = bank_world.national
    questions = make_questions(4, "r")
    data, name = file_of(questions, "json")
    confirm(client, preview_url(upload(client, bank.id, data, name)))
    page = upload(client, bank.id, data, name)
    assert "新增 0，更新 0，未变化 4" in page.get_data(as_text=True)
    revision = bank.revision
    confirm(client, preview_url(page))
    db.session.refresh(bank)
    assert bank.revision == revision  # nothing changed, caches stay valid

    import dataclasses

    changed = [dataclasses.replace(questions[0], stem="改过的题干"), *questions[1:]]
    data, name = file_of(changed, "json")
    page = upload(client, bank.id, data, name)
    assert "新增 0，更新 1，未变化 3" in page.get_data(as_text=True)
    confirm(client, preview_url(page))
    versions = [r for r in stored(bank.id, current_only=False) if r.key == "r000"]
    assert [(v.version, v.current) for v in versions] == [(1, False), (2, True)]
    assert versions[1].stem == "改过的题干"


def _xlsx(rows, header=("题型", "题干", "选项A", "选项B", "选项C", "答案")) -> bytes:
    wb = Workbook()
    ws = wb.active
    if header:
        ws.append(list(header))
    for r in rows:
        ws.append(list(r))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _json(questions) -> bytes:
    return json.dumps({"format": "anpei-questions", "version": 1, "questions": questions}, ensure_ascii=False).encode()


GOOD_JSON = {"key": "ok-1", "type": "single", "stem": "正常的题目", "options": ["甲", "乙"], "answer": ["A"]}

#: name → (file bytes, filename, expected error rows, valid questions left)
BAD_INPUTS = {
    "malformed_xml": (
        b'<?xml version="1.0"?><quiz><question type="truefalse"><questiontext><text>x</text></quiz>',
        "bad.xml",
        ["1"],
        0,
    ),
    "gift_unbalanced_braces": (
        "::g1:: 电工作业必须持证上岗 {T}\n\n::g2:: 断开的题目 { =甲 ~乙\n\n::g3:: 安全电压? {=36V ~220V}\n".encode(),
        "bad.gift",
        ["3"],
        2,
    ),
    "xlsx_without_header": (_xlsx([("a", "b"), ("c", "d")], header=None), "nohead.xlsx", ["整个文件"], 0),
    "answer_letter_without_option": (
        _xlsx([("单选", "好题", "甲", "乙", "", "A"), ("单选", "坏题", "甲", "乙", "", "C")]),
        "letter.xlsx",
        ["3"],
        1,
    ),
    "multi_with_one_option": (
        _json([GOOD_JSON, {"type": "multiple", "stem": "只有一个选项", "options": ["甲"], "answer": ["A"]}]),
        "multi.json",
        ["2", "2"],
        1,
    ),
    "true_false_with_options": (
        _json([GOOD_JSON, {"type": "true_false", "stem": "判断", "options": ["x", "y", "z"], "answer": ["正确"]}]),
        "tf.json",
        ["2"],
        1,
    ),
    "five_mb_stem": (
        _json(
            [GOOD_JSON, {"type": "single", "stem": "长" + "x" * 5_000_000, "options": ["甲", "乙"], "answer": ["A"]}]
        ),
        "long.json",
        ["2"],
        1,
    ),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_shows_row_errors_and_all_or_nothing_stores_nothing(client, login, bank_world, case):
    data, filename, rows, valid = BAD_INPUTS[case]
    login(bank_world.admin)
    bank = bank_world.national
    before = {r.key for r in stored(bank.id)}
    page = upload(client, bank.id, data, filename)
    html = page.get_data(as_text=True)
    errors = error_rows(html)
    assert [row for row, _message in errors] == rows, errors
    assert all(message for _row, message in errors)
    assert f'data-testid="valid-count">{valid}<' in html

    if valid:
        response = confirm(client, preview_url(page), "all")
        assert "按“全部导入”方式未导入任何题目" in client.get(response.location).get_data(as_text=True)
        assert {r.key for r in stored(bank.id)} == before
        confirm(client, preview_url(page), "valid_only")
        assert len({r.key for r in stored(bank.id)} - before) == valid
    else:
        assert "文件中没有可导入的题目" in html
        confirm(client, preview_url(page), "valid_only")
        assert {r.key for r in stored(bank.id)} == before


def test_errors_render_in_english(client, login, bank_world):
    login(bank_world.admin)
    with client.session_transaction() as session:
        session["locale"] = "en"
    data, filename, _rows, _valid = BAD_INPUTS["answer_letter_without_option"]
    html = upload(client, bank_world.national.id, data, filename).get_data(as_text=True)
    assert "Row 3: answer &#39;C&#39; has no matching option" in html


def test_script_in_stem_is_stored_as_text_and_shown_escaped(client, login, bank_world):
    login(bank_world.admin)
    bank = bank_world.national
    stem = '<script>alert("x")</script><b>粗体</b>'
    page = upload(client, bank.id, _xlsx([("单选", stem, "<i>甲</i>", "乙", "", "A")]), "html.xlsx")
    html = page.get_data(as_text=True)
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    confirm(client, preview_url(page))
    row = next(r for r in stored(bank.id) if r.stem.startswith("<script>"))
    assert row.stem == stem and row.options[0] == "<i>甲</i>"
    listing = client.get(f"/bank/{bank.id}?q=script").get_data(as_text=True)
    assert "<script>alert" not in listing and "&lt;script&gt;alert" in listing and "&lt;i&gt;甲&lt;/i&gt;" in listing


def test_upload_over_the_size_limit_gets_the_413_page(app, client, login, bank_world, monkeypatch):
    login(bank_world.admin)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024 * 1024)
    response = client.post(
        f"/bank/{bank_world.national.id}/import",
        data={"file": (io.BytesIO(b"x" * (2 * 1024 * 1024)), "big.json")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    assert "上传的文件太大" in response.get_data(as_text=True)


def test_confirming_twice_imports_once(client, login, bank_world):
    login(bank_world.admin)
    data, name = file_of(make_questions(3, "t"), "json")
    page = upload(client, bank_world.national.id, data, name)
    confirm(client, preview_url(page))
    response = confirm(client, preview_url(page))
    assert "该批次已经确认过" in client.get(response.location).get_data(as_text=True)
    assert len([r for r in stored(bank_world.national.id) if r.key.startswith("t")]) == 3


def test_large_import_runs_as_celery_task_with_progress(app, client, login, bank_world, monkeypatch):
    """Over the threshold the confirm enqueues ``bank.apply_import``; the page polls JSON until 100 %.

    Eager Celery runs it right after the commit; with a broker a real worker does, and the test polls the DB.
    """
    monkeypatch.setitem(app.config, "BANK_INLINE_IMPORT_MAX", 5)
    monkeypatch.setattr("app.bank.services.CHUNK", 4)
    login(bank_world.admin)
    bank = bank_world.national
    data, name = file_of(make_questions(30, "big"), "json")
    page = upload(client, bank.id, data, name)
    url = preview_url(page)
    response = confirm(client, url)
    assert response.status_code == 302
    queued = client.get(url).get_data(as_text=True)
    assert "<progress" in queued and 'data-testid="import-progress"' in queued
    status = wait_finished(client, url)
    assert status["state"] == "done" and status["progress"] == 100, status
    assert status["result"] == {"created": 30, "updated": 0, "unchanged": 0}
    assert len([r for r in stored(bank.id) if r.key.startswith("big")]) == 30
    batch = db.session.scalars(db.select(BankImport).where(BankImport.token == url.rsplit("/", 1)[1])).one()
    db.session.refresh(batch)
    assert batch.state is ImportState.DONE


def test_import_task_applies_a_committed_batch(bank_world):
    """The task itself, called the way a worker calls it: ids only, committed state."""
    from app.bank import services, tasks
    from app.bank.models import ImportMode

    data, name = file_of(make_questions(3, "w"), "json")
    batch = services.stage_import(data, name, bank=bank_world.national, actor_id=bank_world.admin.id)
    services.claim_import(batch, ImportMode.ALL)
    db.session.commit()
    assert tasks.apply_import.delay(batch.id).get(timeout=60) == {"created": 3, "updated": 0, "unchanged": 0}
    db.session.expire_all()
    assert db.session.get(BankImport, batch.id).state is ImportState.DONE


def test_export_round_trips_in_every_format(client, login, bank_world):
    login(bank_world.admin)
    bank = bank_world.national
    expected = sorted(r.stem for r in stored(bank.id))
    for fmt in ("xlsx", "json", "moodle", "gift"):
        response = client.get(f"/bank/{bank.id}/export/{fmt}")
        assert response.status_code == 200, fmt
        result = read_questions(response.data, format=fmt)
        assert not result.errors, (fmt, result.errors)
        assert sorted(q.stem for q in result.questions) == expected, fmt


def test_error_table_names_fields_in_words_not_codes(client, login, bank_world):
    """Issue #15: the 字段 column read "answer" / "stem"."""
    login(bank_world.admin)
    data, filename, _rows, _valid = BAD_INPUTS["answer_letter_without_option"]
    html = upload(client, bank_world.national.id, data, filename).get_data(as_text=True)
    table = html.split('data-testid="import-errors"', 1)[1].split("</table>", 1)[0]
    fields = re.findall(r"<tr><td>[^<]*</td><td>([^<]*)</td>", table)
    assert fields == ["答案"]


def test_a_large_file_is_parsed_by_a_task_not_in_the_request(client, login, bank_world, monkeypatch):
    """Big files are read off the request: the upload is stored, the page says it is being read, and the task
    fills the same preview (issue #11.11)."""
    from app.bank import services, tasks

    queued = []
    monkeypatch.setattr(tasks.parse_import, "delay", lambda *args: queued.append(args))
    data, name = file_of(make_questions(30, "big"), "xlsx")
    monkeypatch.setattr(services, "INLINE_PARSE_MAX_BYTES", len(data) - 1)
    login(bank_world.admin)
    response = client.post(
        f"/bank/{bank_world.national.id}/import",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )
    page = client.get(response.location).get_data(as_text=True)
    assert "正在后台解析" in page and 'data-testid="valid-count"' not in page
    [(batch_id,)] = queued
    assert db.session.get(BankImport, batch_id).state is ImportState.PARSING
    assert tasks.parse_import.run(batch_id) == {"parsed": batch_id, "questions": 30}
    db.session.commit()
    page = client.get(response.location).get_data(as_text=True)
    assert 'data-testid="valid-count">30<' in page


def test_the_bank_goes_out_in_the_packed_layout_and_comes_back_unchanged(client, login, bank_world):
    """Issue #12: export to the spreadsheet layout real banks use (options packed in one cell), re-import: no change."""
    login(bank_world.admin)
    bank = bank_world.national
    page = client.get(f"/bank/{bank.id}").get_data(as_text=True)
    assert "导出 Excel（选项在一格，常见题库格式）" in page
    exported = client.get(f"/bank/{bank.id}/export/xlsx_packed")
    assert exported.status_code == 200 and exported.mimetype.endswith("spreadsheetml.sheet")
    header = [c for c in next(load_workbook(io.BytesIO(exported.data)).active.iter_rows(values_only=True)) if c]
    assert "题目选项" in header and "题目答案" in header
    preview = upload(client, bank.id, exported.data, "packed.xlsx").get_data(as_text=True)
    assert "新增 0，更新 0，未变化 6" in preview
