"""Planning the re-simulation and pairing, real metrics from trajectories, bad logs refused (no Ray here)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from farm.jsonout import loads_strict
from farm.logexport import TOLERANCES
from farm.reallog import read_log
from farm.sim.rollout import run_rollout
from farm.sim2real.from_sweep import equal_within
from farm.sim2real.plan import pairing_rows, plan_runs, sweep_spec
from farm.sim2real.real_values import real_rows
from farm.stacks import resolve_stack
from farm.sweep import expand
from tests.farm.reallog.logdata import runs_rows, track_rows, write_log
from tests.farm.test_replay import SPECS, store_runs

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "docs" / "examples" / "lead_braking_log"
runner = CliRunner()


def _three_runs(folder: Path) -> Path:
    """The reallog fixture (r1 with trajectories, r2 outside the domain) plus r3 and r4: one scenario, no tracks."""
    extra = [{"real_run_id": rid, "family": "lead_vehicle_braking", "p_ego_speed_mps": 10.0, "p_gap_m": 20.0,
              "min_ttc_s": ttc} for rid, ttc in (("r3", 4.0), ("r4", 5.0))]
    return write_log(folder, runs=[*runs_rows(), *extra])


def test_out_of_domain_runs_are_listed_and_excluded_and_every_other_run_is_paired(tmp_path: Path) -> None:
    log = read_log(_three_runs(tmp_path / "log"))
    plan = plan_runs(log)
    assert [p.real_run_id for p in plan.runs] == ["r1", "r3", "r4"]
    assert list(plan.excluded) == ["r2"] and "ego_speed_mps" in plan.excluded["r2"] \
        and "declared domain" in plan.excluded["r2"]
    r1, r3, _ = plan.runs
    assert r1.how == "replay" and r1.family == "log_replay" and r1.params["log"] == r1.content_hash
    assert r3.how == "family" and r3.params["ego_speed_mps"] == 10.0 and r3.params["lead_decel_mps2"] == 3.0
    spec = sweep_spec(plan, repeats=3, seed=7, stack=resolve_stack("reference"), fidelity="kinematic", source="t")
    specs = expand(spec)
    pairs = pairing_rows(plan, specs, repeats=3, seed=7)
    by_real: dict[str, list[str]] = {}
    for row in pairs:
        by_real.setdefault(row["real_run_id"], []).append(row["run_id"])
    assert set(by_real) == {"r1", "r3", "r4"} and all(len(set(ids)) == 3 for ids in by_real.values())
    assert by_real["r3"] == by_real["r4"]  # one scenario, one set of repeats: said explicitly by the map
    assert len(specs) == 6 and {r["run_id"] for r in pairs} == {s.run_id for s in specs}
    assert {s.seed for s in specs if s.family == "log_replay"} != {s.seed for s in specs if s.family != "log_replay"}


def test_a_run_without_family_or_trajectories_is_excluded(tmp_path: Path) -> None:
    rows = [*runs_rows(), {"real_run_id": "r9", "family": None, "min_ttc_s": 3.0}]
    plan = plan_runs(read_log(write_log(tmp_path / "log", runs=rows)))
    assert plan.excluded["r9"] == "no family and no trajectories: nothing to re-simulate"


def test_real_metrics_from_the_example_trajectories_match_the_logged_outcomes() -> None:
    log = read_log(EXAMPLE)
    [planned] = plan_runs(log).runs
    rows = {r["metric"]: r for r in real_rows(log, planned)}
    for metric, tolerance in TOLERANCES.items():  # the closed-loop check's tolerances (D77)
        assert rows[metric]["source"] == "trajectories"
        assert rows[metric]["value"] == pytest.approx(rows[metric]["file_value"], abs=tolerance), metric
    assert rows["min_ttc_s"]["value"] == pytest.approx(2.3315, abs=1e-4)
    assert rows["max_lat_accel_mps2"]["file_value"] is None  # not in the file: computed only
    assert rows["passed"]["value"] == 1.0


def test_a_crash_in_the_trajectories_is_a_collision_at_the_physics_step() -> None:
    log = read_log(ROOT / "docs" / "examples" / "lead_braking_crash_log")
    [planned] = plan_runs(log).runs
    rows = {r["metric"]: r for r in real_rows(log, planned)}
    assert rows["collision"]["value"] == 1.0 and rows["passed"]["value"] == 0.0
    assert rows["collision_speed_mps"]["value"] == pytest.approx(rows["collision_speed_mps"]["file_value"], abs=0.2)


def test_parameters_pair_within_the_stated_tolerance() -> None:
    assert equal_within(15.0, 15.0 * (1 + 5e-7)) and not equal_within(15.0, 15.0001)
    assert equal_within(0.0, 1e-10) and not equal_within(3, 4) and not equal_within(True, 1.0)
    assert equal_within("e845589506d143044dcbdb7d3b3f62be", "e845589506d143044dcbdb7d3b3f62be")


def test_from_sweep_pairs_by_parameters_within_tolerance_and_lists_the_rest(tmp_path: Path) -> None:
    root = tmp_path / "store"
    store_runs(root, [run_rollout(SPECS["null"])])  # x = 0.25, y = 0.5
    runs = tmp_path / "runs.csv"
    runs.write_text("real_run_id,family,p_x,p_y,route_completion\nclose,null,0.2500000001,0.5,0.3\n"
                    "apart,null,0.26,0.5,0.3\nwide,null,1.5,0.5,0.3\n")
    out = runner.invoke(app, ["sim2real", str(runs), "--from-sweep", "nightly-1", "--store", str(root), "-o",
                              str(tmp_path / "report"), "--json"])
    assert out.exit_code == 0, out.output
    document = loads_strict(out.stdout)
    assert document["action"] == "paired" and document["paired"] == 1
    reasons = {e["real_run_id"]: e["reason"] for e in document["excluded"]}
    assert set(reasons) == {"apart", "wide"} and "declared domain" in reasons["wide"]
    units = document["report"]["units"]["route_completion"]
    assert [(u["unit"], u["repeats"], u["real"]) for u in units] == [("close", 1, 0.3)]
    assert math.isclose(units[0]["sim_mean"], 0.25)  # the null family reports x as route_completion


@pytest.mark.parametrize(("edit", "reason"), [
    (lambda rows: rows[4].update(t_s=0.05), "t_s: time does not increase"),
    (lambda rows: rows[6].update(kind="truck"), "kind"),
    (lambda rows: rows[2].update(x_m=90.0), "jumps"),
])
def test_a_malformed_log_is_one_line_exit_2_and_nothing_runs(tmp_path: Path, edit, reason: str) -> None:
    tracks = track_rows()
    edit(tracks)
    log = write_log(tmp_path / "log", tracks=tracks)
    store = tmp_path / "store"
    out = runner.invoke(app, ["sim2real", str(log), "--store", str(store), "-k", "2", "--json"])
    assert out.exit_code == 2 and out.stdout == ""
    assert out.stderr.count("\n") == 1 and out.stderr.startswith("error: ") and reason in out.stderr, out.stderr
    assert not store.exists()  # refused before the store was touched


def test_a_sweep_id_of_another_log_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "store"
    store_runs(root, [run_rollout(SPECS["null"])])
    out = runner.invoke(app, ["sim2real", str(EXAMPLE), "--store", str(root), "--sweep-id", "nightly-1", "-k", "2"])
    assert out.exit_code == 2 and "not in the sweep's specs" in out.stderr
