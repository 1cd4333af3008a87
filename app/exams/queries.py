"""Reads of the exams package: the exam page's JSON state, the candidate's list, the organiser's board."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from app.core import jsontext
from app.exams import gates
from app.exams.attempts.autosave import saved_answers
from app.exams.makeups import Outcome, outcome
from app.exams.models import Answer, Attempt, AttemptLog, AttemptState, Candidate, Sitting
from app.exams.scope import SELF_SERVICE_KINDS
from app.extensions import db
from app.people.models import Person
from question_bank import Paper


def public_paper_json(attempt: Attempt) -> str:
    """The questions as the candidate sees them, as JSON text: stems and options in display order, never answers."""
    return attempt.questions_json or jsontext.dumps(Paper.from_dict(attempt.paper).public_view())


def attempt_state_json(attempt: Attempt, now: datetime) -> str:
    """:func:`attempt_state` with ``"questions"``, as JSON text. The questions were serialised once, at the start
    (``Attempt.questions_json``), and go in verbatim: a reload on exam day decodes and re-encodes no paper."""
    return jsontext.dumps(attempt_state(attempt, now))[:-1] + ',"questions":' + public_paper_json(attempt) + "}"


def attempt_state(attempt: Attempt, now: datetime) -> dict:
    """Everything the exam page needs to (re)build itself but the questions (:func:`attempt_state_json` adds them);
    safe to send to the browser at any time.

    Correct answers and explanations are not in it: after grading the page moves to the result page, which shows
    them only when the sitting allows review.
    """
    answers = saved_answers(attempt)
    state = {
        "attempt": attempt.id,
        "title": attempt.sitting.title,
        "state": attempt.state.value,
        "state_label": attempt.state.label,
        "seconds_left": attempt.seconds_left(now) if attempt.is_open else 0,
        #: Milliseconds since the start by the server's clock: the page derives its answer sequence numbers from
        #: it, so a later change on another device outranks an earlier one still queued on the first.
        "elapsed_ms": max(0, int((now - attempt.started_at).total_seconds() * 1000)),
        "answers": {str(pos): a for pos, a in answers.items()},
        "max_seq": max((a["seq"] for a in answers.values()), default=0),
    }
    if attempt.state is AttemptState.GRADED:
        state["result"] = {"score": attempt.score, "max_score": attempt.max_score, "passed": attempt.passed}
    return state


# ---------------------------------------------------------------- candidate


class MyExamStatus(enum.StrEnum):
    """Where a sitting stands for one candidate, in the order the list shows them."""

    IN_PROGRESS = "in_progress"
    OPEN = "open"
    UPCOMING = "upcoming"
    FINISHED = "finished"
    MISSED = "missed"


@dataclass(frozen=True)
class MyExam:
    sitting: Sitting
    attempt: Attempt | None
    status: MyExamStatus
    outcome: Outcome | None = None
    #: seconds until an upcoming sitting opens (its start button enables itself then)
    opens_in: int = 0
    #: why the candidate may not start it yet (a start gate: 逢培必考 hours first), "" when nothing stops them
    not_yet: str = ""


def my_exams(person_id: int, now: datetime) -> list[MyExam]:
    """The person's sittings with their attempt (if any): what to start or continue, and finished results."""
    sittings = db.session.scalars(
        sa.select(Sitting)
        .join(Candidate, Candidate.sitting_id == Sitting.id)
        .where(Candidate.person_id == person_id, Sitting.kind.in_(SELF_SERVICE_KINDS))
        .order_by(Sitting.opens_at.desc())
    ).all()
    attempts = {
        a.sitting_id: a
        for a in db.session.scalars(
            sa.select(Attempt).where(Attempt.person_id == person_id, Attempt.sitting_id.in_([s.id for s in sittings]))
        )
    }
    rows = []
    for sitting in sittings:
        attempt = attempts.get(sitting.id)
        if attempt is not None:
            if attempt.is_open:
                rows.append(MyExam(sitting, attempt, MyExamStatus.IN_PROGRESS))
            else:
                rows.append(MyExam(sitting, attempt, MyExamStatus.FINISHED, outcome(attempt)))
        elif now < sitting.opens_at:
            opens_in = int((sitting.opens_at - now).total_seconds()) + 1
            not_yet = gates.start_refusal(sitting, person_id, now) or ""
            rows.append(MyExam(sitting, None, MyExamStatus.UPCOMING, opens_in=opens_in, not_yet=not_yet))
        elif now < sitting.closes_at:
            not_yet = gates.start_refusal(sitting, person_id, now) or ""
            rows.append(MyExam(sitting, None, MyExamStatus.OPEN, not_yet=not_yet))
        else:
            rows.append(MyExam(sitting, None, MyExamStatus.MISSED))
    order = list(MyExamStatus)
    return sorted(rows, key=lambda r: order.index(r.status))


# ---------------------------------------------------------------- organiser


@dataclass(frozen=True)
class BoardRow:
    person: Person
    attempt: Attempt | None
    answered: int
    seconds_left: int | None
    outcome: str


def board(sitting: Sitting, now: datetime) -> list[BoardRow]:
    """One row per candidate: state, times, answered count, time left, score, focus losses (papers not loaded)."""
    people = db.session.scalars(
        sa.select(Person)
        .join(Candidate, Candidate.person_id == Person.id)
        .where(Candidate.sitting_id == sitting.id)
        .order_by(Person.name, Person.id)
    ).all()
    attempts = {a.person_id: a for a in db.session.scalars(sa.select(Attempt).where(Attempt.sitting_id == sitting.id))}
    answered = dict(
        db.session.execute(
            sa.select(Answer.attempt_id, sa.func.count())
            .join(Attempt, Attempt.id == Answer.attempt_id)
            .where(Attempt.sitting_id == sitting.id, Answer.response.is_not(None))
            .group_by(Answer.attempt_id)
        ).all()
    )
    rows = []
    for person in people:
        attempt = attempts.get(person.id)
        if attempt is None:
            rows.append(BoardRow(person, None, 0, None, ""))
            continue
        left = attempt.seconds_left(now) if attempt.is_open else None
        result = ("passed" if attempt.passed else "failed") if attempt.state is AttemptState.GRADED else ""
        rows.append(BoardRow(person, attempt, answered.get(attempt.id, 0), left, result))
    return rows


def board_summary(rows: list[BoardRow]) -> dict[str, int]:
    started = [r for r in rows if r.attempt is not None]
    return {
        "candidates": len(rows),
        "started": len(started),
        "in_progress": sum(1 for r in started if r.attempt.is_open),
        "finished": sum(1 for r in started if not r.attempt.is_open),
        "passed": sum(1 for r in started if r.outcome == "passed"),
    }


def attempt_log(attempt: Attempt) -> list[AttemptLog]:
    return list(
        db.session.scalars(sa.select(AttemptLog).where(AttemptLog.attempt_id == attempt.id).order_by(AttemptLog.at))
    )
