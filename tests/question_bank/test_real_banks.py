"""Banks as they really exist: WPS/Excel exports, GBK CSV, PDF-copied text, Moodle/GIFT from other systems.

Every fixture is written here in the shape those sources have (not the shape our writer produces), and
every test checks the report: ``read + not read == rows``, with each row not read named with its reason.
"""

import io
import re
import time
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from qb_helpers import make_xlsx
from test_roundtrip import banks

from question_bank import QuestionType, read_questions, write_questions
from question_bank.limits import Limits
from question_bank.readers.cells import split_options
from question_bank.report import ImportReport
from question_bank.writers.xlsx import pack_options

TF, SC, MC, FILL = QuestionType.TRUE_FALSE, QuestionType.SINGLE, QuestionType.MULTIPLE, QuestionType.FILL

REAL_HEADER = [
    None,  # WPS exports often leave column A empty
    "作业种类",
    "章节",
    "试题类型(判断题、单选题、多选题)",
    "题目内容",
    "题目选项(选项之间用##隔开)",
    "题目答案",
    "图片",
    "是否有图片",
]
REAL_ROWS = [
    # row 4 onwards (rows 1-3: title, note, header)
    [None, "低压电工作业", "第一章", "判断题", "1.电工作业人员必须持证上岗。\t ", "**A.正确**B.错误", "A", None, "否"],
    [None, "低压电工作业", "第一章", "判断题", "2、严禁带电作业（ ）", "A.正确**B.错误", "B", None, "否"],
    [None, "低压电工作业", "第一章", "判断题", "3．保护接零适用于中性点直接接地系统。", None, "√", None, None],
    [None, "低压电工作业", "第一章", "判断题", "12 漏电保护器应定期试验。", None, "错", None, None],
    [None, "低压电工作业", "第一章", "判断题", "5\t安全电压一般为36V。", None, "T", None, None],
    [
        None,
        "低压电工作业",
        "第二章",
        "单选题",
        "6.安全生产管理坚持（    ）的方针。",
        "**A强制性**B科学性**C稳定性",
        "a",
        None,
        None,
    ],
    [
        None,
        "低压电工作业",
        "第二章",
        "单选题",
        "7、我国安全电压额定值的等级是( )",
        "A.42V##B.36V##C.24V##D.以上都是",
        "D",
        None,
        None,
    ],
    [
        None,
        "低压电工作业",
        "第二章",
        "单选题",
        "8、触电急救首先要（  ）。",
        "A、切断电源 B、打电话 C、拉人",
        "A",
        "8.png",
        "是",
    ],
    [None, "低压电工作业", "第二章", "单选题", "9.绝缘手套属于", "Ａ：基本安全用具\nＢ：辅助安全用具", "B", None, None],
    [
        None,
        "低压电工作业",
        "第三章",
        "多选题",
        "10.电气火灾的原因有（ ）",
        "A.短路##B.过载##C.接触不良##D.照明",
        "A,B,C",
        None,
        None,
    ],
    [
        None,
        "低压电工作业",
        "第三章",
        "多选题",
        "11.下列属于特种作业的有",
        "A．电工\nB．焊工\nC．文员\nD．高处作业",
        "A、B、D",
        None,
        None,
    ],
    [None, "低压电工作业", "第三章", "多选题", "12.缺答案的多选题", "A.甲##B.乙##C.丙", None, None, None],
    [None, "低压电工作业", "第三章", "数字类", "13.我国工频交流电的频率为（ ）Hz。", None, 50, None, None],
    [None, "低压电工作业", "第三章", "单选题", "14.答案超出选项", "A.甲##B.乙", "E", None, None],
]
#: What a person checking the file sees: row → (type, stem, options, answer)
EXPECTED = {
    4: (TF, "电工作业人员必须持证上岗。", ("正确", "错误"), (0,)),
    5: (TF, "严禁带电作业（ ）", ("正确", "错误"), (1,)),
    6: (TF, "保护接零适用于中性点直接接地系统。", ("正确", "错误"), (0,)),
    7: (TF, "漏电保护器应定期试验。", ("正确", "错误"), (1,)),
    8: (TF, "安全电压一般为36V。", ("正确", "错误"), (0,)),
    9: (SC, "安全生产管理坚持（ ）的方针。", ("强制性", "科学性", "稳定性"), (0,)),
    10: (SC, "我国安全电压额定值的等级是（ ）", ("42V", "36V", "24V", "以上都是"), (3,)),
    11: (SC, "触电急救首先要（ ）。", ("切断电源", "打电话", "拉人"), (0,)),
    12: (SC, "绝缘手套属于", ("基本安全用具", "辅助安全用具"), (1,)),
    13: (MC, "电气火灾的原因有（ ）", ("短路", "过载", "接触不良", "照明"), (0, 1, 2)),
    14: (MC, "下列属于特种作业的有", ("电工", "焊工", "文员", "高处作业"), (0, 1, 3)),
}


