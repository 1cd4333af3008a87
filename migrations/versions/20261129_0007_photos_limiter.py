"""The person's registered photo (storage key and sha256); a jurisdiction's display time zone; an institution's
trainees (who it may see and examine); the spot-check
ticket guesses move to the app's one limiter (``core_limits``), so their own table goes.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("people_jurisdictions") as batch:
        batch.add_column(sa.Column("time_zone", sa.String(40), nullable=False, server_default=""))
    with op.batch_alter_table("people_persons") as batch:
        batch.add_column(sa.Column("photo_key", sa.String(120), nullable=True))
        batch.add_column(sa.Column("photo_sha256", sa.String(64), nullable=True))
    op.drop_index("ix_spotchecks_guesses_ip_at", table_name="spotchecks_guesses")
    op.drop_table("spotchecks_guesses")
    op.create_table(
        "people_trainees",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(60), nullable=False),
        sa.Column("since", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["institution_id"], ["people_institutions.id"], name="fk_people_trainees_institution_id_people_institutions"
        ),
        sa.ForeignKeyConstraint(["person_id"], ["people_persons.id"], name="fk_people_trainees_person_id_people_persons"),
        sa.PrimaryKeyConstraint("id", name="pk_people_trainees"),
        sa.UniqueConstraint("institution_id", "person_id", name="uq_people_trainees_institution_id_person_id"),
    )
    op.create_index("ix_people_trainees_institution_id", "people_trainees", ["institution_id"])
    op.create_index("ix_people_trainees_person_id", "people_trainees", ["person_id"])


def downgrade():
    op.drop_table("people_trainees")
    op.create_table(
        "spotchecks_guesses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ip", sa.String(45), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_spotchecks_guesses"),
    )
    op.create_index("ix_spotchecks_guesses_ip_at", "spotchecks_guesses", ["ip", "at"])
    with op.batch_alter_table("people_persons") as batch:
        batch.drop_column("photo_sha256")
        batch.drop_column("photo_key")
    with op.batch_alter_table("people_jurisdictions") as batch:
        batch.drop_column("time_zone")
