"""Records kept for years: 一人一档 epochs (a purged start of a file, sealed), legal holds, purge runs, the
retention rule rows, and the append-only trigger that lets an event go only once an epoch covers it.

Revision ID: 0701
Revises: 0502
"""

from datetime import date, datetime

import sqlalchemy as sa
from alembic import op

revision = "0701"
down_revision = "0502"
branch_labels = None
depends_on = None

RULES = [
    {
        "key": "retention.special_operator_years",
        "label": "特种作业人员档案保存期限（证书终止后）",
        "value": 6.0,
        "legal_basis": "特种作业人员安全技术培训考核管理规定；个人信息保护法 第十九条、第四十七条",
    },
    {
        "key": "retention.manager_years",
        "label": "主要负责人/安全管理人员档案保存期限（证书终止后）",
        "value": 3.0,
        "legal_basis": "安全生产培训管理办法；个人信息保护法 第十九条、第四十七条",
    },
    {
        "key": "retention.exam_evidence_years",
        "label": "考试影像资料保存期限（考试后）",
        "value": 3.0,
        "legal_basis": "安全生产资格考试与证书管理暂行办法",
    },
    {
        "key": "retention.snapshot_years",
        "label": "人像抓拍保存期限（抓拍后）",
        "value": 3.0,
        "legal_basis": "个人信息保护法 第十九条、第二十八条、第四十七条",
    },
]


def upgrade():
    op.create_table(
        "archive_epochs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("from_seq", sa.Integer(), nullable=False),
        sa.Column("through_seq", sa.Integer(), nullable=False),
        sa.Column("through_hash", sa.String(length=64), nullable=False),
        sa.Column("kinds", sa.Text(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("first_at", sa.DateTime(), nullable=False),
        sa.Column("last_at", sa.DateTime(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("key_id", sa.String(length=8), nullable=False),
        sa.Column("mac", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people_persons.id"], name="fk_archive_epochs_person_id_people_persons"),
        sa.PrimaryKeyConstraint("id", name="pk_archive_epochs"),
        sa.UniqueConstraint("person_id", "through_seq", name="uq_archive_epochs_person_id_through_seq"),
        sa.UniqueConstraint("person_id", "from_seq", name="uq_archive_epochs_person_id_from_seq"),
    )
    op.create_index("ix_archive_epochs_person_id", "archive_epochs", ["person_id"])
    op.create_table(
        "records_legal_holds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("enterprise_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("set_by_id", sa.Integer(), nullable=False),
        sa.Column("set_at", sa.DateTime(), nullable=False),
        sa.Column("released_by_id", sa.Integer(), nullable=True),
        sa.Column("released_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "(person_id IS NULL) <> (enterprise_id IS NULL)", name="ck_records_legal_holds_one_subject"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people_persons.id"], name="fk_records_legal_holds_person_id_people_persons"
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["people_enterprises.id"], name="fk_records_legal_holds_enterprise_id_people_enterprises"
        ),
        sa.ForeignKeyConstraint(["set_by_id"], ["auth_users.id"], name="fk_records_legal_holds_set_by_id_auth_users"),
        sa.ForeignKeyConstraint(
            ["released_by_id"], ["auth_users.id"], name="fk_records_legal_holds_released_by_id_auth_users"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_records_legal_holds"),
    )
    op.create_index("ix_records_legal_holds_person_id", "records_legal_holds", ["person_id"])
    op.create_index("ix_records_legal_holds_enterprise_id", "records_legal_holds", ["enterprise_id"])
    op.create_index("ix_records_legal_holds_active", "records_legal_holds", ["released_at"])
    op.create_table(
        "records_purge_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("persons_purged", sa.Integer(), nullable=False),
        sa.Column("events_purged", sa.Integer(), nullable=False),
        sa.Column("snapshots_purged", sa.Integer(), nullable=False),
        sa.Column("held_skipped", sa.Integer(), nullable=False),
        sa.Column("kinds", sa.JSON(), nullable=False),
        sa.Column("held_person_ids", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_records_purge_runs"),
    )
    bind = op.get_bind()
    now = datetime.utcnow().replace(microsecond=0)  # noqa: DTZ003  (stored times are naive UTC)
    for rule in RULES:
        exists = bind.execute(
            sa.text("SELECT 1 FROM rules_rules WHERE key = :key AND region_code = ''"), {"key": rule["key"]}
        ).first()
        if exists is None:  # a database seeded before: seed-reference would add it too, this makes it there at once
            bind.execute(
                sa.text(
                    "INSERT INTO rules_rules (key, label, value, unit, legal_basis, region_code, valid_from, "
                    "created_at, updated_at) VALUES (:key, :label, :value, '年', :legal_basis, '', :valid_from, "
                    ":now, :now)"
                ),
                {**rule, "valid_from": date(2000, 1, 1), "now": now},
            )
    if bind.dialect.name != "postgresql":
        return
    # An event may be deleted only under an epoch that covers it; UPDATE stays refused, and epochs are append-only.
    op.execute("""
        CREATE OR REPLACE FUNCTION archive_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' AND EXISTS (
                SELECT 1 FROM archive_epochs e WHERE e.person_id = OLD.person_id AND e.through_seq >= OLD.seq
            ) THEN
                RETURN OLD;
            END IF;
            RAISE EXCEPTION 'archive_events is append-only (一人一档): % refused', TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END
        $$
    """)
    op.execute("""
        CREATE FUNCTION archive_epochs_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'archive_epochs is append-only (一人一档): % refused', TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END
        $$
    """)
    op.execute("""
        CREATE TRIGGER archive_epochs_append_only BEFORE UPDATE OR DELETE ON archive_epochs
        FOR EACH ROW EXECUTE FUNCTION archive_epochs_append_only()
    """)


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP TRIGGER archive_epochs_append_only ON archive_epochs")
        op.execute("DROP FUNCTION archive_epochs_append_only()")
        op.execute("""
            CREATE OR REPLACE FUNCTION archive_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'archive_events is append-only (一人一档): % refused', TG_OP
                    USING ERRCODE = 'insufficient_privilege';
            END
            $$
        """)
    for rule in RULES:
        bind.execute(sa.text("DELETE FROM rules_rules WHERE key = :key AND region_code = ''"), {"key": rule["key"]})
    op.drop_table("records_purge_runs")
    op.drop_table("records_legal_holds")
    op.drop_table("archive_epochs")