def real_workbook() -> bytes:
    rows = [["低压电工作业理论题库（2024）"], [None, "说明：答案列填写选项字母"], REAL_HEADER, *REAL_ROWS]
    notes = [["填表说明"], ["1. 题型只能填写判断题、单选题、多选题"], ["2. 选项之间用##隔开"]]
    return make_xlsx(rows, title="题库", extra_sheets={"填表说明": notes, "Sheet3": []})


def seen(result):
    """Row → (type, stem, options, answer) as the preview shows them."""
    report = result.report
    rows = [(e.row, e.code) for e in report.not_read]
    read_rows = sorted(set(range(4, 4 + len(REAL_ROWS))) - {r for r, _ in rows})
    return dict(zip(read_rows, [(q.type, q.stem, q.options, q.answer) for q in result.questions]))


def test_real_xlsx_export_every_question_and_answer():
    result = read_questions(real_workbook(), filename="低压电工.xlsx")
    report = result.report
    assert seen(result) == {**EXPECTED, 16: (FILL, "我国工频交流电的频率为（ ）Hz。", (), ())}
    assert result.questions[-1].fill_answers == ("50",)
    assert [(n.row, n.code, n.sheet) for n in report.not_read] == [
        (15, "missing_answer", "题库"),
        (17, "answer_without_option", "题库"),
    ]
    assert report.not_read[0].text == "低压电工作业 | 第三章 | 多选题 | 12.缺答案的多选题 | A.甲##B.乙##C.丙"
    assert report.not_read[1].reason() == "答案“E”没有对应的选项"
    assert (report.rows, report.read) == (14, 12) and report.balanced
    assert report.counts == {"true_false": 5, "single": 4, "multiple": 2, "fill": 1}
    (layout,) = report.layouts
    assert (layout.sheet, layout.header_row, layout.packing) == ("题库", 3, "**A.")
    assert layout.columns == {
        "B": "operation_soft",
        "C": "topic",
        "D": "type",
        "E": "stem",
        "F": "options",
        "G": "answer",
        "H": "image",
    }
    assert [(s.sheet, s.code) for s in report.skipped_sheets] == [
        ("填表说明", "no_question_header"),
        ("Sheet3", "empty_sheet"),
    ]
    assert [(f.row, f.code) for f in report.flags] == [
        (4, "answer_inferred"),
        (5, "answer_inferred"),
        (11, "image_not_imported"),
    ]
    assert result.questions[0].tags.topic == "第一章"
    assert result.format == "xlsx" and report.format == "xlsx"


def test_report_survives_json_storage():
    report = read_questions(real_workbook(), filename="x.xlsx").report
    again = ImportReport.from_dict(report.to_dict())
    assert again == report and again.balanced


