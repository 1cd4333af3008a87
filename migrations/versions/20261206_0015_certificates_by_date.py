"""Certificates by the law in force (应急管理部令第19号 from 2026-06-01): the rule versions of that day, the exam
results each certificate event rests on (used once), 撤销 grounds, issuing authorities (entrustment, an enterprise's
隶属关系, the 签发机关's name), reminders for renewals and appointments.

Existing data: the rule rows of 2026-06-01 are added where the reference data was seeded; each issued certificate's
theory result (and each 复审's) becomes its basis. The statuses themselves are brought in line by the recompute job
(``flask recompute-certificates``, and nightly): it clears 应复审日期 on which no 复审 exists any more and moves
back to 有效 anyone marked 逾期未复审 for such a date.

Revision ID: 0015
Revises: 0014
"""

import json
from datetime import date, datetime

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

REVISION_19 = date(2026, 6, 1)
#: (key, label, value, unit, legal basis) of the versions that apply from REVISION_19 (app/rules/catalogue_data.py).
NEW_VERSIONS = [
    (
        "cert.review_years.special_operator",
        "特种作业操作证 复审周期（0 = 不再复审，有效期满换证）",
        0,
        "年",
        "应急管理部令第19号：每3年复审改为每6年换证",
    ),
    (
        "cert.review_years.special_operator.extended",
        "复审周期（连续从事本工种10年以上且无违法；0 = 不再复审）",
        0,
        "年",
        "应急管理部令第19号：每3年复审改为每6年换证",
    ),
    (
        "cert.renewal_window_days.special_operator",
        "特种作业操作证 换证申请窗口（有效期满前）",
        60,
        "天",
        "应急管理部令第19号（天数为可编辑的默认值，按正式文本核定）",
    ),
    ("cert.renewal_window_days.manager", "合格证延期换证 受理窗口（到期前）", 90, "天", "44号令（天数为可编辑的默认值）"),
    (
        "cert.ten_year.max_gap_days",
        "连续从事本工种：两段任职之间可视为连续的最长间隔（换单位）",
        31,
        "天",
        "30号令 第二十一条“连续从事本工种10年以上”的平台口径（可编辑）",
    ),
]
#: Keys that are new altogether apply from the start of the records; the others from REVISION_19.
ALWAYS_NEW = {"cert.renewal_window_days.manager", "cert.ten_year.max_gap_days"}
ALWAYS = date(2000, 1, 1)

rules = sa.table(
    "rules_rules",
    sa.column("key", sa.String),
    sa.column("label", sa.String),
    sa.column("value", sa.Float),
    sa.column("unit", sa.String),
    sa.column("legal_basis", sa.String),
    sa.column("region_code", sa.String),
    sa.column("valid_from", sa.Date),
    sa.column("created_at", sa.DateTime),
    sa.column("updated_at", sa.DateTime),
)


