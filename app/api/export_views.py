"""Bulk exports: NDJSON streamed in constant memory, one 查阅记录 row per export that shows full 证件号码."""

from __future__ import annotations

from flask import current_app, g, request, stream_with_context
from flask_babel import gettext as _

from app.api import bp, exports
from app.api.base_views import close_export, endpoint, open_export, principal, touched
from app.api.models import ApiScope
from app.api.spec import responses, validate
from app.auth.policy import people as people_policy
from app.auth.scope import region_prefix


@bp.route("/exports/certificates.ndjson")
@endpoint(ApiScope.CERTIFICATES_READ)
@validate(resp=responses(HTTP_200=None), tags=["exports"])
def export_certificates():
    """Every certificate the client may see (a jurisdiction's client: its jurisdiction's), one JSON object per
    line, each like an item of `GET /certificates`; streamed in constant memory. The last line is
    `{"end": true, "count": N}`: a download without it was cut off."""
    tally = exports.Tally()
    return _stream(exports.certificates(principal(), tally), tally, _("证书"))


@bp.route("/exports/exam-results.ndjson")
@endpoint(ApiScope.EXAMS_READ)
@validate(resp=responses(HTTP_200=None), tags=["exports"])
def export_exam_results():
    """Every graded theory exam result the client may see, one JSON object per line (as `GET /exam-results`),
    streamed; the last line is `{"end": true, "count": N}`."""
    tally = exports.Tally()
    return _stream(exports.exam_results(principal(), tally), tally, _("考试成绩"))


def _stream(lines, tally: exports.Tally | None = None, what: str = ""):
    """A streamed answer. The body is attached after spectree's response step (which would read a streamed body into
    memory to validate it): the view answers an empty 200, ``_attach_stream`` puts the lines in.

    An export that shows full 证件号码 (``people_policy.sees_others_full_ids``) is one 查阅记录 row for the call — its scope
    (the client's region) and, once the stream ends or is cut off, how many lines showed a full number — not a row
    per line."""
    p = principal()
    if tally is not None and people_policy.sees_others_full_ids(p):
        region = region_prefix(p) or p.region_code
        tenant = p.jurisdiction or p.enterprise or p.institution
        entry = open_export(region, f"{what} · {tenant.name if tenant is not None else region}")
        lines = _counted(lines, entry, tally)
    g.api_stream = lines
    touched("export")
    return current_app.response_class(b"", mimetype="application/x-ndjson")


def _counted(lines, entry, tally: exports.Tally):
    """The export's lines; when they end (or the client goes), its 查阅记录 row gets the count of full numbers."""
    try:
        yield from lines
    finally:
        close_export(entry, tally.full)


@bp.after_request
def _attach_stream(response):
    lines = g.pop("api_stream", None)
    if lines is not None and response.status_code == 200:
        response.response = stream_with_context(lines)
        response.headers.pop("Content-Length", None)
        response.headers.pop("ETag", None)
        response.headers["Cache-Control"] = "no-store"
        response.headers["Content-Disposition"] = f"attachment; filename={request.path.rsplit('/', 1)[-1]}"
    return response
