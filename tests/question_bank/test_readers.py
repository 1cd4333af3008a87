import json
import time

import pytest
from qb_helpers import make_xlsx

from question_bank import QuestionType, RowError, read_questions, template_xlsx, write_questions
from question_bank.readers.cells import split_options

HEADER = ["序号", "题型", "题干", "选项", "答案", "解析", "难度", "章节", "岗位", "作业类别"]


def errors(result):
    return [(e.row, e.field, e.code) for e in result.errors]


def test_wps_like_xlsx_with_options_in_one_cell():
    rows = [
        ["安全生产知识题库（2024版）"],  # title row above the header
        HEADER,
        [
            1,
            "判断题",
            "1、生产经营单位的主要负责人对本单位安全生产工作全面负责。",
            None,
            "√",
            "安全生产法第五条",
            "易",
            "第一章",
            "主要负责人",
            None,
        ],
        [
            2,
            "单选题",
            "2.《安全生产法》自（ ）起施行。\n（2021修正）",
            "A、2002年11月1日 B、2021年9月1日 C、2014年12月1日",
            "B",
            None,
            2,
            "第一章",
            "安全管理人员",
            "1.2",
        ],
        [None] * 10,  # blank row
        [
            3,
            "多选题",
            "（3）下列属于特种作业的有（ ）。",
            "**A.电工作业**B.焊接与热切割作业**C.办公室文员**D.高处作业",
            "A、B、D",
            None,
            "中等",
            "第二章",
            "特种作业人员、安管",
            "1",
        ],
        [4, "是非题", "=SUM(A1:A2) 不是公式，而是文本", None, "错", None, None, None, None, None],
        [
            5,
            "单选",
            "<script>alert(1)</script> 应当原样保留",
            "A:甲\nB:乙",
            "a",
            None,
            None,
            None,
            None,
            "低压电工作业",
        ],
    ]
    result = read_questions(make_xlsx(rows), filename="题库.xlsx")
    assert errors(result) == []
    tf, sc, mc, tf2, sc2 = result.questions
    assert (tf.type, tf.answer, tf.difficulty, tf.tags.post) == (QuestionType.TRUE_FALSE, (0,), 1, {"principal"})
    assert tf.stem == "生产经营单位的主要负责人对本单位安全生产工作全面负责。"
    assert sc.stem == "《安全生产法》自（ ）起施行。（2021修正）"
    assert sc.options == ("2002年11月1日", "2021年9月1日", "2014年12月1日") and sc.answer == (1,)
    assert sc.tags.operation == {"1.2"} and sc.tags.post == {"safety_manager"}
    assert mc.stem == "下列属于特种作业的有（ ）。"
    assert mc.options == ("电工作业", "焊接与热切割作业", "办公室文员", "高处作业") and mc.answer == (0, 1, 3)
    assert mc.tags.post == {"special_operator", "safety_manager"} and mc.difficulty == 3
    assert tf2.stem.startswith("=SUM(A1:A2)") and tf2.answer == (1,)
    assert sc2.stem.startswith("<script>alert(1)</script>") and sc2.options == ("甲", "乙")
    assert sc2.tags.operation == {"1.2"}
    assert all(q.key.startswith("q") for q in result.questions)  # generated
    again = read_questions(make_xlsx(rows), filename="题库.xlsx")
    assert [q.key for q in again.questions] == [q.key for q in result.questions]  # idempotent re-import


