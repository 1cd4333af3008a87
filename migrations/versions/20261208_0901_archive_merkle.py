"""一人一档 at scale: checkpoints as signed Merkle roots over the heads that moved (not a copy of every head), the
per-person pin index, the verification runs, and an index to find the heads that moved.

Checkpoints of the first format (``root`` NULL, every head in ``body``) stay and are still read; the first
checkpoint written after this migration pins every head once.

Revision ID: 0901
Revises: 0904
"""

import sqlalchemy as sa
from alembic import op

revision = "0901"
down_revision = "0904"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("archive_checkpoints") as batch:
        batch.add_column(sa.Column("root", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("previous_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("previous_root", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("leaves", sa.LargeBinary(), nullable=True))
        batch.create_unique_constraint("uq_archive_checkpoints_previous_id", ["previous_id"])
    op.create_index("ix_archive_heads_updated_at", "archive_heads", ["updated_at"])
    op.create_table(
        "archive_pins",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("checkpoint_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("key_id", sa.String(length=8), nullable=False),
        sa.Column("mac", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people_persons.id"], name="fk_archive_pins_person_id_people_persons"),
        sa.ForeignKeyConstraint(
            ["checkpoint_id"], ["archive_checkpoints.id"], name="fk_archive_pins_checkpoint_id_archive_checkpoints"
        ),
        sa.PrimaryKeyConstraint("person_id", name="pk_archive_pins"),
    )
    op.create_table(
        "archive_verification_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=12), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=False),
        sa.Column("first_checkpoint_id", sa.Integer(), nullable=True),
        sa.Column("last_checkpoint_id", sa.Integer(), nullable=True),
        sa.Column("events_checked", sa.Integer(), nullable=False),
        sa.Column("chains_checked", sa.Integer(), nullable=False),
        sa.Column("chains_sampled", sa.Integer(), nullable=False),
        sa.Column("breaks", sa.Integer(), nullable=False),
        sa.Column("result", sa.String(length=8), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("key_id", sa.String(length=8), nullable=False),
        sa.Column("mac", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_archive_verification_runs"),
    )
    if op.get_bind().dialect.name == "postgresql":
        # the leaves are hashes: compressing them gains nothing, so keep them out of line as they are
        op.execute("ALTER TABLE archive_checkpoints ALTER COLUMN leaves SET STORAGE EXTERNAL")
        op.execute("""
            CREATE FUNCTION archive_runs_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'archive_verification_runs is append-only (一人一档): % refused', TG_OP
                    USING ERRCODE = 'insufficient_privilege';
            END
            $$
        """)
        op.execute("""
            CREATE TRIGGER archive_runs_append_only BEFORE UPDATE OR DELETE ON archive_verification_runs
            FOR EACH ROW EXECUTE FUNCTION archive_runs_append_only()
        """)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER archive_runs_append_only ON archive_verification_runs")
        op.execute("DROP FUNCTION archive_runs_append_only()")
    op.drop_table("archive_verification_runs")
    op.drop_table("archive_pins")
    op.drop_index("ix_archive_heads_updated_at", table_name="archive_heads")
    with op.batch_alter_table("archive_checkpoints") as batch:
        batch.drop_constraint("uq_archive_checkpoints_previous_id", type_="unique")
        batch.drop_column("leaves")
        batch.drop_column("previous_root")
        batch.drop_column("previous_id")
        batch.drop_column("root")
