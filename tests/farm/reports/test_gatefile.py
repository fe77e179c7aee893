"""GATE.yaml: strict validation (one line naming file and field), packaged gates, waivers and their expiry."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from farm.errors import InputError
from farm.reports.gatefile import gates_dir, load_gate, packaged_gates, parse_gate

HEAD = "version: 1\nname: t\nmargins: {critical: 0.05, standard: 0.1}\n"


def test_the_packaged_default_loads_by_name_and_comments_every_field() -> None:
    gate = load_gate("default")
    assert "default" in packaged_gates()
    assert gate.alpha == 0.05 and gate.margins == {"critical": 0.05, "standard": 0.10}
    assert gate.margin_for("cut_in", "critical") == 0.05 and gate.margin_for("static_obstacle", "standard") == 0.10
    text = (gates_dir() / "default.yaml").read_text()
    comments = "\n".join(line.partition("#")[2] for line in text.splitlines() if "#" in line).lower()
    for field in ("version", "name", "description", "alpha", "margins", "critical", "standard", "families",
                  "margin", "criticality", "latency", "stack_p95_ms", "waivers", "family", "reason", "ticket",
                  "expires", "scenario_key", "fidelity"):
        assert field in comments, f"{field} is not explained in a comment of default.yaml"


@pytest.mark.parametrize(("body", "field", "reason"), [
    ("bogus: 1\n", "bogus", "unknown field"),
    ("latency: {p99_ms: 3}\n", "latency.p99_ms", "unknown field"),
    ("families: {nope: {margin: 0.1}}\n", "families.nope", "unknown family"),
    ("waivers: [{family: cut_in, reason: r, ticket: T-1}]\n", "waivers[0].expires", "required field is missing"),
    ("waivers: [{scenario_key: 0123456789abcdef, reason: r, ticket: T, expires: 2027-01-01}]\n", "waivers[0]",
     "needs 'fidelity'"),
    ("alpha: '0.05'\n", "alpha", "valid number"),
])
def test_bad_fields_are_one_line_naming_file_and_field(body: str, field: str, reason: str) -> None:
    with pytest.raises(InputError) as err:
        parse_gate(HEAD + body, source="GATE.yaml")
    line = str(err.value)
    assert "\n" not in line and line.startswith(f"GATE.yaml: {field}: ") and reason in line
    assert err.value.exit_code == 2


def test_a_duplicate_key_and_an_unknown_gate_name_are_refused() -> None:
    with pytest.raises(InputError, match="duplicate key 'alpha'"):
        parse_gate(HEAD + "alpha: 0.05\nalpha: 0.1\n", source="G.yaml")
    with pytest.raises(InputError, match="packaged: default"):
        load_gate("no-such-gate")


def test_a_waiver_applies_until_its_expiry_date_and_not_on_it(tmp_path: Path) -> None:
    path = tmp_path / "GATE.yaml"
    path.write_text(HEAD + "waivers:\n  - {family: cut_in, reason: known, ticket: SIM-1, expires: 2027-01-15}\n"
                    "  - {scenario_key: 0123456789abcdef, fidelity: kinematic, reason: r, ticket: SIM-2, "
                    "expires: '2027-02-01'}\n")
    gate = load_gate(str(path))
    family, scenario = gate.waivers
    assert family.active_on(dt.date(2027, 1, 14)) and not family.active_on(dt.date(2027, 1, 15))
    assert family.covers("cut_in") and not family.covers("fault")
    assert scenario.covers("cut_in", "0123456789abcdef", "kinematic")
    assert not scenario.covers("cut_in", "0123456789abcdef", "dynamic")
    assert gate.active_waivers(dt.date(2027, 1, 20)) == (scenario,)
