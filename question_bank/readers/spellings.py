"""How banks spell what a question is tagged with and answered by: 岗位, 行业 and 作业类别 names, difficulty words,
the words of 正确 and 错误, and the cells that mean "no picture". :class:`~question_bank.readers.common.QuestionBuilder`
reads every field through these; the text reader and the xlsx writer use some of them too.
"""

from __future__ import annotations

POST_ALIASES: dict[str, str] = {
    **dict.fromkeys(["principal", "主要负责人", "负责人", "企业主要负责人"], "principal"),
    **dict.fromkeys(["safety_manager", "安全管理人员", "安全生产管理人员", "安管", "安管人员"], "safety_manager"),
    **dict.fromkeys(["special_operator", "特种作业人员", "特种作业", "特作"], "special_operator"),
    **dict.fromkeys(["worker", "从业人员", "其他从业人员", "一般从业人员", "员工"], "worker"),
}
INDUSTRY_ALIASES: dict[str, str] = {
    **dict.fromkeys(["危险化学品", "危化", "危化品", "化工"], "hazchem"),
    **dict.fromkeys(["矿山", "非煤矿山", "金属非金属矿山"], "mining"),
    **dict.fromkeys(["冶金", "冶金等工贸"], "metallurgy"),
    **dict.fromkeys(["烟花爆竹"], "fireworks"),
    **dict.fromkeys(["通用", "一般", "全行业", "其他"], "general"),
    **dict.fromkeys(["建筑", "建筑施工", "建设工程"], "construction"),
    **dict.fromkeys(["煤矿"], "coal"),
}
#: 30号令 作业类别 (and the commonest 操作项目) by name, so banks that spell them out still import.
OPERATION_NAMES: dict[str, str] = {
    "电工作业": "1",
    "高压电工作业": "1.1",
    "低压电工作业": "1.2",
    "防爆电气作业": "1.3",
    "焊接与热切割作业": "2",
    "熔化焊接与热切割作业": "2.1",
    "压力焊作业": "2.2",
    "钎焊作业": "2.3",
    "高处作业": "3",
    "登高架设作业": "3.1",
    "高处安装、维护、拆除作业": "3.2",
    "制冷与空调作业": "4",
    "煤矿安全作业": "5",
    "金属非金属矿山安全作业": "6",
    "石油天然气安全作业": "7",
    "冶金(有色)生产安全作业": "8",
    "危险化学品安全作业": "9",
    "烟花爆竹安全作业": "10",
}
DIFFICULTY_WORDS = {
    "易": 1,
    "简单": 1,
    "容易": 1,
    "较易": 2,
    "中等": 3,
    "中": 3,
    "一般": 3,
    "较难": 4,
    "难": 5,
    "困难": 5,
}
TRUE_WORDS = {"正确", "对", "√", "✓", "✔", "t", "true", "是", "y", "yes", "1", "r", "right", "v"}
FALSE_WORDS = {"错误", "错", "×", "✗", "✘", "x", "f", "false", "否", "n", "no", "0", "wrong", "╳", "ⅹ"}
#: 图片 / 是否有图片 cells that mean "no picture".
NO_IMAGE = {"", "否", "无", "0", "n", "no", "false", "-", "—", "/"}
#: Options some banks put in 选项A/B of a 判断 row; they are the fixed options, not custom ones.
TRUE_FALSE_OPTION_SETS = [("正确", "错误"), ("对", "错"), ("√", "×"), ("true", "false"), ("是", "否")]
