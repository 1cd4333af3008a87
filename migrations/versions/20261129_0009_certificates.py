"""Certificates (特种作业操作证, 合格证, 培训合格证明) and their history.

Revision ID: 0009
Revises: 0008 (re-chained after training's 0008)
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "certs_certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("category_name", sa.String(length=100), nullable=False),
        sa.Column("item", sa.String(length=60), nullable=False),
        sa.Column("item_name", sa.String(length=120), nullable=False),
        sa.Column("live_key", sa.String(length=200), nullable=True),
        sa.Column("authority", sa.String(length=120), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=True),
        sa.Column("institution_id", sa.Integer(), nullable=True),
        sa.Column("first_issued_on", sa.Date(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=False),
        sa.Column("review_due_on", sa.Date(), nullable=True),
        sa.Column("review_years", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("verify_code", sa.String(length=32), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=True),
        sa.Column("issued_by_id", sa.Integer(), nullable=True),
        sa.Column("pdf_key", sa.String(length=200), nullable=True),
        sa.Column("pdf_sha256", sa.String(length=64), nullable=True),
        sa.Column("pdf_version", sa.Integer(), nullable=False),
        sa.Column("content_version", sa.Integer(), nullable=False),
        sa.Column("pdf_content_version", sa.Integer(), nullable=False),
        sa.Column("reminded_review_for", sa.Date(), nullable=True),
        sa.Column("reminded_expiry_for", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people_persons.id"], name="fk_certs_certificates_person_id_people_persons"
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["people_enterprises.id"], name="fk_certs_certificates_enterprise_id_people_enterprises"
        ),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["people_institutions.id"],
            name="fk_certs_certificates_institution_id_people_institutions",
        ),
        sa.ForeignKeyConstraint(
            ["attempt_id"], ["exams_attempts.id"], name="fk_certs_certificates_attempt_id_exams_attempts"
        ),
        sa.ForeignKeyConstraint(["issued_by_id"], ["auth_users.id"], name="fk_certs_certificates_issued_by_id_auth_users"),
        sa.PrimaryKeyConstraint("id", name="pk_certs_certificates"),
        sa.UniqueConstraint("live_key", name="uq_certs_certificates_live_key"),
        sa.UniqueConstraint("verify_code", name="uq_certs_certificates_verify_code"),
    )
    op.create_index("ix_certs_certificates_number", "certs_certificates", ["number"])
    op.create_index("ix_certs_certificates_person_id", "certs_certificates", ["person_id"])
    op.create_index("ix_certs_certificates_region_code", "certs_certificates", ["region_code"])
    op.create_index("ix_certs_certificates_status_due", "certs_certificates", ["status", "review_due_on"])
    op.create_table(
        "certs_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("certificate_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("doc_number", sa.String(length=60), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["certificate_id"], ["certs_certificates.id"], name="fk_certs_events_certificate_id_certs_certificates"
        ),
        sa.ForeignKeyConstraint(["actor_id"], ["auth_users.id"], name="fk_certs_events_actor_id_auth_users"),
        sa.PrimaryKeyConstraint("id", name="pk_certs_events"),
    )
    op.create_index("ix_certs_events_certificate_id", "certs_events", ["certificate_id"])
    op.create_table(
        "certs_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("certificate_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("read_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["auth_users.id"], name="fk_certs_notices_user_id_auth_users"),
        sa.ForeignKeyConstraint(
            ["certificate_id"], ["certs_certificates.id"], name="fk_certs_notices_certificate_id_certs_certificates"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_certs_notices"),
    )
    op.create_index("ix_certs_notices_certificate_id", "certs_notices", ["certificate_id"])
    op.create_index("ix_certs_notices_user_unread", "certs_notices", ["user_id", "read_at"])


def downgrade():
    op.drop_index("ix_certs_notices_user_unread", table_name="certs_notices")
    op.drop_index("ix_certs_notices_certificate_id", table_name="certs_notices")
    op.drop_table("certs_notices")
    op.drop_index("ix_certs_events_certificate_id", table_name="certs_events")
    op.drop_table("certs_events")
    for name in ("status_due", "region_code", "person_id", "number"):
        op.drop_index(f"ix_certs_certificates_{name}", table_name="certs_certificates")
    op.drop_table("certs_certificates")
