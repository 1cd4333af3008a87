"""The API's test world: the two-city tenant world (tests/people/world.py) with something of every kind in tenant A
— person A's 特种作业操作证, a closed inspection of enterprise A with a finding and an open one with a ticket, a
training class with person A, an exam attempt and a practical result — and API clients of several tenants."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from app.api import clients, ids
from app.api.models import ApiScope
from app.exams.models import Attempt
from app.exams.practical.models import PracticalAttempt
from app.extensions import db
from app.spotchecks.models import Finding, Inspection
from app.tenancy.models import Jurisdiction
from app.training.models import Enrolment
from tests.certificates.world import objects_for_access_matrix as cert_objects
from tests.exams.world import objects_for_access_matrix as exam_objects
from tests.people.world import World, build_world
from tests.spotchecks.world import objects_for_access_matrix as spotcheck_objects
from tests.training.world import objects_for_access_matrix as training_objects

ALL = [s.value for s in ApiScope]
READ = [s.value for s in ApiScope if s.value.endswith(":read")]


@dataclass
class ApiWorld:
    w: World
    #: client label → bearer token
    tokens: dict[str, str] = field(default_factory=dict)
    #: client label → webhook signing secret
    secrets: dict[str, str] = field(default_factory=dict)
    clients: dict[str, object] = field(default_factory=dict)
    #: public ids of tenant A's objects, by URL argument name
    objects: dict[str, str] = field(default_factory=dict)

    def headers(self, label: str, **extra) -> dict:
        return {"Authorization": f"Bearer {self.tokens[label]}", **extra}


def jurisdiction(code: str) -> Jurisdiction:
    return db.session.scalar(sa.select(Jurisdiction).where(Jurisdiction.code == code))


def add_client(aw: ApiWorld, label: str, tenant, scopes, actor=None) -> str:
    client, credentials = clients.create_client(
        actor=actor or aw.w.platform_admin, name=label, tenant=tenant, scopes=scopes
    )
    aw.tokens[label], aw.clients[label] = credentials.token, client
    aw.secrets[label] = credentials.secret
    return credentials.token


def build_api_world(factory, *, objects: bool = True) -> ApiWorld:
    w = build_world(factory)
    aw = ApiWorld(w=w)
    if objects:
        cert = cert_objects(w)
        spot = spotcheck_objects(w)
        training = training_objects(w)
        exam = exam_objects(w)
        practical = db.session.scalar(sa.select(PracticalAttempt.id).where(PracticalAttempt.person_id == w.person_a.id))
        aw.objects = {
            "person": ids.encode("person", w.person_a.id),
            "enterprise": ids.encode("enterprise", w.ent_a.id),
            "certificate": ids.encode("certificate", cert["cert_id"]),
            "inspection": ids.encode("inspection", spot["inspection_id"]),
            "closed_inspection": ids.encode("inspection", db.session.get(Finding, spot["finding_id"]).inspection_id),
            "finding": ids.encode("finding", spot["finding_id"]),
            "class": ids.encode("class", training["class_id"]),
            "attempt": ids.encode("attempt", exam["attempt_id"]),
            "practical": ids.encode("practical", practical),
        }
        assert db.session.get(Inspection, spot["inspection_id"]) is not None
        assert db.session.get(Attempt, exam["attempt_id"]) is not None
        assert db.session.scalar(sa.select(Enrolment).where(Enrolment.class_id == training["class_id"])) is not None
    # tenant A's own: the 南京市 authority (every scope), enterprise A (everything it may hold)
    add_client(aw, "nanjing", jurisdiction("320100"), ALL)
    add_client(aw, "enterprise A", w.ent_a, [s for s in ALL if s != ApiScope.INSPECTIONS_WRITE.value])
    # other tenants, with every scope they may hold
    add_client(aw, "suzhou", jurisdiction("320500"), ALL)
    add_client(aw, "enterprise B", w.ent_b, [s for s in ALL if s != ApiScope.INSPECTIONS_WRITE.value])
    add_client(aw, "enterprise C", w.ent_c, [s for s in ALL if s != ApiScope.INSPECTIONS_WRITE.value])
    institution = factory.institution("320102")
    add_client(aw, "institution", institution, [s for s in ALL if s != ApiScope.INSPECTIONS_WRITE.value])
    # tenant A's authority again, but with one scope only
    add_client(aw, "nanjing persons only", jurisdiction("320100"), [ApiScope.PERSONS_READ.value])
    factory.commit()
    return aw
