"""培训合格证明 for a completed class: the class it attests, its printed facts, one per person and class, and the
numbering series (per issuer and year) its numbers come from.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "certs_number_series",
        sa.Column("series", sa.String(length=60), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("series", name="pk_certs_number_series"),
    )
    with op.batch_alter_table("certs_certificates") as batch:
        batch.add_column(sa.Column("training_class_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("facts", sa.JSON(), nullable=False, server_default="{}"))
        batch.create_foreign_key(
            "fk_certs_certificates_training_class_id_training_classes",
            "training_classes",
            ["training_class_id"],
            ["id"],
        )
        batch.create_unique_constraint("uq_certs_certificates_person_class", ["person_id", "training_class_id"])
        batch.create_index("ix_certs_certificates_training_class_id", ["training_class_id"])
    op.create_index(
        "ux_certs_certificates_training_number",
        "certs_certificates",
        ["number"],
        unique=True,
        sqlite_where=sa.text("kind = 'training'"),
        postgresql_where=sa.text("kind = 'training'"),
    )


def downgrade():
    op.drop_index("ux_certs_certificates_training_number", table_name="certs_certificates")
    with op.batch_alter_table("certs_certificates") as batch:
        batch.drop_index("ix_certs_certificates_training_class_id")
        batch.drop_constraint("uq_certs_certificates_person_class", type_="unique")
        batch.drop_constraint("fk_certs_certificates_training_class_id_training_classes", type_="foreignkey")
        batch.drop_column("facts")
        batch.drop_column("training_class_id")
    op.drop_table("certs_number_series")
