"""What a bulk issue reports: one outcome per candidate of a sitting or trainee of a class, the certificate issued
or the refusal."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

from app.certificates.models import Certificate
from app.core.errors import DomainError
from app.exams.models import Attempt
from app.people.models import Person


@dataclass
class Outcome:
    """One candidate of a bulk issue: the certificate issued, or the refusal."""

    attempt: Attempt
    certificate: Certificate | None = None
    refusal: DomainError | None = None


@dataclass
class MemberOutcome:
    """One trainee of a class: the certificate issued (or already held), or why not."""

    person: Person
    certificate: Certificate | None = None
    refusal: DomainError | None = None


OutcomeT = TypeVar("OutcomeT", Outcome, MemberOutcome)


@dataclass
class BulkResult(Generic[OutcomeT]):
    """The outcomes of one bulk issue (a sitting's candidates or a class's trainees)."""

    outcomes: list[OutcomeT] = field(default_factory=list)

    @property
    def issued(self) -> list[Certificate]:
        return [o.certificate for o in self.outcomes if o.certificate is not None]

    @property
    def refused(self) -> list[OutcomeT]:
        return [o for o in self.outcomes if o.refusal is not None]
