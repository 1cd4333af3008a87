"""Test data builders. Each returns flushed model objects; call ``commit()`` when a server thread must see them."""

from __future__ import annotations

import itertools
from datetime import date

from app.auth.models import Role, User
from app.extensions import db
from app.people.identifiers import ric_check_char, uscc_check_char
from app.people.models import EmploymentType, IdType, Post
from app.people.services import PersonData, employ, register_enterprise
from app.tenancy.models import Enterprise, Industry, Jurisdiction, TrainingInstitution

_counter = itertools.count(1)


def make_id_number(region: str = "320102", birth: date = date(1985, 6, 15), seq: int | None = None) -> str:
    body = f"{region}{birth:%Y%m%d}{(seq if seq is not None else next(_counter)) % 1000:03d}"
    return body + ric_check_char(body)


def make_uscc(region: str = "320102") -> str:
    serial = f"MA{next(_counter):07d}"
    body = f"91{region}{serial}"
    return body + uscc_check_char(body)


class Factory:
    def jurisdiction(
        self, code: str = "320100", name: str | None = None, parent: Jurisdiction | None = None
    ) -> Jurisdiction:
        existing = db.session.query(Jurisdiction).filter_by(code=code).first()
        if existing:
            return existing
        j = Jurisdiction(code=code, name=name or f"区划{code}", parent_id=parent.id if parent else None)
        db.session.add(j)
        db.session.flush()
        return j

    def enterprise(
        self, name: str | None = None, region: str = "320102", industry: Industry = Industry.HAZCHEM
    ) -> Enterprise:
        jurisdiction = self.jurisdiction(region)
        return register_enterprise(
            name=name or f"测试企业{next(_counter)}",
            uscc=make_uscc(region),
            industry=industry,
            jurisdiction=jurisdiction,
        )

    def institution(self, region: str = "320102") -> TrainingInstitution:
        inst = TrainingInstitution(
            name=f"培训机构{next(_counter)}",
            uscc=make_uscc(region),
            jurisdiction_id=self.jurisdiction(region).id,
            region_code=region,
        )
        db.session.add(inst)
        db.session.flush()
        return inst

    def employ(
        self,
        enterprise: Enterprise,
        *,
        name: str = "张三",
        post: Post = Post.WORKER,
        operation_code: str | None = None,
        id_number: str | None = None,
        employment_type: EmploymentType = EmploymentType.REGULAR,
        actor=None,
    ):
        if post is Post.SPECIAL_OPERATOR and operation_code is None:
            operation_code = "1.2"
        return employ(
            PersonData(
                name=name,
                id_type=IdType.RESIDENT_ID,
                id_number=id_number or make_id_number(),
                post=post,
                operation_code=operation_code,
                employment_type=employment_type,
                start_date=date(2024, 1, 1),
            ),
            enterprise,
            actor=actor,
        )

    def user(self, role: Role, username: str | None = None, password: str = "pw", **scope) -> User:
        user = User(username=username or f"{role.value}{next(_counter)}", role=role, display_name="", **scope)
        user.set_password(password)
        db.session.add(user)
        db.session.flush()
        return user

    def regulator(self, region: str = "320100") -> User:
        return self.user(Role.REGULATOR, jurisdiction_id=self.jurisdiction(region).id)

    def entrust(self, city: str = "320100", kind: str = "special_operator") -> None:
        """The province entrusts ``city``'s bureau with issuing ``kind`` (特种作业操作证 are the province's to issue,
        DOMAIN.md §2.3): what lets a city regulator of the tests issue them."""
        from app.certificates.models import CertKind, IssuingDelegation

        self.jurisdiction(city[:2] + "0000", "江苏省" if city.startswith("32") else None)
        db.session.add(IssuingDelegation(kind=CertKind(kind), region_code=city, granted_by=city[:2] + "0000"))
        db.session.flush()

    def enterprise_admin(self, enterprise: Enterprise) -> User:
        return self.user(Role.ENTERPRISE, enterprise_id=enterprise.id)

    def admin(self) -> User:
        return self.user(Role.ADMIN)

    def worker(self, person) -> User:
        return self.user(Role.WORKER, person_id=person.id)

    def commit(self) -> None:
        db.session.commit()
