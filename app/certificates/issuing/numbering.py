"""Certificate numbers: 特种作业操作证 = "T" + 证件号码; the others follow ``CERT_NUMBER_SCHEMES``; a 培训合格证明's
serial comes from its issuer's series for the year (:func:`next_serial`)."""

from __future__ import annotations

from datetime import date

from flask import current_app

from app.certificates.models import CertKind, NumberSeries
from app.core.db import insert_on_conflict
from app.extensions import db
from app.people.models import Person


def next_serial(series: str) -> int:
    """The next serial of ``series``, allocated by one atomic upsert (concurrent callers queue on the row; a rolled
    back issue gives its serial back)."""
    stmt = insert_on_conflict(db.session, NumberSeries).values(series=series, last=1)
    stmt = stmt.on_conflict_do_update(index_elements=[NumberSeries.series], set_={"last": NumberSeries.last + 1})
    return db.session.execute(stmt.returning(NumberSeries.last)).scalar_one()


def number_for(person: Person, kind: CertKind, region_code: str, serial: int, today: date, org_code: str = "") -> str:
    """The 证号. A 培训合格证明: ``CERT_NUMBER_SCHEMES["training"]`` — by default "PX" + the issuer's 统一社会信用代码
    + year + a five-digit serial from the issuer's series for that year (``training:<代码>:<year>``), so numbers
    never repeat and say who issued them and when."""
    if kind is CertKind.SPECIAL_OPERATOR:
        return "T" + person.id_number
    if kind is CertKind.TRAINING:
        serial = next_serial(f"training:{org_code}:{today.year}")
    scheme = current_app.config["CERT_NUMBER_SCHEMES"][kind.value]
    return scheme.format(
        id_number=person.id_number, year=today.year, region=region_code, serial=serial, org_code=org_code
    )


def masked_number(number: str) -> str:
    """A number as shown outside the holder's own pages: T3201**********1234 (it embeds the ID number)."""
    if len(number) <= 8:
        return number
    return number[:5] + "*" * (len(number) - 9) + number[-4:]