@pytest.mark.parametrize("encoding", ["gbk", "utf-8", "utf-8-sig"])
def test_csv_export_in_gbk_utf8_and_bom(encoding):
    lines = [
        "作业种类,章节,试题类型,题目内容,题目选项,题目答案",
        "焊接与热切割作业,第一章,判断题,1、焊工必须持证上岗。,**A.正确**B.错误,A",
        '焊接与热切割作业,第一章,单选题,2．气瓶应（ ）存放。,"A.直立##B.倒放##C.平放",A',
        '焊接与热切割作业,第一章,多选题,3 焊接烟尘的危害有,"A、尘肺\nB、中毒\nC、长寿",ab',
        ",,,,,",
        "焊接与热切割作业,第一章,问答题,4.简述动火作业要求,,略",
    ]
    result = read_questions("\r\n".join(lines).encode(encoding), filename="焊工.csv")
    got = [(q.type, q.stem, q.options, q.answer) for q in result.questions]
    assert got == [
        (TF, "焊工必须持证上岗。", ("正确", "错误"), (0,)),
        (SC, "气瓶应（ ）存放。", ("直立", "倒放", "平放"), (0,)),
        (MC, "焊接烟尘的危害有", ("尘肺", "中毒", "长寿"), (0, 1)),
    ]
    assert [(n.row, n.code, n.params) for n in result.report.not_read] == [(6, "unknown_type", {"value": "问答题"})]
    assert result.report.rows == 4 and result.report.balanced
    assert result.questions[0].tags.operation == {"2"}  # 作业种类 named a 作业类别 we know


def test_header_roles_are_found_by_meaning_not_spelling():
    header = [
        "序号",
        "试题题干（必填）",
        "类型：单选/多选/判断",
        "备选答案选项",
        "标准答案【大写字母】",
        "答案解析说明",
    ]
    rows = [header, [1, "哪个是安全色", "单选", "A.红##B.粉", "A", "红色表示禁止"]]
    result = read_questions(make_xlsx(rows), filename="any.xlsx")
    (q,) = result.questions
    assert (q.stem, q.options, q.answer, q.explanation) == ("哪个是安全色", ("红", "粉"), (0,), "红色表示禁止")
    assert result.report.layouts[0].columns == {
        "B": "stem",
        "C": "type",
        "D": "options",
        "E": "answer",
        "F": "explanation",
    }


@pytest.mark.parametrize(
    ("cell", "options"),
    [
        ("**A.正确**B.错误", ["正确", "错误"]),
        ("A.正确**B.错误", ["正确", "错误"]),
        ("A.正确##B.错误", ["正确", "错误"]),
        ("**A强制性**B科学性**C稳定性", ["强制性", "科学性", "稳定性"]),
        ("A、甲B、乙", ["甲", "乙"]),
        ("A．甲  B．乙", ["甲", "乙"]),
        ("A:甲 B:乙", ["甲", "乙"]),
        ("A：甲\nB：乙", ["甲", "乙"]),
        ("Ａ．甲\nＢ．乙", ["甲", "乙"]),
        ("A甲\nB乙", ["甲", "乙"]),
        ("甲##乙##丙", ["甲", "乙", "丙"]),
    ],
)
def test_packed_option_cells(cell, options):
    from question_bank.readers.cells import split_options

    assert split_options(cell) == options


def test_same_stem_with_another_answer_is_a_conflict_and_not_read_twice():
    rows = [
        ["题型", "题干", "选项", "答案"],
        ["判断", "1.严禁酒后作业。", None, "对"],
        ["判断", "2、严禁酒后作业", None, "错"],  # same question, other answer
        ["判断", "严禁酒后作业！", None, "对"],  # same question, same answer
        ["单选", "灭火器压力表指针在（ ）区域正常", "A.红##B.绿", "B"],
        ["单选", "灭火器压力表指针在( )区域正常", "A.绿##B.红", "A"],  # options shuffled: read, same answer
    ]
    result = read_questions(make_xlsx(rows), filename="dup.xlsx")
    report = result.report
    assert [(n.row, n.code, n.params) for n in report.not_read] == [
        (3, "duplicate_question", {"first_row": 2}),
        (4, "duplicate_question", {"first_row": 2}),
    ]
    assert [(d.rows, d.answers, d.conflict) for d in report.duplicates] == [
        ((2, 3, 4), ("正确", "错误"), True),
        ((5, 6), ("绿",), False),
    ]
    assert [d.rows for d in report.conflicts] == [(2, 3, 4)]
    assert report.rows == 5 and report.read == 3


