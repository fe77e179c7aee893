"""Every family's nominal case passes and every documented hard edge fails, closed loop with the reference stack.

Kinematic fidelity, seed 1. This is the behavioural contract of the library:
the nominal case is comfortably solvable, each edge case is physically
impossible (or, when marked ``expect: pass``, solvable at the limit).
"""

from __future__ import annotations

from typing import Any

import pytest

from scenario_library.catalog import list_families
from scenario_library.family import Family

rollout = pytest.importorskip("farm.sim.rollout")

from farm.result import Status  # noqa: E402  (after the skip guard: the simulator may not be there yet)
from farm.spec import RolloutSpec  # noqa: E402


def _cases() -> list[Any]:
    out = []
    for family in list_families():
        out.append(pytest.param(family, "nominal", {}, "pass", id=f"{family.name}-nominal"))
        out += [pytest.param(family, e["name"], e["params"], e["expect"], id=f"{family.name}-{e['name']}")
                for e in family.edge_cases]
    return out


@pytest.mark.parametrize(("family", "case", "overrides", "expect"), _cases())
def test_nominal_cases_pass_and_hard_edges_fail(family: Family, case: str, overrides: dict[str, Any],
                                                expect: str) -> None:
    spec = RolloutSpec.create(family=family.name, family_version=family.version, params=family.resolve(overrides),
                              seed=1, fidelity="kinematic")
    result = rollout.run_rollout(spec)
    detail = f"{family.name}/{case}: {result.status.value} {list(result.fail_reasons)} {result.error or ''}"
    assert result.status is (Status.PASSED if expect == "pass" else Status.FAILED), detail
