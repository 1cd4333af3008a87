"""The 一人一档 events of one kind in a period (``exam.gate_overridden`` for the dashboards' 学时不足放行 and the
institutions' 动态积分): an index on (kind, at), so they are not found by reading every event.

Revision ID: 0502
Revises: 0501
"""

from alembic import op

revision = "0502"
down_revision = "0501"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_archive_events_kind_at", "archive_events", ["kind", "at"])


def downgrade():
    op.drop_index("ix_archive_events_kind_at", table_name="archive_events")
