"""复核 of a flagged 人像抓拍: when, by whom, the verdict (本人 / 非本人) and its note.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("people_snapshots") as batch:
        batch.add_column(sa.Column("reviewed_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("reviewed_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("review_verdict", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("review_note", sa.String(length=200), nullable=False, server_default=""))
        batch.create_foreign_key(
            "fk_people_snapshots_reviewed_by_id_auth_users", "auth_users", ["reviewed_by_id"], ["id"]
        )


def downgrade():
    with op.batch_alter_table("people_snapshots") as batch:
        batch.drop_constraint("fk_people_snapshots_reviewed_by_id_auth_users", type_="foreignkey")
        batch.drop_column("review_note")
        batch.drop_column("review_verdict")
        batch.drop_column("reviewed_by_id")
        batch.drop_column("reviewed_at")
