import pytest

from tests.spotchecks.world import World, forget_question_indexes


@pytest.fixture(autouse=True)
def _fresh_question_indexes():
    """Bank ids restart after each test's clean-up, so a cached index could belong to another test's bank."""
    forget_question_indexes()
    yield
    forget_question_indexes()


@pytest.fixture
def world(factory):
    return World.build(factory)
