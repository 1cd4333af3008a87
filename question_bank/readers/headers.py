"""Column roles of a spreadsheet header, found by what the header *means*.

Real banks spell their headers a hundred ways (``题目内容``, ``试题类型(判断题、单选题、多选题)``,
``题目选项(选项之间用##隔开)``, ``正确答案``).  A header is first stripped of bracketed hints and
``：…`` instructions, then looked up among known spellings, then classified by the words it
contains: anything naming 答案 is the answer, 选项 the options, 题干/题目/试题/内容 the stem,
题型/类型 the type, and so on.
"""

from __future__ import annotations

import re
from typing import Any

from ..normalise import normalise_label
from ..registry import OPTION_LETTERS

_FIELD_NAMES: dict[str, list[str]] = {
    "key": ["编号", "id", "key", "试题编号", "题目编号", "题目id", "试题id"],
    "type": ["题型", "类型", "type", "试题类型", "题目类型", "question_type", "questiontype"],
    "stem": ["题干", "题目", "试题", "stem", "question", "试题内容", "题目内容", "题干内容", "问题"],
    "options": ["选项", "options", "备选项", "答案选项", "选项内容"],
    "answer": ["答案", "正确答案", "answer", "标准答案", "参考答案"],
    "explanation": ["解析", "答案解析", "explanation", "试题解析", "analysis", "解释"],
    "difficulty": ["难度", "difficulty", "难易程度", "难易度", "难度系数"],
    "topic": ["知识点", "主题", "topic", "考点", "章节"],
    "post": ["岗位", "post", "人员类别", "适用岗位", "适用人员"],
    "industry": ["行业", "industry", "适用行业", "行业类别"],
    "operation": ["作业类别", "操作项目", "operation", "作业项目"],
    "operation_soft": ["作业种类"],  # often free text; used only when it is a code or a known name
    "level": ["认知层次", "掌握程度", "level", "认知要求", "考核要求"],
    "source": ["来源", "出处", "source", "依据"],
    "extra": ["标签", "tags", "extra", "其他标签"],
    "version": ["版本", "version"],
    "image": ["图片", "image", "picture", "是否有图片", "图片名称", "附图"],
}
HEADER_ALIASES: dict[str, str] = {normalise_label(a): f for f, names in _FIELD_NAMES.items() for a in names}
for _i, _letter in enumerate(OPTION_LETTERS):
    for _name in (
        f"选项{_letter}",
        _letter,
        f"option_{_letter}",
        f"option{_letter}",
        f"{_letter}选项",
        f"选项_{_letter}",
    ):
        HEADER_ALIASES[normalise_label(_name)] = f"option:{_i}"

#: Bracketed hints — ``(判断题、单选题、多选题)``, ``（选项之间用##隔开）``, ``【必填】`` — and ``：…`` instructions.
_HINT = re.compile(r"[(（\[【<《][^)）\]】>》]*[)）\]】>》]?|[:：].*$")
_OPTION_COLUMN = re.compile(r"^(?:选项|option_?|备选项)([a-h])(?:内容)?$|^([a-h])(?:选项|项)?$")
#: (role, words any of which names it), tried in order: the first rule that matches wins.
_MEANINGS: list[tuple[str, tuple[str, ...]]] = [
    ("explanation", ("解析", "分析", "解释", "explanation", "analysis")),
    ("image", ("图片", "图像", "附图", "image", "picture")),
    ("operation_soft", ("作业种类", "工种")),
    ("operation", ("作业类别", "操作项目", "作业项目", "operation")),
    ("options", ("选项", "备选", "option")),
    ("answer", ("答案", "answer")),
    ("type", ("题型", "类型", "题目类别", "试题类别", "type")),
    ("key", ("编号", "题号", "id")),
    ("difficulty", ("难度", "难易", "difficulty")),
    ("level", ("认知", "掌握程度", "考核要求", "level")),
    ("topic", ("知识点", "考点", "章节", "章", "topic", "chapter")),
    ("post", ("岗位", "人员", "post")),
    ("industry", ("行业", "industry")),
    ("source", ("来源", "出处", "依据", "source")),
    ("extra", ("标签", "tag")),
    ("version", ("版本", "version")),
    ("stem", ("题干", "题目", "试题", "问题", "内容", "stem", "question")),
]
#: A header cell is a short label; longer text is data or a note.
_MAX_HEADER = 40


def header_label(value: Any) -> str:
    """A header cell without hints, spaces, width or case differences: ``"试题类型(判断题、单选题)"`` → ``"试题类型"``."""
    text = "" if value is None else str(value)
    if len(text) > 200:
        return ""
    stripped = _HINT.sub("", text)
    return normalise_label(stripped or text).strip("*")


def header_role(value: Any) -> str | None:
    """The role of one header cell (``stem``, ``answer``, ``option:0`` …) or ``None`` when it has none."""
    label = header_label(value)
    if not label or len(label) > _MAX_HEADER:
        return None
    if label in HEADER_ALIASES:
        return HEADER_ALIASES[label]
    m = _OPTION_COLUMN.match(label)
    if m:
        return f"option:{OPTION_LETTERS.index((m.group(1) or m.group(2)).upper())}"
    for role, words in _MEANINGS:
        if any(word in label for word in words):
            return role
    return None


def map_header(cells: list[Any]) -> dict[int, str] | None:
    """Column → role for a header row, or ``None`` when the row is not a question header.

    A header needs a stem column and at least one of type/answer/options; the first column
    taking a role keeps it (a second ``题目`` column is ignored).
    """
    mapping: dict[int, str] = {}
    taken: set[str] = set()
    for col, value in enumerate(cells):
        if value is None or isinstance(value, (int, float)):
            continue
        role = header_role(value)
        if role and role not in taken:
            mapping[col] = role
            taken.add(role)
    has_options = "options" in taken or any(r.startswith("option:") for r in taken)
    if "stem" in taken and (taken & {"type", "answer"} or has_options):
        return mapping
    return None


def column_letter(index: int) -> str:
    """0 → ``A``, 26 → ``AA`` (as a spreadsheet labels its columns)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
