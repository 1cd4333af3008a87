"""Records: the registered photo's consent withdrawal and purge, the retention of the 查阅记录 itself, and API
clients in the 查阅记录 (a full 证件号码 shown to a client; a bulk export as one row naming its scope and count).

Revision ID: 0905
Revises: 0901
"""

from datetime import date, datetime

import sqlalchemy as sa
from alembic import op

revision = "0905"
down_revision = "0901"
branch_labels = None
depends_on = None

RULES = [
    {
        "key": "retention.photo_years",
        "label": "登记照片保存期限（最后任职结束、证书终止后）",
        "value": 3.0,
        "legal_basis": "个人信息保护法 第十九条、第二十八条、第四十七条",
    },
    {
        "key": "retention.access_log_years",
        "label": "敏感信息查阅记录保存期限（查阅后）",
        "value": 3.0,
        "legal_basis": "个人信息保护法 第四十五条、第五十五条、第五十六条",
    },
]


def upgrade():
    with op.batch_alter_table("people_persons") as batch:
        batch.add_column(sa.Column("photo_consent_withdrawn_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("photo_purged_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("records_purge_runs") as batch:
        batch.add_column(sa.Column("photos_purged", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("access_log_purged", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("people_access_log") as batch:
        batch.alter_column("person_id", existing_type=sa.Integer(), nullable=True)
        batch.alter_column("viewer_id", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("client_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("client_name", sa.String(100), nullable=False, server_default=""))
        batch.add_column(sa.Column("row_count", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("scope_region", sa.String(6), nullable=False, server_default=""))
        batch.add_column(sa.Column("scope_label", sa.String(200), nullable=False, server_default=""))
    op.create_index("ix_people_access_log_scope_region_at", "people_access_log", ["scope_region", "at"])
    bind = op.get_bind()
    now = datetime.utcnow().replace(microsecond=0)  # noqa: DTZ003  (stored times are naive UTC)
    for rule in RULES:
        exists = bind.execute(
            sa.text("SELECT 1 FROM rules_rules WHERE key = :key AND region_code = ''"), {"key": rule["key"]}
        ).first()
        if exists is None:  # seed-reference adds it too; this makes it there at once
            bind.execute(
                sa.text(
                    "INSERT INTO rules_rules (key, label, value, unit, legal_basis, region_code, valid_from, "
                    "created_at, updated_at) VALUES (:key, :label, :value, '年', :legal_basis, '', :valid_from, "
                    ":now, :now)"
                ),
                {**rule, "valid_from": date(2000, 1, 1), "now": now},
            )


def downgrade():
    bind = op.get_bind()
    for rule in RULES:
        bind.execute(sa.text("DELETE FROM rules_rules WHERE key = :key AND region_code = ''"), {"key": rule["key"]})
    # rows that name no person or no user (API clients, bulk exports) cannot stay in the older shape
    bind.execute(sa.text("DELETE FROM people_access_log WHERE person_id IS NULL OR viewer_id IS NULL"))
    op.drop_index("ix_people_access_log_scope_region_at", table_name="people_access_log")
    with op.batch_alter_table("people_access_log") as batch:
        batch.drop_column("scope_label")
        batch.drop_column("scope_region")
        batch.drop_column("row_count")
        batch.drop_column("client_name")
        batch.drop_column("client_id")
        batch.alter_column("viewer_id", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("person_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("records_purge_runs") as batch:
        batch.drop_column("access_log_purged")
        batch.drop_column("photos_purged")
    with op.batch_alter_table("people_persons") as batch:
        batch.drop_column("photo_purged_at")
        batch.drop_column("photo_consent_withdrawn_at")
