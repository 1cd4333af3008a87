"""Demo data for the embedded mode: run once, re-running changes nothing (keyed on usernames and codes)."""

from __future__ import annotations

import random
from datetime import date, timedelta

import sqlalchemy as sa

from app.auth.models import Role, User
from app.bank.seed import seed_demo_bank
from app.certificates.models import CertKind, IssuingDelegation
from app.extensions import db
from app.people.identifiers import ric_check_char, uscc_check_char
from app.people.models import EmploymentType, IdType, Post
from app.people.photos import set_photo
from app.people.services import PersonData, employ, register_enterprise
from app.rules.seed import seed_reference
from app.seed.activity import seed_demo_activity
from app.seed.certificates import seed_demo_certificates
from app.seed.enrolment import seed_demo_enrolment
from app.seed.oversight import seed_demo_oversight
from app.seed.portraits import portrait
from app.seed.practical import seed_demo_practical
from app.tenancy.models import Industry, Jurisdiction, TrainingInstitution

DEMO_PASSWORD = "anpei-demo"

#: username, role, label — printed by the run command and listed in the README.
DEMO_LOGINS = [
    ("admin", Role.ADMIN, "平台管理员"),
    ("regulator", Role.REGULATOR, "南京市应急管理局 执法人员"),
    ("examiner", Role.REGULATOR, "南京市应急管理局 实操考评员"),
    ("enterprise", Role.ENTERPRISE, "金陵化工有限公司 安全管理员"),
    ("enterprise2", Role.ENTERPRISE, "秦淮机械制造有限公司 安全管理员"),
    ("institution", Role.INSTITUTION, "南京安培安全培训中心"),
    ("worker", Role.WORKER, "金陵化工 从业人员 王建国"),
]

JURISDICTIONS = [
    ("320000", "江苏省", None),
    ("320100", "南京市", "320000"),
    ("320102", "玄武区", "320100"),
    ("320115", "江宁区", "320100"),
    ("320500", "苏州市", "320000"),
    ("320505", "虎丘区", "320500"),
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "建国伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英志强海燕红梅晓东文华建华春生玉兰国平"


def make_id(region: str, birth: date, seq: int) -> str:
    body = f"{region}{birth:%Y%m%d}{seq:03d}"
    return body + ric_check_char(body)


def make_uscc(region: str, serial: str) -> str:
    body = f"91{region}{serial}"
    return body + uscc_check_char(body)


def seed_demo() -> bool:
    """Seed everything once. :return: True when data was created, False when it already existed."""
    seed_reference()
    seed_demo_bank()
    if db.session.scalars(sa.select(User).where(User.username == "admin")).first():
        return False
    by_code: dict[str, Jurisdiction] = {}
    for code, name, parent in JURISDICTIONS:
        j = Jurisdiction(code=code, name=name, parent_id=by_code[parent].id if parent else None)
        db.session.add(j)
        db.session.flush()
        by_code[code] = j
    # 江苏省应急管理厅 entrusts 南京市应急管理局 with issuing 特种作业操作证 in its area (44号令 第二十条)
    db.session.add(
        IssuingDelegation(
            kind=CertKind.SPECIAL_OPERATOR, region_code="320100", granted_by="320000", doc_number="苏应急〔2024〕委1号"
        )
    )

    chem = register_enterprise(
        name="金陵化工有限公司",
        uscc=make_uscc("320102", "MA1X2Y3R4"),
        industry=Industry.HAZCHEM,
        jurisdiction=by_code["320102"],
        address="南京市玄武区示范路 1 号",
        contact_phone="025-80000001",
    )
    machine = register_enterprise(
        name="秦淮机械制造有限公司",
        uscc=make_uscc("320115", "MA2B3C4D5"),
        industry=Industry.MANUFACTURING,
        jurisdiction=by_code["320115"],
        address="南京市江宁区示范路 8 号",
    )
    register_enterprise(
        name="姑苏烟花爆竹经营有限公司",
        uscc=make_uscc("320505", "MA3C4D5E6"),
        industry=Industry.FIREWORKS,
        jurisdiction=by_code["320505"],
    )
    institution = TrainingInstitution(
        name="南京安培安全培训中心",
        uscc=make_uscc("320102", "MA4D5E6F7"),
        jurisdiction=by_code["320102"],
        region_code="320102",
    )
    db.session.add(institution)
    db.session.flush()

    rng = random.Random(2026)
    plan = [
        (chem, Post.PRINCIPAL, None, 1),
        (chem, Post.SAFETY_MANAGER, None, 3),
        (chem, Post.SPECIAL_OPERATOR, "1.2", 5),
        (chem, Post.SPECIAL_OPERATOR, "9.16", 4),
        (chem, Post.SPECIAL_OPERATOR, "2.1", 3),
        (chem, Post.WORKER, None, 14),
        (machine, Post.PRINCIPAL, None, 1),
        (machine, Post.SAFETY_MANAGER, None, 2),
        (machine, Post.SPECIAL_OPERATOR, "2.1", 4),
        (machine, Post.SPECIAL_OPERATOR, "1.2", 3),
        (machine, Post.WORKER, None, 12),
    ]
    types = [EmploymentType.REGULAR] * 6 + [EmploymentType.DISPATCHED, EmploymentType.FLEXIBLE, EmploymentType.INTERN]
    seq = 0
    first_worker = None
    for enterprise, post, operation, count in plan:
        for _ in range(count):
            seq += 1
            name = "王建国" if seq == 1 else rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.choice((1, 2))))
            birth = date(1965, 1, 1) + timedelta(days=rng.randrange(0, 365 * 35))
            employment = employ(
                PersonData(
                    name=name,
                    id_type=IdType.RESIDENT_ID,
                    id_number=make_id(enterprise.region_code, birth, seq * 2 + 1),
                    phone=f"139{rng.randrange(10**7, 10**8)}",
                    education=rng.choice(["初中", "高中", "大专", "本科"]),
                    post=post,
                    employment_type=EmploymentType.REGULAR if post is not Post.WORKER else rng.choice(types),
                    operation_code=operation,
                    start_date=date(2020, 1, 1) + timedelta(days=rng.randrange(0, 1800)),
                ),
                enterprise,
                actor=None,
                source="demo",
            )
            if first_worker is None:
                first_worker = employment.person
            if enterprise is chem and seq <= 12:  # a registered photo for the first of 金陵化工's staff
                set_photo(employment.person, portrait(employment.person.id), actor=None, max_bytes=1 << 20)

    scopes = {
        "admin": {},
        "regulator": {"jurisdiction_id": by_code["320100"].id},
        "examiner": {"jurisdiction_id": by_code["320100"].id},
        "enterprise": {"enterprise_id": chem.id},
        "enterprise2": {"enterprise_id": machine.id},
        "institution": {"institution_id": institution.id},
        "worker": {"person_id": first_worker.id},
    }
    for username, role, label in DEMO_LOGINS:
        user = User(username=username, display_name=label, role=role, **scopes[username])
        user.set_password(DEMO_PASSWORD)
        db.session.add(user)
    db.session.flush()
    seed_demo_activity()
    seed_demo_certificates(chem)
    seed_demo_practical(chem)
    seed_demo_enrolment(chem, [machine])
    seed_demo_oversight()
    return True
