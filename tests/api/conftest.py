from __future__ import annotations

import pytest

from tests.api.world import ApiWorld, build_api_world
from tests.spotchecks.world import forget_question_indexes


@pytest.fixture(autouse=True)
def _fresh_question_indexes():
    """Bank ids restart after each test's clean-up, so a cached index could belong to another test's bank."""
    forget_question_indexes()
    yield
    forget_question_indexes()


@pytest.fixture(autouse=True)
def _tokens_fail_freely(app, monkeypatch, request):
    """The matrix sends hundreds of calls without a valid token from one address; the limit on failed token checks
    has its own test (``test_failed_token_checks_are_limited_per_address``)."""
    if "limited_auth" not in request.keywords:
        monkeypatch.setitem(app.config, "API_AUTH_FAILURES", 100000)


@pytest.fixture
def aw(factory) -> ApiWorld:
    return build_api_world(factory)


@pytest.fixture
def api(app):
    """A plain test client (no session, no CSRF token): what a system calling the API is."""
    from flask.testing import FlaskClient

    return FlaskClient(app, app.response_class, use_cookies=False)
