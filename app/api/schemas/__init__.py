"""The API's request and response shapes (pydantic models): validation and the OpenAPI 3.1 document both come from
here (``app.api.spec``). Ids are public ids (``app.api.ids``); times are ISO 8601 with the offset of the client's
zone; dates are ISO dates.

One module per part of the API (``common`` is shared). A caller imports the module that defines a shape
(``from app.api.schemas import people as people_schemas``), or the shared ones by name; nothing is re-exported here.
"""
