"""A certificate's basis names the 实操 it rests on: the foreign key, now that practical attempts exist (0401).

Revision ID: 0016
Revises: 0401
"""

from alembic import op

revision = "0016"
down_revision = "0401"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("certs_bases") as batch:
        batch.create_foreign_key(
            "fk_certs_bases_practical_attempt_id_exams_practical_attempts",
            "exams_practical_attempts",
            ["practical_attempt_id"],
            ["id"],
        )


def downgrade():
    with op.batch_alter_table("certs_bases") as batch:
        batch.drop_constraint("fk_certs_bases_practical_attempt_id_exams_practical_attempts", type_="foreignkey")
