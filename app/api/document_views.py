"""The API about itself: the OpenAPI document and its page (public), and ``/me``, the calling client."""

from __future__ import annotations

from flask import current_app, g, jsonify, render_template

from app.api import bp, ids
from app.api.base_views import endpoint
from app.api.schemas import clients as client_schemas
from app.api.spec import openapi_document, responses, validate
from app.auth.access import public


@bp.route("/openapi.json")
@public
def openapi():
    return jsonify(openapi_document())


@bp.route("/docs")
@public
def docs():
    return render_template("api/docs.html")


@bp.route("/me")
@endpoint()
@validate(resp=responses(cached=True, HTTP_200=client_schemas.Me), tags=["client"])
def me():
    """The calling client: its tenant, scopes and rate limit."""
    client = g.api_call.client
    return {
        "id": ids.encode("client", client.id),
        "name": client.name,
        "tenant_kind": client.tenant_kind.value,
        "tenant_name": client.tenant_name,
        "region_code": client.region_code,
        "scopes": sorted(client.scopes),
        "rate_limit_per_minute": client.rate_limit or current_app.config["API_RATE_LIMIT"],
    }
