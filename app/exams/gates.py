"""Gates that a layer above exams registers without exams importing it.

Enrolment gates (training's hours before a 资格考试 or 复审考试): ``fn(person_id, *, kind, post, operation_code, on)
-> str | None``, the reason (translated, with the person's name) the person may not sit a sitting of that kind, or
None. An organiser may still admit a refused candidate with an override: a reason from :data:`OVERRIDE_REASONS`
and its substance in words (:class:`GateOverride`); :func:`app.exams.sittings.add_candidates` stores it for the
supervising regulator and writes it into the person's file.

Start gates (training's hours before the class exam, 逢培必考): ``fn(sitting, person_id, now) -> str | None``, why a
candidate may not start that sitting yet, or None; asked when an attempt starts and when the candidate's exam list
is shown.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.core.errors import DomainError
from app.core.messages import message_for, register
from app.exams.models import ExamKind
from app.extensions import db
from app.people.models import Person

register(
    {
        "exam.gate_unwired": lambda p: _l(
            "%(name)s：考试准入检查未接入，暂不能报名或开考（请联系平台管理员）", name=p["name"]
        )
    }
)

Gate = Callable[..., str | None]

#: The kinds a candidate must pass the gates for: the authority's exams (补考 and class exams inherit nothing).
GATED_KINDS = (ExamKind.QUALIFICATION, ExamKind.REVIEW)

_GATES: list[Gate] = []


def register_enrolment_gate(fn: Gate) -> Gate:
    """Add a gate (once, however often the registering module is imported)."""
    if fn not in _GATES:
        _GATES.append(fn)
    return fn


def refusals(kind: ExamKind, post: str, operation_code: str, person_ids, on: date) -> dict[int, str]:
    """person id → the first gate's reason, for those the gates refuse (empty for ungated kinds). A gated kind with
    no gate wired (``app.WIRING``) refuses everyone: closed, not open, when the wiring is wrong."""
    if kind not in GATED_KINDS:
        return {}
    if not _GATES:
        names = dict(db.session.execute(sa.select(Person.id, Person.name).where(Person.id.in_(list(person_ids)))).all())
        return {pid: message_for("exam.gate_unwired", {"name": names.get(pid, str(pid))}) for pid in person_ids}
    out: dict[int, str] = {}
    for person_id in dict.fromkeys(person_ids):
        for gate in _GATES:
            reason = gate(person_id, kind=kind.value, post=post, operation_code=operation_code, on=on)
            if reason:
                out[person_id] = reason
                break
    return out


# ---------------------------------------------------------------- overrides of the enrolment gates

#: Why an organiser may admit a candidate the hours gate refused: each needs its facts in words too.
OVERRIDE_REASONS = {
    "trained_elsewhere": _l("已在其他机构或平台完成培训，培训证明已核验"),
    "records_pending": _l("学时记录尚未入账（系统故障或补录审批中），原始签到记录已核验"),
    "exempt_by_rule": _l("依规定减免培训学时（相关学历、职称或同类证书），依据已核验"),
    "authority_approval": _l("经监管部门书面批准（须写明批准文号）"),
}
#: Overrides logged before the fixed list existed (free text only): shown as such to the regulator.
UNLISTED = "unlisted"
#: The free text must say something: at least this many characters that are not spaces or punctuation.
MIN_OVERRIDE_TEXT = 8


def override_label(code: str) -> str:
    if code == UNLISTED:
        return str(_l("未按规定选择原因（旧记录）"))
    return str(OVERRIDE_REASONS.get(code, code))


@dataclass(frozen=True)
class GateOverride:
    """An organiser's reason for admitting candidates the enrolment gates refuse: a code of
    :data:`OVERRIDE_REASONS` and the facts in words (which training, which rule, which document)."""

    code: str
    text: str

    def checked(self) -> GateOverride:
        """This override with its text trimmed, if it is one of substance.

        :raises DomainError: ``override.reason`` (none chosen, or not on the list), ``override.text`` (too little
            said: fewer than :data:`MIN_OVERRIDE_TEXT` letters or digits, or just the reason's own words again).
        """
        if self.code not in OVERRIDE_REASONS:
            raise DomainError("override.reason", http_status=400)
        text = (self.text or "").strip()
        substance = re.sub(r"[\W_]+", "", text)
        if len(substance) < MIN_OVERRIDE_TEXT or substance == re.sub(r"[\W_]+", "", override_label(self.code)):
            raise DomainError("override.text", http_status=400, min=MIN_OVERRIDE_TEXT)
        return GateOverride(self.code, text[:200])


# ---------------------------------------------------------------- start gates

StartGate = Callable[..., str | None]

_START_GATES: list[StartGate] = []


def register_start_gate(fn: StartGate) -> StartGate:
    """Add a start gate (once, however often the registering module is imported)."""
    if fn not in _START_GATES:
        _START_GATES.append(fn)
    return fn


def start_refusal(sitting, person_id: int, now: datetime) -> str | None:
    """Why ``person_id`` may not start ``sitting`` yet (the first gate's reason), or None. A class exam with no start
    gate wired (逢培必考's hours check) is refused."""
    if not _START_GATES and sitting.kind is ExamKind.CLASS:
        person = db.session.get(Person, person_id)
        return message_for("exam.gate_unwired", {"name": person.name if person else str(person_id)})
    for gate in _START_GATES:
        reason = gate(sitting, person_id, now)
        if reason:
            return reason
    return None
