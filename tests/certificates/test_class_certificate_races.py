"""培训合格证明 numbers under concurrency, on a real PostgreSQL: the organiser issues to every trainee of a class at
once (one request per trainee, each in its own thread and connection, lined up on a barrier) — every number is
unique and the issuer's series has no gap (``issuing.next_serial``: one upsert, the callers queue on its row)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from app.auth.models import Role
from app.certificates import class_views
from app.certificates.models import Certificate, NumberSeries
from app.core.clock import local_today
from app.extensions import db
from app.people.models import Post
from app.training import classes
from tests.exams.test_concurrency import in_parallel, logged_in_clients
from tests.exams.test_concurrency import pytestmark as postgres_only
from tests.factories import make_id_number
from tests.training.world import trained

pytestmark = postgres_only

N = 8


def test_parallel_issues_get_unique_gapless_numbers(app, factory, monkeypatch):
    # the numbers are the point, not the cards: no renders from the threads (an eager Celery in threads leaks its
    # "inside a task" flag into the next test)
    monkeypatch.setattr(class_views, "enqueue_after_commit", lambda *args, **kwargs: None)
    enterprise = factory.enterprise(name="玄武化工有限公司", region="320102")
    admin = factory.enterprise_admin(enterprise)
    institution = factory.institution("320102")
    organiser = factory.user(Role.INSTITUTION, institution_id=institution.id)
    persons = [
        factory.employ(
            enterprise,
            name=f"学员{n}",
            post=Post.SPECIAL_OPERATOR,
            operation_code="1.2",
            id_number=make_id_number("320102", date(1990, 1, 1 + n), 11 + 2 * n),
            actor=admin,
        ).person
        for n in range(N)
    ]
    training_class = trained(organiser, persons, hours=8, operation_code="1.2", on=date(2026, 11, 20))
    classes.refresh_completions(training_class, actor=organiser)
    db.session.commit()
    url = f"/certificates/classes/{training_class.id}/issue"
    ids = [p.id for p in persons]  # plain values only: the threads cannot load attributes
    clients = logged_in_clients(app, organiser, N)
    statuses = in_parallel(
        [lambda c=c, pid=pid: c.post(url, data={"person_ids": pid}).status_code for c, pid in zip(clients, ids)]
    )
    assert statuses == [302] * N
    db.session.expire_all()
    numbers = db.session.scalars(
        sa.select(Certificate.number).where(Certificate.training_class_id == training_class.id)
    )
    year = local_today().year
    assert sorted(numbers) == [f"PX{institution.uscc}{year}{n:05d}" for n in range(1, N + 1)]
    assert db.session.get(NumberSeries, f"training:{institution.uscc}:{year}").last == N
