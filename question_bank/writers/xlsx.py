"""The xlsx import template, written with openpyxl's streaming (write-only) workbook."""

from __future__ import annotations

import io
from collections.abc import Iterable

from ..questions import POSTS, Question, Tags
from ..readers.cells import letters
from ..readers.spellings import INDUSTRY_ALIASES
from ..registry import OPTION_LETTERS, QuestionType, type_info

#: The 行业 cell in words the reader maps back (the first alias of each code: hazchem → 危险化学品, general → 通用).
INDUSTRY_NAMES: dict[str, str] = {}
for _name, _code in INDUSTRY_ALIASES.items():
    INDUSTRY_NAMES.setdefault(_code, _name)

#: Exactly the columns the reader recognises, in template order.  标签/版本 come last so the
#: commonly edited columns stay in front.
HEADER: tuple[str, ...] = (
    "编号",
    "题型",
    "题干",
    *(f"选项{c}" for c in OPTION_LETTERS),
    "答案",
    "解析",
    "难度",
    "知识点",
    "岗位",
    "行业",
    "作业类别",
    "认知层次",
    "来源",
    "标签",
    "版本",
)


def answer_text(q: Question) -> str:
    """The 答案 cell: letters, 正确/错误, or ``|``-separated fill answers."""
    if q.type is QuestionType.TRUE_FALSE:
        return q.options[q.answer[0]] if q.answer else ""
    if q.type is QuestionType.FILL:
        return "|".join(q.fill_answers)
    return letters(q.answer)


def row_values(q: Question) -> list[object]:
    options = list(q.options) if q.type in (QuestionType.SINGLE, QuestionType.MULTIPLE) else []
    options += [""] * (len(OPTION_LETTERS) - len(options))
    t = q.tags
    return [
        q.key,
        type_info(q.type).label_zh,
        q.stem,
        *options,
        answer_text(q),
        q.explanation,
        q.difficulty,
        t.topic,
        "、".join(POSTS.get(p, p) for p in sorted(t.post)),
        "、".join(INDUSTRY_NAMES.get(i, i) for i in sorted(t.industry)),
        "、".join(sorted(t.operation)),
        t.level,
        q.source,
        "、".join(sorted(t.extra)),
        q.version,
    ]


#: The layout most real banks (WPS/Excel exports of other exam systems) use: one 题目选项 cell with
#: every option packed as ``**A.甲**B.乙``; our extra fields follow so nothing is lost.
PACKED_HEADER: tuple[str, ...] = (
    "编号",
    "试题类型",
    "章节",
    "题目内容",
    "题目选项",
    "题目答案",
    "答案解析",
    "难度",
    "认知层次",
    "岗位",
    "行业",
    "作业类别",
    "来源",
    "标签",
    "版本",
)


def pack_options(options: Iterable[str], separator: str = "**") -> str:
    """``("甲", "乙")`` → ``"**A.甲**B.乙"`` (``"A.甲##B.乙"`` with ``separator="##"``).

    When an option contains the separator, or starts or ends with its character (``"0*"`` next to ``**`` would
    read as ``0***B``), the next of ``**``, ``##``, line break is used, so the cell always splits back into the
    same options.
    """
    options = list(options)
    if not options:
        return ""
    for sep in dict.fromkeys([separator, "**", "##", "\n"]):
        if not any(sep in o or o.startswith(sep[0]) or o.endswith(sep[0]) for o in options):
            break
    lead = sep if sep == "**" else ""
    return lead + sep.join(f"{OPTION_LETTERS[i]}.{o}" for i, o in enumerate(options))


def packed_row_values(q: Question, separator: str = "**") -> list[object]:
    options = q.options if q.type in (QuestionType.SINGLE, QuestionType.MULTIPLE) else ()
    t = q.tags
    return [
        q.key,
        type_info(q.type).label_zh,
        t.topic,
        q.stem,
        pack_options(options, separator),
        answer_text(q),
        q.explanation,
        q.difficulty,
        t.level,
        "、".join(POSTS.get(p, p) for p in sorted(t.post)),
        "、".join(sorted(t.industry)),
        "、".join(sorted(t.operation)),
        q.source,
        "、".join(sorted(t.extra)),
        q.version,
    ]


def write_xlsx_packed(questions: Iterable[Question], *, separator: str = "**") -> bytes:
    """One sheet "题库" in the real-bank layout (:data:`PACKED_HEADER`, options packed in one cell)."""
    return _write(PACKED_HEADER, (packed_row_values(q, separator) for q in questions))


def write_xlsx(questions: Iterable[Question]) -> bytes:
    """One sheet "题库" with :data:`HEADER` and one row per question."""
    return _write(HEADER, (row_values(q) for q in questions))


def _write(header: Iterable[str], rows: Iterable[list[object]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("题库")

    def text_cell(value: object) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=value if value != "" else None)
        if isinstance(value, str):
            # A stem like "=1+1" must stay text: openpyxl would otherwise store it as a formula.
            cell.data_type = "s"
        return cell

    sheet.append([text_cell(h) for h in header])
    for values in rows:
        sheet.append([text_cell(v) for v in values])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_xlsx() -> bytes:
    """The blank import template: header plus one example row per main type (判断, 单选, 多选)."""
    examples = [
        Question(
            "EX-001",
            QuestionType.TRUE_FALSE,
            "生产经营单位的主要负责人对本单位的安全生产工作全面负责。",
            answer=(0,),
            explanation="《安全生产法》第五条。",
            tags=Tags(post=frozenset({"principal"}), industry=frozenset({"general"}), topic="法律法规", level="掌握"),
            difficulty=1,
            source="安全生产法 第五条",
        ),
        Question(
            "EX-002",
            QuestionType.SINGLE,
            "特种作业操作证有效期为（ ）年。",
            options=("3", "4", "6", "10"),
            answer=(2,),
            explanation="30号令第十九条：有效期6年。",
            tags=Tags(
                post=frozenset({"special_operator"}), operation=frozenset({"1.2"}), topic="法律法规", level="了解"
            ),
            difficulty=2,
            source="30号令 第十九条",
        ),
        Question(
            "EX-003",
            QuestionType.MULTIPLE,
            "下列属于生产经营单位主要负责人安全生产职责的有（ ）。",
            options=(
                "建立健全全员安全生产责任制",
                "组织制定安全生产规章制度和操作规程",
                "保证安全生产投入的有效实施",
                "亲自操作特种设备",
            ),
            answer=(0, 1, 2),
            explanation="《安全生产法》第二十一条。",
            tags=Tags(post=frozenset({"principal", "safety_manager"}), topic="安全管理", level="熟练掌握"),
            difficulty=3,
            source="安全生产法 第二十一条",
        ),
    ]
    return write_xlsx(examples)
