"""花名册导入: upload → preview (every bad row named) → confirm, all rows or none."""

import io
import json
import os
from datetime import date

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from app.archive.models import ArchiveEvent
from app.extensions import db
from app.people.models import Employment, Person, Post
from app.people.services import PersonData, employ
from tests.factories import make_id_number
from tests.people.world import HEADER, csv_text, good_rows, row, xlsx_bytes


def counts() -> tuple[int, int, int]:
    return tuple(
        db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in (Person, Employment, ArchiveEvent)
    )


def upload(client, data: bytes, filename: str, url: str = "/people/import"):
    """POST the file; return (preview page text, preview URL)."""
    response = client.post(url, data={"file": (io.BytesIO(data), filename)})
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    page = client.get(response.location)
    assert page.status_code == 200
    return page.get_data(as_text=True), response.location


def confirm(client, preview_url: str):
    return client.post(preview_url, data={"batch": preview_url.split("?")[0].rsplit("/", 1)[1]})


@pytest.fixture
def admin_a(client, login, world):
    login(world.admin_a)
    return world.admin_a


def test_good_xlsx_previews_then_imports(client, admin_a, world):
    rows = good_rows(3)
    before = counts()
    page, url = upload(client, xlsx_bytes(rows), "二车间.xlsx")
    assert "全部 3 行校验通过" in page and "确认导入 3 人" in page
    assert counts() == before  # the preview stores nothing but the batch
    response = confirm(client, url)
    assert response.status_code == 302 and response.location.endswith("/people/")
    roster = client.get(response.location).get_data(as_text=True)
    assert "已导入 3 人。" in roster
    for r in rows:
        assert r[0] in roster
    assert counts() == (before[0] + 3, before[1] + 3, before[2] + 6)
    electrician = db.session.scalars(sa.select(Person).where(Person.name == rows[1][0])).one()
    [job] = electrician.employments
    assert (job.post, job.operation_code, job.start_date) == (Post.SPECIAL_OPERATOR, "1.2", date(2024, 3, 1))
    events = db.session.scalars(sa.select(ArchiveEvent).where(ArchiveEvent.person_id == electrician.id)).all()
    assert {json.loads(e.payload)["source"] for e in events} == {"import:二车间.xlsx"}
    assert all(e.actor_id == admin_a.id for e in events)
    timeline = client.get(f"/people/{electrician.id}/timeline").get_data(as_text=True)
    assert "花名册导入 二车间.xlsx" in timeline


