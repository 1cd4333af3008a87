"""The regulator's view: rollups per enterprise × metric × month and per region, refresh runs, complaints with their
documents and record events, 退出 recommendations, institution scores, published rankings and holds, alerts.

Revision ID: 0501
Revises: 0601
"""

import sqlalchemy as sa
from alembic import op

revision = "0501"
down_revision = "0601"
branch_labels = None
depends_on = None


def _id():
    return sa.Column("id", sa.Integer(), nullable=False)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    """The naming convention's name, shortened where it would pass PostgreSQL's 63 characters."""
    name = f"fk_{table}_{column}_{target}"
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=name if len(name) <= 63 else f"fk_{table}_{column}")


def upgrade():
    op.create_table(
        "dash_rollups",
        _id(),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("metric", sa.String(length=40), nullable=False),
        sa.Column("dim", sa.String(length=80), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("num", sa.Integer(), nullable=False),
        sa.Column("den", sa.Integer(), nullable=False),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        _fk("dash_rollups", "enterprise_id", "people_enterprises"),
        sa.PrimaryKeyConstraint("id", name="pk_dash_rollups"),
        sa.UniqueConstraint(
            "enterprise_id", "metric", "dim", "month", name="uq_dash_rollups_enterprise_id_metric_dim_month"
        ),
    )
    op.create_index("ix_dash_rollups_metric_month_region", "dash_rollups", ["metric", "month", "region_code"])
    op.create_table(
        "dash_region_rollups",
        _id(),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("metric", sa.String(length=40), nullable=False),
        sa.Column("dim", sa.String(length=80), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("num", sa.Integer(), nullable=False),
        sa.Column("den", sa.Integer(), nullable=False),
        sa.Column("enterprises", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_dash_region_rollups"),
        sa.UniqueConstraint(
            "region_code", "metric", "dim", "month", name="uq_dash_region_rollups_region_code_metric_dim_month"
        ),
    )
    op.create_index("ix_dash_region_rollups_metric_month", "dash_region_rollups", ["metric", "month"])
    op.create_table(
        "dash_refresh_runs",
        _id(),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("enterprises", sa.Integer(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("checked", sa.Integer(), nullable=True),
        sa.Column("mismatches", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_dash_refresh_runs"),
    )
    op.create_table(
        "dash_complaints",
        _id(),
        sa.Column("institution_id", sa.Integer(), nullable=True),
        sa.Column("enterprise_id", sa.Integer(), nullable=True),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("verdict", sa.String(length=32), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        _fk("dash_complaints", "institution_id", "people_institutions"),
        _fk("dash_complaints", "enterprise_id", "people_enterprises"),
        _fk("dash_complaints", "recorded_by_id", "auth_users"),
        sa.CheckConstraint(
            "(institution_id IS NULL) <> (enterprise_id IS NULL)", name="ck_dash_complaints_one_subject"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_dash_complaints"),
    )
    op.create_index("ix_dash_complaints_institution_id", "dash_complaints", ["institution_id"])
    op.create_index("ix_dash_complaints_enterprise_id", "dash_complaints", ["enterprise_id"])
    op.create_index("ix_dash_complaints_region_code", "dash_complaints", ["region_code"])
    op.create_table(
        "dash_complaint_documents",
        _id(),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("storage_key", sa.String(length=200), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=80), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        _fk("dash_complaint_documents", "complaint_id", "dash_complaints"),
        _fk("dash_complaint_documents", "uploaded_by_id", "auth_users"),
        sa.PrimaryKeyConstraint("id", name="pk_dash_complaint_documents"),
    )
    op.create_index("ix_dash_complaint_documents_complaint_id", "dash_complaint_documents", ["complaint_id"])
    op.create_table(
        "dash_record_events",
        _id(),
        sa.Column("institution_id", sa.Integer(), nullable=True),
        sa.Column("enterprise_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        _fk("dash_record_events", "institution_id", "people_institutions"),
        _fk("dash_record_events", "enterprise_id", "people_enterprises"),
        _fk("dash_record_events", "complaint_id", "dash_complaints"),
        _fk("dash_record_events", "actor_id", "auth_users"),
        sa.PrimaryKeyConstraint("id", name="pk_dash_record_events"),
    )
    op.create_index("ix_dash_record_events_institution_id", "dash_record_events", ["institution_id"])
    op.create_index("ix_dash_record_events_enterprise_id", "dash_record_events", ["enterprise_id"])
    op.create_table(
        "dash_exit_recommendations",
        _id(),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("first_ticket_id", sa.Integer(), nullable=False),
        sa.Column("second_ticket_id", sa.Integer(), nullable=False),
        sa.Column("failed_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=True),
        sa.Column("action_note", sa.String(length=300), nullable=False),
        sa.Column("acted_by_id", sa.Integer(), nullable=True),
        sa.Column("acted_at", sa.DateTime(), nullable=True),
        sa.Column("close_note", sa.String(length=300), nullable=False),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        _fk("dash_exit_recommendations", "person_id", "people_persons"),
        _fk("dash_exit_recommendations", "enterprise_id", "people_enterprises"),
        _fk("dash_exit_recommendations", "first_ticket_id", "spotchecks_tickets"),
        _fk("dash_exit_recommendations", "second_ticket_id", "spotchecks_tickets"),
        _fk("dash_exit_recommendations", "acted_by_id", "auth_users"),
        _fk("dash_exit_recommendations", "closed_by_id", "auth_users"),
        sa.PrimaryKeyConstraint("id", name="pk_dash_exit_recommendations"),
        sa.UniqueConstraint("second_ticket_id", name="uq_dash_exit_recommendations_second_ticket_id"),
    )
    op.create_index("ix_dash_exit_recommendations_person_id", "dash_exit_recommendations", ["person_id"])
    op.create_index("ix_dash_exit_recommendations_enterprise_id", "dash_exit_recommendations", ["enterprise_id"])
    op.create_table(
        "dash_institution_scores",
        _id(),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("eligible", sa.Boolean(), nullable=False),
        sa.Column("components", sa.JSON(), nullable=False),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        _fk("dash_institution_scores", "institution_id", "people_institutions"),
        sa.PrimaryKeyConstraint("id", name="pk_dash_institution_scores"),
        sa.UniqueConstraint("institution_id", "month", name="uq_dash_institution_scores_institution_id_month"),
    )
    op.create_table(
        "dash_rankings",
        _id(),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("region_name", sa.String(length=100), nullable=False),
        sa.Column("authority", sa.String(length=120), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.Column("withheld", sa.Integer(), nullable=False),
        _fk("dash_rankings", "published_by_id", "auth_users"),
        sa.PrimaryKeyConstraint("id", name="pk_dash_rankings"),
        sa.UniqueConstraint("region_code", "month", name="uq_dash_rankings_region_code_month"),
    )
    op.create_table(
        "dash_ranking_entries",
        _id(),
        sa.Column("ranking_id", sa.Integer(), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("institution_name", sa.String(length=200), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("components", sa.JSON(), nullable=False),
        _fk("dash_ranking_entries", "ranking_id", "dash_rankings"),
        _fk("dash_ranking_entries", "institution_id", "people_institutions"),
        sa.PrimaryKeyConstraint("id", name="pk_dash_ranking_entries"),
        sa.UniqueConstraint("ranking_id", "institution_id", name="uq_dash_ranking_entries_ranking_id_institution_id"),
    )
    op.create_index("ix_dash_ranking_entries_ranking_id", "dash_ranking_entries", ["ranking_id"])
    op.create_table(
        "dash_ranking_holds",
        _id(),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("held_at", sa.DateTime(), nullable=False),
        sa.Column("held_by_id", sa.Integer(), nullable=True),
        sa.Column("lifted_at", sa.DateTime(), nullable=True),
        sa.Column("lifted_by_id", sa.Integer(), nullable=True),
        _fk("dash_ranking_holds", "institution_id", "people_institutions"),
        _fk("dash_ranking_holds", "held_by_id", "auth_users"),
        _fk("dash_ranking_holds", "lifted_by_id", "auth_users"),
        sa.PrimaryKeyConstraint("id", name="pk_dash_ranking_holds"),
    )
    op.create_index(
        "ux_dash_ranking_holds_open",
        "dash_ranking_holds",
        ["institution_id"],
        unique=True,
        sqlite_where=sa.text("lifted_at IS NULL"),
        postgresql_where=sa.text("lifted_at IS NULL"),
    )
    op.create_table(
        "dash_alerts",
        _id(),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("ref", sa.String(length=80), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("link", sa.String(length=200), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("read_at", sa.DateTime(), nullable=True),
        _fk("dash_alerts", "user_id", "auth_users"),
        sa.PrimaryKeyConstraint("id", name="pk_dash_alerts"),
        sa.UniqueConstraint("user_id", "kind", "ref", name="uq_dash_alerts_user_id_kind_ref"),
    )
    op.create_index("ix_dash_alerts_user_unread", "dash_alerts", ["user_id", "read_at"])


def downgrade():
    for table in (
        "dash_alerts",
        "dash_ranking_holds",
        "dash_ranking_entries",
        "dash_rankings",
        "dash_institution_scores",
        "dash_exit_recommendations",
        "dash_record_events",
        "dash_complaint_documents",
        "dash_complaints",
        "dash_refresh_runs",
        "dash_region_rollups",
        "dash_rollups",
    ):
        op.drop_table(table)
