"""Papers drawn before the start: ``exams_prepared_papers`` (one per sitting and candidate), moved into the attempt by
开始考试 in one statement. Its paper columns are compressed with LZ4 on PostgreSQL, as the attempts' are (0002).

Revision ID: 0904
Revises: 0801
"""

import sqlalchemy as sa
from alembic import op

revision = "0904"
down_revision = "0801"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "exams_prepared_papers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sitting_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("paper", sa.JSON(), nullable=False),
        sa.Column("questions_json", sa.Text(), nullable=False),
        sa.Column("revisions", sa.Text(), nullable=False),
        sa.Column("prepared_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sitting_id"],
            ["exams_sittings.id"],
            name="fk_exams_prepared_papers_sitting_id_exams_sittings",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people_persons.id"],
            name="fk_exams_prepared_papers_person_id_people_persons",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_exams_prepared_papers"),
        sa.UniqueConstraint("sitting_id", "person_id", name="uq_exams_prepared_papers_sitting_id_person_id"),
    )
    op.create_index("ix_exams_prepared_papers_person_id", "exams_prepared_papers", ["person_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE exams_prepared_papers ALTER COLUMN paper SET COMPRESSION lz4, "
            "ALTER COLUMN questions_json SET COMPRESSION lz4"
        )


def downgrade():
    op.drop_index("ix_exams_prepared_papers_person_id", table_name="exams_prepared_papers")
    op.drop_table("exams_prepared_papers")