def test_template_download_is_a_workbook_with_the_header(client, admin_a):
    response = client.get("/people/import/template.xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["姓名", "证件类型", "证件号码"]
    assert {"岗位类别", "作业类别", "操作项目", "入职日期"} <= set(header)


def test_filled_in_template_imports(client, admin_a):
    sheet_data = client.get("/people/import/template.xlsx").data
    wb = load_workbook(io.BytesIO(sheet_data))
    ws = wb.worksheets[0]
    ws["C3"] = make_id_number("320102", date(1992, 5, 5))
    out = io.BytesIO()
    wb.save(out)
    page, url = upload(client, out.getvalue(), "template.xlsx")
    assert "全部 2 行校验通过" in page
    assert confirm(client, url).status_code == 302
    assert {p.name for p in db.session.scalars(sa.select(Person))} >= {"张三", "李四"}


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_encodings(client, admin_a, encoding):
    rows = good_rows(3)
    rows[0][0] = "欧阳娜娜"
    rows[2][0] = "买买提·艾力"
    page, url = upload(client, csv_text(rows).encode(encoding), f"roster-{encoding}.csv")
    assert "全部 3 行校验通过" in page
    assert "欧阳娜娜" in page and "买买提·艾力" in page  # decoded correctly, not mojibake
    assert confirm(client, url).status_code == 302
    names = set(db.session.scalars(sa.select(Person.name)))
    assert {"欧阳娜娜", "买买提·艾力", rows[1][0]} <= names


def test_blank_rows_skipped_and_extra_columns_ignored(client, admin_a):
    rows = good_rows(2)
    header = [*HEADER, "备注", "工号"]
    body = [[*rows[0], "老员工", "A001"], [""] * len(header), [None] * len(header), [*rows[1], "", "A002"]]
    page, url = upload(client, xlsx_bytes(body, header=header), "extra.xlsx")
    assert "全部 2 行校验通过" in page
    confirm(client, url)
    assert {rows[0][0], rows[1][0]} <= set(db.session.scalars(sa.select(Person.name)))


def test_header_may_follow_a_title_row(client, admin_a):
    rows = good_rows(1)
    body = [["XX公司2024年花名册"] + [""] * 8, HEADER, *rows]
    page, _ = upload(client, xlsx_bytes(body, header=None), "titled.xlsx")
    assert "全部 1 行校验通过" in page


def bad_case(client, data, filename, *expected):
    before = counts()
    page, url = upload(client, data, filename)
    for text in expected:
        assert text in page, (text, page[page.find("<main>") :][:2000])
    assert "未导入任何数据" in page
    assert "确认导入" not in page
    # confirming anyway is refused
    response = confirm(client, url)
    assert "文件中仍有错误，未导入任何数据" in client.get(response.location).get_data(as_text=True)
    assert counts() == before
    return page


def test_wrong_check_digit(client, admin_a):
    rows = good_rows(3)
    rows[2][2] = rows[2][2][:17] + ("1" if rows[2][2][17] == "0" else "0")
    bad_case(client, xlsx_bytes(rows), "r.xlsx", "第 4 行「证件号码」", "校验位错误")


def test_bad_date_and_15_digit_numbers(client, admin_a):
    rows = good_rows(2)
    rows[0][2] = "320102850615001"
    rows[1][8] = "2024-13-45"
    bad_case(
        client,
        xlsx_bytes(rows),
        "r.xlsx",
        "第 2 行「证件号码」",
        "应为 18 位",
        "第 3 行「入职日期」",
        "日期“2024-13-45”无法识别",
    )


def test_unknown_operation_and_category(client, admin_a):
    rows = good_rows(3)
    rows[0] = row("甲", rows[0][2], "特种作业人员", operation="1.9")
    rows[2] = row("丙", rows[2][2], "特种作业人员", category="42")
    page = bad_case(
        client,
        xlsx_bytes(rows),
        "r.xlsx",
        "第 2 行「操作项目」",
        "操作项目代码 1.9 不在特种作业目录中",
        "第 4 行「作业类别」",
        "操作项目代码 42 不在特种作业目录中",
    )
    assert "第 3 行" not in page


def test_operation_of_another_category_and_missing_operation(client, admin_a):
    rows = good_rows(2)
    rows[0] = row("甲", rows[0][2], "特种作业人员", category="1", operation="2.1")
    rows[1] = row("乙", rows[1][2], "特种作业人员")
    bad_case(
        client,
        xlsx_bytes(rows),
        "r.xlsx",
        "第 2 行「操作项目」",
        "不属于作业类别“1”",
        "第 3 行「操作项目」",
        "特种作业人员必须填写操作项目",
    )


def test_operation_by_name(client, admin_a):
    rows = good_rows(1)
    rows[0] = row("甲", rows[0][2], "特种作业人员", category="电工作业", operation="高压电工作业")
    page, url = upload(client, xlsx_bytes(rows), "r.xlsx")
    assert "全部 1 行校验通过" in page
    confirm(client, url)
    assert (
        db.session.scalars(sa.select(Employment.operation_code).join(Person).where(Person.name == "甲")).one() == "1.1"
    )


def test_duplicate_id_in_one_file_names_the_first_row(client, admin_a):
    rows = good_rows(4)
    rows[3][2] = rows[1][2]
    bad_case(client, xlsx_bytes(rows), "r.xlsx", "第 5 行「证件号码」：证件号码与第 3 行重复")


def test_person_already_on_roster(client, admin_a, world):
    rows = good_rows(2)
    rows[1] = row("王大锤", world.person_a.id_number)
    bad_case(client, xlsx_bytes(rows), "r.xlsx", "第 3 行「证件号码」", "王大锤 已在本单位花名册中")


def test_empty_file(client, admin_a):
    bad_case(client, b"", "empty.csv", "文件为空。")
    bad_case(client, b"  \r\n", "blank.csv", "文件为空。")


def test_header_only(client, admin_a):
    bad_case(client, xlsx_bytes([]), "header.xlsx", "文件中没有人员数据。")


def test_random_bytes_named_xlsx(client, admin_a):
    bad_case(client, os.urandom(2048).replace(b"\x00", b"\x01"), "roster.xlsx", "文件不是有效的 Excel 工作簿（.xlsx）")
    bad_case(client, b"PK\x03\x04" + os.urandom(500), "roster.xlsx", "文件不是有效的 Excel 工作簿（.xlsx）")


def test_binary_named_csv(client, admin_a):
    bad_case(client, b"\x00\x01\x02" * 100, "roster.csv", "文件不是表格文件")


def test_wrong_extension_refused_by_form(client, admin_a):
    before = counts()
    response = client.post("/people/import", data={"file": (io.BytesIO(b"a,b"), "roster.txt")})
    assert response.status_code == 200
    assert "只接受 .xlsx 或 .csv 文件" in response.get_data(as_text=True)
    assert counts() == before
    assert db.session.scalar(sa.text("SELECT count(*) FROM people_import_batches")) == 0


def test_upload_over_10_mb(client, admin_a):
    before = counts()
    big = b"a" * (10 * 1024 * 1024 + 1)
    response = client.post("/people/import", data={"file": (io.BytesIO(big), "big.csv")})
    assert response.status_code == 413
    text = response.get_data(as_text=True)
    assert "文件不能超过 10 MB，请拆分后分批导入。" in text
    assert "<html" in text  # the app's page, not a bare werkzeug error
    assert counts() == before


def test_formula_cell(client, admin_a):
    rows = good_rows(2)
    rows[1][3] = "=1+1"
    bad_case(client, xlsx_bytes(rows), "r.xlsx", "第 3 行「手机号」", "单元格含公式")


def test_script_in_name_rejected_and_escaped(client, admin_a):
    rows = good_rows(2)
    rows[0][0] = "<script>alert(1)</script>"
    page = bad_case(client, xlsx_bytes(rows), "r.xlsx", "第 2 行「姓名」", "不是有效的姓名")
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_script_in_filename_is_escaped(client, admin_a):
    page, _ = upload(client, xlsx_bytes(good_rows(1)), "<script>x</script>.xlsx")
    assert "<script>x" not in page


def test_no_header_row(client, admin_a):
    bad_case(client, xlsx_bytes(good_rows(2), header=None), "r.xlsx", "找不到表头", "姓名、证件号码、岗位类别")


def test_missing_required_column(client, admin_a):
    rows = [r[:4] + r[5:] for r in good_rows(2)]  # no 岗位类别
    header = HEADER[:4] + HEADER[5:]
    bad_case(client, csv_text(rows, header).encode(), "r.csv", "找不到表头", "岗位类别")


def test_gbk_csv_with_errors_names_rows(client, admin_a):
    rows = good_rows(2)
    rows[1][4] = "保安队长"
    bad_case(client, csv_text(rows).encode("gbk"), "r.csv", "第 3 行「岗位类别」", "岗位类别“保安队长”应为")


def test_batch_of_another_user_or_enterprise_is_404(client, login, world, factory):
    login(world.admin_a)
    _page, url = upload(client, xlsx_bytes(good_rows(2)), "r.xlsx")
    token = url.rsplit("/", 1)[1]
    login(world.admin_b)
    assert client.get(f"/people/import/{token}").status_code == 404
    assert confirm(client, url).status_code == 404
    colleague = factory.enterprise_admin(world.ent_a)
    factory.commit()
    login(colleague)
    assert client.get(f"/people/import/{token}").status_code == 404
    assert client.get("/people/import/not-a-token").status_code == 404
    assert counts()[0] == 1


def test_reconfirming_an_applied_batch_is_refused(client, admin_a):
    page, url = upload(client, xlsx_bytes(good_rows(2)), "r.xlsx")
    assert confirm(client, url).status_code == 302
    after = counts()
    page = client.get(url).get_data(as_text=True)
    assert "该批次已经导入。" in page and "确认导入" not in page
    response = confirm(client, url)
    assert "该批次已经导入过。" in client.get(response.location).get_data(as_text=True)
    assert counts() == after


def test_all_or_nothing_when_a_row_conflicts_at_confirm(client, admin_a, world):
    rows = good_rows(4)
    page, url = upload(client, xlsx_bytes(rows), "r.xlsx")
    assert "全部 4 行校验通过" in page
    # between preview and confirm, someone adds the person of row 3 to the roster by hand
    employ(
        PersonData(
            name=rows[1][0],
            id_type=__import__("app.people.models", fromlist=["IdType"]).IdType.RESIDENT_ID,
            id_number=rows[1][2],
        ),
        world.ent_a,
        actor=admin_a,
    )
    db.session.commit()
    before = counts()
    response = confirm(client, url)
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "第 3 行「证件号码」" in page and "已在本单位花名册中" in page and "未导入任何数据。" in page
    assert counts() == before
    assert db.session.scalars(sa.select(Person).where(Person.name == rows[0][0])).first() is None
    assert db.session.scalar(sa.text("SELECT applied_at FROM people_import_batches")) is None


def test_platform_admin_imports_for_chosen_enterprise(client, login, world):
    login(world.platform_admin)
    assert client.get("/people/import").status_code == 404
    _page, url = upload(client, xlsx_bytes(good_rows(1)), "r.xlsx", url=f"/people/import?enterprise={world.ent_b.id}")
    assert f"enterprise={world.ent_b.id}" in url
    response = confirm(client, url)
    assert response.status_code == 302
    assert (
        db.session.scalars(sa.select(Employment.enterprise_id).order_by(Employment.id.desc())).first() == world.ent_b.id
    )


def test_cli_import_roster(app, world, tmp_path):
    good = tmp_path / "good.xlsx"
    rows = good_rows(3)
    good.write_bytes(xlsx_bytes(rows))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["import-roster", str(good), "--enterprise", world.ent_b.uscc.lower()])
    assert result.exit_code == 0, result.output
    assert "imported 3 row(s) into 江宁机械有限公司" in result.output
    events = db.session.scalars(
        sa.select(ArchiveEvent).where(
            ArchiveEvent.kind == "employment.started", ArchiveEvent.enterprise_id == world.ent_b.id
        )
    ).all()
    assert len(events) == 3 and all(json.loads(e.payload)["source"] == "import:good.xlsx" for e in events)
    assert all(e.actor_label == "system" for e in events)

    before = counts()
    bad = tmp_path / "bad.csv"
    rows = good_rows(3)
    rows[2][2] = rows[2][2][:17] + ("1" if rows[2][2][17] == "0" else "0")
    bad.write_text(csv_text(rows), encoding="utf-8")
    result = runner.invoke(args=["import-roster", str(bad), "--enterprise", world.ent_a.uscc])
    assert result.exit_code == 1
    assert "第 4 行「证件号码」" in result.output and "nothing imported" in result.output
    assert counts() == before

    result = runner.invoke(args=["import-roster", str(good), "--enterprise", "91320102MA0000000X"])
    assert result.exit_code != 0 and "no enterprise" in result.output