def _pdf_text_bank(n_per_section: int = 70) -> tuple[str, list[tuple]]:
    """A handbook copied out of a PDF: stems hard-wrapped at 16 characters, a footer and a running header on
    every page (often in the middle of a question), answers on their own line or in the stem's bracket."""
    out: list[str] = ["低压电工作业安全技术实际操作考试题库", "（2024年修订版）", ""]
    expected: list[tuple] = []
    page = [0]

    def emit(line: str) -> None:
        out.append(line)
        if len(out) % 40 == 0:
            page[0] += 1
            out.extend([f"- {page[0]} -", "低压电工作业题库"] if page[0] % 2 else [f"第 {page[0]} 页 共 60 页", ""])
            out.append("低压电工作业题库" if not page[0] % 2 else "")

    def wrapped(text: str) -> list[str]:
        return [text[i : i + 16] for i in range(0, len(text), 16)]

    emit("一、判断题（每题1分）")
    for i in range(1, n_per_section + 1):
        stem = f"第{i}条判断内容：电气设备的金属外壳必须可靠接地，接地电阻不得大于规定数值编号{i}。"
        for k, line in enumerate(wrapped(stem)):
            emit(f"{i}. {line}" if k == 0 else line)
        emit("正确" if i % 2 else "错误")
        expected.append((TF, stem, ("正确", "错误"), (0,) if i % 2 else (1,)))
    emit("二、单项选择题")
    for i in range(1, n_per_section + 1):
        stem = f"单选第{i}题：在潮湿场所使用手持电动工具时，应当选用的安全电压等级是（ ）。"
        lines = wrapped(stem)
        if i % 3 == 0:  # answer in the stem's bracket
            lines = wrapped(stem.replace("（ ）", "（B）"))
        for k, line in enumerate(lines):
            emit(f"{i}、{line}" if k == 0 else line)
        if i % 2:
            emit(f"A．{i}伏特交流  B．12伏特")
            emit("C．24伏特  D．36伏特")
        else:
            for letter, text in zip("ABCD", (f"{i}伏特交流", "12伏特", "24伏特", "36伏特")):
                emit(f"{letter}.{text}")
        if i % 3:
            emit("答案：B")
        expected.append((SC, stem, (f"{i}伏特交流", "12伏特", "24伏特", "36伏特"), (1,)))
    emit("三、多项选择题")
    for i in range(1, n_per_section + 1):
        stem = f"多选第{i}题：下列属于电工作业人员必须遵守的安全操作规程的有哪些内容（ ）。"
        for k, line in enumerate(wrapped(stem)):
            emit(f"{i}．{line}" if k == 0 else line)
        for letter, text in zip("ABCD", ("停电验电", "挂接地线", "悬挂标示牌", f"随意合闸{i}")):
            emit(f"{letter}、{text}")
        emit("正确答案：ABC")
        expected.append((MC, stem, ("停电验电", "挂接地线", "悬挂标示牌", f"随意合闸{i}"), (0, 1, 2)))
    emit("四、综合练习")  # a topic heading repeating earlier questions: duplicates across sections
    emit("1. 第1条判断内容：电气设备的金属外壳必须可靠接地，接地电阻不得大于规定数值编号1。")
    emit("正确")
    emit("2. 这道题的答案丢了")
    emit("A.甲")
    emit("B.乙")
    emit("以上内容仅供参考")  # a stray line after the last question's options, before the end
    while len(out) < 2000:
        out.append("")
    return "\n".join(out), expected


