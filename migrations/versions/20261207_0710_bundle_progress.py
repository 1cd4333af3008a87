"""ZIP bundles: when the run building one last moved (``progressed_at``), so a bundle whose worker died shows as
已停滞 after ``CERT_BUNDLE_STALL_MINUTES`` and can be taken over or asked for anew.

Revision ID: 0710
Revises: 0701
"""

import sqlalchemy as sa
from alembic import op

revision = "0710"
down_revision = "0701"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("certs_bundles", sa.Column("progressed_at", sa.DateTime(), nullable=True))


def downgrade():
    op.drop_column("certs_bundles", "progressed_at")
