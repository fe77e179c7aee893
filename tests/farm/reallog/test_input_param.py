"""The ``input`` parameter type: a content hash, never sampled, outside levels, coverage and t-wise."""

from __future__ import annotations

from pathlib import Path

import pytest

from farm.errors import InputError
from farm.sweep.expand import expand
from farm.sweep.model import ParamOverride, parse_sweep
from farm.sweep.samplers import draw
from farm.sweep.space import build_space
from scenario_library.family import Family, Parameter
from scenario_library.params import bin_count, bin_index, coerce_value

LOG_A, LOG_B = "a" * 32, "b" * 32
REPLAY = Family(name="replay_probe", version=1, description="test", criticality="standard", duration_s=10.0, odd={},
                parameters=(
                    Parameter(name="log", type="input", nominal=LOG_A),
                    Parameter(name="speed_mps", type="float", unit="m/s", nominal=10.0, low=5.0, high=20.0,
                              levels=(5.0, 10.0, 20.0)),
                    Parameter(name="reactive", type="bool", nominal=False, levels=(False, True)),
                ), criteria=(), builder="tests:none", source="tests/replay_probe.yaml")


def _lookup(name: str) -> Family:
    assert name == "replay_probe"
    return REPLAY


@pytest.mark.parametrize("design", ["grid", "twise", "random", "sobol", "lhs", "halton"])
def test_every_design_leaves_the_input_at_its_value_and_varies_the_others(design: str) -> None:
    space = build_space(REPLAY, (), source="s.yaml", field="families[0]")
    assert [d.name for d in space.dims] == ["speed_mps", "reactive"]  # the input is no dimension: no levels, no t-wise
    assert space.base["log"] == LOG_A
    samples = [{**space.base, **s} for s in draw(design, space, budget=8, strength=2, seed=1)]
    assert {s["log"] for s in samples} == {LOG_A}
    assert len({(s["speed_mps"], s["reactive"]) for s in samples}) > 1


def test_coverage_has_no_bins_for_an_input() -> None:
    log = REPLAY.parameter("log")
    assert not log.sampled and log.levels == () and bin_count(log) == 0
    with pytest.raises(ValueError, match="no coverage bins"):
        bin_index(log, LOG_A)


@pytest.mark.parametrize("override", [ParamOverride(name="log", kind="levels", levels=(LOG_A, LOG_B)),
                                      ParamOverride(name="log", kind="range", range=(0.0, 1.0))])
def test_an_input_cannot_be_given_a_range_or_levels(override: ParamOverride) -> None:
    with pytest.raises(InputError, match="never sampled") as caught:
        build_space(REPLAY, (override,), source="s.yaml", field="families[0]")
    assert caught.value.field == f"families[0].params.log.{override.kind}"


def test_a_fixed_input_and_named_frozen_samples_name_logs_by_hash() -> None:
    sweep = parse_sweep(f"""
name: t
seed: 1
families:
  - name: replay_probe
    sampler: frozen
    seeds: [1]
    samples:
      - {{name: incident-7, params: {{log: {LOG_B}}}}}
      - {{log: {LOG_A}, reactive: true}}
  - name: replay_probe
    sampler: grid
    params: {{log: {{fixed: {LOG_B}}}, speed_mps: {{fixed: 5.0}}}}
""", source="t.yaml")
    assert sweep.families[0].sample_names == ("incident-7", None)
    specs = expand(sweep, family_lookup=_lookup)
    assert [(s.design, s.param_dict["log"], s.param_dict["reactive"]) for s in specs] == [
        ("frozen", LOG_B, False), ("frozen", LOG_A, True), ("grid", LOG_B, False), ("grid", LOG_B, True)]


@pytest.mark.parametrize("value", ["logs/run1.parquet", "ABCDEF0123456789", "abc", 12])
def test_an_input_value_is_a_lowercase_content_hash_never_a_path(value: object) -> None:
    with pytest.raises(ValueError, match="content hash"):
        coerce_value(REPLAY.parameter("log"), value)
    text = f"name: t\nseed: 1\nfamilies:\n  - {{name: replay_probe, sampler: frozen, samples: [{{log: {value!r}}}]}}\n"
    with pytest.raises(InputError, match="content hash"):
        expand(parse_sweep(text, source="t.yaml"), family_lookup=_lookup)


LABELLED = Family(**{**{f: getattr(REPLAY, f) for f in REPLAY.__dataclass_fields__},
                     "parameters": (*REPLAY.parameters, Parameter(name="actor", type="label", nominal="none"))})


def test_a_label_is_never_sampled_binned_or_given_levels_and_takes_identifiers_only() -> None:
    space = build_space(LABELLED, (), source="s.yaml", field="families[0]")
    assert "actor" not in [d.name for d in space.dims] and space.base["actor"] == "none"
    assert {s.get("actor", "none") for s in draw("grid", space, budget=8, strength=2, seed=1)} == {"none"}
    actor = LABELLED.parameter("actor")
    assert not actor.sampled and bin_count(actor) == 0
    with pytest.raises(InputError, match="a label parameter is never sampled") as caught:
        build_space(LABELLED, (ParamOverride(name="actor", kind="levels", levels=("a", "b")),), source="s.yaml",
                    field="families[0]")
    assert caught.value.field == "families[0].params.actor.levels"
    fixed = build_space(LABELLED, (ParamOverride(name="actor", kind="fixed", fixed="lead-2"),), source="s.yaml",
                        field="families[0]")
    assert fixed.base["actor"] == "lead-2"
    assert coerce_value(actor, " lead.1 ") == "lead.1"
    for bad in ("", "-x", "a b", "x" * 129, 3):
        with pytest.raises(ValueError, match="expected an identifier"):
            coerce_value(actor, bad)


def test_a_family_document_declares_a_label_with_an_identifier_nominal_and_nothing_to_sample() -> None:
    import yaml

    from scenario_library.family_schema import ScenarioErrors
    from scenario_library.validation import check_document

    path = Path(__file__).resolve().parents[3] / "scenario_library" / "families" / "log_replay.yaml"
    doc = yaml.safe_load(path.read_text())
    assert check_document(doc, "log_replay.yaml").parameter("actor").type == "label"
    actor = next(i for i, p in enumerate(doc["parameters"]) if p["name"] == "actor")
    doc["parameters"][actor].update(nominal="a b", levels=["a"], unit="m")
    with pytest.raises(ScenarioErrors) as caught:
        check_document(doc, "log_replay.yaml")
    fields = {e.field for e in caught.value.errors}
    assert {f"parameters[{actor}].{k}" for k in ("nominal", "levels", "unit")} <= fields, fields
