"""Certificate ZIP bundles, the email copies of reminders, and an email address on user accounts.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("auth_users") as batch:
        batch.add_column(sa.Column("email", sa.String(length=254), nullable=False, server_default=""))
    op.create_table(
        "certs_bundles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=20), nullable=False),
        sa.Column("scope_ref", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("run_token", sa.String(length=32), nullable=True),
        sa.Column("file_key", sa.String(length=200), nullable=True),
        sa.Column("file_size", sa.Integer(), nullable=True),
        sa.Column("file_sha256", sa.String(length=64), nullable=True),
        sa.Column("error", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["requested_by_id"], ["auth_users.id"], name="fk_certs_bundles_requested_by_id_auth_users"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_certs_bundles"),
    )
    op.create_index("ix_certs_bundles_requested_by_id", "certs_bundles", ["requested_by_id"])
    op.create_index("ix_certs_bundles_state_expires", "certs_bundles", ["state", "expires_at"])
    op.create_table(
        "certs_notice_mails",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("to_address", sa.String(length=254), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=True),
        sa.Column("next_try_at", sa.DateTime(), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("error", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["notice_id"], ["certs_notices.id"], name="fk_certs_notice_mails_notice_id_certs_notices"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_certs_notice_mails"),
        sa.UniqueConstraint("notice_id", name="uq_certs_notice_mails_notice_id"),
    )
    op.create_index("ix_certs_notice_mails_state_next", "certs_notice_mails", ["state", "next_try_at"])


def downgrade():
    op.drop_index("ix_certs_notice_mails_state_next", table_name="certs_notice_mails")
    op.drop_table("certs_notice_mails")
    op.drop_index("ix_certs_bundles_state_expires", table_name="certs_bundles")
    op.drop_index("ix_certs_bundles_requested_by_id", table_name="certs_bundles")
    op.drop_table("certs_bundles")
    with op.batch_alter_table("auth_users") as batch:
        batch.drop_column("email")
