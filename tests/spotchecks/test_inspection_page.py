"""The inspection page gets its tickets and the drawn people's certificates from the view, in one query each —
not one per ticket through a template global (app.people.sections)."""

import re

import sqlalchemy as sa

from app.extensions import db


def test_tickets_and_their_certificates_load_in_one_query_each(world, login):
    inspection = world.open()
    world.factory.commit()
    client = login(world.regulator)
    statements: list[str] = []

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", seen)
    try:
        page = client.get(f"/spotchecks/{inspection.id}").get_data(as_text=True)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", seen)
    assert len(re.findall(r'data-field="certificates"', page)) == len(inspection.tickets) > 1
    from_certificates = [s for s in statements if re.search(r"FROM certs_certificates\b", s)]
    from_tickets = [s for s in statements if re.search(r"FROM spotcheck\w*tickets\b", s)]
    assert len(from_certificates) == 1, from_certificates
    assert len(from_tickets) == 1, from_tickets
