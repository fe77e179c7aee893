"""``assess`` over the catalogue: every nominal point and documented edge, determinism, the row, bad rules."""

from __future__ import annotations

import dataclasses

import pytest

from farm.errors import InputError
from farm.preventable import RULES, Preventability, assess
from scenario_library.catalog import list_families, load_family
from scenario_library.family import PREVENTABLE_RULES, PreventableRule

NO_RULE = ("null", "fault")  # the test-only families: judged below
FAMILIES = [f for f in list_families() if f.name not in NO_RULE]
EDGES = [(f.name, e["name"], dict(e["params"])) for f in FAMILIES for e in f.edge_cases]
# log_replay's nominal names no rule (no verdict); its nominal log judged as the promotion of its lead would be:
NAMED = {"log_replay": {"rule": "lead_vehicle_braking", "actor": "lead"}}


def test_every_rule_name_the_schema_accepts_has_an_implementation() -> None:
    assert set(RULES) == set(PREVENTABLE_RULES)


@pytest.mark.parametrize("family", [f.name for f in FAMILIES])
def test_every_nominal_point_is_preventable(family: str) -> None:
    """Expected: each family's nominal case is one a careful driver gets through without contact."""
    r = assess(load_family(family), NAMED.get(family, {}))
    assert r.rule == ("recorded@1:lead_vehicle_braking" if family in NAMED else f"{family}@1")
    assert r.preventable is True, r


@pytest.mark.parametrize(("family", "edge", "params"), EDGES, ids=[f"{f}-{e}" for f, e, _ in EDGES])
def test_every_documented_edge_is_unpreventable(family: str, edge: str, params: dict) -> None:
    """Expected: every shipped edge documents a failure no careful driver avoids either (the family's ``why``)."""
    r = assess(load_family(family), params)
    assert r.preventable is False, (edge, r)


def test_a_log_replay_sample_naming_no_rule_has_no_verdict_and_no_rule() -> None:
    assert assess(load_family("log_replay"), {}) == Preventability(preventable=None, rule=None,
                                                                  ref_impact_speed_mps=None, ref_min_gap_m=None)


@pytest.mark.parametrize("family", NO_RULE)
def test_families_without_a_rule_have_no_verdict(family: str) -> None:
    r = assess(load_family(family), {})
    assert (r.preventable, r.rule, r.ref_impact_speed_mps, r.ref_min_gap_m) == (None, "null@1", None, None)


def test_assessing_twice_gives_identical_results_and_the_scene_argument_changes_nothing() -> None:
    family = load_family("pedestrian_crossing")
    params = {"occluded": True, "trigger_distance_m": 20.0}
    first = assess(family, params)
    assert assess(family, params) == first
    assert assess(family, params, family.build(params)) == first


def test_the_row_has_the_verdict_columns_and_the_extras() -> None:
    row = assess(load_family("lead_vehicle_braking"), {}).as_row()
    assert list(row)[:3] == ["preventable", "ref_impact_speed_mps", "ref_min_gap_m"]
    assert row["preventable_rule"] == "lead_vehicle_braking@1"
    assert {"rss_min_safe_gap_m", "rss_gap_m", "rss_violated_t0", "jrc_fsm_pfs_t0", "jrc_fsm_cfs_t0"} <= set(row)
    assert row["rss_gap_m"] == pytest.approx(35.0)


def test_a_family_without_a_rule_has_no_verdict() -> None:
    family = dataclasses.replace(load_family("lead_vehicle_braking"), preventable=None)
    assert assess(family, {}) == Preventability(preventable=None, rule=None, ref_impact_speed_mps=None,
                                                ref_min_gap_m=None)


def test_a_rule_version_without_an_implementation_is_bad_input() -> None:
    family = load_family("lead_vehicle_braking")
    future = dataclasses.replace(family, preventable=PreventableRule(rule="lead_vehicle_braking", version=2, why="x"))
    with pytest.raises(InputError, match="lead_vehicle_braking@2"):
        assess(future, {})
