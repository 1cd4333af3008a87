"""trust: limiter counters, session tokens, archive heads and checkpoints, key ids, roster import state

- ``core_limits``: the atomic counters of ``app.core.limits`` (login limits; later the spot-check guess limit).
- ``auth_users.session_token`` (a new random value per user, so every cookie issued before ends); the racy
  ``failed_logins``/``locked_until`` columns go (the limiter replaces them).
- ``people_import_batches``: ``state`` (a big roster is parsed by a Celery task), the encrypted upload while it
  waits, and ``problem_count`` (only the first problems are stored).
- ``archive_events.key_id``; ``archive_heads`` (one row per person: where the chain ends, filled here from the
  existing events, unsigned until the next event or key rotation signs it) and ``archive_checkpoints`` (signed
  snapshots of the heads). On PostgreSQL the append-only trigger also guards checkpoints (no UPDATE/DELETE)
  and heads (no DELETE: a head only moves forward).

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
    with op.batch_alter_table("archive_events") as batch:
        batch.add_column(sa.Column("key_id", sa.String(length=8), nullable=True))
    op.create_table(
        "archive_heads",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("key_id", sa.String(length=8), nullable=True),
        sa.Column("mac", sa.String(length=64), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people_persons.id"], name=op.f("fk_archive_heads_person_id_people_persons")
        ),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_archive_heads")),
    )
    op.create_table(
        "archive_checkpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("key_id", sa.String(length=8), nullable=False),
        sa.Column("person_count", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("mac", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_archive_checkpoints")),
    )
    op.execute("""
        INSERT INTO archive_heads (person_id, seq, hash, key_id, mac, updated_at)
        SELECT e.person_id, e.seq, e.hash, NULL, NULL, CURRENT_TIMESTAMP
        FROM archive_events e
        WHERE e.seq = (SELECT MAX(x.seq) FROM archive_events x WHERE x.person_id = e.person_id)
    """)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE TRIGGER archive_checkpoints_append_only BEFORE UPDATE OR DELETE ON archive_checkpoints
            FOR EACH ROW EXECUTE FUNCTION archive_events_append_only()
        """)
        op.execute("""
            CREATE TRIGGER archive_heads_no_delete BEFORE DELETE ON archive_heads
            FOR EACH ROW EXECUTE FUNCTION archive_events_append_only()
        """)
    users = sa.table("auth_users", sa.column("id", sa.Integer), sa.column("session_token", sa.String))
    bind = op.get_bind()
    for (user_id,) in bind.execute(sa.select(users.c.id)).all():
        bind.execute(users.update().where(users.c.id == user_id).values(session_token=secrets.token_hex(16)))


def downgrade():
    op.drop_table("archive_checkpoints")
    op.drop_table("archive_heads")
    with op.batch_alter_table("archive_events") as batch:
        batch.drop_column("key_id")
    with op.batch_alter_table("people_import_batches") as batch:
        batch.drop_column("upload_enc")
        batch.drop_column("state")
        batch.drop_column("problem_count")
    with op.batch_alter_table("auth_users") as batch:
        batch.add_column(sa.Column("locked_until", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0"))
        batch.drop_column("session_token")
    op.drop_table("core_limits")
