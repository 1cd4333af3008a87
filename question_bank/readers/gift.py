"""Reader for Moodle GIFT text.

Supported: ``::title::`` (used as the key), ``[format]`` markers, ``{T}``/``{F}`` (判断),
``{=right ~wrong}`` (单选), ``{~%50%a ~%50%b ~%-100%c}`` (多选: positive weight = correct),
``{=a =b}`` (填空), ``#feedback`` (ignored) and ``####general feedback`` (解析).  Numeric,
matching and essay questions are reported as ``unsupported_type``.  Rows are line numbers.

A ``%0%`` (or negative) weight is never a correct answer, even after ``=``; a ``*`` wildcard
answer of a 填空 is dropped.  ``[plain]``/``[html]`` markers are stripped from the stem and every
option (``[html]`` text is reduced to plain text).  A question ends at its closing brace: text
after it on the same line completes the stem (the missing-word form ``安全第一、{=预防为主}、综合治理``),
lines after it start the next question even without a blank line between them.
``$CATEGORY: $course$/安全/电工`` sets the topic (``安全/电工``) of the questions after it.

Our writer adds a ``// anpei: {...}`` comment with tags, difficulty, source and version, which
this reader applies so a GIFT round trip loses nothing.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..errors import RowError
from ..limits import DEFAULT_LIMITS, Limits
from ..markup import html_to_text
from ..registry import QuestionType
from .cells import letters
from .common import ImportResult, QuestionBuilder
from .moodle import category_topic

_SPECIAL = "~=#{}:"
_FORMAT = re.compile(r"^\s*\[(html|moodle|plain|markdown)\]\s*")
_WEIGHT = re.compile(r"^%(-?\d+(?:\.\d+)?)%")
META_PREFIX = "// anpei:"


def unescape(text: str) -> str:
    """Undo GIFT escapes (``\\~ \\= \\# \\{ \\} \\: \\\\`` and ``\\n``)."""
    out = []
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            out.append("\n" if nxt == "n" else nxt)
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def _split_unescaped(text: str, separators: str) -> list[tuple[str, str]]:
    """Split at unescaped separator characters → [(separator that started the piece, piece)]."""
    pieces: list[tuple[str, str]] = []
    current: list[str] = []
    lead = ""
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            current.append(text[i : i + 2])
            i += 2
            continue
        if c in separators:
            pieces.append((lead, "".join(current)))
            lead, current = c, []
        else:
            current.append(c)
        i += 1
    pieces.append((lead, "".join(current)))
    return pieces


def _find_unescaped(text: str, target: str, start: int = 0) -> int:
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text.startswith(target, i):
            return i
        i += 1
    return -1


def _unescaped_positions(text: str, char: str) -> list[int]:
    positions = []
    i = 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == char:
            positions.append(i)
        i += 1
    return positions


def _unbalanced_at(opens: list[int], closes: list[int]) -> int:
    """Position of the first brace without a partner (or of the second answer block)."""
    depth, last_open = 0, 0
    for position, char in sorted([(p, "{") for p in opens] + [(p, "}") for p in closes]):
        if char == "{":
            if depth:  # nested "{" — GIFT has no nesting
                return position
            depth, last_open = 1, position
        elif depth == 0:
            return position
        else:
            depth = 0
    return last_open


def _blocks(text: str) -> list[tuple[int, list[str], list[str]]]:
    """Group lines into questions separated by blank lines → (first line number, lines, comments)."""
    blocks: list[tuple[int, list[str], list[str]]] = []
    lines: list[str] = []
    comments: list[str] = []
    start = 0
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("//"):
            comments.append(stripped)
            continue
        if not stripped:
            if lines:
                blocks.append((start, lines, comments))
                lines, comments = [], []
            elif comments and not lines:
                pass  # comments attach to the next question
            continue
        if not lines:
            start = number
        lines.append(line)
    if lines:
        blocks.append((start, lines, comments))
    return blocks


def _split_questions(start: int, lines: list[str]) -> list[tuple[int, list[str]]]:
    """Cut a block after each line where a question's braces close, so a question never runs on."""
    groups: list[tuple[int, list[str]]] = []
    current: list[str] = []
    first = start
    depth, closed = 0, False
    for offset, line in enumerate(lines):
        if not current:
            first = start + offset
        current.append(line)
        opens, closes = _unescaped_positions(line, "{"), _unescaped_positions(line, "}")
        for _, char in sorted([(p, "{") for p in opens] + [(p, "}") for p in closes]):
            depth += 1 if char == "{" else -1
            closed = closed or char == "}"
        if closed and depth == 0:
            groups.append((first, current))
            current, closed = [], False
        elif depth < 0:
            depth = 0  # an extra "}": reported by _parse; keep the group going
    if current:
        groups.append((first, current))
    return groups


def read_gift(data: bytes, limits: Limits = DEFAULT_LIMITS) -> ImportResult:
    result = ImportResult(format="gift")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        result.errors.append(RowError(0, "", "bad_encoding"))
        return result
    builder = QuestionBuilder(result, clean=False, limits=limits)
    topic = ""
    questions = []
    for block_line, block_lines, block_comments in _blocks(text):
        for index, (line, lines) in enumerate(_split_questions(block_line, block_lines)):
            questions.append((line, lines, block_comments if index == 0 else []))
    for line, lines, comments in questions:
        body = "\n".join(lines).strip()
        if body.startswith("$CATEGORY:"):
            topic = category_topic(body[len("$CATEGORY:") :])
            continue
        raw = _parse(body, line, builder)
        if raw is None:
            continue
        if topic:
            raw["topic"] = topic
        for comment in comments:
            if comment.startswith(META_PREFIX):
                try:
                    meta = json.loads(comment[len(META_PREFIX) :])
                except json.JSONDecodeError as exc:
                    builder.skip(line, "bad_field", body, fld="tags", detail=exc.msg)
                    raw = None
                    break
                if isinstance(meta, dict):
                    raw.update({k: meta.get(k) for k in ("difficulty", "source", "version", "key") if k in meta})
                    raw.update(
                        {
                            k: v
                            for k, v in (meta.get("tags") or {}).items()
                            if k in ("post", "industry", "operation", "topic", "level", "extra")
                        }
                    )
        if raw is not None:
            builder.add(raw, line)
    return builder.finish()


def _parse(body: str, line: int, builder: QuestionBuilder) -> dict[str, Any] | None:
    raw: dict[str, Any] = {}
    if body.startswith("::"):
        end = _find_unescaped(body, "::", 2)
        if end < 0:
            builder.skip(line, "bad_gift", body, fld="key", detail="unterminated ::title::")
            return None
        raw["key"] = unescape(body[2:end]).strip()
        body = body[end + 2 :]
    fmt = _FORMAT.match(body)
    html = bool(fmt) and fmt.group(1) in ("html", "moodle")
    body = _FORMAT.sub("", body, count=1)
    opens, closes = _unescaped_positions(body, "{"), _unescaped_positions(body, "}")
    if not opens and not closes:
        builder.skip(line, "bad_gift", body, fld="answer", detail="no {answer} block")
        return None
    if len(opens) != 1 or len(closes) != 1 or closes[0] < opens[0]:
        first_bad = _unbalanced_at(opens, closes)
        builder.skip(line + body[:first_bad].count("\n"), "unbalanced_braces", body, fld="answer")
        return None
    opening, closing = opens[0], closes[0]
    before, block, after = body[:opening].strip(), body[opening + 1 : closing], body[closing + 1 :].strip()
    stem = unescape(before) + (" ____ " + unescape(after) if after else "")
    raw["stem"] = html_to_text(stem) if html else stem.strip()

    block, _, general = block.partition("####") if _find_unescaped(block, "####") >= 0 else (block, "", "")
    raw["explanation"] = unescape(general).strip()
    block = block.strip()
    head = unescape(_split_unescaped(block, "#")[0][1]).strip().upper()
    if head in ("T", "TRUE", "F", "FALSE"):
        raw["type"] = QuestionType.TRUE_FALSE
        raw["answer"] = "true" if head.startswith("T") else "false"
        return raw
    if not block or block.startswith("#") or _find_unescaped(block, "->") >= 0:
        builder.skip(line, "unsupported_type", body, fld="type", value="essay/numeric/matching")
        return None
    pieces = [(lead, piece) for lead, piece in _split_unescaped(block, "=~") if lead]
    options, correct = [], []
    wildcards: set[int] = set()
    for index, (lead, piece) in enumerate(pieces):
        piece = _split_unescaped(piece.strip(), "#")[0][1].strip()  # drop per-answer #feedback
        m = _WEIGHT.match(piece)
        if m:
            piece = piece[m.end() :]
        option_fmt = _FORMAT.match(piece)
        piece = _FORMAT.sub("", piece, count=1)
        # A weight decides on its own: "=%0%x" is a wrong answer written with "=".
        if (float(m.group(1)) > 0) if m else lead == "=":
            correct.append(index)
        if piece.strip() == "*":  # an unescaped lone "*" is GIFT's "any answer": never a right answer
            wildcards.add(index)
        text = unescape(piece).strip()
        options.append(html_to_text(text) if html or (option_fmt and option_fmt.group(1) == "html") else text)
    if all(lead == "=" for lead, _ in pieces):
        raw["type"] = QuestionType.FILL
        raw["answer"] = [text for i, text in enumerate(options) if i in correct and i not in wildcards]
        return raw
    raw["type"] = QuestionType.MULTIPLE if len(correct) > 1 else QuestionType.SINGLE
    raw["options"] = options
    raw["answer"] = letters(i for i in correct if i < 8)
    return raw
