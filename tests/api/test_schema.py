"""Schemathesis against ``/api/v1/openapi.json``: for every operation, requests generated from the document (valid
ones, as the document describes them) are sent to the app as tenant A's authority with every scope. No answer may be
a 5xx; every answer must match the document (status code, content type, headers, body schema); and a request the
document calls valid must not be refused as invalid by the app's own validation (``api.invalid_request``): the
document and the validation come from the same models. Refusals by the state of things (an unknown officer, a forged
cursor, a key reused for another request) are answers, not failures. Bounded: ``EXAMPLES`` per operation (a few
hundred requests in all, seconds on SQLite)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.config import SchemathesisConfig

from app.extensions import db

EXAMPLES = 12

CONFIG = {
    "checks": {
        "positive_data_acceptance": {
            "expected-statuses": ["2xx", "3xx", "400", "401", "403", "404", "409", "422", "429"],
        }
    }
}


@schemathesis.check
def valid_means_valid(ctx, response, case):
    """A request the document calls valid is never refused by the app's schema validation."""
    if response.status_code == 422 and (response.json() or {}).get("error", {}).get("code") == "api.invalid_request":
        raise AssertionError(f"the app refused what the document allows: {response.json()['error']['message']}")


@pytest.fixture
def schema(app, aw, monkeypatch):
    monkeypatch.setitem(app.config, "API_WEBHOOK_ENQUEUE", False)  # no deliveries to generated URLs
    aw.clients["nanjing"].rate_limit = 100000
    db.session.commit()
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=SchemathesisConfig.from_dict(CONFIG))


def test_every_operation_answers_as_documented(schema, aw):
    headers = aw.headers("nanjing")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 25
    statuses: dict[int, int] = {}
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def check(case):
            # the client's token wins over the one the document's security scheme makes up
            response = case.call_and_validate(
                headers={**(case.headers or {}), **headers}, additional_checks=[valid_means_valid]
            )
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

        check()
    assert sum(statuses.values()) >= 200
    assert statuses.get(200, 0) >= 100, statuses  # most calls reached the data, not only refusals
