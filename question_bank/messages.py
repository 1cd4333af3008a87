"""Message table for import and validation problems: Chinese first, English second.

Codes are stable identifiers (the app may store them); texts use ``str.format`` fields taken from
the problem's params plus ``row`` and ``field``.
"""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    # whole-file problems (row 0 or the line of the parse error)
    "empty_file": {"zh": "文件为空", "en": "The file is empty"},
    "unknown_format": {"zh": "无法识别的文件格式", "en": "Unrecognised file format"},
    "not_a_spreadsheet": {
        "zh": "不是有效的 Excel 文件（.xlsx）：{detail}",
        "en": "Not a valid Excel (.xlsx) file: {detail}",
    },
    "no_header": {
        "zh": "未找到表头行（需要至少包含“题干”列）",
        "en": "No header row found (a 'stem' column is required)",
    },
    "bad_encoding": {
        "zh": "无法识别文件编码（请使用 UTF-8 或 GBK）",
        "en": "Cannot decode the file (use UTF-8 or GBK)",
    },
    "bad_xml": {"zh": "XML 格式错误：{detail}", "en": "Malformed XML: {detail}"},
    "xml_doctype": {
        "zh": "不允许包含 DOCTYPE/实体声明的 XML",
        "en": "XML with DOCTYPE/entity declarations is not allowed",
    },
    "bad_json": {"zh": "JSON 格式错误：{detail}", "en": "Malformed JSON: {detail}"},
    "bad_json_root": {
        "zh": "JSON 顶层必须是题目列表或 anpei-questions 对象",
        "en": "JSON root must be a list of questions or an anpei-questions object",
    },
    "unsupported_version": {"zh": "不支持的版本：{value}", "en": "Unsupported version: {value}"},
    "no_questions": {"zh": "文件中没有题目", "en": "The file contains no questions"},
    # row / question problems
    "unknown_type": {"zh": "第{row}行：未知题型“{value}”", "en": "Row {row}: unknown question type '{value}'"},
    "unsupported_type": {
        "zh": "第{row}行：不支持的题型“{value}”",
        "en": "Row {row}: unsupported question type '{value}'",
    },
    "empty_stem": {"zh": "第{row}行：题干为空", "en": "Row {row}: the stem is empty"},
    "stem_too_long": {
        "zh": "第{row}行：题干过长（{length}字，最多{max}字）",
        "en": "Row {row}: the stem is too long ({length} characters, at most {max})",
    },
    "text_too_long": {
        "zh": "第{row}行：“{field}”过长（{length}字，最多{max}字）",
        "en": "Row {row}: '{field}' is too long ({length} characters, at most {max})",
    },
    "missing_answer": {"zh": "第{row}行：缺少答案", "en": "Row {row}: the answer is missing"},
    "bad_answer": {"zh": "第{row}行：无法识别的答案“{value}”", "en": "Row {row}: cannot read the answer '{value}'"},
    "answer_without_option": {
        "zh": "第{row}行：答案“{value}”没有对应的选项",
        "en": "Row {row}: answer '{value}' has no matching option",
    },
    "too_few_options": {
        "zh": "第{row}行：{type_zh}至少需要{min}个选项，实际{count}个",
        "en": "Row {row}: a {type_en} question needs at least {min} options, got {count}",
    },
    "too_many_options": {
        "zh": "第{row}行：最多{max}个选项，实际{count}个",
        "en": "Row {row}: at most {max} options allowed, got {count}",
    },
    "empty_option": {
        "zh": "第{row}行：选项{letter}为空（后面还有选项）",
        "en": "Row {row}: option {letter} is empty but later options are not",
    },
    "wrong_answer_count": {
        "zh": "第{row}行：{type_zh}应有{expected}个正确答案，实际{count}个",
        "en": "Row {row}: a {type_en} question needs {expected} correct answers, got {count}",
    },
    "true_false_options": {
        "zh": "第{row}行：判断题不能有自定义选项",
        "en": "Row {row}: a true/false question cannot have custom options",
    },
    "fill_options": {"zh": "第{row}行：填空题不能有选项", "en": "Row {row}: a fill-in question cannot have options"},
    "bad_difficulty": {
        "zh": "第{row}行：难度“{value}”无效（应为1–5或 易/较易/中等/较难/难）",
        "en": "Row {row}: invalid difficulty '{value}' (1–5 or 易/较易/中等/较难/难)",
    },
    "bad_level": {
        "zh": "第{row}行：认知层次“{value}”无效（应为 了解/掌握/熟练掌握）",
        "en": "Row {row}: invalid knowledge level '{value}' (了解/掌握/熟练掌握)",
    },
    "unknown_post": {"zh": "第{row}行：未知岗位“{value}”", "en": "Row {row}: unknown post '{value}'"},
    "bad_operation": {
        "zh": "第{row}行：作业类别“{value}”无效（应为如 1、1.2、9.16 的代码）",
        "en": "Row {row}: invalid operation '{value}' (codes like 1, 1.2, 9.16)",
    },
    "bad_version": {"zh": "第{row}行：版本号“{value}”无效", "en": "Row {row}: invalid version '{value}'"},
    "bad_field": {
        "zh": "第{row}行：字段“{field}”格式错误（{detail}）",
        "en": "Row {row}: field '{field}' is malformed ({detail})",
    },
    "duplicate_key": {
        "zh": "第{row}行：编号“{value}”与第{first_row}行重复",
        "en": "Row {row}: key '{value}' duplicates row {first_row}",
    },
    "duplicate_question": {
        "zh": "第{row}行：与第{first_row}行题目重复",
        "en": "Row {row}: same question as row {first_row}",
    },
    "unbalanced_braces": {"zh": "第{row}行：花括号不配对", "en": "Line {row}: unbalanced braces"},
    "bad_gift": {
        "zh": "第{row}行：无法解析的 GIFT 题目（{detail}）",
        "en": "Line {row}: cannot parse GIFT question ({detail})",
    },
    "no_options_found": {"zh": "第{row}行：未找到选项", "en": "Row {row}: no options found"},
    "orphan_line": {
        "zh": "第{row}行：无法归属到任何题目的内容“{value}”",
        "en": "Line {row}: text '{value}' does not belong to any question",
    },
    "not_a_question": {
        "zh": "第{row}行：不是题目（标题或说明文字），未读取",
        "en": "Line {row}: not a question (a title or a note), not read",
    },
    "file_too_large": {
        "zh": "文件过大（{size}字节，最多{max}字节）",
        "en": "The file is too large ({size} bytes, at most {max})",
    },
    "unpacked_too_large": {
        "zh": "工作簿解压后过大（{size}字节，最多{max}字节），文件未读取",
        "en": "The workbook unpacks to too much ({size} bytes, at most {max}); the file was not read",
    },
    "too_many_cells": {
        "zh": "文件单元格过多（最多读取{max}个单元格），文件未读取；请删除多余的行列或拆分文件",
        "en": "The file has too many cells (at most {max} are read); the file was not read. "
        "Delete unused rows and columns or split the file",
    },
    "line_too_long": {
        "zh": "文件中有一行过长（最多{max}个字符），文件未读取",
        "en": "A line of the file is too long (at most {max} characters); the file was not read",
    },
    "row_too_wide": {
        "zh": "文件中有一行的列数过多（最多{max}列），文件未读取",
        "en": "A row of the file has too many columns (at most {max}); the file was not read",
    },
    # import report: sheets skipped, questions flagged for a person to check
    "empty_sheet": {"zh": "工作表“{sheet}”为空", "en": "Sheet '{sheet}' is empty"},
    "no_question_header": {
        "zh": "工作表“{sheet}”中未找到题目表头（需要题干列及题型/答案/选项列），整张表未读取",
        "en": "Sheet '{sheet}' has no question header (a stem column plus a type, answer or options column); "
        "nothing in it was read",
    },
    "answer_inferred": {
        "zh": "判断题答案由选项字母推断（A=正确，B=错误），请核对",
        "en": "True/false answer inferred from an option letter (A = true, B = false); please check",
    },
    "options_run_together": {
        "zh": "选项中仍含分隔符（** 或 ##），可能有两个选项连在一起，请核对",
        "en": "An option still contains a separator (** or ##): two options may have run together; please check",
    },
    "image_not_imported": {
        "zh": "题目带图片，图片未导入，请核对题目是否仍可作答",
        "en": "The question has a picture that was not imported; check it can still be answered",
    },
    "row_limit": {
        "zh": "已达到读取上限，第{row}行及之后的内容未读取",
        "en": "Reading limit reached: row {row} and everything after it were not read",
    },
    # validate_question problems (no row)
    "answer_out_of_range": {"zh": "答案序号{value}超出选项范围", "en": "Answer index {value} is out of range"},
    "bad_key": {"zh": "编号无效“{value}”", "en": "Invalid key '{value}'"},
}


def render(code: str, params: dict, lang: str = "zh") -> str:
    """Render message ``code`` in ``lang`` (falls back to Chinese, then to the bare code)."""
    texts = MESSAGES.get(code)
    if texts is None:
        return code
    template = texts.get(lang) or texts["zh"]
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        # A missing param must never turn an error report into a crash.
        return template
