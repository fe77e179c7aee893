"""Sweep files: a valid file becomes a SweepSpec; every malformed one is one InputError naming file and field."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from farm.errors import InputError
from farm.spec import SimSettings
from farm.stacks import NAMED_STACKS
from farm.sweep import expand, load_sweep, parse_sweep
from tests.farm.sweep.sweep_families import PLAIN

FULL = """
name: full
description: every field
seed: 42
stacks:
  - {name: reference, config: {rate_hz: 20}}
  - {entry_point: "tests.farm.sweep.sweep_stacks:build", config_name: cautious, config: {gap_s: 2.5, rate_hz: 20}}
fidelity: [kinematic, dynamic]
store: s3://bucket/prefix
resources: {batch_size: 4, max_in_flight: 16, timeout_s: 60, retries: 1, num_cpus_per_rollout: 0.5}
sim: {physics_hz: 120, stack_hz: 20, actuation_latency_s: 0.1}
telemetry: true
families:
  - name: brake
    sampler: sobol
    budget: 16
    repeats: 2
    params:
      mu: {range: [0.3, 0.9]}
      weather: {levels: [wet, fog]}
      lights: {fixed: false}
  - {select: critical, sampler: twise, strength: 3, seeds: [1, 2], fidelity: [dynamic]}
  - {name: plain, sampler: frozen, base: lhs, budget: 4, samples: [{x: 0.25}]}
  - {name: plain, sampler: random, budget: 8, rotate: daily, seed: 9}
