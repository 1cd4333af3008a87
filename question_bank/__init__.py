"""question_bank — question banks, paper assembly (组卷) and grading for work-safety exams.

A pure-Python library: it imports neither Flask nor SQLAlchemy, so it can be used (and tested)
on its own.  See README.md in this package for the API, formats and JSON schema.
"""

from __future__ import annotations

from .assembly import assemble_paper
from .dedupe import duplicate_signature, find_duplicates
from .errors import InsufficientQuestions, Problem, RowError, Shortage
from .grading import GradeResult, ItemResult, grade
from .index import QuestionIndex, SectionAvailability
from .limits import DEFAULT_LIMITS, Limits
from .messages import MESSAGES
from .normalise import make_key, normalise_answer, normalise_stem
from .papers import Paper, PaperItem
from .questions import LEVELS, POSTS, Question, Tags, operation_matches
from .readers import READERS, detect_format, read_questions
from .readers.common import ImportResult
from .registry import QUESTION_TYPES, TRUE_FALSE_OPTIONS, QuestionType, TypeInfo
from .report import Duplicate, Flag, ImportReport, NotRead, SheetLayout, SkippedSheet
from .specs import Filter, PaperSpec, PassMarkUnreachable, QuotaBucket, Section
from .validation import MAX_STEM, validate_question
from .writers import WRITERS, template_xlsx, write_questions

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_LIMITS",
    "LEVELS",
    "MAX_STEM",
    "MESSAGES",
    "POSTS",
    "QUESTION_TYPES",
    "READERS",
    "TRUE_FALSE_OPTIONS",
    "WRITERS",
    "Duplicate",
    "Filter",
    "Flag",
    "GradeResult",
    "ImportReport",
    "ImportResult",
    "InsufficientQuestions",
    "ItemResult",
    "Limits",
    "NotRead",
    "Paper",
    "PaperItem",
    "PaperSpec",
    "PassMarkUnreachable",
    "Problem",
    "Question",
    "QuestionIndex",
    "QuestionType",
    "QuotaBucket",
    "RowError",
    "Section",
    "SectionAvailability",
    "SheetLayout",
    "Shortage",
    "SkippedSheet",
    "Tags",
    "TypeInfo",
    "assemble_paper",
    "detect_format",
    "duplicate_signature",
    "find_duplicates",
    "grade",
    "make_key",
    "normalise_answer",
    "normalise_stem",
    "operation_matches",
    "read_questions",
    "template_xlsx",
    "validate_question",
    "write_questions",
]