def test_two_thousand_line_pdf_text_bank_with_page_footers():
    text, expected = _pdf_text_bank()
    data = text.encode("gbk")
    assert text.count("\n") + 1 >= 2000
    result = read_questions(data, filename="低压电工题库.txt")
    report = result.report
    got = [(q.type, q.stem, q.options, q.answer) for q in result.questions]
    assert len(got) == len(expected) == 210
    assert got == expected  # every stem, option and answer exactly, no footer or header inside any of them
    lines = text.splitlines()
    duplicate_line = next(i for i, s in enumerate(lines, 1) if s.startswith("1. 第1条") and i > 100)
    missing_line = lines.index("2. 这道题的答案丢了") + 1
    assert [(n.row, n.code) for n in report.not_read] == [
        (1, "not_a_question"),
        (2, "not_a_question"),
        (duplicate_line, "duplicate_question"),
        (missing_line, "missing_answer"),
    ]
    assert report.not_read[-1].text == "2. 这道题的答案丢了"
    assert report.rows == 214 and report.balanced
    assert report.counts == {"true_false": 70, "single": 70, "multiple": 70}
    assert [e.code for e in result.errors] == ["duplicate_question", "missing_answer"]
    layout = [s for s in lines if re.match(r"^(- \d+ -|第 \d+ 页 共 60 页|低压电工作业题库|[一二三四]、.*)$", s)]
    assert len(layout) > 60 and report.layout_lines == len(layout)  # footers, headers, titles: all left out
    assert result.questions[0].tags.topic == ""


def test_stray_line_after_an_answer_is_reported_with_its_line_number():
    text = "一、判断题\n1. 高处作业必须系安全带。\n答案：正确\n这一行不属于任何题目\n2. 禁止吸烟。\n错误\n"
    result = read_questions(text.encode(), filename="t.txt")
    assert [(q.stem, q.answer) for q in result.questions] == [("高处作业必须系安全带。", (0,)), ("禁止吸烟。", (1,))]
    assert [(n.row, n.code, n.text) for n in result.report.not_read] == [(4, "orphan_line", "这一行不属于任何题目")]
    assert result.report.balanced and result.report.rows == 3


MOODLE = """<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="category"><category><text>$course$/低压电工/电气安全</text></category></question>
  <question type="multichoice">
    <name><text>Q1</text></name>
    <questiontext format="html"><text><![CDATA[<p>下列<b>不属于</b>安全色的是&nbsp;<span style="x">（ ）</span></p>]]></text></questiontext>
    <single>true</single>
    <answer fraction="0" format="html"><text><![CDATA[<p>红色</p>]]></text></answer>
    <answer fraction="100" format="html"><text><![CDATA[<b>粉色</b><script>alert(1)</script>]]></text></answer>
  </question>
  <question type="category"><category><text>$course$/top/焊接</text></category></question>
  <question type="truefalse">
    <questiontext><text><![CDATA[气瓶<br/>可以倒放]]></text></questiontext>
    <answer fraction="0"><text>true</text></answer><answer fraction="100"><text>false</text></answer>
  </question>
  <question type="matching"><questiontext><text>连线题</text></questiontext></question>
</quiz>"""


def test_moodle_categories_become_topics_and_html_becomes_text():
    result = read_questions(MOODLE.encode(), filename="moodle.xml")
    q1, q2 = result.questions
    assert q1.stem == "下列不属于安全色的是 （ ）" and q1.options == ("红色", "粉色") and q1.answer == (1,)
    assert q1.tags.topic == "低压电工/电气安全" and q2.tags.topic == "焊接"
    assert q2.stem == "气瓶\n可以倒放" and q2.answer == (1,)
    assert [(n.row, n.code, n.text) for n in result.report.not_read] == [(5, "unsupported_type", "连线题")]
    assert result.report.rows == 3 and result.report.balanced


