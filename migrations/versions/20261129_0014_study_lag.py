"""The study session's lag: how far the position ran behind the server's clock over the credited beats since the
last refusal, so a beat that reached a busy server late does not make the next, on-time one look like a seek.

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("training_study_sessions") as batch:
        batch.add_column(sa.Column("lag", sa.Float(), nullable=False, server_default="0"))


def downgrade():
    with op.batch_alter_table("training_study_sessions") as batch:
        batch.drop_column("lag")
