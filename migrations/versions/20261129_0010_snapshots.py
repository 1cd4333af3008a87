"""人像抓拍: consent answers, the server's random snapshot schedules, and the snapshots themselves.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def _person_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["person_id"], ["people_persons.id"], name=f"fk_{table}_person_id_people_persons")


def upgrade():
    op.create_table(
        "people_snapshot_consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("context", sa.String(length=32), nullable=False),
        sa.Column("ref_id", sa.Integer(), nullable=False),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        _person_fk("people_snapshot_consents"),
        sa.PrimaryKeyConstraint("id", name="pk_people_snapshot_consents"),
        sa.UniqueConstraint(
            "person_id", "context", "ref_id", name="uq_people_snapshot_consents_person_id_context_ref_id"
        ),
    )
    op.create_index("ix_people_snapshot_consents_person_id", "people_snapshot_consents", ["person_id"])
    op.create_table(
        "people_snapshot_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("context", sa.String(length=32), nullable=False),
        sa.Column("ref_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=40), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("offsets", sa.JSON(), nullable=False),
        _person_fk("people_snapshot_plans"),
        sa.PrimaryKeyConstraint("id", name="pk_people_snapshot_plans"),
        sa.UniqueConstraint("person_id", "context", "ref_id", name="uq_people_snapshot_plans_person_id_context_ref_id"),
    )
    op.create_index("ix_people_snapshot_plans_person_id", "people_snapshot_plans", ["person_id"])
    op.create_table(
        "people_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("context", sa.String(length=32), nullable=False),
        sa.Column("ref_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=True),
        sa.Column("taken_at", sa.DateTime(), nullable=False),
        sa.Column("storage_key", sa.String(length=120), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("face_checker", sa.String(length=20), nullable=False),
        sa.Column("face_distance", sa.Float(), nullable=True),
        sa.Column("face_matched", sa.Boolean(), nullable=True),
        sa.Column("needs_review", sa.Boolean(), nullable=False),
        _person_fk("people_snapshots"),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["people_snapshot_plans.id"],
            name="fk_people_snapshots_plan_id_people_snapshot_plans",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_people_snapshots"),
    )
    op.create_index("ix_people_snapshots_person_context_ref", "people_snapshots", ["person_id", "context", "ref_id"])


def downgrade():
    op.drop_index("ix_people_snapshots_person_context_ref", table_name="people_snapshots")
    op.drop_table("people_snapshots")
    op.drop_index("ix_people_snapshot_plans_person_id", table_name="people_snapshot_plans")
    op.drop_table("people_snapshot_plans")
    op.drop_index("ix_people_snapshot_consents_person_id", table_name="people_snapshot_consents")
    op.drop_table("people_snapshot_consents")
