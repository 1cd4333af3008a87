import pytest

from tests.people.world import build_world


@pytest.fixture
def world(factory):
    return build_world(factory)
