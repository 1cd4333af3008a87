"""Overrides of the hours gate of a 资格考试 or 复审考试, one row per admitted candidate: the reason from the fixed list
and its substance, listed for the supervising regulator. Overrides logged before this (free text only, in the
一人一档) are carried over with the reason ``unlisted``.

Revision ID: 0303
Revises: 0302
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0303"
down_revision = "0302"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "exams_gate_overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sitting_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("reason_code", sa.String(length=40), nullable=False),
        sa.Column("reason_text", sa.String(length=200), nullable=False),
        sa.Column("refused_because", sa.String(length=300), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["sitting_id"], ["exams_sittings.id"], name="fk_exams_gate_overrides_sitting"),
        sa.ForeignKeyConstraint(["person_id"], ["people_persons.id"], name="fk_exams_gate_overrides_person"),
        sa.ForeignKeyConstraint(["actor_id"], ["auth_users.id"], name="fk_exams_gate_overrides_actor"),
        sa.PrimaryKeyConstraint("id", name="pk_exams_gate_overrides"),
        sa.UniqueConstraint("sitting_id", "person_id", name="uq_exams_gate_overrides_sitting_id_person_id"),
    )
    op.create_index("ix_exams_gate_overrides_sitting_id", "exams_gate_overrides", ["sitting_id"], unique=False)
    op.create_index("ix_exams_gate_overrides_person_id", "exams_gate_overrides", ["person_id"], unique=False)
    bind = op.get_bind()
    rows = bind.execute(
        sa.text("SELECT person_id, payload, actor_id, at FROM archive_events WHERE kind = 'exam.gate_overridden'")
    ).all()
    seen = set()
    for person_id, payload, actor_id, at in rows:
        facts = json.loads(payload)
        sitting_id = facts.get("sitting")
        exists = bind.execute(sa.text("SELECT 1 FROM exams_sittings WHERE id = :id"), {"id": sitting_id}).first()
        if not exists or (sitting_id, person_id) in seen:
            continue
        seen.add((sitting_id, person_id))
        bind.execute(
            sa.text(
                "INSERT INTO exams_gate_overrides (sitting_id, person_id, reason_code, reason_text, refused_because, "
                "actor_id, at) VALUES (:sitting, :person, 'unlisted', :text, :refused, :actor, :at)"
            ),
            {
                "sitting": sitting_id,
                "person": person_id,
                "text": str(facts.get("reason") or "")[:200],
                "refused": str(facts.get("refused_because") or "")[:300],
                "actor": actor_id,
                "at": at,
            },
        )


def downgrade():
    op.drop_index("ix_exams_gate_overrides_person_id", table_name="exams_gate_overrides")
    op.drop_index("ix_exams_gate_overrides_sitting_id", table_name="exams_gate_overrides")
    op.drop_table("exams_gate_overrides")
