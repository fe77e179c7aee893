"""Fixtures: the test families (``sweep_families``) and expansion keyword arguments that use them."""

from __future__ import annotations

from typing import Any

import pytest

from scenario_library.family import Family
from tests.farm.sweep.sweep_families import BRAKE, PLAIN, lookup, names


@pytest.fixture
def families() -> dict[str, Any]:
    """Keyword arguments that point expansion at the test families instead of the catalogue."""
    return {"family_lookup": lookup, "family_names": names}


@pytest.fixture
def brake() -> Family:
    """Six parameters: float x3 with declared levels, int, choice, bool; critical."""
    return BRAKE


@pytest.fixture
def plain() -> Family:
    """A float and an int with ranges and no declared levels; standard."""
    return PLAIN
