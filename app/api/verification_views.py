"""Public certificate verification as an API: no token, limited per address, the masked public record only."""

from __future__ import annotations

from flask import g, request
from flask_babel import gettext as _

from app.api import bp
from app.api.base_views import endpoint
from app.api.params import filled
from app.api.schemas import verification as verification_schemas
from app.api.schemas.common import Error
from app.api.spec import responses, validate
from app.certificates import verification
from app.core.errors import error_body


def _verified(certs) -> tuple[dict, int]:
    records = [verification.public_record(c) for c in certs]
    if not records:
        g.api_call.error_code = "cert.not_found"
        return error_body("cert.not_found", message=_not_found()), 404
    return {"records": records}, 200


def _not_found() -> str:
    return _("未查询到相关证书信息")


@bp.route("/verify/<code>")
@endpoint(public=True)
@validate(
    resp=responses(public=True, HTTP_200=verification_schemas.Verification, HTTP_404=Error),
    security={},
    tags=["verify"],
)
def verify_code(code: str):
    """The public record of the certificate behind a card's QR code (no token; each address has
    `ANPEI_CERT_VERIFY_LIMIT` lookups per `ANPEI_CERT_VERIFY_WINDOW_MINUTES`, counted before the lookup, as on the
    page). Name, ID and number masked; every miss is the same 404."""
    verification.count_lookup(request.remote_addr or "")
    return _verified(verification.by_code(code))


@bp.route("/verify", methods=["POST"])
@endpoint(public=True, replayable=False)
@validate(
    json=verification_schemas.VerifyLookup,
    resp=responses(public=True, HTTP_200=verification_schemas.Verification, HTTP_404=Error),
    security={},
    tags=["verify"],
)
def verify_lookup(json: verification_schemas.VerifyLookup):
    """The public record by 证号 or 证件号码 with 姓名, as the national query page (no token; limited per address)."""
    verification.count_lookup(request.remote_addr or "")
    name = filled(json.name, "name")
    if json.by == "id_number":
        return _verified(verification.by_id_number(json.key, name))
    return _verified(verification.by_number(json.key, name))