def test_xlsx_option_columns_and_every_row_error_with_its_row_number():
    header = ["编号", "题型", "题干", "选项A", "选项B", "选项C", "选项D", "答案", "难度", "认知层次", "备注"]
    rows = [
        header,
        ["K1", "单选题", "正常的题", "甲", "乙", "丙", "丁", "C", 3, "掌握", "extra column ignored"],  # row 2
        ["K2", "问答题", "未知题型", "甲", "乙", None, None, "A", None, None, None],  # 3
        ["K3", "单选题", None, "甲", "乙", None, None, "A", None, None, None],  # 4
        ["K4", "单选题", "x" * 5001, "甲", "乙", None, None, "A", None, None, None],  # 5
        ["K5", "单选题", "答案没有选项", "甲", "乙", None, None, "D", None, None, None],  # 6
        ["K6", "多选题", "只有一个选项", "甲", None, None, None, "A", None, None, None],  # 7
        ["K7", "判断题", "判断题带自定义选项", "可能", "也许", None, None, "正确", None, None, None],  # 8
        ["K8", "单选题", "缺答案", "甲", "乙", None, None, None, None, None, None],  # 9
        ["K9", "单选题", "难度错误", "甲", "乙", None, None, "A", "很难", None, None],  # 10
        [None, None, None, None, None, None, None, None, None, None, None],  # 11 blank
        ["K1", "判断题", "重复编号", None, None, None, None, "对", None, None, None],  # 12
        ["K10", "判断题", "最后一行仍被读取", None, None, None, None, "×", None, "了解", None],  # 13
        ["K11", "判断题", "认知层次错误", None, None, None, None, "对", None, "精通", None],  # 14
    ]
    result = read_questions(make_xlsx(rows), filename="bank.xlsx")
    assert errors(result) == [
        (3, "type", "unknown_type"),
        (4, "stem", "empty_stem"),
        (5, "stem", "stem_too_long"),
        (6, "answer", "answer_without_option"),
        (7, "options", "too_few_options"),
        (7, "answer", "wrong_answer_count"),
        (8, "options", "true_false_options"),
        (9, "answer", "missing_answer"),
        (10, "difficulty", "bad_difficulty"),
        (12, "key", "duplicate_key"),
        (14, "level", "bad_level"),
    ]
    assert [q.key for q in result.questions] == ["K1", "K10"]
    assert result.questions[1].tags.level == "了解" and not result.ok
    by_code = {e.code: e for e in result.errors}
    assert by_code["unknown_type"].message() == "第3行：未知题型“问答题”"
    assert by_code["duplicate_key"].message("en") == "Row 12: key 'K1' duplicates row 2"
    assert by_code["answer_without_option"].message() == "第6行：答案“D”没有对应的选项"
    assert (
        RowError(5, "stem", "stem_too_long", {"length": 5001, "max": 5000}).message()
        == "第5行：题干过长（5001字，最多5000字）"
    )


def test_formula_cells_are_read_as_cached_values_not_evaluated():
    rows = [["题型", "题干", "答案"], ["判断", '=CONCAT("安全","第一")', "对"]]
    result = read_questions(make_xlsx(rows, formulas=True), filename="f.xlsx")
    # openpyxl stored a real formula without a cached value: data_only gives None → empty stem
    assert errors(result) == [(2, "stem", "empty_stem")]


def test_sheet_named_after_a_type_sets_the_default_type():
    data = make_xlsx(
        [["题干", "答案"], ["特种作业操作证全国通用。", "正确"]],
        title="判断题",
        extra_sheets={"单选题": [["题干", "选项A", "选项B", "答案"], ["哪个对", "甲", "乙", "B"]]},
    )
    result = read_questions(data, filename="x.xlsx")
    assert errors(result) == []
    assert [q.type for q in result.questions] == [QuestionType.TRUE_FALSE, QuestionType.SINGLE]


def test_whole_file_problems_are_one_error_on_row_zero():
    assert errors(read_questions(b"", filename="a.xlsx")) == [(0, "", "empty_file")]
    assert errors(read_questions(b"this is not a zip", filename="a.xlsx")) == [(0, "", "not_a_spreadsheet")]
    no_header = make_xlsx([["甲", "乙"], ["丙", "丁"]])
    assert errors(read_questions(no_header, filename="a.xlsx")) == [(0, "", "no_header")]
    assert errors(read_questions(b"a,b\n1,2\n", filename="a.csv")) == [(0, "", "no_header")]
    assert errors(read_questions(b"\xff\xfe\x00", filename="a.xls")) == [(0, "", "not_a_spreadsheet")]


CSV_TEXT = (
    "题型,题干,选项A,选项B,选项C,答案,解析\n"
    "判断题,12、特种作业人员必须持证上岗。,,,,对,\n"
    "\n"
    '单选题,"发现事故隐患应当（ ）",立即报告,视而不见,自行离开,A,"见安全生产法\n第五十九条"\n'
    '多选题,下列正确的有,甲,乙,丙,"A,C",\n'
    "填空题,安全生产方针是安全第一、____、综合治理,,,,预防为主|预防 为主,\n"
    "单选题,错的答案,甲,乙,,Z,\n"
)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_encodings(encoding):
    result = read_questions(CSV_TEXT.encode(encoding), filename="bank.csv")
    assert errors(result) == [(7, "answer", "bad_answer")]
    tf, sc, mc, fill = result.questions
    assert tf.stem == "特种作业人员必须持证上岗。" and tf.answer == (0,)
    assert sc.explanation == "见安全生产法\n第五十九条" and sc.answer == (0,)
    assert mc.answer == (0, 2)
    assert fill.fill_answers == ("预防为主", "预防 为主")


