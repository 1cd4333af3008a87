"""Question types and their per-type facts, kept in one plain registry dict.

Like CTFd's ``CHALLENGE_CLASSES``: code that needs to know "how does a 多选 behave" looks the
type up here instead of scattering ``if qtype == ...`` chains through readers, writers and grading.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class QuestionType(StrEnum):
    """The four question types of the national 题库 (plus 填空 for spot checks)."""

    TRUE_FALSE = "true_false"  #: 判断题
    SINGLE = "single"  #: 单选题
    MULTIPLE = "multiple"  #: 多选题
    FILL = "fill"  #: 填空题

    def __str__(self) -> str:  # so f-strings and message params show the code, not the repr
        return self.value


#: The fixed options of a 判断题; answer (0,) means 正确, (1,) means 错误.
TRUE_FALSE_OPTIONS: tuple[str, str] = ("正确", "错误")

#: Option letters used by every import/export format (8 columns 选项A..选项H).
OPTION_LETTERS = "ABCDEFGH"
MAX_OPTIONS = len(OPTION_LETTERS)


@dataclass(frozen=True, slots=True)
class TypeInfo:
    """Facts about one question type."""

    type: QuestionType
    label_zh: str
    label_en: str
    #: True when the answer is a set of option indices (判断/单选/多选).
    is_choice: bool
    #: True when options may be shuffled per candidate (never for 判断: 正确 stays first).
    shuffles_options: bool
    #: Minimum number of correct options (多选 needs ≥2, see README "Validation rules").
    min_correct: int
    max_correct: int


QUESTION_TYPES: dict[QuestionType, TypeInfo] = {
    QuestionType.TRUE_FALSE: TypeInfo(QuestionType.TRUE_FALSE, "判断题", "true/false", True, False, 1, 1),
    QuestionType.SINGLE: TypeInfo(QuestionType.SINGLE, "单选题", "single choice", True, True, 1, 1),
    QuestionType.MULTIPLE: TypeInfo(QuestionType.MULTIPLE, "多选题", "multiple choice", True, True, 2, MAX_OPTIONS),
    QuestionType.FILL: TypeInfo(QuestionType.FILL, "填空题", "fill in the blank", False, False, 0, 0),
}

#: Spellings of the type column seen in real 题库 spreadsheets (WPS/Excel exports, 考试系统 templates).
#: Looked up after :func:`question_bank.normalise.normalise_label` (half-width, case-folded, no spaces).
TYPE_ALIASES: dict[str, QuestionType] = {
    **dict.fromkeys(
        ["判断", "判断题", "是非", "是非题", "对错", "对错题", "true_false", "truefalse", "tf", "judge", "判"],
        QuestionType.TRUE_FALSE,
    ),
    **dict.fromkeys(
        ["单选", "单选题", "单项选择", "单项选择题", "单择题", "选择题", "single", "single_choice", "单"],
        QuestionType.SINGLE,
    ),
    **dict.fromkeys(
        ["多选", "多选题", "多项选择", "多项选择题", "multiple", "multi", "multiple_choice", "多"],
        QuestionType.MULTIPLE,
    ),
    **dict.fromkeys(
        ["填空", "填空题", "fill", "blank", "fill_in", "填", "数字类", "数字题", "数字", "数值题", "计算题"],
        QuestionType.FILL,
    ),
}


def type_info(qtype: QuestionType) -> TypeInfo:
    """Return the registry entry of ``qtype``."""
    return QUESTION_TYPES[qtype]
