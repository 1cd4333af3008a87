"""一人一档: the append-only, HMAC-chained archive of what happened to a person — a core service every domain
writes to (``services.record_event``) and nobody edits. Its pages live with the person (``app.people.timeline``)."""
