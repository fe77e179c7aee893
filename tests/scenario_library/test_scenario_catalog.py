"""The shipped catalogue: every family loads, validates and is consistent with the ODD and the run metrics."""

from __future__ import annotations

import pytest

from farm.result import Metrics
from scenario_library.catalog import (
    KNOWN_METRICS,
    build_scene,
    families_dir,
    family_dict,
    family_names,
    list_families,
    load_family,
    validate_paths,
)
from scenario_library.errors import ScenarioError
from scenario_library.odd import default_odd

MANDATORY = ("lead_vehicle_braking", "cut_in", "pedestrian_crossing", "static_obstacle", "intersection_crossing",
             "narrow_passage", "sensor_degradation", "low_friction_braking", "curve_following")


def test_every_shipped_family_file_validates_without_a_single_problem() -> None:
    assert validate_paths([families_dir()]) == []


def test_the_mandatory_families_and_the_two_test_only_ones_are_shipped() -> None:
    visible = family_names()
    assert set(MANDATORY) <= set(visible)
    assert len(visible) >= 9
    assert {f.name for f in list_families(include_test_only=True)} - set(visible) == {"null", "fault"}


def test_families_are_listed_sorted_by_name_and_cached() -> None:
    names = family_names(include_test_only=True)
    assert names == sorted(names)
    assert list_families()[0] is list_families()[0]


def test_every_family_lives_in_a_file_named_after_it() -> None:
    for family in list_families(include_test_only=True):
        assert family.source.endswith(f"/{family.name}.yaml")


def test_unknown_family_names_the_known_ones() -> None:
    with pytest.raises(ScenarioError) as err:
        load_family("lead_vehicle_brakes")
    assert "unknown family 'lead_vehicle_brakes'" in err.value.reason
    assert "lead_vehicle_braking" in err.value.reason


def test_known_metrics_are_exactly_the_metrics_a_rollout_reports() -> None:
    assert Metrics.names() == KNOWN_METRICS


def test_every_visible_family_documents_at_least_one_failing_hard_edge() -> None:
    for family in list_families():
        assert any(e["expect"] == "fail" and len(e["why"]) > 40 for e in family.edge_cases), family.name


def test_every_family_declares_every_odd_attribute_and_exercises_the_whole_odd_together() -> None:
    odd = default_odd()
    covered: set[tuple[str, str]] = set()
    for family in list_families():
        assert tuple(family.odd) == odd.names, family.name
        covered |= {(k, v) for k, values in family.odd.items() for v in values}
    every_value = {(a.name, v) for a in odd.attributes for v in a.values}
    assert every_value - covered <= {("lanes", "3+"), ("actor_types", "cyclist")}


def test_families_keep_durations_short_for_throughput() -> None:
    for family in list_families():
        if family.duration_s is not None:  # None: from its input (log_replay: the log's span)
            assert 8.0 <= family.duration_s <= 20.0, family.name


def test_the_test_only_families_have_the_exact_parameters_the_infrastructure_relies_on() -> None:
    null, fault = load_family("null"), load_family("fault")
    assert null.test_only and fault.test_only
    assert null.nominal == {"x": 0.5, "y": 0.5, "work_ms": 0.0, "pass_below": 1.0}
    assert null.parameter("x").levels == (0.0, 0.25, 0.5, 0.75, 1.0)
    assert null.parameter("y").levels == (0.0, 0.5, 1.0)
    assert (null.parameter("work_ms").low, null.parameter("work_ms").high) == (0.0, 10000.0)
    assert fault.parameter("mode").choices == ("ok", "raise", "hang", "busy_hang", "exit", "crash_after")
    assert fault.nominal == {"mode": "ok", "after_n": 0, "work_ms": 0.0, "x": 0.5}
    assert fault.parameter("after_n").type == "int" and fault.parameter("after_n").high == 1000.0
    assert [c.text for c in null.criteria] == [c.text for c in fault.criteria] == ["collision == false"]


def test_family_dict_is_json_ready_and_round_trips_the_parameters() -> None:
    import json

    family = load_family("low_friction_braking")
    data = json.loads(json.dumps(family_dict(family)))
    assert data["name"] == "low_friction_braking"
    assert [p["name"] for p in data["parameters"]] == [p.name for p in family.parameters]
    assert data["parameters"][0]["odd"] == "surface_friction"


def test_build_scene_fills_missing_parameters_with_their_nominal_value() -> None:
    family = load_family("low_friction_braking")
    assert build_scene(family, {}) == build_scene(family, family.nominal)
    assert build_scene(family, {"mu": 0.1}).friction_mu == 0.1
