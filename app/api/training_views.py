"""Training (``training:read``): an enterprise's 学时台账, a person's hours and classes, 结业 in the client's classes."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import orm as so

from app.api import bp, ids, represent
from app.api.base_views import endpoint, principal, touched
from app.api.models import ApiScope
from app.api.params import one, page
from app.api.schemas import training as training_schemas
from app.api.schemas.common import Error, PageQuery
from app.api.spec import responses, validate
from app.core.clock import isoformat_local, local_today
from app.core.errors import DomainError
from app.extensions import db
from app.people import scope as people_scope
from app.people.models import Person
from app.tenancy.models import Enterprise
from app.training import classes as training_classes
from app.training import hours
from app.training import scope as training_scope
from app.training.models import Enrolment, TrainingClass


@bp.route("/enterprises/<enterprise>/training-ledger")
@endpoint(ApiScope.TRAINING_READ)
@validate(
    query=training_schemas.YearQuery,
    resp=responses(cached=True, HTTP_200=training_schemas.Ledger, HTTP_404=Error),
    tags=["training"],
)
def training_ledger(enterprise: str, query: training_schemas.YearQuery):
    """The enterprise's 学时台账: current staff, the year's 再培训 hours required for their post and done."""
    p = principal()
    e = one("enterprise", enterprise, people_scope.enterprises_query(p), Enterprise)
    year = query.year or local_today().year
    rows = [
        {
            "person": represent.person_ref(p, row.person),
            "post": row.employment.post.value,
            "required": row.required,
            "done": row.done,
            "short": row.short,
        }
        for row in hours.year_ledger(e, year)
    ]
    return {"enterprise": represent.enterprise_ref(e), "year": year, "rows": rows}


@bp.route("/persons/<person>/training")
@endpoint(ApiScope.TRAINING_READ)
@validate(
    query=training_schemas.YearQuery,
    resp=responses(cached=True, HTTP_200=training_schemas.PersonTraining, HTTP_404=Error),
    tags=["training"],
)
def person_training(person: str, query: training_schemas.YearQuery):
    """A person's 学时 in a year (every class counts, as in the 学时台账) and the classes the client may see that the
    person is enrolled in, with the hours credited in each and 结业."""
    p = principal()
    subject = one("person", person, people_scope.persons_query(p), Person)
    if not people_scope.sees_full_record(p, subject.id):  # a pending employer: the person's hours are not yet its own
        raise DomainError("api.not_found", http_status=404)
    year = query.year or local_today().year
    required, done = hours.my_year(subject, year)
    enrolled = db.session.scalars(
        training_scope.classes_query(p)
        .join(Enrolment, Enrolment.class_id == TrainingClass.id)
        .where(Enrolment.person_id == subject.id)
        .order_by(TrainingClass.starts_on, TrainingClass.id)
    ).all()
    completed = dict(
        db.session.execute(
            sa.select(Enrolment.class_id, Enrolment.completed_at).where(Enrolment.person_id == subject.id)
        ).all()
    )
    classes = []
    for c in enrolled:
        classes.append(
            {
                **represent.class_ref(c),
                "mode": c.mode.value,
                "starts_on": c.starts_on,
                "ends_on": c.ends_on,
                "required_hours": c.required_hours,
                "hours": hours.class_hours(subject.id, c),
                "completed_at": isoformat_local(completed.get(c.id)),
                "exam_passed": training_classes.exam_passed(c, [subject.id]).get(subject.id),
            }
        )
    return {
        "person": represent.person_ref(p, subject),
        "year": year,
        "hours_done": done,
        "hours_required": required,
        "classes": classes,
    }


@bp.route("/training/completions")
@endpoint(ApiScope.TRAINING_READ)
@validate(query=PageQuery, resp=responses(cached=True, HTTP_200=training_schemas.CompletionPage), tags=["training"])
def completions(query: PageQuery):
    """结业 (hours reached and class exam passed) in the classes the client may see, of persons it may see."""
    p = principal()
    q = (
        sa.select(Enrolment)
        .where(
            Enrolment.completed_at.is_not(None),
            Enrolment.class_id.in_(training_scope.classes_query(p).with_only_columns(TrainingClass.id)),
            Enrolment.person_id.in_(people_scope.persons_query(p).with_only_columns(Person.id)),
        )
        .options(so.selectinload(Enrolment.person), so.selectinload(Enrolment.training_class))
    )
    rows, cursor = page(q, Enrolment, query)
    data = [
        {
            "id": ids.encode("enrolment", e.id),
            "person": represent.person_ref(p, e.person),
            "training_class": represent.class_ref(e.training_class),
            "completed_at": isoformat_local(e.completed_at),
        }
        for e in rows
    ]
    touched(*(d["id"] for d in data))
    return {"data": data, "next_cursor": cursor}
