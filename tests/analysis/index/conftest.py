"""Fixtures of the index engine tests."""

from __future__ import annotations

import pytest
from index_fixtures import make_scheme

from questionnaires.scheme import Scheme


@pytest.fixture
def scheme() -> Scheme:
    """The small hand-made scheme of ``index_fixtures``."""
    return make_scheme()
