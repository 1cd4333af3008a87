"""一人一档: the person's timeline and its JSON export (the archive itself is a core service in ``app.archive``)."""

import json

from flask import Response, render_template
from flask_login import current_user

from app.archive.services import epochs_of
from app.archive.verification import verify_chain
from app.core.clock import isoformat_local, utcnow
from app.people import bp
from app.people import scope as people_scope


@bp.route("/people/<int:person_id>/timeline")
def person_timeline(person_id: int):
    person = people_scope.get_person_or_404(current_user, person_id)
    events = people_scope.archive_events_for(current_user, person.id)
    _, breaks = verify_chain(person.id)
    epochs = epochs_of(person.id).get(person.id, [])  # the file's start purged past retention, newest first
    return render_template(
        "archive/timeline.html",
        person=person,
        events=events,
        epochs=list(reversed(epochs)),
        chain_ok=not breaks,
        decode=json.loads,
    )


@bp.route("/people/<int:person_id>/timeline.json")
def export_timeline(person_id: int):
    """The file as JSON, each event with its hash, so a recipient can check the chain it was given."""
    person = people_scope.get_person_or_404(current_user, person_id)
    events = people_scope.archive_events_for(current_user, person.id)
    body = {
        "person": {"id": person.id, "name": person.name, "id_masked": person.id_masked},
        "exported_at": isoformat_local(utcnow()),
        "events": [
            {
                "seq": e.seq,
                "kind": e.kind,
                "at": isoformat_local(e.at),
                "at_utc": e.at.isoformat(timespec="microseconds"),  # as it enters the chain's MAC
                "actor": e.actor_label,
                "payload": json.loads(e.payload),
                "prev_hash": e.prev_hash,
                "hash": e.hash,
            }
            for e in reversed(events)
        ],
    }
    return Response(
        json.dumps(body, ensure_ascii=False, indent=1),
        mimetype="application/json",
        headers={"Content-Disposition": f"attachment; filename=person-{person.id}-file.json"},
    )
