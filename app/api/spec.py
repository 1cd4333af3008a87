"""The OpenAPI 3.1 document, generated from the views' declarations by spectree (with pydantic v2 models, whose JSON
Schema is the 2020-12 dialect OpenAPI 3.1 uses). ``validate(...)`` declares a route's query, body and responses;
spectree checks the request before the view runs and the response after it, and the same declarations make
``/api/v1/openapi.json``. Every operation also lists the error answers it can give, in the one error shape.

spectree's own documentation pages load their scripts from a CDN: they are not registered; ``/api/v1/docs`` is
ours (``templates/api/docs.html``, ``static/js/api-docs.js``).
"""

from __future__ import annotations

from spectree import Response, SpecTree
from spectree.models import SecureType, SecurityScheme, SecuritySchemeData, Server

from app.api.schemas.common import Error
from app.core.errors import DomainError

DESCRIPTION = """\
Anpei's data-exchange API for enforcement (执法) and provincial systems. See docs/api.md for a guide and a Python
client. Every call needs `Authorization: Bearer <token>` (except the public certificate verification); errors are
`{"error": {"code", "message"}}`; lists are keyset-paginated (`cursor`, `limit`, `next_cursor`); GET answers carry an
`ETag` (send `If-None-Match` for a 304); every POST that creates something needs an `Idempotency-Key`.
"""


def _invalid(req, resp, error, instance, model_adapter) -> None:
    """spectree's hook before the view: a request that fails validation becomes the one error shape (422)."""
    if error is None:
        return
    problems = []
    for item in model_adapter.validation_errors(error)[:5]:
        where = ".".join(str(part) for part in item.get("loc", ()))
        problems.append(f"{where}: {item.get('msg', '')}" if where else str(item.get("msg", "")))
    raise DomainError("api.invalid_request", http_status=422, detail="; ".join(problems)[:500])


api_spec = SpecTree(
    "flask",
    mode="strict",
    title="Anpei 安培 API",
    description=DESCRIPTION,
    version="1.0.0",
    path="api/v1/spectree-unused",
    servers=[Server(url="/", description="this site")],
    security_schemes=[
        SecurityScheme(
            name="bearer",
            data=SecuritySchemeData(type=SecureType.HTTP, scheme="bearer", description="The client's API token"),
        )
    ],
    security={"bearer": []},
    before=_invalid,
    validation_error_status=422,
    annotations=True,
    # plain component names (``Certificate``, not ``Certificate.<hash>``); nested models shared by name
    naming_strategy=lambda model: model.__name__,
    nested_naming_strategy=lambda _parent, child: child,
)

#: Error answers every authenticated operation may give.
COMMON_ERRORS = {
    "HTTP_400": (Error, "A malformed header or cursor"),
    "HTTP_401": (Error, "No valid token"),
    "HTTP_403": (Error, "The client lacks the scope"),
    "HTTP_422": (Error, "The request does not validate"),
    "HTTP_429": (Error, "Too many requests (see Retry-After)"),
}


def validate(**declaration):
    """``api_spec.validate`` that always serialises the answer through its model (ISO dates, UTF-8 JSON)."""
    return api_spec.validate(force_resp_serialize=True, **declaration)


def responses(*, public: bool = False, cached: bool = False, **codes) -> Response:
    """A spectree ``Response`` with ``codes`` plus the common errors (and 304 for a GET answered with an ETag)."""
    errors = {k: v for k, v in COMMON_ERRORS.items() if not (public and k in ("HTTP_401", "HTTP_403"))}
    response = Response(*(("HTTP_304",) if cached else ()), **{**errors, **codes})
    return response


#: The document's tags in the order of docs/api.md's table of resources. The routes live in several modules
#: (``app.api.views`` imports them), so the order they happen to be registered in does not decide it.
TAG_ORDER = ("client", "persons", "training", "certificates", "exams", "inspections", "exports", "webhooks", "verify")


def _tag_rank(tag: dict) -> int:
    return TAG_ORDER.index(tag["name"]) if tag["name"] in TAG_ORDER else len(TAG_ORDER)


def openapi_document() -> dict:
    """The document (built once per process, from the routes of the running app), its tags in :data:`TAG_ORDER`."""
    document = api_spec.spec
    document["tags"].sort(key=_tag_rank)
    return document