def upgrade():
    with op.batch_alter_table("certs_certificates") as batch:
        batch.add_column(sa.Column("revoked_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("revocation_ground", sa.String(length=32), nullable=True))
    op.create_table(
        "certs_bases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("certificate_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("attempt_id", sa.Integer(), nullable=True),
        sa.Column("practical_attempt_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["certificate_id"], ["certs_certificates.id"], name="fk_certs_bases_certificate_id_certs_certificates"
        ),
        sa.ForeignKeyConstraint(["event_id"], ["certs_events.id"], name="fk_certs_bases_event_id_certs_events"),
        sa.ForeignKeyConstraint(["attempt_id"], ["exams_attempts.id"], name="fk_certs_bases_attempt_id_exams_attempts"),
        sa.PrimaryKeyConstraint("id", name="pk_certs_bases"),
        sa.UniqueConstraint("attempt_id", name="uq_certs_bases_attempt_id"),
        sa.UniqueConstraint("practical_attempt_id", name="uq_certs_bases_practical_attempt_id"),
    )
    op.create_index("ix_certs_bases_certificate_id", "certs_bases", ["certificate_id"])
    op.create_table(
        "certs_delegations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("granted_by", sa.String(length=6), nullable=False),
        sa.Column("doc_number", sa.String(length=60), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["auth_users.id"], name="fk_certs_delegations_created_by_id_auth_users"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_certs_delegations"),
        sa.UniqueConstraint("kind", "region_code", name="uq_certs_delegations_kind_region_code"),
    )
    with op.batch_alter_table("certs_notices") as batch:
        batch.alter_column("certificate_id", existing_type=sa.Integer(), nullable=True)
        batch.alter_column("kind", existing_type=sa.String(length=10), type_=sa.String(length=12))
        batch.add_column(sa.Column("employment_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("duty", sa.String(length=16), nullable=False, server_default=""))
        batch.create_foreign_key(
            "fk_certs_notices_employment_id_people_employments", "people_employments", ["employment_id"], ["id"]
        )
    op.create_index(
        "ux_certs_notices_appointment",
        "certs_notices",
        ["user_id", "employment_id"],
        unique=True,
        sqlite_where=sa.text("kind = 'appointment'"),
        postgresql_where=sa.text("kind = 'appointment'"),
    )
    with op.batch_alter_table("people_jurisdictions") as batch:
        batch.add_column(sa.Column("authority_name", sa.String(length=120), nullable=False, server_default=""))
    with op.batch_alter_table("people_enterprises") as batch:
        batch.add_column(sa.Column("affiliation", sa.String(length=32), nullable=False, server_default="local"))

    conn = op.get_bind()
    seeded = {key for (key,) in conn.execute(sa.select(rules.c.key).where(rules.c.region_code == ""))}
    have = set(conn.execute(sa.select(rules.c.key, rules.c.valid_from).where(rules.c.region_code == "")))
    now = datetime.utcnow()
    for key, label, value, unit, basis in NEW_VERSIONS:
        since = ALWAYS if key in ALWAYS_NEW else REVISION_19
        if "cert.review_years.special_operator" in seeded and (key, since) not in have:
            conn.execute(
                rules.insert().values(
                    key=key,
                    label=label,
                    value=value,
                    unit=unit,
                    legal_basis=basis,
                    region_code="",
                    valid_from=since,
                    created_at=now,
                    updated_at=now,
                )
            )
    _backfill_bases(conn, now)


def _backfill_bases(conn, now):
    """Every result an existing certificate event rests on becomes its basis (a result used twice keeps its first)."""
    certs = sa.table("certs_certificates", sa.column("id", sa.Integer), sa.column("attempt_id", sa.Integer))
    events = sa.table(
        "certs_events",
        sa.column("id", sa.Integer),
        sa.column("certificate_id", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("detail", sa.JSON),
    )
    bases = sa.table(
        "certs_bases",
        sa.column("certificate_id", sa.Integer),
        sa.column("event_id", sa.Integer),
        sa.column("attempt_id", sa.Integer),
        sa.column("created_at", sa.DateTime),
    )
    used: set[int] = set()
    first_issue = sa.select(events.c.certificate_id, sa.func.min(events.c.id)).where(events.c.kind == "issued")
    issued = dict(conn.execute(first_issue.group_by(events.c.certificate_id)).all())
    rows = []
    for cert_id, attempt_id in conn.execute(sa.select(certs.c.id, certs.c.attempt_id).order_by(certs.c.id)):
        if attempt_id is not None and attempt_id not in used:
            used.add(attempt_id)
            rows.append(
                {"certificate_id": cert_id, "event_id": issued.get(cert_id), "attempt_id": attempt_id, "created_at": now}
            )
    for event_id, cert_id, detail in conn.execute(
        sa.select(events.c.id, events.c.certificate_id, events.c.detail)
        .where(events.c.kind.in_(("reviewed", "extended")))
        .order_by(events.c.id)
    ):
        facts = json.loads(detail) if isinstance(detail, str) else (detail or {})
        attempt_id = facts.get("attempt")
        if isinstance(attempt_id, int) and attempt_id not in used:
            used.add(attempt_id)
            rows.append({"certificate_id": cert_id, "event_id": event_id, "attempt_id": attempt_id, "created_at": now})
    if rows:
        conn.execute(bases.insert(), rows)


def downgrade():
    conn = op.get_bind()
    conn.execute(rules.delete().where(rules.c.valid_from == REVISION_19, rules.c.region_code == ""))
    conn.execute(rules.delete().where(rules.c.key.in_(sorted(ALWAYS_NEW))))
    with op.batch_alter_table("people_enterprises") as batch:
        batch.drop_column("affiliation")
    with op.batch_alter_table("people_jurisdictions") as batch:
        batch.drop_column("authority_name")
    op.drop_index("ux_certs_notices_appointment", table_name="certs_notices")
    orphans = "SELECT id FROM certs_notices WHERE certificate_id IS NULL"
    conn.execute(sa.text(f"DELETE FROM certs_notice_mails WHERE notice_id IN ({orphans})"))
    conn.execute(sa.text("DELETE FROM certs_notices WHERE certificate_id IS NULL"))
    with op.batch_alter_table("certs_notices") as batch:
        batch.drop_constraint("fk_certs_notices_employment_id_people_employments", type_="foreignkey")
        batch.drop_column("duty")
        batch.drop_column("employment_id")
        batch.alter_column("kind", existing_type=sa.String(length=12), type_=sa.String(length=10))
        batch.alter_column("certificate_id", existing_type=sa.Integer(), nullable=False)
    op.drop_table("certs_delegations")
    op.drop_index("ix_certs_bases_certificate_id", table_name="certs_bases")
    op.drop_table("certs_bases")
    with op.batch_alter_table("certs_certificates") as batch:
        batch.drop_column("revocation_ground")
        batch.drop_column("revoked_on")
