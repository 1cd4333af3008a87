"""The import preview shows the library's import report: layout, counts, every row not read, inferred answers and
conflicting duplicates; "import valid rows only" then stores exactly the rows the report says were read."""

import io
import re

from openpyxl import Workbook

from tests.bank.conftest import confirm, preview_url, stored, upload


def _real_bank() -> bytes:
    """A WPS export: title row, empty column A, header hints in brackets, packed options, a notes sheet."""
    wb = Workbook()
    ws = wb.active
    ws.title = "题库"
    for row in [
        ["电工作业理论题库"],
        [],
        [None, "试题类型(判断题、单选题、多选题)", "题目内容", "题目选项(选项之间用##隔开)", "题目答案"],
        [None, "判断题", "1.严禁酒后作业。", "**A.正确**B.错误", "A"],
        [None, "单选题", "2、安全色中表示禁止的是（ ）", "A.红色##B.绿色", "A"],
        [None, "判断题", "3.严禁酒后作业", None, "错"],
        [None, "多选题", "4.缺答案的题", "A.甲##B.乙##C.丙", None],
    ]:
        ws.append(row)
    wb.create_sheet("说明").append(["本表由考试系统导出"])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _table(html: str, testid: str) -> list[tuple[str, ...]]:
    if f'data-testid="{testid}"' not in html:
        return []
    body = html.split(f'data-testid="{testid}"', 1)[1].split("</table>", 1)[0].split("<tbody>", 1)[1]
    return [tuple(re.findall(r"<td>(.*?)</td>", row)) for row in re.findall(r"<tr>(.*?)</tr>", body)]


def test_preview_shows_the_report_and_valid_rows_only_imports_what_was_read(client, login, bank_world):
    login(bank_world.admin)
    bank = bank_world.national
    before = {r.stem for r in stored(bank.id)}
    page = upload(client, bank.id, _real_bank(), "电工.xlsx")
    html = page.get_data(as_text=True)

    assert "共 4 行题目：读取 2 行，未读取 2 行（均列在下方）。" in html
    assert 'data-testid="report-counts">单选题 1 · 判断题 1<' in html
    assert "表头在第 3 行" in html and "选项在一格内（**A.）" in html
    assert "B：题型" in html and "C：题干" in html and "D：选项（一格内）" in html and "E：答案" in html
    assert "已跳过：工作表“说明”中未找到题目表头" in html
    assert _table(html, "report-not-read") == [
        ("题库 · 6", "判断题 | 3.严禁酒后作业 | 错", "与第4行题目重复"),
        ("题库 · 7", "多选题 | 4.缺答案的题 | A.甲##B.乙##C.丙", "缺少答案"),
    ]
    assert _table(html, "report-flags") == [
        ("题库 · 4", "严禁酒后作业。", "判断题答案由选项字母推断（A=正确，B=错误），请核对"),
    ]
    assert _table(html, "report-conflicts") == [("4、6", "严禁酒后作业。", "正确；错误")]

    confirm(client, preview_url(page), "valid_only")
    assert {r.stem for r in stored(bank.id)} - before == {"严禁酒后作业。", "安全色中表示禁止的是（ ）"}


def test_report_renders_in_english(client, login, bank_world):
    login(bank_world.admin)
    with client.session_transaction() as session:
        session["locale"] = "en"
    html = upload(client, bank_world.national.id, _real_bank(), "x.xlsx").get_data(as_text=True)
    assert ("题库 · 7", "多选题 | 4.缺答案的题 | A.甲##B.乙##C.丙", "the answer is missing") in _table(
        html, "report-not-read"
    )