"""


def test_a_full_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "full.yaml"
    path.write_text(FULL)
    sweep = load_sweep(path)
    assert (sweep.name, sweep.source, sweep.seed, sweep.description) == ("full", str(path), 42, "every field")
    assert sweep.stacks[0].entry_point == NAMED_STACKS["reference"].entry_point
    assert sweep.stacks[1].entry_point == "tests.farm.sweep.sweep_stacks:build"
    assert sweep.stacks[1].config == {"gap_s": 2.5, "rate_hz": 20}
    assert sweep.fidelity == ("kinematic", "dynamic")
    assert sweep.store == "s3://bucket/prefix" and sweep.telemetry is True
    assert (sweep.resources.batch_size, sweep.resources.max_in_flight, sweep.resources.timeout_s) == (4, 16, 60.0)
    assert sweep.sim == SimSettings(physics_hz=120, stack_hz=20, actuation_latency_s=0.1)
    first, second, third, fourth = sweep.families
    assert (first.name, first.sampler, first.budget, first.repeats) == ("brake", "sobol", 16, 2)
    assert {p.name: p.kind for p in first.params} == {"mu": "range", "weather": "levels", "lights": "fixed"}
    assert first.params[0].range == (0.3, 0.9) and first.params[2].fixed is False
    assert (second.select, second.strength, second.seeds, second.fidelity) == ("critical", 3, (1, 2), ("dynamic",))
    assert (third.sampler, third.base, third.generator, third.samples) == ("frozen", "lhs", "lhs", ((("x", 0.25),),))
    assert (fourth.rotate, fourth.seed, fourth.field) == ("daily", 9, "families[3]")


def test_defaults_are_one_reference_stack_kinematic_and_local_store() -> None:
    sweep = parse_sweep("name: d\nseed: 1\nfamilies: [{name: plain, sampler: nominal}]\n", source="d.yaml")
    assert sweep.stacks == (NAMED_STACKS["reference"],)
    assert (sweep.fidelity, sweep.store, sweep.telemetry) == (("kinematic",), None, False)
    assert (sweep.resources.batch_size, sweep.resources.retries, sweep.resources.timeout_s) == (8, 2, 120.0)
    assert sweep.families[0].repeats == 1 and sweep.families[0].strength == 2


BASE = "name: bad\nseed: 1\n"
BAD = [
    # (yaml after BASE, field, fragment of the reason)
    ("families: [{name: plain, sampler: sobl, budget: 4}]", "families[0].sampler", "Input should be"),
    ("families: [{name: plain, sampler: nominal, smapler: grid}]", "families[0].smapler", "unknown field"),
    ("families: [{name: plain}]", "families[0].sampler", "required field is missing"),
    ("families: []", "families", "at least 1"),
    ("families: [{name: plain, sampler: sobol}]", "families[0].budget", "needs a budget"),
    ("families: [{name: plain, sampler: nominal, budget: 3}]", "families[0].budget", "needs a sampling design"),
    ("families: [{name: plain, sampler: random, budget: 0}]", "families[0].budget", "greater than or equal to 1"),
    ("families: [{name: plain, sampler: random, budget: '8'}]", "families[0].budget", "valid integer"),
    ("families: [{sampler: grid}]", "families[0]", "exactly one of 'name' or 'select'"),
    ("families: [{name: plain, select: all, sampler: grid}]", "families[0]", "exactly one of 'name' or 'select'"),
    ("families: [{select: all, sampler: grid, params: {x: {fixed: 1.0}}}]", "families[0].params", "one family"),
    ("families: [{name: plain, sampler: grid, seeds: [1], repeats: 2}]", "families[0].seeds", "not both"),
    ("families: [{name: plain, sampler: grid, seeds: [1, 1]}]", "families[0].seeds", "listed twice"),
    ("families: [{name: plain, sampler: grid, strength: 3}]", "families[0].strength", "applies to the twise"),
    ("families: [{name: plain, sampler: twise, strength: 4}]", "families[0].strength", "Input should be 2 or 3"),
    ("families: [{name: plain, sampler: frozen}]", "families[0]", "needs 'base' or 'samples'"),
    ("families: [{name: plain, sampler: frozen, base: grid, rotate: daily}]", "families[0].rotate", "never rotates"),
    ("families: [{name: plain, sampler: grid, base: lhs}]", "families[0].base", "only a 'frozen' entry"),
    ("families: [{name: plain, sampler: grid, samples: [{x: 1.0}]}]", "families[0].samples", "only a 'frozen'"),
    ("families: [{name: plain, sampler: grid, params: {x: {fixed: 1.0, range: [0, 1]}}}]",
     "families[0].params.x", "exactly one of 'fixed', 'range' or 'levels'"),
    ("families: [{name: plain, sampler: grid, params: {x: {range: [0, 1, 2]}}}]",
     "families[0].params.x.range", "at most 2"),
    ("families: [{name: plain, sampler: grid, params: {x: {fixed: [1]}}}]",
     "families[0].params.x.fixed", "a number, a string or true/false"),
    ("families: [{name: plain, sampler: grid, fidelity: [fast]}]", "families[0].fidelity[0]", "Input should be"),
    ("fidelity: [kinematic, kinematic]\nfamilies: [{name: plain, sampler: grid}]", "fidelity", "listed twice"),
    ("stacks: [reference, reference]\nfamilies: [{name: plain, sampler: grid}]", "stacks", "listed twice"),
    ("stacks: [not a stack]\nfamilies: [{name: plain, sampler: grid}]", "stacks[0]", "neither a stack name"),
    ("stacks: [{config_name: x}]\nfamilies: [{name: plain, sampler: grid}]", "stacks[0]", "exactly one of"),
    ("resources: {timeout_s: -1}\nfamilies: [{name: plain, sampler: grid}]", "resources.timeout_s", "greater than"),
    ("sim: {physics_hz: 240.5}\nfamilies: [{name: plain, sampler: grid}]", "sim.physics_hz", "valid integer"),
    # physics_hz: 5 used to simulate 0 s and pass; stack_hz: 7 used to simulate 14.875 s of a 15 s scene.
    ("sim: {physics_hz: 5}\nfamilies: [{name: plain, sampler: grid}]", "sim.physics_hz", "whole multiple of"),
    ("sim: {stack_hz: 7}\nfamilies: [{name: plain, sampler: grid}]", "sim.physics_hz", "(7 Hz), got 240 Hz"),
    ("sim: {stack_hz: 20}\nfamilies: [{name: plain, sampler: grid}]", "stacks[0]",
     "rate_hz=10.0, the sweep's sim.stack_hz is 20"),
    ("stacks: [{entry_point: 'tests.farm.broken_stacks:raises_on_build'}]\nfamilies: [{name: plain, sampler: grid}]",
     "stacks[0]", "factory raised RuntimeError: missing calibration file"),
    ("sim: {latency: {lidar: {median_ms: 3}}}\nfamilies: [{name: plain, sampler: grid}]", "sim.latency.lidar",
     "Input should be"),
    ("sim: {latency: {perception: {median_ms: -3}}}\nfamilies: [{name: plain, sampler: grid}]",
     "sim.latency.perception.median_ms", "greater than 0"),
    ("sim: {latency: {perception: {spike_prob: 2}}}\nfamilies: [{name: plain, sampler: grid}]",
     "sim.latency.perception.spike_prob", "less than or equal to 1"),
]


@pytest.mark.parametrize(("body", "field", "reason"), BAD)
def test_a_malformed_file_is_one_input_error_with_its_field(body: str, field: str, reason: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_sweep(BASE + body + "\n", source="bad.yaml")
    error = caught.value
    assert (error.source, error.field, error.exit_code) == ("bad.yaml", field, 2)
    assert reason in error.reason
    assert "\n" not in error.line() and error.line().startswith(f"bad.yaml: {field}: ")


def test_missing_name_and_seed_are_reported() -> None:
    with pytest.raises(InputError, match=r"bad\.yaml: name: required field is missing"):
        parse_sweep("seed: 1\nfamilies: [{name: plain, sampler: grid}]\n", source="bad.yaml")
    with pytest.raises(InputError, match=r"bad\.yaml: seed: required field is missing"):
        parse_sweep("name: x\nfamilies: [{name: plain, sampler: grid}]\n", source="bad.yaml")


def test_a_key_given_twice_is_refused() -> None:
    with pytest.raises(InputError, match=r"bad.yaml: not valid YAML: duplicate key 'seed' \(line 3, column 1\)"):
        parse_sweep("name: x\nseed: 1\nseed: 2\nfamilies: [{name: plain, sampler: grid}]\n", source="bad.yaml")


def test_invalid_yaml_and_non_mappings_are_refused() -> None:
    with pytest.raises(InputError, match=r"bad.yaml: not valid YAML: expected ',' or '\]'.* \(line 3, column 1\)"):
        parse_sweep("name: x\nseed: [1\n", source="bad.yaml")
    with pytest.raises(InputError, match=r"bad\.yaml: a sweep file must be a YAML mapping"):
        parse_sweep("- 1\n- 2\n", source="bad.yaml")


def test_an_unreadable_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        load_sweep(tmp_path / "nope.yaml")
    assert caught.value.source == str(tmp_path / "nope.yaml") and "cannot read" in caught.value.reason


def test_latency_overrides_change_only_the_named_fields_and_every_run_id() -> None:
    body = "families: [{name: plain, sampler: nominal}]\n"
    default = parse_sweep(BASE + body, source="d.yaml").sim
    slow = parse_sweep(BASE + "sim: {latency: {perception: {median_ms: 60, deadline_ms: 50}}}\n" + body,
                       source="s.yaml").sim
    assert default == SimSettings()
    changed = {name: (a, b) for (name, a), (_, b) in zip(default.latency, slow.latency, strict=True) if a != b}
    assert list(changed) == ["perception"]
    assert (changed["perception"][1].median_ms, changed["perception"][1].deadline_ms) == (60.0, 50.0)
    assert changed["perception"][1].spike_prob == changed["perception"][0].spike_prob
    assert default.as_params() != slow.as_params()
    assert SimSettings.from_dict(slow.to_dict()) == slow


def test_a_family_lasting_a_fractional_number_of_ticks_is_refused() -> None:
    odd = dataclasses.replace(PLAIN, duration_s=7.55)  # 75.5 ticks at 10 Hz
    sweep = parse_sweep(BASE + "families: [{name: plain, sampler: nominal}]\n", source="f.yaml")
    with pytest.raises(InputError, match=r"^f\.yaml: sim\.stack_hz: family 'plain' lasts 7\.55 s, not a whole"):
        expand(sweep, family_lookup=lambda name: odd, family_names=lambda: ("plain",))
    assert len(expand(sweep, family_lookup=lambda name: PLAIN, family_names=lambda: ("plain",))) == 1


def test_to_dict_is_plain_data() -> None:
    sweep = parse_sweep(FULL, source="full.yaml")
    data = sweep.to_dict()
    assert data["name"] == "full" and data["families"][0]["params"][0]["range"] == (0.3, 0.9)
    assert data["stacks"][1]["config_name"] == "cautious"
