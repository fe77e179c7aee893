"""Identity contract: canonical encodings and content hashes (docs/architecture.md, "Identity")."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from farm.identity import CanonicalError, canonical_value, part_key, run_id, scenario_key
from farm.spec import RolloutSpec, SimSettings, StackRef


def test_the_same_float_written_three_ways_gives_one_key() -> None:
    values = [yaml.safe_load(text) for text in ("0.001", "1.0e-3", "1.0e-03")] + [float("1e-3")]
    keys = {scenario_key("fam", 1, {"mu": float(v)}, 3) for v in values}
    assert len(keys) == 1


def test_param_order_does_not_matter_but_values_and_types_do() -> None:
    a = scenario_key("fam", 1, {"a": 1.0, "b": "wet"}, 1)
    assert a == scenario_key("fam", 1, {"b": "wet", "a": 1.0}, 1)
    assert a != scenario_key("fam", 1, {"a": 1, "b": "wet"}, 1)  # int 1 is not float 1.0
    assert a != scenario_key("fam", 2, {"a": 1.0, "b": "wet"}, 1)
    assert a != scenario_key("fam", 1, {"a": 1.0, "b": "wet"}, 2)
    assert a != scenario_key("fam", 1, {"a": 1.0000000000000002, "b": "wet"}, 1)


def test_negative_zero_is_zero_and_non_finite_is_refused() -> None:
    assert canonical_value(-0.0) == canonical_value(0.0)
    with pytest.raises(CanonicalError):
        canonical_value(float("nan"))
    with pytest.raises(CanonicalError):
        canonical_value(float("inf"))


def test_bools_are_not_ints() -> None:
    assert canonical_value(True) != canonical_value(1)


def test_ids_are_at_least_64_bits_of_hex() -> None:
    key = scenario_key("fam", 1, {"x": 0.5}, 1)
    rid = run_id(key, "stack", "kinematic", {"physics_hz": 240})
    assert len(key) == len(rid) == 16 and int(rid, 16) >= 0


def test_run_id_changes_with_stack_fidelity_and_sim_settings_but_scenario_key_does_not() -> None:
    base = RolloutSpec.create(family="fam", family_version=1, params={"x": 0.5}, seed=1)
    variants = [
        RolloutSpec.create(family="fam", family_version=1, params={"x": 0.5}, seed=1, fidelity="dynamic"),
        RolloutSpec.create(family="fam", family_version=1, params={"x": 0.5}, seed=1,
                           stack=StackRef.create("autonomy.reference:build_stack", "default", {"a": 1})),
        RolloutSpec.create(family="fam", family_version=1, params={"x": 0.5}, seed=1,
                           sim=SimSettings(physics_hz=480)),
    ]
    assert {v.scenario_key for v in variants} == {base.scenario_key}
    assert len({v.run_id for v in variants} | {base.run_id}) == 4


def test_design_and_telemetry_are_not_identity() -> None:
    a = RolloutSpec.create(family="fam", family_version=1, params={"x": 0.5}, seed=1, design="sobol")
    b = RolloutSpec.create(family="fam", family_version=1, params={"x": 0.5}, seed=1, telemetry=True)
    assert a.run_id == b.run_id


def test_spec_round_trips_through_json_exactly() -> None:
    spec = RolloutSpec.create(family="fam", family_version=3, params={"mu": 0.1 + 0.2, "n": 4, "wet": True,
                                                                      "kind": "suv"}, seed=9, design="lhs",
                              stack=StackRef.create("pkg.mod:make", "fast", {"gain": 0.3}))
    again = RolloutSpec.from_json(spec.to_json())
    assert again == spec and again.run_id == spec.run_id


def test_part_key_depends_on_the_set_of_run_ids_only() -> None:
    assert part_key(["b", "a", "c"]) == part_key(["c", "b", "a"])
    assert part_key(["a", "b"]) != part_key(["a", "b", "c"])


def test_ids_are_stable_across_processes() -> None:
    code = ("from farm.spec import RolloutSpec;"
            "print(RolloutSpec.create(family='fam', family_version=1, params={'x': 0.1, 'k': 'a'}, seed=5).run_id)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONHASHSEED": "123", "PATH": ""}, cwd=str(__import__("pathlib").Path(__file__)
                                                                            .resolve().parents[2]))
    here = RolloutSpec.create(family="fam", family_version=1, params={"x": 0.1, "k": "a"}, seed=5).run_id
    assert out.stdout.strip() == here
