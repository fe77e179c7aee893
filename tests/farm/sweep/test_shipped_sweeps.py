"""The shipped sweep files expand against the shipped catalogue, at the sizes their comments promise."""

from __future__ import annotations

import datetime as dt
import importlib.util
import itertools
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

from farm.sweep import expand, load_sweep, parse_sweep

SWEEPS = Path(__file__).resolve().parents[3] / "scenario_library" / "sweeps"
pytestmark = pytest.mark.skipif(importlib.util.find_spec("scenario_library.catalog") is None,
                                reason="scenario_library.catalog is not there yet")
DAY = dt.date(2024, 6, 1)


def _catalog() -> ModuleType:
    from scenario_library import catalog

    return catalog


@pytest.mark.parametrize("name", ["ci", "smoke", "nightly", "release"])
def test_every_shipped_sweep_loads_and_expands(name: str) -> None:
    sweep = load_sweep(SWEEPS / f"{name}.yaml")
    specs = expand(sweep, today=DAY)
    assert sweep.name == name and specs
    assert len({s.run_id for s in specs}) == len(specs)
    assert {s.family for s in specs} == set(_catalog().family_names())  # every family, never a test-only one


def test_ci_is_a_few_dozen_kinematic_rollouts() -> None:
    specs = expand(load_sweep(SWEEPS / "ci.yaml"))
    assert 20 <= len(specs) <= 48 and {s.fidelity for s in specs} == {"kinematic"}


def test_smoke_is_about_fifty_rollouts() -> None:
    specs = expand(load_sweep(SWEEPS / "smoke.yaml"))
    assert 40 <= len(specs) <= 60


def test_nightly_is_a_frozen_set_plus_a_daily_rotating_set_of_about_2000() -> None:
    sweep = load_sweep(SWEEPS / "nightly.yaml")
    today, tomorrow = expand(sweep, today=DAY), expand(sweep, today=DAY + dt.timedelta(days=1))
    assert 1800 <= len(today) <= 2200
    frozen = [s.run_id for s in today if s.design == "frozen"]
    assert frozen == [s.run_id for s in tomorrow if s.design == "frozen"] and frozen
    explored = {s.run_id for s in today if s.design == "sobol"}
    assert explored and explored.isdisjoint(s.run_id for s in tomorrow if s.design == "sobol")


def test_release_covers_every_3_tuple_of_levels_of_every_family() -> None:
    specs = expand(load_sweep(SWEEPS / "release.yaml"))
    for family in _catalog().list_families():
        sampled = [p for p in family.parameters if p.sampled]  # an input (a log) is never a level
        rows = {tuple(s.param_dict[p.name] for p in sampled)
                for s in specs if s.family == family.name and s.design == "twise"}
        levels = [p.levels for p in sampled]
        for cols in itertools.combinations(range(len(levels)), min(3, len(levels))):
            wanted = set(itertools.product(*(levels[c] for c in cols)))
            assert {tuple(r[c] for c in cols) for r in rows} == wanted, (family.name, cols)


def test_release_critical_set_is_nightlys_frozen_set_for_critical_families() -> None:
    release = expand(load_sweep(SWEEPS / "release.yaml"))
    nightly = expand(load_sweep(SWEEPS / "nightly.yaml"), today=DAY)
    critical = {f.name for f in _catalog().list_families() if f.criticality == "critical"}
    release_keys = {s.scenario_key for s in release if s.design == "frozen"}
    assert release_keys == {s.scenario_key for s in nightly if s.design == "frozen" and s.family in critical}
    assert Counter(s.fidelity for s in release if s.design == "frozen") == {"kinematic": len(release_keys),
                                                                             "dynamic": len(release_keys)}


def test_the_documented_example_expands() -> None:
    doc = (SWEEPS.parents[1] / "docs" / "sweep-format.md").read_text()
    example = doc.split("```yaml\n", 1)[1].split("```\n", 1)[0]
    specs = expand(parse_sweep(example, source="docs/sweep-format.md"), today=DAY)
    by_design = Counter(s.design for s in specs)
    assert by_design["sobol"] == 64 * 2 * 2 * 2  # budget x repeats x stacks x fidelities
    assert by_design["lhs"] == 32 * 2  # x stacks; this entry runs kinematic only
    assert {s.param_dict["obstacle_distance_m"] for s in specs if s.design == "sobol"} == {70.0}
    assert {s.param_dict["ego_speed_mps"] for s in specs if s.design == "sobol"} <= {10.0, 14.0, 20.0}
    assert any(s.design == "frozen" and s.param_dict["cut_in_gap_m"] == 8.0 for s in specs)