GIFT = """$CATEGORY: $course$/安全/消防

::G1::[html]<p>灭火器<b>压力</b>应在</p>{
  =[html]<b>绿区</b>
  ~[plain]红区
  =%0%黄区
}
::G2:: 安全生产方针是{=安全第一 =%0%安全第二 =*}
这一行在右括号之后，是下一题的开头 {T}

::G3:: 没有答案块的题
"""


def test_gift_markers_weights_wildcards_and_run_on_questions():
    result = read_questions(GIFT.encode(), filename="bank.gift")
    g1, g2, g3 = result.questions
    assert (g1.stem, g1.options, g1.answer) == ("灭火器压力应在", ("绿区", "红区", "黄区"), (0,))
    assert g2.type is FILL and g2.stem == "安全生产方针是" and g2.fill_answers == ("安全第一",)
    assert g3.stem == "这一行在右括号之后，是下一题的开头" and g3.answer == (0,)
    assert g1.tags.topic == "安全/消防"
    assert [(n.row, n.code) for n in result.report.not_read] == [(11, "bad_gift")]
    assert result.report.rows == 4 and result.report.balanced


def test_packed_export_reads_back_unchanged():
    first = read_questions(real_workbook(), filename="real.xlsx")
    packed = write_questions(first.questions, "xlsx_packed")
    again = read_questions(packed, filename="again.xlsx")
    assert again.questions == first.questions and again.errors == []
    assert again.report.layouts[0].packing == "**A."
    assert _cells(write_questions(again.questions, "xlsx_packed")) == _cells(packed)
    assert _cells(packed)[6][1:6] == (
        "单选题",
        "第二章",
        "安全生产管理坚持（ ）的方针。",
        "**A.强制性**B.科学性**C.稳定性",
        "A",
    )
    assert pack_options(["甲", "乙"]) == "**A.甲**B.乙" and pack_options(["a**b", "c"]) == "A.a**b##B.c"


def test_an_option_ending_in_the_other_separator_reads_back():
    """``A.0##B.0**``: the cell is packed with ``##``; the ``**`` belongs to option B (found by the property below)."""
    packed = pack_options(["0", "0**"])
    assert packed == "A.0##B.0**"
    assert split_options(packed) == ["0", "0**"]
    assert split_options("**A.甲**B.乙\nC.丙") == ["甲", "乙", "丙"]  # mixed separators still split at each


def _cells(data: bytes) -> list[tuple]:
    from openpyxl import load_workbook

    return list(load_workbook(io.BytesIO(data), read_only=True).active.iter_rows(values_only=True))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(banks(spreadsheet=True))
def test_packed_xlsx_round_trip_property(bank):
    result = read_questions(write_questions(bank, "xlsx_packed"), format="xlsx")
    assert [e.message("en") for e in result.errors] == []
    assert result.questions == bank


