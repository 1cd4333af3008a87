"""Sittings carry their subject (kind, post, 作业类别/操作项目) for per-person retake counting; per-question results
are written at grading; the never-set ``cancelled`` flag goes.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("exams_sittings") as batch:
        batch.add_column(sa.Column("subject", sa.String(60), nullable=False, server_default=""))
        batch.add_column(sa.Column("post", sa.String(32), nullable=False, server_default=""))
        batch.add_column(sa.Column("operation_code", sa.String(16), nullable=False, server_default=""))
        batch.drop_column("cancelled")
        batch.create_index("ix_exams_sittings_subject", ["subject"])
    # Sittings made before subjects existed count per kind (their post and operation are unknown).
    op.execute("UPDATE exams_sittings SET subject = kind || '::' WHERE subject = ''")
    op.create_table(
        "exams_item_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("sitting_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("question_key", sa.String(64), nullable=False),
        sa.Column("topic", sa.String(60), nullable=False),
        sa.Column("answered", sa.Boolean(), nullable=False),
        sa.Column("correct", sa.Boolean(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("max_score", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["attempt_id"], ["exams_attempts.id"], name="fk_exams_item_results_attempt_id_exams_attempts"),
        sa.ForeignKeyConstraint(["sitting_id"], ["exams_sittings.id"], name="fk_exams_item_results_sitting_id_exams_sittings"),
        sa.ForeignKeyConstraint(["person_id"], ["people_persons.id"], name="fk_exams_item_results_person_id_people_persons"),
        sa.PrimaryKeyConstraint("id", name="pk_exams_item_results"),
        sa.UniqueConstraint("attempt_id", "position", name="uq_exams_item_results_attempt_id_position"),
    )
    op.create_index("ix_exams_item_results_sitting_id", "exams_item_results", ["sitting_id"])
    op.create_index("ix_exams_item_results_person_id", "exams_item_results", ["person_id"])
    op.create_index("ix_exams_item_results_question_key", "exams_item_results", ["question_key"])


def downgrade():
    op.drop_table("exams_item_results")
    with op.batch_alter_table("exams_sittings") as batch:
        batch.drop_index("ix_exams_sittings_subject")
        batch.add_column(sa.Column("cancelled", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.drop_column("operation_code")
        batch.drop_column("post")
        batch.drop_column("subject")
