"""Personal information (个人信息保护法): the 查阅记录 of a person's full 证件号码, photo and 人像抓拍, and the
person's 更正申请, and the confirmation of an employment by the person (a second employer sees little until then).

Revision ID: 0801
Revises: 0701
"""

import sqlalchemy as sa
from alembic import op

revision = "0801"
down_revision = "0710"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "people_access_log",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("people_persons.id", name="fk_people_access_log_person_id_people_persons"), nullable=False),
        sa.Column("viewer_id", sa.Integer(), sa.ForeignKey("auth_users.id", name="fk_people_access_log_viewer_id_auth_users"), nullable=False),
        sa.Column("viewer_role", sa.String(20), nullable=False),
        sa.Column("viewer_org", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("endpoint", sa.String(80), nullable=False),
        sa.Column("ref_id", sa.Integer()),
        sa.PrimaryKeyConstraint("id", name="pk_people_access_log"),
    )
    op.create_index("ix_people_access_log_at", "people_access_log", ["at"])
    op.create_index("ix_people_access_log_viewer_id", "people_access_log", ["viewer_id"])
    op.create_index("ix_people_access_log_person_at", "people_access_log", ["person_id", "at"])

    op.create_table(
        "people_record_corrections",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("people_persons.id", name="fk_people_record_corrections_person_id_people_persons"), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), sa.ForeignKey("people_enterprises.id", name="fk_people_record_corrections_enterprise_id_people_enterprises")),
        sa.Column("field", sa.String(32), nullable=False),
        sa.Column("wrong", sa.String(500), nullable=False),
        sa.Column("proposed", sa.String(500), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("answered_at", sa.DateTime()),
        sa.Column("answered_by_id", sa.Integer(), sa.ForeignKey("auth_users.id", name="fk_people_record_corrections_answered_by_id_auth_users")),
        sa.Column("answer_note", sa.String(500), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_people_record_corrections"),
    )
    op.create_index("ix_people_record_corrections_person_id", "people_record_corrections", ["person_id"])
    op.create_index("ix_people_record_corrections_enterprise_id", "people_record_corrections", ["enterprise_id"])

    op.add_column("people_employments", sa.Column("confirmed_at", sa.DateTime()))
    op.execute("UPDATE people_employments SET confirmed_at = created_at")  # employments so far stand as they were


def downgrade():
    with op.batch_alter_table("people_employments") as batch:
        batch.drop_column("confirmed_at")
    op.drop_table("people_record_corrections")
    op.drop_table("people_access_log")
