"""Identifier checks: 公民身份号码 (GB 11643-1999) and 统一社会信用代码 (GB 32100-2015).

Built on python-stdnum, wrapped where it is stricter than the standards (DOMAIN.md §7):

- ``stdnum.cn.ric`` rejects 港澳台居民居住证 numbers (address codes 810000/820000/830000) because their
  "birth place" is not in its table. We check length, date and the MOD 11-2 check ourselves and treat an
  unknown address code as acceptable (old codes stay valid forever).
- ``stdnum.cn.uscc`` requires digits in the first 8 places, so codes issued by 机构编制 (1…) pass but
  农村集体经济组织 (N…), 中央军委改革和编制办公室 (A…) and 其他 (Y…) are refused. We accept [1-9ANY] first and
  apply the MOD 31-3 check ourselves.

Functions return plain values and raise ``IdentifierError`` with a code the views translate.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from stdnum.cn import ric as stdnum_ric
from stdnum.exceptions import InvalidComponent, ValidationError

from app.core.clock import local_today

RIC_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
RIC_CHECK = "10X98765432"

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

#: 证件类型 the platform accepts. 港澳台居民居住证 uses the 身份证 algorithm with 81/82/83 address codes.
ID_TYPES = ("resident_id", "hmt_residence_permit", "foreign_permanent_id")


class IdentifierError(ValueError):
    """An identifier failed a check. ``code`` names the failure for translated messages."""

    def __init__(self, code: str, value: str):
        super().__init__(f"{code}: {value}")
        self.code = code
        self.value = value


@dataclass(frozen=True)
class ResidentId:
    number: str
    sex: str  # "M" | "F", from the parity of the 顺序码
    birth_date: date
    region_code: str


def _compact(value: str) -> str:
    return re.sub(r"[\s\-]", "", value or "").upper().replace("Ｘ", "X")


def ric_check_char(body17: str) -> str:
    """ISO 7064 MOD 11-2 check character of the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(body17, RIC_WEIGHTS, strict=True))
    return RIC_CHECK[total % 11]


def parse_resident_id(value: str, *, id_type: str = "resident_id", today: date | None = None) -> ResidentId:
    """Validate an 18-character 公民身份号码 (or 居住证 number) and derive sex and birth date.

    :raises IdentifierError: ``id.length``, ``id.format``, ``id.birth_date``, ``id.checksum`` or ``id.region``.
    """
    number = _compact(value)
    if len(number) != 18:
        raise IdentifierError("id.length", value)
    if not re.fullmatch(r"\d{17}[\dX]", number):
        raise IdentifierError("id.format", value)
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise IdentifierError("id.birth_date", value) from None
    today = today or local_today()
    if birth > today or birth.year < 1900:
        raise IdentifierError("id.birth_date", value)
    if ric_check_char(number[:17]) != number[17]:
        raise IdentifierError("id.checksum", value)
    region = number[:6]
    is_permit = region[:2] in {"81", "82", "83"}
    if id_type == "hmt_residence_permit" and not is_permit:
        raise IdentifierError("id.region", value)
    if id_type == "resident_id" and not is_permit:
        # python-stdnum knows the historic address codes; a code it does not know is still accepted
        # (GB/T 2260 codes never expire), but obvious junk such as 000000 is not.
        try:
            stdnum_ric.validate(number)
        except InvalidComponent:
            if region.startswith("0") or region[:2] not in _PROVINCE_PREFIXES:
                raise IdentifierError("id.region", value) from None
        except ValidationError:  # pragma: no cover - our checks above are a superset
            raise IdentifierError("id.format", value) from None
    if id_type == "foreign_permanent_id" and not number.startswith("9"):
        raise IdentifierError("id.region", value)
    sex = "M" if int(number[16]) % 2 == 1 else "F"
    return ResidentId(number=number, sex=sex, birth_date=birth, region_code=region)


_PROVINCE_PREFIXES = {
    "11",
    "12",
    "13",
    "14",
    "15",
    "21",
    "22",
    "23",
    "31",
    "32",
    "33",
    "34",
    "35",
    "36",
    "37",
    "41",
    "42",
    "43",
    "44",
    "45",
    "46",
    "50",
    "51",
    "52",
    "53",
    "54",
    "61",
    "62",
    "63",
    "64",
    "65",
    "71",
    "81",
    "82",
    "83",
}


def id_number_from_cell(value: object) -> str:
    """The 18-character 公民身份号码 in a spreadsheet cell as WPS and Excel exports hold it: a number (the General
    format), text with spaces, dashes or full-width characters, or the 15-digit number of a first-generation card
    (upgraded: "19" before the two-digit year, the check character computed, GB 11643-1999). The result still
    has to pass :func:`parse_resident_id`.

    :raises IdentifierError: ``id.stored_as_number`` when an 18-digit number was stored as a number (Excel keeps
        15 significant digits, so its last digits are gone) and no longer checks out.
    """
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    if isinstance(value, float):
        value = int(value) if value.is_integer() else value
    text = _compact(unicodedata.normalize("NFKC", "" if value is None else str(value)))
    if len(text) == 15 and text.isdigit():
        body = text[:6] + "19" + text[6:]
        return body + ric_check_char(body)
    if numeric and len(text) == 18 and ric_check_char(text[:17]) != text[17]:
        raise IdentifierError("id.stored_as_number", mask_id(text))
    return text


def uscc_check_char(body17: str) -> str:
    """ISO 7064 MOD 31-3 check character of the first 17 characters of a 统一社会信用代码."""
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(body17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def validate_uscc(value: str) -> str:
    """Return the compact upper-case 统一社会信用代码, or raise ``IdentifierError``.

    :raises IdentifierError: ``uscc.length``, ``uscc.format`` or ``uscc.checksum``.
    """
    code = _compact(value)
    if len(code) != 18:
        raise IdentifierError("uscc.length", value)
    if code[0] not in "123456789ANY" or not code[2:8].isdigit() or any(c not in USCC_ALPHABET for c in code):
        raise IdentifierError("uscc.format", value)
    if uscc_check_char(code[:17]) != code[17]:
        raise IdentifierError("uscc.checksum", value)
    return code


def mask_id(number: str) -> str:
    """Masked display form, e.g. ``1101**********1234``."""
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]
