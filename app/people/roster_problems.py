"""What a roster upload reports: one problem per bad cell, row or file, and its text."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _

from app.core.messages import message_for
from app.people.roster_columns import HEADERS_ZH


@dataclass(frozen=True)
class RowProblem:
    row: int  # spreadsheet row number as the user sees it (header = 1)
    field: str  # column key, "" for the whole file
    code: str
    params: dict = field(default_factory=dict)

    def message(self) -> str:
        return row_message(self)


def row_message(p: RowProblem) -> str:
    """What is wrong, as the preview lists it: 第 N 行「列」：detail (or the file's problem alone)."""
    column = HEADERS_ZH.get(p.field, p.field)
    value = p.params.get("value", "")
    file_messages = {
        "file.empty": lambda: _("文件为空。"),
        "file.not_xlsx": lambda: _("文件不是有效的 Excel 工作簿（.xlsx），请用 Excel 或 WPS 另存为 .xlsx 后重试。"),
        "file.not_table": lambda: _("文件不是表格文件，请上传 .xlsx 或 .csv。"),
        "file.encoding": lambda: _("无法识别文件编码，请保存为 UTF-8 或 GBK 编码的 CSV。"),
        "file.no_header": lambda: _("找不到表头：第一行应包含列 %(columns)s。", columns=p.params.get("columns", "")),
        "file.no_rows": lambda: _("文件中没有人员数据。"),
        "file.too_many_rows": lambda: _("一次最多导入 %(max)s 行，请拆分文件。", max=p.params.get("max")),
        "file.too_large": lambda: _("花名册文件不能超过 %(mb)s MB，请拆分后分批导入。", mb=p.params.get("mb")),
        "file.too_large_unpacked": lambda: _(
            "工作簿解压后过大（行或单元格过多）。一次最多导入 %(rows)s 行，请只保留花名册数据或拆分文件。",
            rows=p.params.get("rows"),
        ),
        "file.too_many_cells": lambda: _(
            "工作簿单元格过多（最多读取 %(max)s 个单元格），未导入任何数据。请删除多余的行列，或拆分文件（每次最多 %(rows)s 行）。",
            max=p.params.get("max"),
            rows=p.params.get("rows"),
        ),
        "file.line_too_long": lambda: _(
            "文件中有一行超过 %(max)s 个字符，未导入任何数据。请检查文件是否为花名册。", max=p.params.get("max")
        ),
        "file.row_too_wide": lambda: _(
            "文件中有一行超过 %(max)s 列，未导入任何数据。请检查文件是否为花名册。", max=p.params.get("max")
        ),
        "file.parse_failed": lambda: _("文件解析失败，未导入任何数据。请用 Excel 或 WPS 另存后重试。"),
    }
    if p.code in file_messages:
        return file_messages[p.code]()
    row_messages = {
        "cell.required": lambda: _("必填项为空"),
        "cell.formula": lambda: _("单元格含公式，请复制后“粘贴为数值”再导入"),
        # every roster column is one line (a name ends up in e-mail subjects): the same check as the forms'
        "cell.control_chars": lambda: _("不能包含换行、制表符等控制字符"),
        "row.bad_name": lambda: _("“%(value)s”不是有效的姓名（只能包含汉字、字母和间隔号）", value=value),
        "row.bad_id_type": lambda: _("不支持的证件类型“%(value)s”", value=value),
        "row.bad_phone": lambda: _("手机号“%(value)s”应为 11 位数字", value=value),
        "row.bad_post": lambda: _(
            "岗位类别“%(value)s”应为 主要负责人/安全管理人员/特种作业人员/其他从业人员", value=value
        ),
        "row.bad_employment_type": lambda: _("用工形式“%(value)s”应为 正式/劳务派遣/灵活用工/实习", value=value),
        "row.bad_date": lambda: _("日期“%(value)s”无法识别（例：2024-03-01）", value=value),
        "row.duplicate_id": lambda: _("证件号码与第 %(first)s 行重复", first=p.params.get("first")),
        "row.operation_mismatch": lambda: _(
            "操作项目“%(value)s”不属于作业类别“%(category)s”", value=value, category=p.params.get("category", "")
        ),
        "row.already_employed": lambda: _("%(name)s 已在本单位花名册中", name=p.params.get("name", "")),
    }
    render = row_messages.get(p.code)
    detail = render() if render else message_for(p.code, p.params)
    return _("第 %(row)s 行「%(column)s」：%(detail)s", row=p.row, column=column, detail=detail)
