"""trust: limiter counters, session tokens, archive heads and checkpoints, key ids, roster import state

- ``core_limits``: the atomic counters of ``app.core.limits`` (login limits; later the spot-check guess limit).
- ``auth_users.session_token`` (a new random value per user, so every cookie issued before ends); the racy
  ``failed_logins``/``locked_until`` columns go (the limiter replaces them).
- ``people_import_batches``: ``state`` (a big roster is parsed by a Celery task), the encrypted upload while it
  waits, and ``problem_count`` (only the first problems are stored).

Revision ID: 0004
Revises: 0003
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "core_limits",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("allowance", sa.Integer(), nullable=False),
        sa.Column("window_ends", sa.BigInteger(), nullable=False),
        sa.Column("blocked_until", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_core_limits")),
    )
    with op.batch_alter_table("auth_users") as batch:
        batch.add_column(sa.Column("session_token", sa.String(length=32), nullable=False, server_default=""))
        batch.drop_column("failed_logins")
        batch.drop_column("locked_until")
    with op.batch_alter_table("people_import_batches") as batch:
        batch.add_column(sa.Column("problem_count", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("state", sa.String(length=16), nullable=False, server_default="ready"))
        batch.add_column(sa.Column("upload_enc", sa.LargeBinary(), nullable=True))
    users = sa.table("auth_users", sa.column("id", sa.Integer), sa.column("session_token", sa.String))
    bind = op.get_bind()
    for (user_id,) in bind.execute(sa.select(users.c.id)).all():
        bind.execute(users.update().where(users.c.id == user_id).values(session_token=secrets.token_hex(16)))


def downgrade():
    with op.batch_alter_table("people_import_batches") as batch:
        batch.drop_column("upload_enc")
        batch.drop_column("state")
        batch.drop_column("problem_count")
    with op.batch_alter_table("auth_users") as batch:
        batch.add_column(sa.Column("locked_until", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0"))
        batch.drop_column("session_token")
    op.drop_table("core_limits")
