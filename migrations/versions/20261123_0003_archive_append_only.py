"""一人一档 archive_events append-only in the database too (PostgreSQL; no-op on SQLite)

The ORM already refuses to update or delete an ``ArchiveEvent`` (``ArchiveTampering``), and the HMAC chain shows
any edit made around it. This trigger refuses ``UPDATE`` and ``DELETE`` of a row for every database client as
well: an edit now needs a role that may switch triggers off (the table's owner or a superuser), not merely write
access. ``TRUNCATE`` is left to the owner (the test suite empties tables with it).

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("""
        CREATE FUNCTION archive_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'archive_events is append-only (一人一档): % refused', TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END
        $$
    """)
    op.execute("""
        CREATE TRIGGER archive_events_append_only BEFORE UPDATE OR DELETE ON archive_events
        FOR EACH ROW EXECUTE FUNCTION archive_events_append_only()
    """)


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER archive_events_append_only ON archive_events")
    op.execute("DROP FUNCTION archive_events_append_only()")
