"""Dates as people type them into a sheet or a form: one reader for every upload (the 花名册's 入职日期, the 面授
sign-in sheet's 日期).

A cell arrives as a date (an xlsx date cell), a number (an xlsx cell formatted as a number: an Excel serial such as
45296, or 20240105 typed as a number) or text (a CSV, or an xlsx text cell). Read:

* ``2024-01-05``, ``2024/1/5``, ``2024.1.5``, ``2024年1月5日`` (or ``号``), with spaces around the parts, full-width
  digits and marks (``２０２４／１／５``), and a time after the date (``2024-01-05 00:00:00``, as a datetime prints);
* ``20240105`` (text or a number);
* an Excel serial of 1920–2099 (1900 date system: 45296 is 2024-01-05), as a number or as text of five digits — what an xlsx cell
  formatted as a number, or its CSV export, holds.

Nothing else is guessed: ``1/5/2024`` (month or day first?) and two-digit years are unreadable, as is a date that does
not exist (``2024-02-30``).
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime, timedelta

_YMD = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?"
    r"(?:(?:\s+|T)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
)
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_SERIAL = re.compile(r"(\d{5})(?:\.\d+)?")
#: Day 0 of Excel's 1900 date system as Excel counts from 1 March 1900 on (its 29 February 1900 never was).
_EXCEL_EPOCH = date(1899, 12, 30)
#: 1920-01-01 to 2099-12-31 as Excel serials: the ones read. A date a person, an employment or a class could have:
#: a smaller number is far more likely a year or a count typed into the wrong column (2024 would be 1905-07-16).
_SERIALS = range(7306, 73051)


def parse_date(value: object) -> date | None:
    """The date a cell holds, or None when it is blank or unreadable (the caller tells which by the cell's text)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        if not math.isfinite(value):
            return None
        number = int(value)  # a serial's fraction is the time of day
        if number == value and 10_000_000 <= number <= 99_999_999:  # 20240105 typed into a number cell
            year, month_day = divmod(number, 10_000)
            return _ymd(year, *divmod(month_day, 100))
        return _serial(number)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if match := _YMD.fullmatch(text) or _COMPACT.fullmatch(text):
        return _ymd(*(int(part) for part in match.groups()))
    if match := _SERIAL.fullmatch(text):
        return _serial(int(match.group(1)))
    return None


def _ymd(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _serial(number: int) -> date | None:
    return _EXCEL_EPOCH + timedelta(days=number) if number in _SERIALS else None
