"""Sections of a person's record that layers above people fill, without people importing them.

The 一人一档 page and PDF show the person's certificates (持证情况) and training per year (培训记录); the 逢查必考 page shows
each drawn person's certificates. Those facts live in ``app.certificates`` and ``app.training``, above people, so
they register a provider here (named in ``app.WIRING``) and the views that render the pages ask this module and pass
the answer to the template — no template calls back into an upper layer.

Providers:

- certificates: ``fn(user, person_ids, today) -> {person_id: [(certificate, status), ...]}``, the certificates in
  ``user``'s scope with their status on ``today``, newest expiry first; one query for all ``person_ids``.
- training hours: ``fn(person, year) -> (required or None, credited)``.
- training years: ``fn(person, today) -> [TrainingYear, ...]``, newest year first: each year's classes (班次, organiser,
  dates, hours credited in it that year, 结业), the hours credited that year by kind (网络学习/面授) and the year's
  required 再培训 hours for the post the person held then.
- record regions (several): ``fn(person_ids) -> {person_id: [(region code, since), ...]}``: 行政区划 each person's
  records belong to beyond their employers' (the region that issued a certificate, from its first issue; the region
  of a sitting they were graded in, from that day), one query for all ``person_ids``: whose bulk API exports covered
  them (``app.people.access_log.exports_covering``; a legal hold keeps those rows).
- exams: ``fn(user, person) -> [ExamResult, ...]``, the person's graded theory and practical results, newest first.
- spot checks: ``fn(user, person) -> [SpotcheckResult, ...]``, the 逢查必考 the person was drawn for in ``user``'s
  scope, newest first, each with its 整改 finding.

Rows are plain values with their times already in Beijing time, so the page and the PDF print the same text.
With no provider wired, a section is empty (no certificates; no training record; no exams; no spot checks).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _

from app.core.clock import local_today

CertificatesProvider = Callable[..., dict[int, list[tuple]]]
HoursProvider = Callable[..., tuple[float | None, float]]

_certificates: list[CertificatesProvider] = []
_hours: list[HoursProvider] = []
_exams: list[Callable] = []
_spotchecks: list[Callable] = []
_years: list[Callable] = []
_regions: list[Callable] = []


@dataclass(frozen=True)
class Outcome:
    """What a result reads as, and its badge tone (``ok``, ``bad``, ``warn``, ``muted``)."""

    label: str
    tone: str


@dataclass(frozen=True)
class ExamResult:
    """One exam the person sat: part (理论 or 实操), kind of exam, title, when (Beijing time), score, outcome."""

    part: str
    kind: str
    title: str
    when: str
    score: str
    outcome: Outcome


@dataclass(frozen=True)
class FindingRow:
    """The 整改 a failed 逢查必考 opened: the requirement, its deadline and where it stands."""

    action: str
    deadline: str
    status: Outcome


@dataclass(frozen=True)
class SpotcheckResult:
    """One inspection the person was drawn for: date, document number, enterprise, score, outcome, finding."""

    when: str
    doc_number: str
    enterprise: str
    score: str
    outcome: Outcome
    finding: FindingRow | None


@dataclass(frozen=True)
class TrainingClassRow:
    """A class (班次) the person was enrolled in, as one year of the record shows it: title, organiser (training
    institution or enterprise), dates, the 学时 credited in it that year against the class's, and 结业."""

    title: str
    organiser: str
    dates: str
    hours: str
    completion: Outcome


@dataclass(frozen=True)
class TrainingYear:
    """One year of the person's training: 学时 credited by kind and in all, against the year's required 再培训
    hours for the post held then (None: no rule, or not employed that year)."""

    year: int
    online: float
    offline: float
    total: float
    required: float | None
    classes: tuple[TrainingClassRow, ...]

    @property
    def short(self) -> float:
        return max(0.0, round((self.required or 0) - self.total, 2))

    @property
    def completion(self) -> Outcome:
        """已达标 / 差 N 学时 / 无年度要求."""
        if self.required is None:
            return Outcome(_("无年度要求"), "muted")
        if self.short > 0:
            return Outcome(_("差 %(n)s 学时", n=f"{self.short:g}"), "warn")
        return Outcome(_("已达标"), "ok")


def register_training_years(fn: Callable) -> Callable:
    _years[:] = [fn]
    return fn


def register_record_regions(fn: Callable) -> Callable:
    """One of several (certificates, exams): each adds the regions of its records."""
    _regions[:] = [f for f in _regions if f.__qualname__ != fn.__qualname__ or f.__module__ != fn.__module__]
    _regions.append(fn)
    return fn


def register_certificates(fn: CertificatesProvider) -> CertificatesProvider:
    _certificates[:] = [fn]
    return fn


def register_training_hours(fn: HoursProvider) -> HoursProvider:
    _hours[:] = [fn]
    return fn


def score_text(score: float | None, max_score: float | None = None) -> str:
    if score is None:
        return ""
    return f"{score:g}/{max_score:g}" if max_score else f"{score:g}"


def passed_outcome(passed: bool | None, *, vetoed: bool | None = False) -> Outcome:
    """合格 / 不合格 (a failed 否决项 says so) / 待评分."""
    if passed is None:
        return Outcome(_("待评分"), "muted")
    if passed:
        return Outcome(_("合格"), "ok")
    return Outcome(_("不合格（否决项）") if vetoed else _("不合格"), "bad")


def register_exams(fn: Callable) -> Callable:
    _exams[:] = [fn]
    return fn


def register_spotchecks(fn: Callable) -> Callable:
    _spotchecks[:] = [fn]
    return fn


def certificates_of(user, person_ids: Iterable[int], today: date | None = None) -> dict[int, list[tuple]]:
    """person id → its certificates ``user`` may see, each with its status today (missing ids hold none)."""
    ids = sorted(set(person_ids))
    if not _certificates or not ids:
        return {}
    return _certificates[0](user, ids, today or local_today())


def training_hours_of(person, year: int | None = None) -> tuple[float | None, float] | None:
    """(hours required this year or None, hours credited), or None when no training layer is wired."""
    if not _hours:
        return None
    return _hours[0](person, year or local_today().year)


def training_years_of(person, today: date | None = None) -> list[TrainingYear]:
    """The person's training per year, newest first (empty when no training layer is wired)."""
    return _years[0](person, today or local_today()) if _years else []


def record_regions_of(person_ids: Iterable[int]) -> dict[int, list[tuple[str, date]]]:
    """行政区划 codes each person's records belong to beyond their employers', each with the day it applies from (a
    person with none left out); one query per provider."""
    ids = list(dict.fromkeys(person_ids))
    found: dict[int, list[tuple[str, date]]] = {}
    for start in range(0, len(ids), 1000):  # bounded IN lists
        for fn in _regions:
            for pid, pairs in fn(ids[start : start + 1000]).items():
                found.setdefault(pid, []).extend(pairs)
    return found


def exams_of(user, person) -> list[ExamResult]:
    """The person's graded theory and practical exams ``user`` may read on the record, newest first."""
    return _exams[0](user, person) if _exams else []


def spotchecks_of(user, person) -> list[SpotcheckResult]:
    """The 逢查必考 the person was drawn for, in ``user``'s scope, newest first, each with its finding."""
    return _spotchecks[0](user, person) if _spotchecks else []
