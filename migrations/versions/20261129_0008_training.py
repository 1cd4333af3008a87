"""Training: courses and lessons, classes (班次), enrolments, attendance, study sessions, lesson progress and the
per-day study ledger. The exam kind ``class`` (班次考试) needs no DDL (kinds are stored as strings).

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "training_courses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("training_type", sa.String(32), nullable=False),
        sa.Column("posts", sa.JSON(), nullable=False),
        sa.Column("industries", sa.JSON(), nullable=False),
        sa.Column("operation_code", sa.String(16), nullable=False),
        sa.Column("family_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("frozen_at", sa.DateTime(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("scope", sa.String(32), nullable=False),
        sa.Column("region_code", sa.String(6), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=True),
        sa.Column("institution_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["auth_users.id"], name="fk_training_courses_created_by_id_auth_users"
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["people_enterprises.id"], name="fk_training_courses_enterprise_id_people_enterprises"
        ),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["people_institutions.id"],
            name="fk_training_courses_institution_id_people_institutions",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_training_courses"),
    )
    op.create_index("ix_training_courses_family_id", "training_courses", ["family_id"])
    op.create_table(
        "training_lessons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(120), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("duration_seconds", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("file_key", sa.String(200), nullable=False),
        sa.Column("file_name", sa.String(200), nullable=False),
        sa.Column("content_type", sa.String(80), nullable=False),
        sa.Column("file_size", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"], ["training_courses.id"], name="fk_training_lessons_course_id_training_courses"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_training_lessons"),
    )
    op.create_index("ix_training_lessons_course_id", "training_lessons", ["course_id"])
    op.create_table(
        "training_classes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(120), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("training_type", sa.String(32), nullable=False),
        sa.Column("mode", sa.String(32), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("required_hours", sa.Float(), nullable=False),
        sa.Column("post", sa.String(32), nullable=False),
        sa.Column("operation_code", sa.String(16), nullable=False),
        sa.Column("exam_template_id", sa.Integer(), nullable=True),
        sa.Column("exam_sitting_id", sa.Integer(), nullable=True),
        sa.Column("enterprise_id", sa.Integer(), nullable=True),
        sa.Column("institution_id", sa.Integer(), nullable=True),
        sa.Column("region_code", sa.String(6), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"], ["training_courses.id"], name="fk_training_classes_course_id_training_courses"
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["auth_users.id"], name="fk_training_classes_created_by_id_auth_users"
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["people_enterprises.id"], name="fk_training_classes_enterprise_id_people_enterprises"
        ),
        sa.ForeignKeyConstraint(
            ["exam_sitting_id"], ["exams_sittings.id"], name="fk_training_classes_exam_sitting_id_exams_sittings"
        ),
        sa.ForeignKeyConstraint(
            ["exam_template_id"], ["bank_templates.id"], name="fk_training_classes_exam_template_id_bank_templates"
        ),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["people_institutions.id"],
            name="fk_training_classes_institution_id_people_institutions",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_training_classes"),
    )
    op.create_index("ix_training_classes_course_id", "training_classes", ["course_id"])
    op.create_index("ix_training_classes_enterprise_id", "training_classes", ["enterprise_id"])
    op.create_index("ix_training_classes_institution_id", "training_classes", ["institution_id"])
    op.create_table(
        "training_enrolments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("class_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("enrolled_at", sa.DateTime(), nullable=False),
        sa.Column("enrolled_by_id", sa.Integer(), nullable=True),
        sa.Column("completed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["class_id"], ["training_classes.id"], name="fk_training_enrolments_class_id_training_classes"
        ),
        sa.ForeignKeyConstraint(
            ["enrolled_by_id"], ["auth_users.id"], name="fk_training_enrolments_enrolled_by_id_auth_users"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people_persons.id"], name="fk_training_enrolments_person_id_people_persons"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_training_enrolments"),
        sa.UniqueConstraint("class_id", "person_id", name="uq_training_enrolments_class_id_person_id"),
    )
    op.create_index("ix_training_enrolments_class_id", "training_enrolments", ["class_id"])
    op.create_index("ix_training_enrolments_person_id", "training_enrolments", ["person_id"])
    op.create_table(
        "training_attendance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("class_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("session_date", sa.Date(), nullable=False),
        sa.Column("session_label", sa.String(40), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(10), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["class_id"], ["training_classes.id"], name="fk_training_attendance_class_id_training_classes"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people_persons.id"], name="fk_training_attendance_person_id_people_persons"
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["auth_users.id"], name="fk_training_attendance_recorded_by_id_auth_users"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_training_attendance"),
        sa.UniqueConstraint(
            "class_id",
            "person_id",
            "session_date",
            "session_label",
            name="uq_training_attendance_session",
        ),
    )
    op.create_index("ix_training_attendance_class_id", "training_attendance", ["class_id"])
    op.create_index("ix_training_attendance_person_id", "training_attendance", ["person_id"])
    op.create_table(
        "training_study_sessions",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(40), nullable=False),
        sa.Column("class_id", sa.Integer(), nullable=False),
        sa.Column("lesson_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("last_at", sa.DateTime(), nullable=True),
        sa.Column("position", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["class_id"], ["training_classes.id"], name="fk_training_study_sessions_class_id_training_classes"
        ),
        sa.ForeignKeyConstraint(
            ["lesson_id"], ["training_lessons.id"], name="fk_training_study_sessions_lesson_id_training_lessons"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people_persons.id"], name="fk_training_study_sessions_person_id_people_persons"
        ),
        sa.PrimaryKeyConstraint("person_id", name="pk_training_study_sessions"),
    )
    op.create_table(
        "training_lesson_progress",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("class_id", sa.Integer(), nullable=False),
        sa.Column("lesson_id", sa.Integer(), nullable=False),
        sa.Column("furthest", sa.Float(), nullable=False),
        sa.Column("credited_seconds", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["class_id"], ["training_classes.id"], name="fk_training_lesson_progress_class_id_training_classes"
        ),
        sa.ForeignKeyConstraint(
            ["lesson_id"], ["training_lessons.id"], name="fk_training_lesson_progress_lesson_id_training_lessons"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people_persons.id"], name="fk_training_lesson_progress_person_id_people_persons"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_training_lesson_progress"),
        sa.UniqueConstraint(
            "person_id", "class_id", "lesson_id", name="uq_training_lesson_progress_person_id_class_id_lesson_id"
        ),
    )
    op.create_index("ix_training_lesson_progress_person_id", "training_lesson_progress", ["person_id"])
    op.create_table(
        "training_study_credits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("class_id", sa.Integer(), nullable=False),
        sa.Column("lesson_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("seconds", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["class_id"], ["training_classes.id"], name="fk_training_study_credits_class_id_training_classes"
        ),
        sa.ForeignKeyConstraint(
            ["lesson_id"], ["training_lessons.id"], name="fk_training_study_credits_lesson_id_training_lessons"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people_persons.id"], name="fk_training_study_credits_person_id_people_persons"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_training_study_credits"),
        sa.UniqueConstraint(
            "person_id",
            "class_id",
            "lesson_id",
            "day",
            name="uq_training_study_credits_person_id_class_id_lesson_id_day",
        ),
    )
    op.create_index("ix_training_study_credits_class_id", "training_study_credits", ["class_id"])
    op.create_index("ix_training_study_credits_person_id", "training_study_credits", ["person_id"])


def downgrade():
    for name in (
        "training_study_credits",
        "training_lesson_progress",
        "training_study_sessions",
        "training_attendance",
        "training_enrolments",
        "training_classes",
        "training_lessons",
        "training_courses",
    ):
        op.drop_table(name)
