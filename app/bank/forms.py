"""Forms of the bank pages. They turn text fields into library values; they never write."""

from __future__ import annotations

import dataclasses
import re

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    RadioField,
    SelectField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.bank.models import ImportMode
from app.core.forms import LineField, MultiCheckboxField, choices, enum_choices
from question_bank import (
    LEVELS,
    POSTS,
    TRUE_FALSE_OPTIONS,
    Filter,
    PaperSpec,
    PassMarkUnreachable,
    QuestionType,
    Section,
    Tags,
)

#: Extensions the upload accepts (the library detects the format from the name, then the content).
UPLOAD_EXTENSIONS = ("xlsx", "csv", "json", "xml", "gift", "txt", "aiken")
TYPE_LABELS = {"single": _l("单选题"), "multiple": _l("多选题"), "true_false": _l("判断题"), "fill": _l("填空题")}
POST_LABELS = {
    "principal": _l("主要负责人"),
    "safety_manager": _l("安全管理人员"),
    "special_operator": _l("特种作业人员"),
    "worker": _l("其他从业人员"),
}
#: Import error table: the 字段 column in the words of the template's header, never the field's code.
FIELD_LABELS = {
    "key": _l("编号"),
    "type": _l("题型"),
    "stem": _l("题干"),
    "options": _l("选项"),
    "answer": _l("答案"),
    "explanation": _l("解析"),
    "difficulty": _l("难度"),
    "topic": _l("知识点"),
    "post": _l("岗位"),
    "industry": _l("行业"),
    "operation": _l("作业类别"),
    "operation_soft": _l("作业类别"),
    "level": _l("认知层次"),
    "source": _l("来源"),
    "extra": _l("标签"),
    "version": _l("版本"),
}


def message_lang() -> str:
    """The language ``question_bank`` writes its problem messages in, for the current locale."""
    return "zh" if str(get_locale()).startswith("zh") else "en"


def field_label(name: str) -> str:
    """``stem`` → 题干, ``option:2`` → 选项C; empty for a whole-file problem."""
    if name.startswith("option:") and name[7:].isdigit():
        return str(_l("选项%(letter)s", letter="ABCDEFGH"[int(name[7:])] if int(name[7:]) < 8 else name[7:]))
    return str(FIELD_LABELS.get(name, _l("其他"))) if name else ""


SEPARATORS = re.compile(r"[,，、;；\s]+")


def split_list(text: str | None) -> list[str]:
    """ "a, b，c" → ["a", "b", "c"]."""
    return [part for part in SEPARATORS.split(text or "") if part]


class BankForm(FlaskForm):
    name = LineField(_l("题库名称"), validators=[DataRequired(), Length(max=100)])
    scope = SelectField(
        _l("范围"), choices=choices([("national", _l("国家级题库")), ("regional", _l("省级/地方题库"))])
    )
    region = SelectField(_l("适用地区（地方题库）"), choices=[], validate_choice=False)


class UploadForm(FlaskForm):
    file = FileField(_l("题目文件"), validators=[FileRequired()])


class ConfirmImportForm(FlaskForm):
    mode = RadioField(_l("导入方式"), choices=enum_choices(ImportMode), default=ImportMode.ALL.value)


class QuestionForm(FlaskForm):
    stem = TextAreaField(_l("题干"), validators=[DataRequired()])
    options = TextAreaField(_l("选项（每行一个）"))
    answer = LineField(_l("答案"), validators=[DataRequired(), Length(max=200)])
    explanation = TextAreaField(_l("解析"))
    topic = LineField(_l("知识点"), validators=[Optional(), Length(max=40)])
    level = SelectField(_l("认知层次"), choices=choices([("", "—")] + [(v, v) for v in LEVELS]))
    posts = MultiCheckboxField(_l("适用岗位"), choices=choices(POST_LABELS.items()))
    operations = LineField(_l("作业类别代码（逗号分隔，如 1.2）"), validators=[Optional(), Length(max=200)])
    industries = LineField(_l("行业（逗号分隔）"), validators=[Optional(), Length(max=200)])
    extra = LineField(_l("其他标签（逗号分隔）"), validators=[Optional(), Length(max=200)])
    difficulty = SelectField(_l("难度"), choices=choices((str(i), str(i)) for i in range(1, 6)), default="3")
    source = LineField(_l("来源"), validators=[Optional(), Length(max=200)])