def test_csv_semicolon_delimiter_and_format_detection_without_name():
    data = "题型;题干;答案\n判断;安全第一;错误\n".encode()
    result = read_questions(data, format="csv")
    assert [q.answer for q in result.questions] == [(1,)]


def test_five_megabyte_stem_is_rejected_quickly():
    huge = "危" * 5_000_000
    data = f"题型,题干,答案\n判断,{huge},对\n判断,正常,错\n".encode()
    start = time.perf_counter()
    result = read_questions(data, filename="big.csv")
    assert time.perf_counter() - start < 3
    assert errors(result) == [(2, "stem", "stem_too_long")] and len(result.questions) == 1
    doc = json.dumps([{"type": "true_false", "stem": huge, "answer": "正确"}]).encode()
    assert errors(read_questions(doc)) == [(1, "stem", "stem_too_long")]


def test_split_options_variants():
    assert split_options("A、甲 B、乙 C、丙") == ["甲", "乙", "丙"]
    assert split_options("A．甲B．乙") == ["甲", "乙"]
    assert split_options("A：PLC控制\nB.继电器\nC) 3B铅笔") == ["PLC控制", "继电器", "3B铅笔"]
    assert split_options("A.PLCB.x B.继电器") == ["PLCB.x", "继电器"]
    assert split_options("甲\n乙\n丙") == ["甲", "乙", "丙"]


def test_json_reader_schema_and_errors():
    doc = {
        "format": "anpei-questions",
        "version": 1,
        "questions": [
            {
                "key": "J1",
                "type": "single",
                "stem": "题",
                "options": ["甲", "乙"],
                "answer": ["B"],
                "tags": {
                    "post": ["principal"],
                    "industry": ["hazchem"],
                    "operation": ["9.16"],
                    "topic": "法律法规",
                    "level": "掌握",
                    "extra": ["2024"],
                },
                "difficulty": 4,
                "source": "安全生产法",
                "version": 2,
            },
            {"key": "J2", "type": "true_false", "stem": "判断", "answer": True},
            {"key": "J3", "type": "fill", "stem": "填空", "answer": ["答1", "答2"]},
            {"key": "J4", "type": "multiple", "stem": "多选", "options": ["甲", "乙", "丙"], "answer": ["A", "D"]},
            "not an object",
            {"key": "J6", "type": "single", "stem": "题", "options": "甲乙", "answer": "A"},
            {"key": "J7", "type": "true_false", "stem": "判断", "answer": "false"},
        ],
    }
    result = read_questions(json.dumps(doc, ensure_ascii=False).encode(), filename="q.json")
    assert errors(result) == [(4, "answer", "answer_without_option"), (5, "", "bad_field"), (6, "options", "bad_field")]
    j1, j2, j3, j7 = result.questions
    assert j1.answer == (1,) and j1.tags.operation == {"9.16"} and j1.version == 2 and j1.tags.extra == {"2024"}
    assert j2.answer == (0,) and j7.answer == (1,) and j3.fill_answers == ("答1", "答2")
    bare = read_questions(json.dumps([{"type": "判断题", "stem": "x", "answer": "对"}]).encode())
    assert bare.ok and bare.questions[0].type is QuestionType.TRUE_FALSE
    assert errors(read_questions(b'{"questions": [', filename="q.json")) == [(1, "", "bad_json")]
    assert errors(read_questions(b'{"format": "anpei-questions", "version": 9}', filename="q.json")) == [
        (0, "version", "unsupported_version")
    ]


