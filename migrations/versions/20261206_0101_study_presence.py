"""What the study rule needs to credit only what was studied (issue 23): the state the page reported at its last
beat (the interval after it is judged by it), and the presence prompts of PDF, image and text lessons (the open
prompt's nonce and time, the next random moment, prompts left, late answers).

Revision ID: 0101
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0101"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("training_study_sessions") as batch:
        batch.add_column(sa.Column("page", sa.String(8), nullable=False, server_default="paused"))
        batch.add_column(sa.Column("prompt", sa.String(24), nullable=False, server_default=""))
        batch.add_column(sa.Column("prompt_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("next_prompt_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("prompts_left", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("misses", sa.Integer(), nullable=False, server_default="0"))


def downgrade():
    with op.batch_alter_table("training_study_sessions") as batch:
        for name in ("misses", "prompts_left", "next_prompt_at", "prompt_at", "prompt", "page"):
            batch.drop_column(name)
