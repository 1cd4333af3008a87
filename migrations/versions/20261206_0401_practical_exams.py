"""特种作业 实际操作考试: score sheets (versioned, per 操作项目), practical sittings at a 实操考点 with their examiners,
attempts admitted on a passed theory exam, and each examiner's signed scores.

Revision ID: 0401
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0401"
down_revision = "0015"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str, **kw) -> sa.ForeignKeyConstraint:
    """The naming convention's name, without the referred table where it would pass PostgreSQL's 63 characters."""
    name = f"fk_{table}_{column}_{target}"
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=name if len(name) <= 63 else f"fk_{table}_{column}", **kw)


def upgrade():
    op.create_table(
        "exams_score_sheets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("operation_code", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_exams_score_sheets"),
        sa.UniqueConstraint("operation_code", "valid_from", name="uq_exams_score_sheets_operation_code_valid_from"),
    )
    op.create_index("ix_exams_score_sheets_operation_code", "exams_score_sheets", ["operation_code"])
    op.create_table(
        "exams_score_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sheet_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("max_points", sa.Float(), nullable=False),
        sa.Column("critical", sa.Boolean(), nullable=False),
        _fk("exams_score_items", "sheet_id", "exams_score_sheets", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_exams_score_items"),
        sa.UniqueConstraint("sheet_id", "code", name="uq_exams_score_items_sheet_id_code"),
    )
    op.create_table(
        "exams_practical_sittings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("operation_code", sa.String(length=16), nullable=False),
        sa.Column("sheet_id", sa.Integer(), nullable=True),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("max_score", sa.Float(), nullable=False),
        sa.Column("pass_mark", sa.Float(), nullable=False),
        sa.Column("examiners_required", sa.Integer(), nullable=False),
        sa.Column("site_name", sa.String(length=120), nullable=False),
        sa.Column("site_address", sa.String(length=200), nullable=False),
        sa.Column("exam_on", sa.Date(), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        _fk("exams_practical_sittings", "sheet_id", "exams_score_sheets"),
        _fk("exams_practical_sittings", "created_by_id", "auth_users"),
        sa.PrimaryKeyConstraint("id", name="pk_exams_practical_sittings"),
    )
    op.create_index("ix_exams_practical_sittings_exam_on", "exams_practical_sittings", ["exam_on"])
    op.create_index("ix_exams_practical_sittings_region_code", "exams_practical_sittings", ["region_code"])
    op.create_table(
        "exams_practical_examiners",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sitting_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("assigned_at", sa.DateTime(), nullable=False),
        _fk("exams_practical_examiners", "sitting_id", "exams_practical_sittings", ondelete="CASCADE"),
        _fk("exams_practical_examiners", "user_id", "auth_users"),
        sa.PrimaryKeyConstraint("id", name="pk_exams_practical_examiners"),
        sa.UniqueConstraint("sitting_id", "user_id", name="uq_exams_practical_examiners_sitting_id_user_id"),
    )
    op.create_table(
        "exams_practical_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sitting_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("operation_code", sa.String(length=16), nullable=False),
        sa.Column("exam_on", sa.Date(), nullable=False),
        sa.Column("theory_attempt_id", sa.Integer(), nullable=False),
        sa.Column("attempt_no", sa.Integer(), nullable=False),
        sa.Column("signatures", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("max_score", sa.Float(), nullable=True),
        sa.Column("passed", sa.Boolean(), nullable=True),
        sa.Column("vetoed", sa.Boolean(), nullable=True),
        sa.Column("graded_at", sa.DateTime(), nullable=True),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        _fk("exams_practical_attempts", "sitting_id", "exams_practical_sittings"),
        _fk("exams_practical_attempts", "person_id", "people_persons"),
        _fk("exams_practical_attempts", "theory_attempt_id", "exams_attempts"),
        _fk("exams_practical_attempts", "added_by_id", "auth_users"),
        sa.PrimaryKeyConstraint("id", name="pk_exams_practical_attempts"),
        sa.UniqueConstraint("sitting_id", "person_id", name="uq_exams_practical_attempts_sitting_id_person_id"),
        sa.UniqueConstraint(
            "person_id",
            "theory_attempt_id",
            "attempt_no",
            name="uq_exams_practical_attempts_person_theory_no",
        ),
    )
    op.create_index("ix_exams_practical_attempts_sitting_id", "exams_practical_attempts", ["sitting_id"])
    op.create_index("ix_exams_practical_attempts_person_id", "exams_practical_attempts", ["person_id"])
    op.create_table(
        "exams_practical_signatures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("examiner_id", sa.Integer(), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("vetoes", sa.JSON(), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.Column("signed_at", sa.DateTime(), nullable=False),
        sa.Column("ip", sa.String(length=45), nullable=False),
        sa.Column("user_agent", sa.String(length=300), nullable=False),
        _fk("exams_practical_signatures", "attempt_id", "exams_practical_attempts"),
        _fk("exams_practical_signatures", "examiner_id", "auth_users"),
        sa.PrimaryKeyConstraint("id", name="pk_exams_practical_signatures"),
        sa.UniqueConstraint(
            "attempt_id", "examiner_id", name="uq_exams_practical_signatures_attempt_id_examiner_id"
        ),
    )
    op.create_index("ix_exams_practical_signatures_attempt_id", "exams_practical_signatures", ["attempt_id"])


def downgrade():
    op.drop_index("ix_exams_practical_signatures_attempt_id", table_name="exams_practical_signatures")
    op.drop_table("exams_practical_signatures")
    op.drop_index("ix_exams_practical_attempts_person_id", table_name="exams_practical_attempts")
    op.drop_index("ix_exams_practical_attempts_sitting_id", table_name="exams_practical_attempts")
    op.drop_table("exams_practical_attempts")
    op.drop_table("exams_practical_examiners")
    op.drop_index("ix_exams_practical_sittings_region_code", table_name="exams_practical_sittings")
    op.drop_index("ix_exams_practical_sittings_exam_on", table_name="exams_practical_sittings")
    op.drop_table("exams_practical_sittings")
    op.drop_table("exams_score_items")
    op.drop_index("ix_exams_score_sheets_operation_code", table_name="exams_score_sheets")
    op.drop_table("exams_score_sheets")
