import pytest

from tests.dashboards.world import build


@pytest.fixture
def dw(factory):
    return build(factory)