MOODLE = """<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="category"><category><text>$course$/安全</text></category></question>
  <question type="multichoice">
    <name><text>Q1</text></name>
    <questiontext format="html"><text><![CDATA[<p>下列哪项 &amp; 正确？</p>]]></text></questiontext>
    <generalfeedback format="html"><text>解析</text></generalfeedback>
    <single>true</single>
    <answer fraction="100"><text>甲</text></answer>
    <answer fraction="0"><text>乙 &lt;b&gt;</text></answer>
  </question>
  <question type="multichoice">
    <name><text>Q2</text></name>
    <questiontext format="plain_text"><text>多选</text></questiontext>
    <single>false</single>
    <answer fraction="50"><text>甲</text></answer>
    <answer fraction="50"><text>乙</text></answer>
    <answer fraction="-100"><text>丙</text></answer>
  </question>
  <question type="essay"><name><text>Q3</text></name><questiontext><text>论述</text></questiontext></question>
  <question type="truefalse">
    <questiontext><text>判断</text></questiontext>
    <answer fraction="0"><text>true</text></answer><answer fraction="100"><text>false</text></answer>
  </question>
  <question type="shortanswer">
    <questiontext><text>填空</text></questiontext>
    <answer fraction="100"><text>答案一</text></answer><answer fraction="100"><text>答案二</text></answer>
    <answer fraction="50"><text>半对</text></answer>
  </question>
  <question type="multichoice">
    <questiontext><text>没有正确答案</text></questiontext><single>true</single>
    <answer fraction="0"><text>甲</text></answer><answer fraction="0"><text>乙</text></answer>
  </question>
</quiz>"""


def test_moodle_xml():
    result = read_questions(MOODLE.encode(), filename="quiz.xml")
    assert errors(result) == [(4, "type", "unsupported_type"), (7, "answer", "missing_answer")]
    q1, q2, tf, fill = result.questions
    assert q1.stem == "下列哪项 & 正确？" and q1.options == ("甲", "乙") and q1.answer == (0,)
    assert q2.type is QuestionType.MULTIPLE and q2.answer == (0, 1)
    assert tf.answer == (1,) and fill.fill_answers == ("答案一", "答案二")


def test_malformed_and_hostile_xml():
    bad = read_questions(b"<quiz>\n<question type='truefalse'>\n</quiz>", filename="x.xml")
    assert [(e.row, e.code) for e in bad.errors] == [(3, "bad_xml")]
    bomb = b'<?xml version="1.0"?><!DOCTYPE q [<!ENTITY a "aaaa">]><quiz>&a;</quiz>'
    assert errors(read_questions(bomb, filename="x.xml")) == [(0, "", "xml_doctype")]


GIFT = """// 安全生产题库
$CATEGORY: 安全

::G1:: 特种作业人员必须持证上岗 {T}

::G2:: 安全生产法规定\\: 生产经营单位应当（ ） {
  =建立全员安全生产责任制 # 对
  ~不培训员工
  ~隐瞒事故
  ####第四条
}

::G3:: 下列正确的有 {~%50%甲 ~%50%乙 ~%-100%丙}

::G4:: 安全生产方针是安全第一、{=预防为主 =预防 为主}、综合治理

::G5:: 缺右括号 {=甲 ~乙

::G6:: 论述安全管理 {}

::G7:: 判断 {FALSE####解析在此}
"""


def test_gift():
    result = read_questions(GIFT.encode(), filename="bank.gift")
    assert errors(result) == [(17, "answer", "unbalanced_braces"), (19, "type", "unsupported_type")]
    g1, g2, g3, g4, g7 = result.questions
    assert (g1.key, g1.type, g1.answer) == ("G1", QuestionType.TRUE_FALSE, (0,))
    assert g2.stem == "安全生产法规定: 生产经营单位应当（ ）" and g2.answer == (0,) and g2.explanation == "第四条"
    assert g2.options == ("建立全员安全生产责任制", "不培训员工", "隐瞒事故")
    assert g3.type is QuestionType.MULTIPLE and g3.answer == (0, 1)
    assert g4.type is QuestionType.FILL and g4.stem == "安全生产方针是安全第一、 ____ 、综合治理"
    assert g4.fill_answers == ("预防为主", "预防 为主")
    assert g7.answer == (1,) and g7.explanation == "解析在此"


def test_gift_extra_closing_brace():
    result = read_questions("::A:: 题 {T}}\n\n::B:: 题二 {F}\n".encode(), format="gift")
    assert errors(result) == [(1, "answer", "unbalanced_braces")] and [q.key for q in result.questions] == ["B"]