class SectionForm(Form):
    """One row of a paper template. A row with count 0 is unused."""

    title = LineField(_l("标题"), validators=[Optional(), Length(max=60)])
    type = SelectField(_l("题型"), choices=choices(TYPE_LABELS.items()), default=QuestionType.SINGLE.value)
    count = IntegerField(_l("题数"), validators=[Optional(), NumberRange(min=0, max=500)], default=0)
    points = LineField(_l("每题分值"), validators=[Optional(), Length(max=10)], default="1")
    topics = LineField(_l("知识点"), validators=[Optional(), Length(max=300)])
    posts = LineField(_l("岗位"), validators=[Optional(), Length(max=200)])
    operations = LineField(_l("作业类别"), validators=[Optional(), Length(max=200)])
    levels = LineField(_l("认知层次"), validators=[Optional(), Length(max=60)])
    difficulty = LineField(_l("难度范围"), validators=[Optional(), Length(max=5)])
    quotas = LineField(_l("配额"), validators=[Optional(), Length(max=300)])


class TemplateForm(FlaskForm):
    name = LineField(_l("名称"), validators=[DataRequired(), Length(max=100)])
    time_limit_minutes = IntegerField(
        _l("考试时长（分钟）"), validators=[DataRequired(), NumberRange(min=1, max=600)], default=120
    )
    pass_mark = LineField(_l("及格分"), validators=[DataRequired(), Length(max=10)], default="80")
    multi_policy = SelectField(
        _l("多选题计分"),
        choices=choices(
            [("all_or_nothing", _l("全对得分，错选漏选不得分")), ("partial", _l("少选按比例得分，错选不得分"))]
        ),
    )
    shuffle_questions = BooleanField(_l("打乱题目顺序"), default=True)
    shuffle_options = BooleanField(_l("打乱选项顺序"), default=True)
    allow_review = BooleanField(_l("交卷后允许查看答案"), default=True)
    allow_makeup = BooleanField(_l("允许补考一次"), default=True)
    banks = MultiCheckboxField(_l("题库"), coerce=int, choices=[])
    sections = FieldList(FormField(SectionForm), min_entries=4, max_entries=4)


# ---------------------------------------------------------------- form text ↔ library values

LETTERS = "ABCDEFGH"
TRUE_ANSWERS = {"正确", "对", "√", "A", "T", "TRUE", "是"}
FALSE_ANSWERS = {"错误", "错", "×", "X", "B", "F", "FALSE", "否"}
POST_BY_LABEL = {**{code: code for code in POSTS}, **{label: code for code, label in POSTS.items()}}


