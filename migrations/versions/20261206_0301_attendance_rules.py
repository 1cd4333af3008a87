"""面授 attendance with limits: the per-person daily counter the cap is kept on (filled from the entries so far),
corrections after the day that a second person approves, the sign-in sheet's hash on its entries, the 负责人 flag
on accounts, the class setting that lets trainees sit the class exam before their hours are complete, and the daily
cap's rule row.

Revision ID: 0301
Revises: 0201
"""

from datetime import date, datetime

import sqlalchemy as sa
from alembic import op

revision = "0301"
down_revision = "0201"
branch_labels = None
depends_on = None

CAP_RULE = {
    "key": "attendance.daily_cap_hours",
    "label": "每人每天培训学时上限（面授与网络学习合计）",
    "value": 8.0,
    "unit": "学时",
    "legal_basis": "平台规则：一天记入的培训学时不超过一个工作日（各地可按本地规定调整）",
}


def upgrade():
    with op.batch_alter_table("auth_users") as batch:
        batch.add_column(sa.Column("supervisor", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("training_classes") as batch:
        batch.add_column(sa.Column("exam_before_hours", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(
            sa.Column("exam_before_hours_reason", sa.String(length=200), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("exam_before_hours_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("exam_before_hours_at", sa.DateTime(), nullable=True))
        batch.create_foreign_key(
            "fk_training_classes_exam_before_hours_by_id_auth_users", "auth_users", ["exam_before_hours_by_id"], ["id"]
        )
    op.create_table(
        "training_attendance_corrections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("class_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("attendance_id", sa.Integer(), nullable=True),
        sa.Column("session_date", sa.Date(), nullable=False),
        sa.Column("session_label", sa.String(length=40), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("old_minutes", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("sheet_sha256", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decision_note", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["class_id"], ["training_classes.id"], name="fk_training_attendance_corrections_class_id_training_classes"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people_persons.id"], name="fk_training_attendance_corrections_person_id_people_persons"
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["auth_users.id"],
            name="fk_training_attendance_corrections_requested_by_id_auth_users",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["auth_users.id"], name="fk_training_attendance_corrections_decided_by_id_auth_users"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_training_attendance_corrections"),
    )
    op.create_index(
        "ix_training_attendance_corrections_class_id", "training_attendance_corrections", ["class_id"], unique=False
    )
    op.create_index(
        "ix_training_attendance_corrections_person_id", "training_attendance_corrections", ["person_id"], unique=False
    )
    with op.batch_alter_table("training_attendance") as batch:
        batch.add_column(sa.Column("sheet_sha256", sa.String(length=64), nullable=False, server_default=""))
        batch.add_column(sa.Column("correction_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_training_attendance_correction",
            "training_attendance_corrections",
            ["correction_id"],
            ["id"],
        )
    op.create_table(
        "training_attendance_days",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people_persons.id"], name="fk_training_attendance_days_person_id_people_persons"
        ),
        sa.PrimaryKeyConstraint("person_id", "day", name="pk_training_attendance_days"),
    )
    # the counter starts from what is recorded already (a day over the cap then takes no more)
    op.execute(
        "INSERT INTO training_attendance_days (person_id, day, minutes) "
        "SELECT person_id, session_date, SUM(minutes) FROM training_attendance GROUP BY person_id, session_date"
    )
    bind = op.get_bind()
    exists = bind.execute(
        sa.text("SELECT 1 FROM rules_rules WHERE key = :key AND region_code = ''"), {"key": CAP_RULE["key"]}
    ).first()
    if exists is None:  # a database seeded before: seed-reference would add it too, this makes it there at once
        now = datetime.utcnow().replace(microsecond=0)  # noqa: DTZ003  (stored times are naive UTC)
        bind.execute(
            sa.text(
                "INSERT INTO rules_rules (key, label, value, unit, legal_basis, region_code, valid_from, created_at, "
                "updated_at) VALUES (:key, :label, :value, :unit, :legal_basis, '', :valid_from, :now, :now)"
            ),
            {**CAP_RULE, "valid_from": date(2000, 1, 1), "now": now},
        )


def downgrade():
    op.get_bind().execute(
        sa.text("DELETE FROM rules_rules WHERE key = :key AND region_code = ''"), {"key": CAP_RULE["key"]}
    )
    op.drop_table("training_attendance_days")
    with op.batch_alter_table("training_attendance") as batch:
        batch.drop_constraint("fk_training_attendance_correction", type_="foreignkey")
        batch.drop_column("correction_id")
        batch.drop_column("sheet_sha256")
    op.drop_index("ix_training_attendance_corrections_person_id", table_name="training_attendance_corrections")
    op.drop_index("ix_training_attendance_corrections_class_id", table_name="training_attendance_corrections")
    op.drop_table("training_attendance_corrections")
    with op.batch_alter_table("training_classes") as batch:
        batch.drop_constraint("fk_training_classes_exam_before_hours_by_id_auth_users", type_="foreignkey")
        batch.drop_column("exam_before_hours_at")
        batch.drop_column("exam_before_hours_by_id")
        batch.drop_column("exam_before_hours_reason")
        batch.drop_column("exam_before_hours")
    with op.batch_alter_table("auth_users") as batch:
        batch.drop_column("supervisor")
