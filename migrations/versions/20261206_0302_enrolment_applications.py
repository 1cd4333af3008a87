"""Enrolment the way institutions and enterprises work: an enterprise's 报名申请 for its staff in an institution's
class (the institution accepts or refuses), and an institution's invitation to an enterprise.

Revision ID: 0302
Revises: 0301
"""

import sqlalchemy as sa
from alembic import op

revision = "0302"
down_revision = "0301"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "training_enrolment_applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("class_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("applied_by_id", sa.Integer(), nullable=False),
        sa.Column("applied_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["class_id"], ["training_classes.id"], name="fk_training_applications_class"),
        sa.ForeignKeyConstraint(["person_id"], ["people_persons.id"], name="fk_training_applications_person"),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["people_enterprises.id"], name="fk_training_applications_enterprise"
        ),
        sa.ForeignKeyConstraint(["applied_by_id"], ["auth_users.id"], name="fk_training_applications_applied_by"),
        sa.ForeignKeyConstraint(["decided_by_id"], ["auth_users.id"], name="fk_training_applications_decided_by"),
        sa.PrimaryKeyConstraint("id", name="pk_training_enrolment_applications"),
        sa.UniqueConstraint("class_id", "person_id", name="uq_training_enrolment_applications_class_id_person_id"),
    )
    for column in ("class_id", "person_id", "enterprise_id"):
        op.create_index(
            f"ix_training_enrolment_applications_{column}", "training_enrolment_applications", [column], unique=False
        )
    op.create_table(
        "training_class_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("class_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("invited_by_id", sa.Integer(), nullable=False),
        sa.Column("invited_at", sa.DateTime(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["class_id"], ["training_classes.id"], name="fk_training_invitations_class"),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["people_enterprises.id"], name="fk_training_invitations_enterprise"
        ),
        sa.ForeignKeyConstraint(["invited_by_id"], ["auth_users.id"], name="fk_training_invitations_invited_by"),
        sa.PrimaryKeyConstraint("id", name="pk_training_class_invitations"),
        sa.UniqueConstraint("class_id", "enterprise_id", name="uq_training_class_invitations_class_id_enterprise_id"),
    )
    for column in ("class_id", "enterprise_id"):
        op.create_index(f"ix_training_class_invitations_{column}", "training_class_invitations", [column], unique=False)


def downgrade():
    for column in ("class_id", "enterprise_id"):
        op.drop_index(f"ix_training_class_invitations_{column}", table_name="training_class_invitations")
    op.drop_table("training_class_invitations")
    for column in ("class_id", "person_id", "enterprise_id"):
        op.drop_index(f"ix_training_enrolment_applications_{column}", table_name="training_enrolment_applications")
    op.drop_table("training_enrolment_applications")
