"""Test families built directly from ``scenario_library.family``, so sweep tests do not depend on the catalogue.

Imported by the tests' conftest and by subprocesses that re-run an expansion.
"""

from __future__ import annotations

from scenario_library.errors import ScenarioError
from scenario_library.family import Family, Parameter


def _family(name: str, parameters: tuple[Parameter, ...], *, criticality: str = "standard",
            test_only: bool = False, version: int = 1) -> Family:
    return Family(name=name, version=version, description=f"{name} (test)", criticality=criticality,  # type: ignore[arg-type]
                  duration_s=10.0, odd={}, parameters=parameters, criteria=(), builder="tests:none",
                  source=f"tests/{name}.yaml", test_only=test_only)


BRAKE = _family("brake", (
    Parameter(name="speed_mps", type="float", unit="m/s", nominal=20.0, low=5.0, high=30.0,
              levels=(5.0, 10.0, 20.0, 30.0)),
    Parameter(name="gap_m", type="float", unit="m", nominal=40.0, low=10.0, high=80.0, levels=(10.0, 40.0, 80.0)),
    Parameter(name="mu", type="float", nominal=0.8, low=0.2, high=1.0, levels=(0.2, 0.5, 0.8, 1.0)),
    Parameter(name="lanes", type="int", nominal=2, low=1, high=4, levels=(1, 2, 3, 4)),
    Parameter(name="weather", type="choice", nominal="dry", choices=("dry", "wet", "fog"),
              levels=("dry", "wet", "fog")),
    Parameter(name="lights", type="bool", nominal=True, levels=(False, True)),
), criticality="critical")

PLAIN = _family("plain", (
    Parameter(name="x", type="float", nominal=0.5, low=0.0, high=1.0),
    Parameter(name="n", type="int", nominal=3, low=0, high=9),
))

NULL = _family("null", (Parameter(name="x", type="float", nominal=0.0, low=0.0, high=1.0),), test_only=True)

FAMILIES = {f.name: f for f in (BRAKE, PLAIN, NULL)}


def lookup(name: str) -> Family:
    """A stand-in for ``catalog.load_family``: unknown names raise ScenarioError as the catalogue does."""
    if name not in FAMILIES:
        raise ScenarioError(f"unknown family '{name}'", source="scenario_library/families")
    return FAMILIES[name]


def names() -> list[str]:
    return list(FAMILIES)