def test_real_date_and_number_cells(client, admin_a):
    from datetime import datetime

    rows = good_rows(1)
    rows[0][3] = 13912345678  # typed as a number in Excel
    rows[0][8] = datetime(2023, 11, 20)  # a real date cell
    page, url = upload(client, xlsx_bytes(rows), "r.xlsx")
    assert "全部 1 行校验通过" in page and "2023-11-20" in page
    confirm(client, url)
    person = db.session.scalars(sa.select(Person).where(Person.name == rows[0][0])).one()
    assert person.phone == "13912345678" and person.employments[0].start_date == date(2023, 11, 20)


def test_start_dates_as_people_type_them(client, admin_a):
    """The 入职日期 shapes of real sheets (``app.core.dates``): an Excel serial in a number cell, 年月日 with
    full-width digits, a datetime as a CSV export prints it."""
    rows = good_rows(3)
    rows[0][8] = 45250  # 2023-11-20, a date cell formatted as a number
    rows[1][8] = "２０２３年１１月２１日"
    rows[2][8] = "2023-11-22 00:00:00"
    page, url = upload(client, xlsx_bytes(rows), "r.xlsx")
    assert "全部 3 行校验通过" in page
    confirm(client, url)
    starts = {
        p.name: p.employments[0].start_date
        for p in db.session.scalars(sa.select(Person).where(Person.name.in_([r[0] for r in rows])))
    }
    assert starts == {rows[0][0]: date(2023, 11, 20), rows[1][0]: date(2023, 11, 21), rows[2][0]: date(2023, 11, 22)}


def test_the_downloadable_template_imports_cleanly(app, factory):
    """Issue #15: the template's own example rows must pass its import (李四 had no 证件号码)."""
    from app.people import roster_import, roster_parsing

    data = roster_import.template_xlsx().getvalue()
    rows, problems = roster_parsing.parse_roster(data, "template.xlsx", roster_parsing.Catalogue.load())
    assert problems == []
    assert [r.name for r in rows] == ["张三", "李四"]


def test_row_problems_carry_the_name_and_no_importable_table_is_shown(client, login, world):
    """Issue #15: errors showed only a masked ID; a "可导入的行" table appeared although nothing would be imported."""
    import io

    from tests.people.world import good_rows, xlsx_bytes

    rows = good_rows(2)
    rows[1][2] = "110105194912310021"  # wrong check digit
    login(world.admin_a)
    response = client.post("/people/import", data={"file": (io.BytesIO(xlsx_bytes(rows)), "r.xlsx")})
    page = client.get(response.location).get_data(as_text=True)
    table = page.split('data-testid="import-errors"', 1)[1].split("</table>", 1)[0]
    assert f'<td data-field="name">{rows[1][0]}</td>' in table
    assert "可导入的行" not in page
