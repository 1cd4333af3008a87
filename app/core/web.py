"""Small web helpers shared by every blueprint: the one check for ``next=`` redirect targets."""

from __future__ import annotations

from urllib.parse import urlsplit


def safe_next(target: str | None, default: str | None = None) -> str | None:
    r"""``target`` when it is a same-site path, else ``default``: the one gate for every ``next=`` redirect.

    Only a path starting with a single ``/`` passes; never an absolute URL (open redirect). Browsers drop tabs
    and newlines from URLs and read ``\`` as ``/``, so ``/<TAB>/evil`` and ``/\evil`` are refused as well as
    ``//evil``; so is anything a URL parser would read with a scheme or a host.
    """
    if not target or any(c == "\\" or ord(c) < 0x21 or ord(c) == 0x7F for c in target):
        return default
    if not target.startswith("/") or target.startswith("//"):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target