def _declare_whole_sheet(data: bytes) -> bytes:
    """Make a small xlsx claim the dimension A1:XFD1048576 and hold a cell in its very last row."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                xml = body.decode()
                xml = re.sub(r'<dimension ref="[^"]*"/>', '<dimension ref="A1:XFD1048576"/>', xml)
                last = '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
                body = xml.replace("</sheetData>", last + "</sheetData>").encode()
            target.writestr(info, body)
    return out.getvalue()


def test_tiny_xlsx_declaring_the_whole_sheet_stops_at_the_row_limit():
    data = _declare_whole_sheet(make_xlsx([["题型", "题干", "答案"], ["判断", "安全第一", "对"]]))
    assert len(data) < 10_000
    start = time.perf_counter()
    result = read_questions(data, filename="bomb.xlsx", limits=Limits(max_rows=5_000))
    assert time.perf_counter() - start < 3
    assert [q.stem for q in result.questions] == ["安全第一"]
    assert (result.report.truncated, result.report.truncated_at) == ("row_limit", 5_001)
    assert result.report.balanced


def test_reported_rows_are_capped_but_counted():
    rows = [["题型", "题干", "答案"]] + [["判断", f"第{i}题没有答案", None] for i in range(2_500)]
    result = read_questions(make_xlsx(rows), filename="bad.xlsx")
    report = result.report
    assert (len(report.not_read), report.not_read_more, report.rows) == (1_000, 1_500, 2_500)
    assert (len(result.errors), result.errors_more) == (1_000, 1_500)
    assert report.not_read[-1].row == 1_001 and report.balanced


def test_file_over_the_byte_limit_is_refused_before_reading():
    result = read_questions(b"x" * 2_000, filename="big.csv", limits=Limits(max_file_bytes=1_000))
    assert [(e.row, e.code) for e in result.errors] == [(0, "file_too_large")]


# --- shapes found when measuring on real banks (bench/real_banks.py); synthetic rows of the same shape ---
def test_doubled_numbering_dot_is_stripped_in_sheets_and_text():
    data = make_xlsx(
        [
            ["试题类型", "题目内容", "题目选项", "题目答案"],
            ["单选题", "18..巡检记录应保存（  ）。", "**A.一年**B.三年", "B"],
        ]
    )
    result = read_questions(data, filename="bank.xlsx")
    assert [q.stem for q in result.questions] == ["巡检记录应保存（ ）。"]
    text = "一、单选题\n7..消防通道应保持（ ）。\nA.畅通\nB.堆放杂物\n答案：A\n"
    result = read_questions(text.encode(), filename="bank.txt")
    assert [q.stem for q in result.questions] == ["消防通道应保持（ ）。"]


def test_text_items_listed_in_a_stem_stay_in_the_stem():
    """A handbook question listing （1）…（3） or A.…C. items in its stem, then its real options A.… D.…"""
    text = "\n".join(
        [
            "一、单选题",
            "1.仓库管理有下列哪些要求：",
            "（1）货物分区存放；",
            "（2）通道保持畅通；",
            "（3）定期盘点。",
            "A.（1）（2）",
            "B.（2）（3）",
            "C.全部都是",
            "答案：C",
            "2.班组应建立的制度有（ ）。",
            "A.交接班制度。",
            "B.巡查制度。",
            "C.培训制度。",
            "A.AB",
            "B.BC",
            "C.ABC",
            "答案：C",
            "3.灭火器应放在（ ）。",
            "A.显眼处",
            "B.角落里",
            "答案：A",
        ]
    )
    result = read_questions(text.encode(), filename="bank.txt")
    assert result.report.balanced and not result.report.not_read
    q1, q2, q3 = result.questions
    assert q1.stem == "仓库管理有下列哪些要求：（1）货物分区存放；（2）通道保持畅通；（3）定期盘点。"
    assert q1.options == ("（1）（2）", "（2）（3）", "全部都是") and q1.answer == (2,)
    assert q2.stem == "班组应建立的制度有（ ）。A.交接班制度。B.巡查制度。C.培训制度。"
    assert q2.options == ("AB", "BC", "ABC") and q2.answer == (2,)
    assert q3.options == ("显眼处", "角落里") and q3.answer == (0,)


def test_options_that_ran_together_are_flagged_for_a_person():
    """A packed cell with a slip ("**A.12**B.3**6C.50**D.24") cannot be split back for sure: the question is read
    as it stands and flagged, so the import preview asks a person to check it."""
    rows = [
        ["试题类型", "题目内容", "题目选项", "题目答案"],
        ["单选题", "某设备的额定电压为（ ）伏。", "**A.12**B.3**6C.50** D.24", "B"],
        ["单选题", "安全电压一般不超过（ ）伏。", "**A.12**B.36**C.50**D.24", "B"],
    ]
    result = read_questions(make_xlsx(rows), filename="slip.xlsx")
    flagged = [(f.row, f.code) for f in result.report.flags]
    assert flagged == [(2, "options_run_together")]
    assert len(result.questions) == 2
