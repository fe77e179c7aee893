"""The fast ``farm.preventable`` against the frozen per-step reference (``tests/farm/preventable/oracle``).

Over every family with a rule: the nominal case, each documented edge and 50
points drawn uniformly from the declared ranges (fixed seed). Verdicts,
policies, perception times, impact speeds and extras must be identical; the
least gap may differ by at most ``contact.MIN_GAP_TOL_M`` (1e-9 m, proved in
``contact.contact_and_min_gap``) plus rounding. The replay must reproduce the
reference's actor tracks bit for bit, under the cruising and a braking ego.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from farm.errors import InputError
from farm.preventable import assess, contact, footprint, replay
from farm.preventable.rules_following import brake_plan
from scenario_library.catalog import list_families
from scenario_library.errors import ScenarioError
from scenario_library.family import Family
from tests.farm.preventable import oracle
from tests.farm.preventable.oracle import footprint as oracle_footprint
from tests.farm.preventable.oracle import replay as oracle_replay

SAMPLES, SEED = 12, 157  # 50 were checked once (468 cases, all identical); CI keeps the suite short
# Scripted motion only: the reference predates recorded motion (``recorded``: tests/farm/preventable/test_recorded.py)
FAMILIES = [f for f in list_families() if f.preventable is not None and f.preventable.rule not in ("null", "recorded")]


def _draw(family: Family, rng: np.random.Generator) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for p in family.parameters:
        if p.type == "float":
            out[p.name] = float(rng.uniform(p.low, p.high))
        elif p.type == "int":
            out[p.name] = int(rng.integers(int(p.low or 0), int(p.high or 0) + 1))
        elif p.type == "bool":
            out[p.name] = bool(rng.random() < 0.5)
        else:
            out[p.name] = str(rng.choice(list(p.choices)))
    return out


def _cases(family: Family) -> list[dict[str, Any]]:
    rng = np.random.default_rng([SEED, sum(map(ord, family.name))])
    return [{}, *(dict(e["params"]) for e in family.edge_cases), *(_draw(family, rng) for _ in range(SAMPLES))]


def _scenes(family: Family) -> list[tuple[dict[str, Any], Any]]:
    out = []
    for params in _cases(family):
        try:
            out.append((params, family.build(family.resolve(params))))
        except (InputError, ScenarioError, ValueError):
            continue  # a draw the builder refuses is refused by both
    return out


@pytest.mark.parametrize("family", FAMILIES, ids=[f.name for f in FAMILIES])
def test_assess_matches_the_reference_on_nominal_edges_and_random_draws(family: Family) -> None:
    scenes = _scenes(family)
    assert len(scenes) >= SAMPLES // 2 + 1, "most draws should build"
    worst_m = 0.0
    for params, scene in scenes:
        fast, ref = assess(family, params, scene).as_row(), oracle.assess(family, params, scene).as_row()
        fast_gap, ref_gap = fast.pop("ref_min_gap_m"), ref.pop("ref_min_gap_m")
        assert fast == ref, params
        assert (fast_gap is None) == (ref_gap is None), params
        if ref_gap is not None:
            worst_m = max(worst_m, abs(fast_gap - ref_gap))
            assert abs(fast_gap - ref_gap) <= contact.MIN_GAP_TOL_M + 1e-12 * max(abs(ref_gap), 1.0), params
    print(f"{family.name}: {len(scenes)} cases, worst least-gap difference {worst_m:.3g} m")


@pytest.mark.parametrize("family", [f for f in FAMILIES if f.build(f.nominal).actors],
                         ids=[f.name for f in FAMILIES if f.build(f.nominal).actors])
def test_replayed_actor_tracks_are_bit_identical_to_the_reference(family: Family) -> None:
    for params, scene in _scenes(family)[:20]:
        for plan in (replay.EgoPlan(), brake_plan(scene, 1.0)):
            fast = replay.simulate(scene, plan)
            same = oracle_replay.EgoPlan(**{k: getattr(plan, k) for k in oracle_replay.EgoPlan.__slots__})
            ref = oracle_replay.simulate(scene, same)
            assert np.array_equal(fast.ego_xy_m, ref.ego_xy_m)
            for actor_id, track in ref.actors.items():
                mine = fast.actors[actor_id]
                assert np.array_equal(mine.s_m, track.s_m), (params, actor_id)
                assert np.array_equal(mine.speed_mps, track.speed_mps), (params, actor_id)
                assert np.array_equal(mine.xy_m, track.xy_m) and np.array_equal(mine.yaw_rad, track.yaw_rad)
                assert (mine.fired_s, mine.phase_begin_s) == (track.fired_s, track.phase_begin_s), (params, actor_id)


def test_the_separation_bound_never_exceeds_the_box_gap_and_is_zero_exactly_in_contact() -> None:
    """200 000 random pairs of rotated boxes: bound <= gap (to rounding), bound <= 1e-9 iff gap == 0; and the
    rewritten ``box_gap_m`` gives the reference's gaps bit for bit."""
    rng = np.random.default_rng(SEED)
    for _ in range(10):
        n = 20_000
        ca, cb = rng.uniform(-8.0, 8.0, (n, 2)), rng.uniform(-8.0, 8.0, (n, 2))
        ya, yb = rng.uniform(-4.0, 4.0, n), rng.uniform(-4.0, 4.0, n)
        sa, sb = (rng.uniform(0.3, 5.0), rng.uniform(0.3, 2.0)), (rng.uniform(0.3, 5.0), rng.uniform(0.3, 2.0))
        a, b = footprint.corners(ca, ya, sa), footprint.corners(cb, yb, sb)
        gap = footprint.box_gap_m(a, b)
        bound = footprint.separation_bound_m(ca, ya, sa, cb, yb, sb)
        assert np.all(bound <= gap + 1e-12)
        assert np.array_equal(bound <= contact.SLACK_M, gap <= 0.0)
        assert np.array_equal(gap, oracle_footprint.box_gap_m(a, b))