class FormProblem(ValueError):
    """A value in a form that cannot become a library value; ``field`` names the form field."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def question_from_form(form: QuestionForm, base):
    """The edited question: ``base`` (the current version) with the form's fields.

    :raises FormProblem: when the answer text cannot be read.
    """
    qtype = base.type
    options: tuple[str, ...] = ()
    fill: tuple[str, ...] = ()
    answer_text = (form.answer.data or "").strip()
    if qtype is QuestionType.TRUE_FALSE:
        options = TRUE_FALSE_OPTIONS
        token = answer_text.upper()
        if token in TRUE_ANSWERS:
            answer = (0,)
        elif token in FALSE_ANSWERS:
            answer = (1,)
        else:
            raise FormProblem("answer", str(_l("判断题答案应为“正确”或“错误”")))
    elif qtype is QuestionType.FILL:
        answer = ()
        fill = tuple(a.strip() for a in re.split(r"[|｜]", answer_text) if a.strip())
    else:
        options = tuple(line.strip() for line in (form.options.data or "").splitlines() if line.strip())
        letters = [ch for ch in answer_text.upper() if not SEPARATORS.fullmatch(ch)]
        if any(ch not in LETTERS for ch in letters):
            raise FormProblem("answer", str(_l("答案应为选项字母，如 A 或 ABD")))
        answer = tuple(sorted({LETTERS.index(ch) for ch in letters}))
    posts = frozenset(form.posts.data or ())
    tags = Tags(
        post=posts,
        industry=split_list(form.industries.data),
        operation=split_list(form.operations.data),
        topic=(form.topic.data or "").strip(),
        level=form.level.data or "",
        extra=split_list(form.extra.data),
    )
    return dataclasses.replace(
        base,
        stem=(form.stem.data or "").strip(),
        options=options,
        answer=answer,
        fill_answers=fill,
        explanation=(form.explanation.data or "").strip(),
        tags=tags,
        difficulty=int(form.difficulty.data),
        source=(form.source.data or "").strip(),
    )


def question_form_data(q) -> dict:
    if q.type is QuestionType.TRUE_FALSE:
        answer = "正确" if q.answer == (0,) else "错误"
    elif q.type is QuestionType.FILL:
        answer = " | ".join(q.fill_answers)
    else:
        answer = "".join(LETTERS[i] for i in q.answer if i < len(LETTERS))
    return {
        "stem": q.stem,
        "options": "\n".join(q.options) if q.is_choice and q.type is not QuestionType.TRUE_FALSE else "",
        "answer": answer,
        "explanation": q.explanation,
        "topic": q.tags.topic,
        "level": q.tags.level,
        "posts": sorted(q.tags.post),
        "operations": ", ".join(sorted(q.tags.operation)),
        "industries": ", ".join(sorted(q.tags.industry)),
        "extra": ", ".join(sorted(q.tags.extra)),
        "difficulty": str(q.difficulty),
        "source": q.source,
    }


def parse_quotas(text: str | None) -> dict[str, int]:
    """ "了解:6, 掌握:9, 熟练掌握:15" → level quotas; "1-2:10, 3:10" → difficulty; other names → topic.

    Explicit keys ("level:掌握:9", "difficulty:4-5:10", "topic:法律法规:5") pass through.

    :raises FormProblem: on an item without a count.
    """
    quotas: dict[str, int] = {}
    for item in re.split(r"[,，;；\n]+", (text or "").replace("：", ":")):
        item = item.strip()
        if not item:
            continue
        key, sep, count = item.rpartition(":")
        key = key.strip()
        if not sep or not key or not count.strip().isdigit():
            raise FormProblem("quotas", str(_l("配额“%(item)s”应写成 名称:题数，如 掌握:9", item=item)))
        if key.startswith(("level:", "topic:", "difficulty:")):
            pass
        elif key in LEVELS:
            key = f"level:{key}"
        elif re.fullmatch(r"[1-5](?:-[1-5])?", key):
            key = f"difficulty:{key}"
        else:
            key = f"topic:{key}"
        quotas[key] = quotas.get(key, 0) + int(count)
    return quotas


def quotas_text(quotas: dict[str, int]) -> str:
    parts = []
    for key, count in quotas.items():
        dimension, _, value = key.partition(":")
        plain_topic = dimension == "topic" and value not in LEVELS and not re.fullmatch(r"[1-5](?:-[1-5])?", value)
        parts.append(f"{value}:{count}" if dimension in ("level", "difficulty") or plain_topic else f"{key}:{count}")
    return ", ".join(parts)


def _number(text: str | None, field: str, label: str) -> float:
    try:
        value = float((text or "").strip())
    except ValueError:
        raise FormProblem(field, str(_l("%(label)s应为数字", label=label))) from None
    if value < 0:
        raise FormProblem(field, str(_l("%(label)s不能为负数", label=label)))
    return value


def spec_from_form(form: TemplateForm):
    """Build the ``PaperSpec``; returns (spec or None, {field name: message}) with per-row field names."""
    problems: dict[str, str] = {}
    sections = []
    try:
        pass_mark = _number(form.pass_mark.data, "pass_mark", str(_l("及格分")))
    except FormProblem as exc:
        problems[exc.field] = exc.message
        pass_mark = 0
    for i, entry in enumerate(form.sections.entries):
        sub = entry.form
        if not sub.count.data:
            continue
        prefix = f"sections-{i}-"
        try:
            points = _number(sub.points.data, "points", str(_l("分值")))
            low, high = 1, 5
            if difficulty := (sub.difficulty.data or "").strip():
                match = re.fullmatch(r"([1-5])(?:\s*-\s*([1-5]))?", difficulty)
                if not match:
                    raise FormProblem("difficulty", str(_l("难度范围应写成 1-5 或 3")))
                low, high = int(match.group(1)), int(match.group(2) or match.group(1))
            posts = []
            for value in split_list(sub.posts.data):
                if value not in POST_BY_LABEL:
                    raise FormProblem("posts", str(_l("未知岗位“%(value)s”", value=value)))
                posts.append(POST_BY_LABEL[value])
            levels = split_list(sub.levels.data)
            if bad := [v for v in levels if v not in LEVELS]:
                raise FormProblem("levels", str(_l("认知层次应为 了解/掌握/熟练掌握，而不是“%(value)s”", value=bad[0])))
            quotas = parse_quotas(sub.quotas.data)
            if quotas and sum(quotas.values()) != sub.count.data:
                raise FormProblem(
                    "quotas",
                    str(
                        _l(
                            "配额合计 %(sum)s 题，与题数 %(count)s 不一致",
                            sum=sum(quotas.values()),
                            count=sub.count.data,
                        )
                    ),
                )
            filters = Filter(
                posts=posts,
                operations=split_list(sub.operations.data),
                topics=split_list(sub.topics.data),
                levels=levels,
                min_difficulty=min(low, high),
                max_difficulty=max(low, high),
            )
            title = (sub.title.data or "").strip() or str(TYPE_LABELS[sub.type.data])
            sections.append(
                Section(
                    title=title,
                    type=QuestionType(sub.type.data),
                    count=sub.count.data,
                    points=points,
                    filters=filters,
                    quotas=quotas,
                )
            )
        except FormProblem as exc:
            problems[prefix + exc.field] = exc.message
        except ValueError as exc:  # the library's own checks (overlapping difficulty ranges, …)
            problems[prefix + "quotas"] = str(exc)
    if not sections and not problems:
        problems["sections"] = str(_l("至少填写一个大题（题数大于 0）"))
    if problems:
        return None, problems
    try:
        spec = PaperSpec(
            title=form.name.data.strip(),
            sections=tuple(sections),
            time_limit_minutes=form.time_limit_minutes.data,
            pass_mark=pass_mark,
            multi_policy=form.multi_policy.data,
            shuffle_questions=bool(form.shuffle_questions.data),
            shuffle_options=bool(form.shuffle_options.data),
        ).check_passable()
    except PassMarkUnreachable as exc:
        message = _l(
            "及格分 %(pass)s 超出试卷总分 %(total)s", **{"pass": f"{exc.pass_mark:g}", "total": f"{exc.total:g}"}
        )
        return None, {"pass_mark": str(message)}
    return spec, {}


def template_form_data(template) -> dict:
    spec = template.paper_spec
    sections = []
    for s in spec.sections:
        f = s.filters
        difficulty = (
            ""
            if (f.min_difficulty, f.max_difficulty) == (1, 5)
            else (
                str(f.min_difficulty)
                if f.min_difficulty == f.max_difficulty
                else f"{f.min_difficulty}-{f.max_difficulty}"
            )
        )
        sections.append(
            {
                "title": s.title,
                "type": s.type.value,
                "count": s.count,
                "points": f"{s.points:g}",
                "topics": ", ".join(sorted(f.topics)),
                "posts": "、".join(POSTS.get(p, p) for p in sorted(f.posts)),
                "operations": ", ".join(sorted(f.operations)),
                "levels": ", ".join(sorted(f.levels)),
                "difficulty": difficulty,
                "quotas": quotas_text(dict(s.quotas)),
            }
        )
    return {
        "name": template.name,
        "time_limit_minutes": spec.time_limit_minutes,
        "pass_mark": f"{spec.pass_mark:g}",
        "multi_policy": spec.multi_policy,
        "shuffle_questions": spec.shuffle_questions,
        "shuffle_options": spec.shuffle_options,
        "allow_review": template.allow_review,
        "allow_makeup": template.allow_makeup,
        "banks": list(template.bank_ids),
        "sections": sections,
    }
