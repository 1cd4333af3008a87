import pytest

from tests.people.world import build_world


@pytest.fixture
def world(factory):
    return build_world(factory)


from tests.exams.conftest import exam_world  # noqa: E402, F401  (shared fixture for the time-zone tests)
