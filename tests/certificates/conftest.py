from __future__ import annotations

import pytest

from tests.certificates.world import CertWorld, build_cert_world


@pytest.fixture
def cw(factory) -> CertWorld:
    world = build_cert_world(factory)
    factory.commit()
    return world
