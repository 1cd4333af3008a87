"""The person's registered photo (storage key and sha256); the spot-check ticket guesses move to the app's one
limiter (``core_limits``), so their own table goes.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("people_persons") as batch:
        batch.add_column(sa.Column("photo_key", sa.String(120), nullable=True))
        batch.add_column(sa.Column("photo_sha256", sa.String(64), nullable=True))
    op.drop_index("ix_spotchecks_guesses_ip_at", table_name="spotchecks_guesses")
    op.drop_table("spotchecks_guesses")


def downgrade():
    op.create_table(
        "spotchecks_guesses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ip", sa.String(45), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_spotchecks_guesses"),
    )
    op.create_index("ix_spotchecks_guesses_ip_at", "spotchecks_guesses", ["ip", "at"])
    with op.batch_alter_table("people_persons") as batch:
        batch.drop_column("photo_sha256")
        batch.drop_column("photo_key")
