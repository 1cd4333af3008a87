"""A page's 人像抓拍 by their schedule: every heartbeat of a lesson that requires them reads the snapshots of its
plan taken since the page opened (``app.people.snapshots.schedule.lesson_status``); without this index that read
scanned every snapshot ever taken.

Revision ID: 0903
Revises: 0905
"""

from alembic import op

revision = "0903"
down_revision = "0905"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_people_snapshots_plan_taken", "people_snapshots", ["plan_id", "taken_at"])


def downgrade():
    op.drop_index("ix_people_snapshots_plan_taken", table_name="people_snapshots")
