"""Reader for Moodle GIFT text.

Supported: ``::title::`` (used as the key), ``[format]`` markers, ``{T}``/``{F}`` (判断),
``{=right ~wrong}`` (单选), ``{~%50%a ~%50%b ~%-100%c}`` (多选: positive weight = correct),
``{=a =b}`` (填空), ``#feedback`` (ignored) and ``####general feedback`` (解析).  Numeric,
matching and essay questions are reported as ``unsupported_type``.  Rows are line numbers.

Our writer adds a ``// anpei: {...}`` comment with tags, difficulty, source and version, which
this reader applies so a GIFT round trip loses nothing.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..errors import RowError
from ..registry import QuestionType
from .common import ImportResult, QuestionBuilder, letters

_SPECIAL = "~=#{}:"
_FORMAT = re.compile(r"^\s*\[(html|moodle|plain|markdown)\]")
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


def read_gift(data: bytes) -> ImportResult:
    result = ImportResult(format="gift")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        result.errors.append(RowError(0, "", "bad_encoding"))
        return result
    builder = QuestionBuilder(result, clean=False)
    for line, lines, comments in _blocks(text):
        body = "\n".join(lines).strip()
        if body.startswith("$CATEGORY:"):
            continue
        raw = _parse(body, line, builder)
        if raw is None:
            continue
        for comment in comments:
            if comment.startswith(META_PREFIX):
                try:
                    meta = json.loads(comment[len(META_PREFIX) :])
                except json.JSONDecodeError as exc:
                    builder.error(line, "tags", "bad_field", detail=exc.msg)
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
    return result


def _parse(body: str, line: int, builder: QuestionBuilder) -> dict[str, Any] | None:
    raw: dict[str, Any] = {}
    if body.startswith("::"):
        end = _find_unescaped(body, "::", 2)
        if end < 0:
            builder.error(line, "key", "bad_gift", detail="unterminated ::title::")
            return None
        raw["key"] = unescape(body[2:end]).strip()
        body = body[end + 2 :]
    body = _FORMAT.sub("", body, count=1)
    opens, closes = _unescaped_positions(body, "{"), _unescaped_positions(body, "}")
    if not opens and not closes:
        builder.error(line, "answer", "bad_gift", detail="no {answer} block")
        return None
    if len(opens) != 1 or len(closes) != 1 or closes[0] < opens[0]:
        first_bad = _unbalanced_at(opens, closes)
        builder.error(line + body[:first_bad].count("\n"), "answer", "unbalanced_braces")
        return None
    opening, closing = opens[0], closes[0]
    before, block, after = body[:opening].strip(), body[opening + 1 : closing], body[closing + 1 :].strip()
    stem = unescape(before) + (" ____ " + unescape(after) if after else "")
    raw["stem"] = stem.strip()

    block, _, general = block.partition("####") if _find_unescaped(block, "####") >= 0 else (block, "", "")
    raw["explanation"] = unescape(general).strip()
    block = block.strip()
    head = unescape(_split_unescaped(block, "#")[0][1]).strip().upper()
    if head in ("T", "TRUE", "F", "FALSE"):
        raw["type"] = QuestionType.TRUE_FALSE
        raw["answer"] = "true" if head.startswith("T") else "false"
        return raw
    if not block or block.startswith("#") or _find_unescaped(block, "->") >= 0:
        builder.error(line, "type", "unsupported_type", value="essay/numeric/matching")
        return None
    pieces = [(lead, piece) for lead, piece in _split_unescaped(block, "=~") if lead]
    options, correct = [], []
    weighted = False
    for index, (lead, piece) in enumerate(pieces):
        piece = _split_unescaped(piece.strip(), "#")[0][1].strip()  # drop per-answer #feedback
        m = _WEIGHT.match(piece)
        if m:
            weighted = True
            piece = piece[m.end() :]
        if lead == "=" or (m and float(m.group(1)) > 0):
            correct.append(index)
        options.append(unescape(piece).strip())
    if all(lead == "=" for lead, _ in pieces):
        raw["type"] = QuestionType.FILL
        raw["answer"] = options
        return raw
    raw["type"] = QuestionType.MULTIPLE if weighted or len(correct) > 1 else QuestionType.SINGLE
    raw["options"] = options
    raw["answer"] = letters(i for i in correct if i < 8)
    return raw