AIKEN = """安全生产法的施行日期是？
A. 2002年11月1日
B. 2021年9月1日
ANSWER: A

下列属于特种作业的有？
A) 电工作业
B) 文员
C) 焊接作业
ANSWER: AC

缺答案的题目
A. 甲
B. 乙
下一个题
A. 甲
B. 乙
ANSWER: E
"""


def test_aiken():
    result = read_questions(AIKEN.encode(), filename="a.txt")
    assert result.format == "aiken"
    assert errors(result) == [(12, "answer", "missing_answer"), (15, "answer", "answer_without_option")]
    a, b = result.questions
    assert a.answer == (0,) and a.options == ("2002年11月1日", "2021年9月1日")
    assert b.type is QuestionType.MULTIPLE and b.answer == (0, 2)


CHINESE_TEXT = """安全生产知识竞赛试题
一、判断题（每题1分）
1. 生产经营单位的主要负责人对本单位的安全生产工作全面负责。
答案：√
2、从业人员有权拒绝违章指挥。
答案：错
二、单项选择题
3．《安全生产法》规定，生产经营单位应当
（ ）。
A．建立安全生产责任制  B．不用培训
C．隐瞒隐患  D．以上都不对
正确答案：A
解析：见第四条
以及第二十一条。
三、多选题
（4）下列属于三项岗位人员的有
A、主要负责人
B、安全管理人员
C、特种作业人员
D、外来访客
正确答案：ABC
5. 这道题没有答案
A. 甲
B. 乙
四、填空题
6、安全生产工作坚持____的方针。
答案：安全第一、预防为主、综合治理
"""


def test_chinese_plain_text_layout():
    result = read_questions(CHINESE_TEXT.encode("gbk"), filename="题库.txt")
    assert result.format == "text"
    assert errors(result) == [(22, "answer", "missing_answer")]
    t1, t2, s3, m4, f6 = result.questions
    assert (t1.type, t1.answer, t2.answer) == (QuestionType.TRUE_FALSE, (0,), (1,))
    assert s3.stem == "《安全生产法》规定，生产经营单位应当（ ）。"
    assert s3.options[0] == "建立安全生产责任制" and len(s3.options) == 4 and s3.answer == (0,)
    assert s3.explanation == "见第四条\n以及第二十一条。"
    assert m4.type is QuestionType.MULTIPLE and m4.answer == (0, 1, 2) and m4.stem == "下列属于三项岗位人员的有"
    assert f6.type is QuestionType.FILL and f6.fill_answers == ("安全第一、预防为主、综合治理",)


def test_template_is_readable_and_has_the_documented_header():
    import io

    from openpyxl import load_workbook

    data = template_xlsx()
    ws = load_workbook(io.BytesIO(data), read_only=True).active
    header = next(ws.iter_rows(values_only=True))
    assert header[:16] == (
        "编号",
        "题型",
        "题干",
        "选项A",
        "选项B",
        "选项C",
        "选项D",
        "选项E",
        "选项F",
        "选项G",
        "选项H",
        "答案",
        "解析",
        "难度",
        "知识点",
        "岗位",
    )
    assert header[16:21] == ("行业", "作业类别", "认知层次", "来源", "标签")
    result = read_questions(data, filename="template.xlsx")
    assert result.ok and [q.type.value for q in result.questions] == ["true_false", "single", "multiple"]
    assert read_questions(write_questions(result.questions, "xlsx"), filename="x.xlsx").questions == result.questions


def test_template_industry_column_is_words_that_import_back():
    """Issue #15: the template's 行业 column read "general"; it shows 通用 and imports as the same code."""
    import io as _io

    from openpyxl import load_workbook

    from question_bank import read_questions
    from question_bank.writers.xlsx import HEADER, template_xlsx

    data = template_xlsx()
    sheet = load_workbook(_io.BytesIO(data)).active
    rows = list(sheet.iter_rows(values_only=True))
    column = HEADER.index("行业")
    assert rows[1][column] == "通用"
    assert all(not (row[column] or "").isascii() or not row[column] for row in rows[1:])
    result = read_questions(data, filename="template.xlsx")
    assert not result.errors
    assert result.questions[0].tags.industry == frozenset({"general"})
