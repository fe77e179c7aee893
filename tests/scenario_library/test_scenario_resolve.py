"""resolve_params: CLI strings and typed values become canonical typed parameters, or one clear error."""

from __future__ import annotations

import pytest

from farm.identity import canonical_params
from scenario_library.catalog import load_family, resolve_params
from scenario_library.errors import ScenarioError
from scenario_library.params import bin_count, bin_index, coverage_edges


def test_spellings_of_the_same_float_give_identical_values_and_identical_keys() -> None:
    family = load_family("null")
    spellings = ["0.001", "1e-3", "1.0e-3", " 0.001 ", 0.001, 1e-3]
    values = [resolve_params(family, {"x": s})["x"] for s in spellings]
    assert all(type(v) is float and v == 0.001 for v in values)
    assert len({str(canonical_params(resolve_params(family, {"x": s}))) for s in spellings}) == 1


def test_nominal_values_fill_every_parameter_not_overridden() -> None:
    family = load_family("low_friction_braking")
    assert resolve_params(family, {"mu": "0.2"}) == {"mu": 0.2, "ego_speed_mps": 14.0, "obstacle_distance_m": 100.0}


def test_ints_floats_bools_and_choices_are_coerced_to_the_declared_type() -> None:
    fault = load_family("fault")
    resolved = resolve_params(fault, {"after_n": "7", "work_ms": "3", "mode": "hang"})
    assert resolved["after_n"] == 7 and type(resolved["after_n"]) is int
    assert resolved["work_ms"] == 3.0 and type(resolved["work_ms"]) is float
    assert resolved["mode"] == "hang"
    assert resolve_params(fault, {"after_n": 5.0})["after_n"] == 5
    ped = load_family("pedestrian_crossing")
    for text, expected in (("true", True), ("False", False), ("yes", True), ("0", False)):
        assert resolve_params(ped, {"occluded": text})["occluded"] is expected


def test_minus_zero_is_normalised() -> None:
    value = resolve_params(load_family("null"), {"x": "-0.0"})["x"]
    assert str(value) == "0.0"


def test_unknown_parameter_names_the_allowed_ones() -> None:
    with pytest.raises(ScenarioError) as err:
        resolve_params(load_family("null"), {"z": 1}, source="--param")
    assert err.value.source == "--param" and err.value.field == "z"
    assert "allowed: x, y, work_ms, pass_below" in err.value.reason


def test_out_of_range_names_the_range_and_unit() -> None:
    with pytest.raises(ScenarioError) as err:
        resolve_params(load_family("low_friction_braking"), {"ego_speed_mps": "40"})
    assert err.value.reason == "40 is outside the range [5, 25] m/s"


def test_a_bad_choice_names_the_choices() -> None:
    with pytest.raises(ScenarioError, match="not one of the choices: ok, raise, hang, busy_hang, exit, crash_after"):
        resolve_params(load_family("fault"), {"mode": "explode"})


@pytest.mark.parametrize(("name", "value", "reason"), [
    ("x", "abc", "expected a number"), ("x", "nan", "finite"), ("x", "inf", "finite"), ("x", True, "expected a number"),
    ("x", [0.5], "expected a number"), ("after_n", "1.5", "expected an integer"), ("mode", 3, "not one of the choices"),
])
def test_values_of_the_wrong_kind_are_refused(name: str, value: object, reason: str) -> None:
    family = load_family("null") if name == "x" else load_family("fault")
    with pytest.raises(ScenarioError, match=reason):
        resolve_params(family, {name: value})


def test_a_bool_parameter_refuses_words_that_are_not_booleans() -> None:
    with pytest.raises(ScenarioError, match="expected true or false"):
        resolve_params(load_family("pedestrian_crossing"), {"occluded": "maybe"})


def test_coverage_bins_sit_halfway_between_levels_and_every_level_has_its_own_bin() -> None:
    x = load_family("null").parameter("x")
    assert coverage_edges(x) == (0.125, 0.375, 0.625, 0.875)
    assert [bin_index(x, v) for v in x.levels] == [0, 1, 2, 3, 4]
    assert bin_count(x) == 5
    mode = load_family("fault").parameter("mode")
    assert bin_index(mode, "exit") == 4 and bin_count(mode) == 6
