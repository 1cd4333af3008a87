"""A staged question import keeps its import report (layout recognised, rows not read and why, inferred answers,
duplicate conflicts) for the preview page.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("bank_imports") as batch:
        batch.add_column(sa.Column("report", sa.JSON(), nullable=False, server_default="{}"))


def downgrade():
    with op.batch_alter_table("bank_imports") as batch:
        batch.drop_column("report")
