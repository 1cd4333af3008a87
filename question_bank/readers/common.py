"""Turning loosely typed cells into validated :class:`Question` objects.

Every reader produces, per question, a dict of raw field values (strings, numbers or lists) and
a row number; :class:`QuestionBuilder` interprets the Chinese/English spellings (:mod:`.spellings`) of the cells
(:mod:`.cells`), reports every problem as a :class:`RowError`, and never stops at the first bad row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..errors import RowError
from ..limits import DEFAULT_LIMITS, Limits
from ..normalise import (
    clean_option,
    clean_stem,
    make_key,
    normalise_answer,
    normalise_label,
    normalise_stem,
    to_half_width,
)
from ..questions import LEVELS, Question, Tags
from ..registry import OPTION_LETTERS, TRUE_FALSE_OPTIONS, TYPE_ALIASES, QuestionType
from ..report import Duplicate, Flag, ImportReport, NotRead
from ..validation import MAX_STEM, validate_question
from .cells import PACKING_MARKERS, cell_text, parse_letters, split_values
from .spellings import (
    DIFFICULTY_WORDS,
    FALSE_WORDS,
    INDUSTRY_ALIASES,
    NO_IMAGE,
    OPERATION_NAMES,
    POST_ALIASES,
    TRUE_FALSE_OPTION_SETS,
    TRUE_WORDS,
)

_FILL_SEPARATORS = re.compile(r"\s*[|｜;；]\s*")
_OPERATION = re.compile(r"^\d+(?:\.\d+)*$")


@dataclass
class ImportResult:
    """Questions that parsed cleanly plus every error found (rows with errors are left out).

    ``errors`` is capped at :attr:`Limits.max_reported`; ``errors_more`` counts the rest.
    ``report`` says what layout was recognised and lists every row not read.
    """

    questions: list[Question] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    format: str = ""
    report: ImportReport = field(default_factory=ImportReport)
    errors_more: int = 0

    @property
    def ok(self) -> bool:
        """True when the whole file imported without a single error."""
        return not self.errors and bool(self.questions)


class QuestionBuilder:
    """Builds questions from raw field dicts, collecting errors and checking duplicates.

    Every call to :meth:`add` or :meth:`skip` is one row of the file: it ends up either as a
    question or as a :class:`~question_bank.report.NotRead` entry of the report, so
    ``read + not read == rows`` holds by construction.  Call :meth:`finish` once at the end.

    :param clean: tidy stems/options (numbering prefixes, stray line breaks, blanks) — on for
        spreadsheets and plain text, off for our own JSON and for XML where the text is authoritative.
    """

    def __init__(self, result: ImportResult, *, clean: bool = True, limits: Limits = DEFAULT_LIMITS):
        self.result = result
        self.report = result.report
        self.report.format = result.format
        self.clean = clean
        self.limits = limits
        self._keys: dict[str, int] = {}  # explicit key → first row
        self._generated: dict[str, int] = {}  # generated key → first row (same content twice)
        #: normalised stem → [(row, display stem, display answer, comparable answer)]
        self._stems: dict[str, list[tuple[int, str, str, str]]] = {}

    # --- bookkeeping ------------------------------------------------------------------------
    def error(self, row: int, fld: str, code: str, sheet: str = "", **params: Any) -> None:
        """Record a row error (capped at ``limits.max_reported``; later ones are only counted)."""
        if len(self.result.errors) < self.limits.max_reported:
            self.result.errors.append(RowError(row, fld, code, params, sheet))
        else:
            self.result.errors_more += 1

    def not_read(
        self, row: int, code: str, text: str = "", sheet: str = "", params: dict[str, Any] | None = None
    ) -> None:
        """Count one row as not read (its error, if any, is recorded separately)."""
        self.report.rows += 1
        if len(self.report.not_read) < self.limits.max_reported:
            self.report.not_read.append(NotRead(row, code, _excerpt(text), sheet, dict(params or {})))
        else:
            self.report.not_read_more += 1

    def skip(
        self, row: int, code: str, text: str = "", sheet: str = "", *, fld: str = "", error: bool = True, **params: Any
    ) -> None:
        """Count a row that is not a question (an unsupported type, a stray line) as not read.

        :param error: also record a :class:`RowError` (off for harmless text such as a title).
        """
        if error:
            self.error(row, fld, code, sheet, **params)
        self.not_read(row, code, text, sheet, params)

    def flag(self, row: int, code: str, q: Question, sheet: str = "") -> None:
        """Mark a question that was read but needs a person to check it."""
        if len(self.report.flags) < self.limits.max_reported:
            self.report.flags.append(Flag(row, code, q.key, sheet, _excerpt(q.stem)))
        else:
            self.report.flags_more += 1

    def finish(self) -> ImportResult:
        """Fill the report's counts and duplicate groups; call once after the last row."""
        report = self.report
        report.read = len(self.result.questions)
        counts: dict[str, int] = {}
        for q in self.result.questions:
            counts[q.type.value] = counts.get(q.type.value, 0) + 1
        report.counts = counts
        groups = []
        for entries in self._stems.values():
            if len(entries) > 1:
                compare = {c for _, _, _, c in entries}
                answers = tuple(dict.fromkeys(a for _, _, a, _ in entries))
                groups.append(Duplicate(tuple(r for r, _, _, _ in entries), entries[0][1], answers, len(compare) > 1))
        groups.sort(key=lambda d: (not d.conflict, d.rows))
        report.duplicates = groups[: self.limits.max_reported]
        return self.result

    def _remember(self, row: int, q: Question) -> None:
        display, compare = answer_texts(q)
        self._stems.setdefault(normalise_stem(q.stem), []).append((row, q.stem, display, compare))

    # --- one row -------------------------------------------------------------------------------
    def add(self, raw: dict[str, Any], row: int, sheet: str = "", text: str | None = None) -> Question | None:
        """Interpret one raw question; append it to the result or record why it was not read.

        :param text: the row as the user sees it, for the report (defaults to the stem).
        """
        problems: list[tuple[str, str, dict[str, Any]]] = []
        inferred = False

        def err(fld: str, code: str, **params: Any) -> None:
            problems.append((fld, code, params))

        # --- stem: reject oversized input before doing any work on it (a 5 MB cell costs nothing)
        stem = raw.get("stem")
        stem = stem if isinstance(stem, str) else cell_text(stem)
        shown = stem if text is None else text
        if len(stem) > MAX_STEM:
            err("stem", "stem_too_long", length=len(stem), max=MAX_STEM)
            stem = ""
        else:
            stem = clean_stem(stem) if self.clean else stem.strip()
            if not stem:
                err("stem", "empty_stem")

        options = [cell_text(o)[: self.limits.max_cell_chars] for o in raw.get("options") or []]
        options = [(clean_option(o) if self.clean else o.strip()) for o in options]
        while options and not options[-1]:
            options.pop()

        # --- type: explicit, or inferred from the shape of the row
        qtype = self._type(raw, options, err)

        answer: tuple[int, ...] = ()
        fill_answers: tuple[str, ...] = ()
        raw_answer = raw.get("answer")
        if qtype is QuestionType.TRUE_FALSE:
            raw_answer, inferred = self._true_false_letters(raw_answer, options, err)
            options = list(TRUE_FALSE_OPTIONS)
            answer = self._true_false_answer(raw_answer, err)
        elif qtype is QuestionType.FILL:
            if options:
                err("options", "fill_options")
            fill_answers = self._fill_answers(raw_answer, err)
        elif qtype is not None:
            answer = self._choice_answer(raw_answer, options, err)

        difficulty = self._difficulty(raw.get("difficulty"), err)
        level = cell_text(raw.get("level")).strip()
        if level and level not in LEVELS:
            err("level", "bad_level", value=level)
        posts = self._posts(raw.get("post"), err)
        industries = frozenset(INDUSTRY_ALIASES.get(v, v) for v in self._values(raw.get("industry")))
        operations = self._operations(raw.get("operation"), err, strict=True)
        operations |= self._operations(raw.get("operation_soft"), err, strict=False)
        version = self._version(raw.get("version"), err)

        q = None
        if not problems and qtype is not None:
            raw_key = cell_text(raw.get("key")).strip()
            key = raw_key or make_key(qtype.value, stem, tuple(options))
            q = Question(
                key=key,
                type=qtype,
                stem=stem,
                options=tuple(options),
                answer=answer,
                fill_answers=fill_answers,
                explanation=cell_text(raw.get("explanation")).strip(),
                tags=Tags(
                    post=posts,
                    industry=industries,
                    operation=operations,
                    topic=cell_text(raw.get("topic")).strip(),
                    level=level,
                    extra=frozenset(self._values(raw.get("extra"))),
                ),
                difficulty=difficulty,
                source=cell_text(raw.get("source")).strip(),
                version=version,
            )
            for problem in validate_question(q):
                err(problem.field, problem.code, **problem.params)
            if not problems:
                if raw_key:
                    first = self._keys.setdefault(raw_key, row)
                    if first != row:
                        err("key", "duplicate_key", value=raw_key, first_row=first)
                else:
                    first = self._generated.setdefault(key, row)
                    if first != row:
                        err("stem", "duplicate_question", first_row=first)
                        self._remember(row, q)  # a duplicate with another answer is a conflict to show
        if problems:
            for fld, code, params in problems:
                self.error(row, fld, code, sheet, **params)
            _, code, params = problems[0]
            self.not_read(row, code, shown, sheet, params)
            return None
        if q is None:  # every path that leaves q unset reported a problem above
            raise AssertionError("a row without problems has a question")
        self.report.rows += 1
        self.result.questions.append(q)
        self._remember(row, q)
        if inferred or raw.get("type_inferred_from_options"):
            self.flag(row, "answer_inferred", q, sheet)
        if normalise_label(cell_text(raw.get("image"))) not in NO_IMAGE:
            self.flag(row, "image_not_imported", q, sheet)
        if any(marker in option for option in q.options for marker in PACKING_MARKERS):
            self.flag(row, "options_run_together", q, sheet)  # e.g. "**A.12**B.3**6C.50": a packing slip
        return q

    # --- field interpreters -------------------------------------------------------------
    @staticmethod
    def _type(raw: dict[str, Any], options: list[str], err) -> QuestionType | None:
        value = raw.get("type")
        if isinstance(value, QuestionType):
            return value
        text = cell_text(value).strip()
        if text:
            found = TYPE_ALIASES.get(normalise_label(text))
            if found is None:
                err("type", "unknown_type", value=text[:50])
            return found
        default = raw.get("default_type")  # from a section header or sheet name
        if default is not None:
            return default
        answer = raw.get("answer")
        if isinstance(answer, list):
            return QuestionType.FILL
        answer_text = normalise_label(cell_text(answer))
        if not options:
            if answer_text in TRUE_WORDS or answer_text in FALSE_WORDS:
                return QuestionType.TRUE_FALSE
            return QuestionType.FILL
        if tuple(normalise_label(o) for o in options) in TRUE_FALSE_OPTION_SETS:
            raw["type_inferred_from_options"] = True
            return QuestionType.TRUE_FALSE
        letters = parse_letters(cell_text(answer))
        return QuestionType.MULTIPLE if letters and len(letters) > 1 else QuestionType.SINGLE

    @staticmethod
    def _true_false_letters(value: Any, options: list[str], err) -> tuple[Any, bool]:
        """判断 rows given as options A.正确/B.错误 (or none) with a letter answer: map the letter
        to 正确/错误.  :return: the answer to interpret and whether it was inferred from a letter."""
        labels = tuple(normalise_label(o) for o in options)
        if options and labels not in TRUE_FALSE_OPTION_SETS:
            err("options", "true_false_options")
            return value, False
        letter = normalise_label(cell_text(value)).strip(".")
        if letter in ("a", "b"):
            if options:
                word = options[0 if letter == "a" else 1]
                return ("正确" if normalise_label(word) in TRUE_WORDS | {"true"} else "错误"), True
            return ("正确" if letter == "a" else "错误"), True
        return value, False

    @staticmethod
    def _true_false_answer(value: Any, err) -> tuple[int, ...]:
        if isinstance(value, list) and len(value) == 1:
            value = value[0]
        text = normalise_label(cell_text(value))
        if not text:
            err("answer", "missing_answer")
            return ()
        if text in TRUE_WORDS:
            return (0,)
        if text in FALSE_WORDS:
            return (1,)
        err("answer", "bad_answer", value=cell_text(value)[:50])
        return ()

    @staticmethod
    def _fill_answers(value: Any, err) -> tuple[str, ...]:
        if isinstance(value, list):
            answers = [cell_text(v).strip() for v in value]
        else:
            answers = _FILL_SEPARATORS.split(cell_text(value).strip())
        answers = [a for a in answers if a]
        if not answers:
            err("answer", "missing_answer")
        return tuple(answers)

    @staticmethod
    def _choice_answer(value: Any, options: list[str], err) -> tuple[int, ...]:
        text = "".join(cell_text(v) for v in value) if isinstance(value, list) else cell_text(value)
        if not text.strip():
            err("answer", "missing_answer")
            return ()
        indices = parse_letters(text)
        if indices is None:
            err("answer", "bad_answer", value=text[:50])
            return ()
        missing = [OPTION_LETTERS[i] for i in indices if i >= len(options)]
        if missing:
            err("answer", "answer_without_option", value="".join(missing))
            return ()
        return tuple(indices)

    @staticmethod
    def _difficulty(value: Any, err) -> int:
        text = cell_text(value).strip()
        if not text:
            return 3
        if text in DIFFICULTY_WORDS:
            return DIFFICULTY_WORDS[text]
        try:
            number = float(to_half_width(text))
        except ValueError:
            number = 0.0
        if number.is_integer() and 1 <= number <= 5:
            return int(number)
        err("difficulty", "bad_difficulty", value=text[:50])
        return 3

    @staticmethod
    def _values(value: Any) -> list[str]:
        if isinstance(value, (list, tuple, set, frozenset)):
            return [cell_text(v).strip() for v in value if cell_text(v).strip()]
        return split_values(cell_text(value))

    def _posts(self, value: Any, err) -> frozenset[str]:
        posts = set()
        for v in self._values(value):
            code = POST_ALIASES.get(v) or POST_ALIASES.get(normalise_label(v))
            if code is None:
                err("post", "unknown_post", value=v[:50])
            else:
                posts.add(code)
        return frozenset(posts)

    def _operations(self, value: Any, err, *, strict: bool) -> frozenset[str]:
        codes = set()
        for v in self._values(value):
            v = to_half_width(v)
            code = v if _OPERATION.match(v) else OPERATION_NAMES.get(v)
            if code is not None:
                codes.add(code)
            elif strict:
                err("operation", "bad_operation", value=v[:50])
        return frozenset(codes)

    @staticmethod
    def _version(value: Any, err) -> int:
        text = cell_text(value).strip()
        if not text:
            return 1
        if text.isdigit() and int(text) >= 1:
            return int(text)
        err("version", "bad_version", value=text[:50])
        return 1


def answer_texts(q: Question) -> tuple[str, str]:
    """The answer as a person reads it (``"正确"``, ``"甲 / 丙"``) and a form to compare answers by."""
    if q.type is QuestionType.FILL:
        shown = list(q.fill_answers)
        compare = sorted(normalise_answer(a) for a in q.fill_answers)
    else:
        shown = [q.options[i] for i in q.answer if i < len(q.options)]
        compare = sorted(normalise_stem(a) for a in shown)
    return " / ".join(shown), "\x1f".join(compare)


def _excerpt(text: str, size: int = 200) -> str:
    """One line of at most ``size`` characters, for the report."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= size else flat[: size - 1] + "…"


__all__ = ["ImportResult", "QuestionBuilder", "answer_texts"]
