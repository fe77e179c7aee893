"""One rule for machine output: every command takes ``--json`` and stdout is then exactly one strict JSON document.

Each command runs for real (a local store holding one stored ``null`` rollout) and its
stdout is parsed with ``strict_loads``, which refuses ``NaN``/``Infinity`` tokens.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from cli.main import app
from farm.driver.session import SPEC_FORMAT_FIELD
from farm.jsonout import dumps, loads_strict
from farm.result import RolloutResult
from farm.sim.rollout import run_rollout
from farm.spec import SPEC_FORMAT
from tests.farm.test_replay import SPECS, store_runs

ROOT = Path(__file__).resolve().parents[2]
SWEEP = ROOT / "tests" / "farm" / "execution" / "sweeps" / "null_grid.yaml"
SWEEP_ID = "nightly-1"  # store_runs' sweep
EXAMPLE_LOG = ROOT / "docs" / "examples" / "lead_braking_log"
SIM2REAL_DATA = ROOT / "tests" / "farm" / "sim2real" / "data"

# command path -> its argv after the command words; {store}, {run_id} and {sweep_id} are filled in.
COMMANDS: dict[tuple[str, ...], list[str]] = {
    ("run",): ["null", "-p", "x=0.1"],
    ("results",): ["{sweep_id}", "--store", "{store}"],
    ("compact",): ["{sweep_id}", "--store", "{store}"],
    ("submit",): [str(SWEEP), "--resume", "{sweep_id}", "--force", "--store", "{store}"],  # all stored: no Ray
    ("status",): ["{sweep_id}", "--store", "{store}"],
    ("logs",): ["{sweep_id}", "--store", "{store}"],
    ("cancel",): ["{sweep_id}", "--store", "{store}"],
    ("replay",): ["{run_id}", "--store", "{store}", "--no-plot"],
    ("report", "coverage"): ["{sweep_id}", "--store", "{store}", "--allow-partial", "-o", "{store}/../coverage"],
    ("stack", "check"): ["tests.farm.broken_stacks:nondeterministic"],  # a failing report is still one document
    ("scenarios", "list"): ["--all"],
    ("scenarios", "show"): ["null"],
    ("scenarios", "validate"): [str(ROOT / "scenario_library" / "families")],
    ("sweep", "expand"): [str(SWEEP), "--rows", "2"],
    ("sweeps", "list"): ["--store", "{store}"],
    ("export-log",): ["lead_vehicle_braking", "-o", "{store}/exported", "-p", "gap_m=4", "-p", "brake_time_s=0",
                      "-p", "lead_decel_mps2=10"],  # a crash stop: a short rollout
    ("log", "check"): [str(EXAMPLE_LOG)],
    ("promote",): [str(EXAMPLE_LOG), "--real-run-id", "lead_braking_nominal", "--into", "{sweep_copy}", "--store",
                   "{store}"],
    ("report", "summary"): ["{sweep_id}", "--store", "{store}", "--allow-partial", "-o", "{store}/../summary"],
    ("report", "compare"): ["{sweep_id}", "{sweep_id}", "--store", "{store}", "--allow-partial", "--inconclusive-ok",
                            "-o", "{store}/../compare"],
    ("trends", "accept"): ["{sweep_id}", "--store", "{store}", "--allow-partial"],  # `trends` itself: test_trends_cli
    ("sim2real",): [str(SIM2REAL_DATA / "null_runs.csv"), "--from-sweep", "{sweep_id}", "--store", "{store}", "-o",
                    "{store}-sim2real"],  # pairs with the stored null run: no Ray
    ("report", "sim2real"): ["--pairs", str(SIM2REAL_DATA / "pairs.csv"), "-o", "{store}-pairs"],
}


def _leaf_commands() -> Iterator[tuple[tuple[str, ...], list[str]]]:
    def walk(command, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], list[str]]]:
        if hasattr(command, "list_commands"):
            for name in command.list_commands(None):
                yield from walk(command.get_command(None, name), (*path, name))
        else:
            yield path, [opt for param in command.params for opt in getattr(param, "opts", [])]

    return walk(typer.main.get_command(app), ())


def test_every_command_takes_json_and_is_tested_here() -> None:
    leaves = dict(_leaf_commands())
    assert [path for path, opts in leaves.items() if "--json" not in opts] == []
    assert set(leaves) == set(COMMANDS), "a new command needs --json and a line in COMMANDS"


@pytest.fixture
def stored(tmp_path: Path) -> tuple[Path, RolloutResult]:
    """A local store with one sweep holding one finished ``null`` rollout (min_ttc_s = inf)."""
    result = run_rollout(SPECS["null"])
    assert result.metrics is not None and math.isinf(result.metrics.min_ttc_s)
    root = tmp_path / "store"
    store = store_runs(root, [result])
    # made by this simfarm's spec format, as a submit writes it, so that ``submit --resume`` accepts it
    store.update_manifest(SWEEP_ID, lambda m: replace(m, extra={**m.extra, SPEC_FORMAT_FIELD: SPEC_FORMAT}))
    return root, result


@pytest.mark.parametrize("path", list(COMMANDS), ids=" ".join)
def test_json_stdout_is_one_strict_document(path: tuple[str, ...], stored: tuple[Path, RolloutResult]) -> None:
    root, result = stored
    sweep_copy = root.parent / "promote-into.yaml"  # promote edits a copy, never a shipped sweep
    sweep_copy.write_text("name: p\nseed: 1\nfamilies:\n  - {name: \"null\", sampler: nominal}\n")
    fill = {"store": str(root), "run_id": result.run_id, "sweep_id": SWEEP_ID, "sweep_copy": str(sweep_copy)}
    argv = [*path, *(arg.format(**fill) for arg in COMMANDS[path]), "--json"]
    out = CliRunner().invoke(app, argv, catch_exceptions=False)
    assert out.exit_code in (0, 1), out.output  # stack check of a broken stack is a finding
    document = loads_strict(out.stdout)
    assert isinstance(document, dict | list) and document


def test_results_json_is_format_json_with_infinity_as_null(stored: tuple[Path, RolloutResult]) -> None:
    root, result = stored
    by_flag = CliRunner().invoke(app, ["results", SWEEP_ID, "--store", str(root), "--json"])
    by_format = CliRunner().invoke(app, ["results", SWEEP_ID, "--store", str(root), "--format", "json"])
    assert by_flag.exit_code == by_format.exit_code == 0
    assert by_flag.stdout == by_format.stdout
    [row] = loads_strict(by_flag.stdout)
    assert row["run_id"] == result.run_id and row["min_ttc_s"] is None  # inf -> null, never Infinity


def test_the_serialiser_turns_every_non_finite_float_into_null() -> None:
    text = dumps({"a": math.inf, "b": [-math.inf, math.nan, 1.5], "c": (2.0,)})
    assert loads_strict(text) == {"a": None, "b": [None, None, 1.5], "c": [2.0]}
