"""人像抓拍 that proves presence: each snapshot's perceptual hash, the face detector that passed it and whether the
credit of its window is held; the registered photo's perceptual hash; and the held credit itself, per snapshot and
local day, until a face check or a 复核 releases or removes it.

Revision ID: 0201
Revises: 0101
"""

import sqlalchemy as sa
from alembic import op

revision = "0201"
down_revision = "0101"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("people_snapshots") as batch:
        batch.add_column(sa.Column("phash", sa.String(length=64), nullable=False, server_default=""))
        batch.add_column(sa.Column("face_detector", sa.String(length=20), nullable=False, server_default=""))
        batch.add_column(sa.Column("credit_held", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("people_persons") as batch:
        batch.add_column(sa.Column("photo_phash", sa.String(length=64), nullable=False, server_default=""))
    op.create_table(
        "training_held_credits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("class_id", sa.Integer(), nullable=False),
        sa.Column("lesson_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("seconds", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["snapshot_id"], ["people_snapshots.id"], name="fk_training_held_credits_snapshot_id_people_snapshots"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people_persons.id"], name="fk_training_held_credits_person_id_people_persons"
        ),
        sa.ForeignKeyConstraint(
            ["class_id"], ["training_classes.id"], name="fk_training_held_credits_class_id_training_classes"
        ),
        sa.ForeignKeyConstraint(
            ["lesson_id"], ["training_lessons.id"], name="fk_training_held_credits_lesson_id_training_lessons"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_training_held_credits"),
        sa.UniqueConstraint("snapshot_id", "day", name="uq_training_held_credits_snapshot_id_day"),
    )
    op.create_index("ix_training_held_credits_person_class", "training_held_credits", ["person_id", "class_id"])


def downgrade():
    op.drop_index("ix_training_held_credits_person_class", table_name="training_held_credits")
    op.drop_table("training_held_credits")
    with op.batch_alter_table("people_persons") as batch:
        batch.drop_column("photo_phash")
    with op.batch_alter_table("people_snapshots") as batch:
        batch.drop_column("credit_held")
        batch.drop_column("face_detector")
        batch.drop_column("phash")
