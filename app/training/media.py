"""How long an uploaded lesson video plays, read from the file itself: the lesson's duration (the most that can be
credited for it) is the media's, not a number typed into a form.

MP4 through ``mutagen`` (its atom parser and ``MP4Info``: the audio track's length, else the movie header's); WebM
(Matroska) through the ``Info`` element's ``Duration`` and ``TimestampScale``, read here (mutagen reads no
Matroska). Both are bounded: at most :data:`MAX_BOXES` top-level boxes or elements are walked and at most
:data:`MAX_HEADER` bytes handed to a parser, whatever the upload's size. A file whose length cannot be read
(a live-recorded WebM without ``Duration``, a fragmented or broken MP4) is refused with a clear message.
"""

from __future__ import annotations

import io
import math
import struct

from app.core.errors import DomainError

#: The most top-level MP4 boxes / Matroska elements walked to find the header.
MAX_BOXES = 1000
#: The largest header (MP4 ``moov``, Matroska ``Info``) parsed: a two-hour video's ``moov`` is ~5 MB.
MAX_HEADER = 32 * 1024 * 1024


def duration_seconds(content_type: str, data: bytes) -> float:
    """The playing time of ``data`` (a ``video/mp4`` or ``video/webm`` upload), in seconds.

    :raises DomainError: ``lesson.media_unreadable`` when it cannot be read."""
    try:
        seconds = _mp4(data) if content_type == "video/mp4" else _webm(data)
    except (ValueError, struct.error, IndexError, OverflowError):
        seconds = None
    if seconds is None or not math.isfinite(seconds) or seconds <= 0:
        raise DomainError("lesson.media_unreadable", http_status=400)
    return seconds


def _mp4(data: bytes) -> float | None:
    """The ``moov`` box (found by walking the top-level boxes) parsed by mutagen on its own."""
    from mutagen import MutagenError
    from mutagen.mp4 import MP4

    offset = 0
    for _ in range(MAX_BOXES):
        if offset + 8 > len(data):
            return None
        size, kind = struct.unpack_from(">I4s", data, offset)
        header = 8
        if size == 1:  # a 64-bit size follows
            (size,) = struct.unpack_from(">Q", data, offset + 8)
            header = 16
        elif size == 0:  # to the end of the file
            size = len(data) - offset
        if size < header:
            return None
        if kind == b"moov":
            if size > MAX_HEADER or offset + size > len(data):
                return None
            try:
                return MP4(io.BytesIO(data[offset : offset + size])).info.length
            except MutagenError:
                return None
        offset += size
    return None


# Matroska element ids (with their marker bits, as written).
_EBML, _SEGMENT, _INFO, _CLUSTER = 0x1A45DFA3, 0x18538067, 0x1549A966, 0x1F43B675
_TIMESTAMP_SCALE, _DURATION = 0x2AD7B1, 0x4489
_UNKNOWN = -1


def _vint(data: bytes, offset: int, *, keep_marker: bool) -> tuple[int, int]:
    """An EBML variable-size integer at ``offset``: ``(value, length)`` (an all-ones size is unknown: -1)."""
    first = data[offset]
    length = 8 - first.bit_length() + 1
    if not 1 <= length <= 8:
        raise ValueError("bad EBML integer")
    value = first if keep_marker else first & (0xFF >> length)
    for byte in data[offset + 1 : offset + length]:
        value = (value << 8) | byte
    if len(data) < offset + length:
        raise ValueError("truncated")
    if not keep_marker and value == (1 << (7 * length)) - 1:
        return _UNKNOWN, length
    return value, length


def _element(data: bytes, offset: int) -> tuple[int, int, int]:
    """``(id, start of the body, size of the body or -1)`` of the element at ``offset``."""
    element_id, id_length = _vint(data, offset, keep_marker=True)
    size, size_length = _vint(data, offset + id_length, keep_marker=False)
    return element_id, offset + id_length + size_length, size


def _webm(data: bytes) -> float | None:
    """``Segment → Info → Duration × TimestampScale``; the ``Info`` must come before the first ``Cluster``."""
    element_id, body, size = _element(data, 0)
    if element_id != _EBML or size == _UNKNOWN:
        return None
    element_id, offset, _size = _element(data, body + size)
    if element_id != _SEGMENT:
        return None
    for _ in range(MAX_BOXES):
        if offset >= len(data):
            return None
        element_id, body, size = _element(data, offset)
        if element_id == _CLUSTER or size == _UNKNOWN:
            return None
        if element_id == _INFO:
            return _info(data[body : body + min(size, MAX_HEADER)])
        offset = body + size
    return None


def _info(info: bytes) -> float | None:
    scale, duration, offset = 1_000_000, None, 0
    while offset < len(info):
        element_id, body, size = _element(info, offset)
        if size == _UNKNOWN or body + size > len(info):
            return None
        value = info[body : body + size]
        if element_id == _TIMESTAMP_SCALE:
            scale = int.from_bytes(value, "big")
        elif element_id == _DURATION:
            duration = struct.unpack(">f" if size == 4 else ">d", value)[0]
        offset = body + size
    return None if duration is None else duration * scale / 1e9
