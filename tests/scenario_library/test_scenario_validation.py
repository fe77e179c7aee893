"""Strict validation of family files: every rule gives one line naming the file, the field path and the reason."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from scenario_library.catalog import families_dir, load_family_file, validate_paths
from scenario_library.errors import ScenarioError

Writer = Callable[..., Path]


def problems(write: Writer, content: Any, name: str = "probe.yaml") -> list[tuple[str, str]]:
    """(field, reason) of every problem found in ``content`` written as a family file."""
    path = write(content, name)
    errors = validate_paths([path])
    for e in errors:
        assert e.source == str(path) and "\n" not in e.line()
    return [(e.field, e.reason) for e in errors]


def only(write: Writer, content: Any) -> tuple[str, str]:
    found = problems(write, content)
    assert len(found) == 1, found
    return found[0]


def test_the_unmodified_probe_document_is_valid(write: Writer, doc: dict[str, Any]) -> None:
    family = load_family_file(write(doc))
    assert family.name == "probe" and family.edge_cases[0]["params"] == {"x": 0.9, "pass_below": 0.5}


def test_unknown_keys_are_named_with_the_allowed_ones(write: Writer, doc: dict[str, Any]) -> None:
    doc["colour"] = "red"
    doc["parameters"][1]["step"] = 0.1
    found = problems(write, doc)
    assert ("colour", "unknown key (allowed: name, version, description, criticality, actors_of_interest, "
                      "duration_s, odd, parameters, criteria, builder, test_only, may_pass, edge_cases, "
                      "preventable)") in found
    assert any(field == "parameters[1].step" and reason.startswith("unknown key (allowed: name, type")
               for field, reason in found)


@pytest.mark.parametrize(("key", "value", "reason"), [
    ("version", "1", "valid integer"), ("version", 1.5, "valid integer"), ("version", True, "valid integer"),
    ("duration_s", "8", "valid number"), ("criticality", "high", "'critical' or 'standard'"),
    ("parameters", {"x": 1}, "valid list"), ("criteria", "collision == false", "valid list"),
    ("test_only", "yes", "valid boolean"), ("description", 3, "valid string"),
])
def test_wrong_types_are_refused_without_coercion(write: Writer, doc: dict[str, Any], key: str, value: Any,
                                                  reason: str) -> None:
    doc[key] = value
    field, text = only(write, doc)
    assert field == key and reason in text


def test_a_missing_required_key_is_named(write: Writer, doc: dict[str, Any]) -> None:
    del doc["builder"]
    assert only(write, doc) == ("builder", "required key is missing")


def test_an_exponent_without_a_dot_gets_a_yaml_hint(write: Writer) -> None:
    text = (families_dir() / "null.yaml").read_text().replace("nominal: 0.5,\n     levels: [0.0, 0.5, 1.0]",
                                                                "nominal: 5e-1,\n     levels: [0.0, 0.5, 1.0]")
    field, reason = only(write, text.replace('name: "null"', "name: probe").replace("test_only: true", ""))
    assert field == "parameters[1].nominal" and "write exponents with a dot" in reason


@pytest.mark.parametrize(("rng", "reason"), [
    ([1.0, 0.0], "empty or inverted range [1, 0]: needs low < high"),
    ([0.5, 0.5], "empty or inverted range [0.5, 0.5]: needs low < high"),
    ([], "needs exactly [low, high], got 0 values"),
    ([0.0, 0.5, 1.0], "needs exactly [low, high], got 3 values"),
    ([0.0, ".inf"], "expected a number"),
])
def test_empty_inverted_or_malformed_ranges_are_refused(write: Writer, doc: dict[str, Any], rng: list[Any],
                                                        reason: str) -> None:
    doc["parameters"][0]["range"] = rng
    field, text = only(write, doc)
    assert field.startswith("parameters[0].range") and reason in text


def test_a_nominal_outside_the_range_is_refused(write: Writer, doc: dict[str, Any]) -> None:
    doc["parameters"][0]["nominal"] = 1.5
    assert only(write, doc) == ("parameters[0].nominal", "1.5 is outside the range [0, 1]")


@pytest.mark.parametrize(("levels", "reason"), [
    ([0.0, 1.5], "levels must be non-empty and inside the range [0, 1]"),
    ([-0.1, 0.5], "levels must be non-empty and inside the range [0, 1]"),
    ([0.5, 0.25], "values must be strictly increasing"),
    ([0.5, 0.5], "values must be strictly increasing"),
    ([], "levels must be non-empty"),
])
def test_levels_outside_the_range_or_unsorted_are_refused(write: Writer, doc: dict[str, Any], levels: list[Any],
                                                          reason: str) -> None:
    doc["parameters"][0]["levels"] = levels
    field, text = only(write, doc)
    assert field == "parameters[0].levels" and reason in text


def test_bin_edges_must_be_inner_sorted_and_hold_one_level_each(write: Writer, doc: dict[str, Any]) -> None:
    p = doc["parameters"][1]
    p["bin_edges"] = [0.25, 0.75]
    assert load_family_file(write(doc)).parameter("y").bin_edges == (0.25, 0.75)
    p["bin_edges"] = [0.0, 0.75]
    assert only(write, doc) == ("parameters[1].bin_edges", "inner bin edges must lie strictly inside (0, 1)")
    p["bin_edges"] = [0.6, 0.8]
    assert only(write, doc) == ("parameters[1].levels", "with bin_edges, each bin needs exactly one level, in order")


def test_levels_default_to_bin_centres_when_only_edges_are_given(write: Writer, doc: dict[str, Any]) -> None:
    del doc["parameters"][1]["levels"]
    doc["parameters"][1]["bin_edges"] = [0.5]
    assert load_family_file(write(doc)).parameter("y").levels == (0.25, 0.75)
    del doc["parameters"][1]["bin_edges"]
    field, reason = only(write, doc)
    assert field == "parameters[1].levels" and "needs levels or bin_edges" in reason


def test_type_specific_keys_are_checked(write: Writer, doc: dict[str, Any]) -> None:
    doc["parameters"][0]["choices"] = ["a"]
    doc["parameters"][1]["unit"] = ""
    doc["parameters"][2] = {"name": "flag", "type": "bool", "description": "d", "nominal": "yes", "range": [0, 1]}
    doc["parameters"][3] = {"name": "mode", "type": "choice", "description": "d", "nominal": "c", "choices": ["a", "b"]}
    found = dict(problems(write, doc))
    assert found["parameters[0].choices"] == "not allowed for a float parameter"
    assert found["parameters[1].unit"] == "a float parameter needs a unit ('1' if dimensionless)"
    assert found["parameters[2].nominal"] == "expected true or false, got 'yes'"
    assert "not allowed for a bool parameter" in found["parameters[2].range"]
    assert found["parameters[3].nominal"] == "'c' is not one of the choices: a, b"


def test_int_parameters_take_integers_only(write: Writer, doc: dict[str, Any]) -> None:
    doc["parameters"][0].update(type="int", range=[0, 10], nominal=2, levels=[0, 2.5])
    assert only(write, doc) == ("parameters[0].levels[1]", "expected an integer, got 2.5")


def test_duplicate_parameter_names_are_refused(write: Writer, doc: dict[str, Any]) -> None:
    doc["parameters"][1]["name"] = "x"
    found = problems(write, doc)
    assert ("parameters[1].name", "duplicate parameter name 'x'") in found


def test_duplicate_yaml_keys_are_refused_with_their_line(write: Writer) -> None:
    text = (families_dir() / "null.yaml").read_text().replace("version: 1\n", "version: 1\nversion: 2\n", 1)
    assert only(write, text) == ("version", "duplicate key (line 3)")


def test_duplicate_family_names_across_files_are_refused(write: Writer, doc: dict[str, Any]) -> None:
    first, second = write(doc, "a.yaml"), write(doc, "b.yaml")
    errors = validate_paths([first, second])
    assert [(e.source, e.field) for e in errors] == [(str(second), "name")]
    assert errors[0].reason == f"duplicate family name 'probe' (also in {first})"


def test_odd_attributes_and_values_must_be_in_the_taxonomy(write: Writer, doc: dict[str, Any]) -> None:
    doc["odd"]["weather"] = ["rain"]
    doc["odd"]["surface_friction"] = ["slippery"]
    del doc["odd"]["gnss"]
    found = dict(problems(write, doc))
    assert found["odd.weather"].startswith("unknown ODD attribute (known: road_type, lanes")
    assert found["odd.surface_friction"] == ("'slippery' is not a value of surface_friction "
                                             "(permitted: high, medium, low)")
    assert found["odd"] == "missing ODD attributes: gnss (list [] for none)"


def test_a_parameter_realising_an_odd_attribute_must_be_one_of_its_measures(write: Writer,
                                                                            doc: dict[str, Any]) -> None:
    doc["parameters"][0]["odd"] = "surface_friction"
    doc["parameters"][1]["odd"] = "visibility"
    found = dict(problems(write, doc))
    assert found["parameters[0].odd"] == "parameter 'x' cannot realise surface_friction (the ODD measures it by: mu)"
    assert found["parameters[1].odd"].startswith("unknown ODD attribute 'visibility'")


def test_the_odd_values_a_bound_parameter_reaches_must_be_listed(write: Writer, doc: dict[str, Any]) -> None:
    doc["parameters"][0].update(name="mu", odd="surface_friction", levels=[0.2, 0.5, 0.9])
    doc["builder"] = "no_such_module:build"
    found = dict(problems(write, doc))
    assert found["odd.surface_friction"] == "parameter mu's levels reach low, medium, which must be listed here"


def test_a_bound_parameter_needs_the_measure_unit(write: Writer, doc: dict[str, Any]) -> None:
    doc["parameters"][0].update(name="mu", odd="surface_friction", unit="mu", levels=[0.9], nominal=0.9)
    doc["builder"] = "no_such_module:build"
    found = dict(problems(write, doc))
    assert found["parameters[0].odd"] == "unit 'mu' does not match the ODD measure's unit '1'"


@pytest.mark.parametrize(("criterion", "reason"), [
    ("ttc >= 1.0", "unknown metric 'ttc' (known: collision, collision_speed_mps"),
    ("collision == no", "collision is a boolean metric: the value must be true or false"),
    ("offroad < true", "offroad is a boolean metric: use == or !="),
    ("min_ttc_s >= soon", "min_ttc_s needs a number"),
    ("min_ttc_s >= 1e999", "min_ttc_s needs a finite number"),
    ("min_ttc_s at least 1", "is not '<metric> <op> <value>'"),
])
def test_criteria_follow_the_grammar_over_known_metrics(write: Writer, doc: dict[str, Any], criterion: str,
                                                        reason: str) -> None:
    doc["criteria"] = ["collision == false", criterion]
    field, text = only(write, doc)
    assert field == "criteria[1]" and reason in text


def test_criteria_are_parsed_into_typed_rules(write: Writer, doc: dict[str, Any]) -> None:
    doc["criteria"] = ["collision == false", "min_ttc_s >= 1.0", "safety_triggers <= 2"]
    criteria = load_family_file(write(doc)).criteria
    assert [(c.metric, c.op, c.value) for c in criteria] == [("collision", "==", False), ("min_ttc_s", ">=", 1.0),
                                                             ("safety_triggers", "<=", 2.0)]
    assert criteria[1].evaluate({"min_ttc_s": 0.62}) .startswith("min_ttc_s = 0.62, needs >= 1")


def test_a_duplicate_criterion_is_refused(write: Writer, doc: dict[str, Any]) -> None:
    doc["criteria"] = ["min_ttc_s >= 1.0", "min_ttc_s >= 2.0"]
    assert only(write, doc) == ("criteria[1]", "duplicate criterion on min_ttc_s >=")


@pytest.mark.parametrize(("builder", "reason"), [
    ("null:build_it", "scenario_library.builders.null has no function 'build_it'"),
    ("nowhere:build", "no builder module 'nowhere' in scenario_library.builders"),
    ("os:system", "no builder module 'os' in scenario_library.builders"),
    ("scenario_library.builders.null:build", "must be 'module:function'"),
    ("null", "must be 'module:function'"),
    ("fault:build", "builder does not accept the declared parameter(s): y, pass_below"),
    ("common:minimal_scene", "builder parameters must be keyword-only"),
])
def test_the_builder_must_exist_in_the_builders_package_and_take_the_declared_parameters(
        write: Writer, doc: dict[str, Any], builder: str, reason: str) -> None:
    doc["builder"] = builder
    field, text = only(write, doc)
    assert field == "builder" and reason in text


def test_a_builder_taking_an_undeclared_parameter_is_refused(write: Writer, doc: dict[str, Any]) -> None:
    doc["parameters"] = doc["parameters"][:3]
    assert only(write, doc) == ("builder", "builder takes parameter(s) the family does not declare: pass_below")


def test_the_builders_scene_duration_must_match_duration_s(write: Writer, doc: dict[str, Any]) -> None:
    doc["duration_s"] = 9.0
    assert only(write, doc) == ("duration_s", "9 s differs from the builder's scene duration 8 s")


def test_edge_case_parameters_are_validated_like_overrides(write: Writer, doc: dict[str, Any]) -> None:
    doc["edge_cases"].append({"name": "x_high", "params": {"x": 2.0, "z": 1}, "expect": "fail", "why": "because"})
    found = dict(problems(write, doc))
    assert found["edge_cases[1].name"] == "duplicate edge case name 'x_high'"
    assert found["edge_cases[1].params.x"] == "2 is outside the range [0, 1]"
    assert found["edge_cases[1].params.z"].startswith("unknown parameter of probe (allowed: x, y")


def test_may_pass_names_an_excusable_adversarial_stack_once_with_a_reason(write: Writer,
                                                                        doc: dict[str, Any]) -> None:
    doc["may_pass"] = [{"stack": "cruiser", "why": "nothing to ignore here"},
                       {"stack": "late_braker", "why": "nothing to brake for"}]
    family = load_family_file(write(doc))
    assert [(m.stack, m.why) for m in family.may_pass] == [("cruiser", "nothing to ignore here"),
                                                          ("late_braker", "nothing to brake for")]


@pytest.mark.parametrize(("entry", "field", "reason"), [
    ({"stack": "crusier", "why": "typo"}, "may_pass[1].stack",
     "unknown adversarial stack 'crusier' (known: inert, blind, cruiser, late_braker)"),
    ({"stack": "blind", "why": "it is fast"}, "may_pass[1].stack",
     "the blind stack may not pass: a family it passes tests nothing (fix the criteria instead)"),
    ({"stack": "inert", "why": "stopping is safe"}, "may_pass[1].stack",
     "the inert stack may not pass: a family it passes tests nothing (fix the criteria instead)"),
    ({"stack": "cruiser", "why": "again"}, "may_pass[1].stack", "duplicate entry for 'cruiser'"),
    ({"stack": "late_braker", "why": " "}, "may_pass[1].why", "must explain why the stack may pass the nominal case"),
    ({"stack": "late_braker"}, "may_pass[1].why", "required key is missing"),
    ({"stack": "late_braker", "why": "x", "until": 3}, "may_pass[1].until", "unknown key (allowed: stack, why)"),
])
def test_a_bad_may_pass_entry_is_one_line(write: Writer, doc: dict[str, Any], entry: dict[str, Any], field: str,
                                          reason: str) -> None:
    doc["may_pass"] = [{"stack": "cruiser", "why": "nothing to ignore here"}, entry]
    assert only(write, doc) == (field, reason)


def test_names_must_be_lower_snake_case(write: Writer, doc: dict[str, Any]) -> None:
    doc["name"] = "Probe-1"
    doc["parameters"][0]["name"] = "X"
    found = dict(problems(write, doc))
    assert "must be lower_snake_case" in found["name"]
    assert "must be lower_snake_case" in found["parameters[0].name"]


@pytest.mark.parametrize(("content", "reason"), [
    ("", "the document must be a mapping, got empty"),
    ("- a\n- b\n", "the document must be a mapping, got a list"),
    ("just text\n", "the document must be a mapping, got a str"),
    ("name: [unclosed\n", "YAML syntax error at line 2, column 1"),
    ("a: 1\n---\nb: 2\n", "YAML syntax error"),
    ("a: !!python/object:os.system {}\n", "YAML syntax error"),
    (b"name: caf\xe9\n", "not valid UTF-8"),
    ("when: 2001-02-30\n", "YAML value cannot be read"),
])
def test_documents_that_are_not_a_yaml_mapping_are_one_clear_error(write: Writer, content: Any, reason: str) -> None:
    field, text = only(write, content)
    assert field == "" and reason in text


def test_load_family_file_raises_the_first_problem_and_counts_the_rest(write: Writer, doc: dict[str, Any]) -> None:
    doc["version"] = 0
    doc["duration_s"] = -1.0
    with pytest.raises(ScenarioError) as err:
        load_family_file(write(doc))
    assert err.value.field == "version"
    assert err.value.reason == "must be a positive integer, got 0 (and 1 more problem(s); see 'simfarm scenarios " \
                               "validate')"


def test_missing_paths_and_empty_folders_are_reported(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    errors = validate_paths([tmp_path / "nope.yaml", tmp_path / "empty"])
    assert [e.reason for e in errors] == ["no such file or directory",
                                          "directory holds no family files (*.yaml, *.yml)"]


def test_actors_of_interest_name_actors_or_obstacles_of_the_scene(write: Writer) -> None:
    text = (families_dir() / "pedestrian_crossing.yaml").read_text(encoding="utf-8")
    assert "\nactors_of_interest: [pedestrian]\n" in text
    family = load_family_file(write(text, "pedestrian_crossing.yaml"))
    assert family.actors_of_interest == ("pedestrian",)
    assert family.build(family.nominal).actors_of_interest == ("pedestrian",)  # the scene carries them to the metrics
    typo = text.replace("actors_of_interest: [pedestrian]", "actors_of_interest: [pedestrain]")
    field, reason = only(write, typo)
    assert field == "actors_of_interest[0]"
    assert reason == "unknown actor id 'pedestrain': the nominal scene has pedestrian"


def test_actors_of_interest_must_be_a_list_of_unique_ids(write: Writer, doc: dict[str, Any]) -> None:
    doc["actors_of_interest"] = "lead"
    field, _ = only(write, doc)
    assert field == "actors_of_interest"
    doc["actors_of_interest"] = ["ghost"]
    assert only(write, doc) == ("actors_of_interest[0]", "unknown actor id 'ghost': the nominal scene has no actors")


def test_every_shipped_family_declares_its_actors_of_interest_right_after_criticality() -> None:
    for path in sorted(families_dir().glob("*.yaml")):
        lines = path.read_text(encoding="utf-8").splitlines()
        at = next(i for i, line in enumerate(lines) if line.startswith("criticality:"))
        assert lines[at + 1].startswith("actors_of_interest: ["), path.name


def test_text_metrics_take_a_word_with_equality_only(write: Writer, doc: dict[str, Any]) -> None:
    doc["criteria"] = ["collision == false", "collision_class != front", "collision_at_fault == false"]
    criteria = load_family_file(write(doc)).criteria
    assert [(c.metric, c.op, c.value) for c in criteria][1:] == [("collision_class", "!=", "front"),
                                                                 ("collision_at_fault", "==", False)]
    assert criteria[1].evaluate({"collision_class": "front"}) == "collision_class = front, needs != front"
    doc["criteria"] = ["collision == false", "collision_kind >= vehicle"]
    assert only(write, doc) == ("criteria[1]", "collision_kind is a text metric: use == or != with a "
                                               "lower_snake_case word, got >= 'vehicle'")
