"""The data-exchange API (``/api/v1``) for enforcement and provincial systems: token-authenticated JSON described by
an OpenAPI 3.1 document, webhooks and NDJSON exports; and the pages where the platform admin or a regulator manages
the API clients. See docs/api.md."""

from flask import Blueprint

#: ``/api/v1``: JSON for systems (bearer tokens, no session, no CSRF).
bp = Blueprint("api", __name__)
#: ``/api-clients``: the pages for people who manage API clients.
clients_bp = Blueprint("api_clients", __name__)
