"""End to end: a small real-run log with trajectories → ``simfarm sim2real`` → a report.

Three real runs: r1 with trajectories (a 3 s log replay), r2 outside its family's domain
(listed and excluded), r3 by its family's parameters; K = 2 repeats each, four rollouts. The
sweep runs on the sequential executor (``farm.sim2real.run_sim2real``, as the CLI calls it with
Ray: starting Ray would cost this test more than the rollouts); the same ``simfarm sim2real``
command line with the same ``--sweep-id`` then continues it and reports through the CLI.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from cli.main import app
from farm.jsonout import dumps, loads_strict
from farm.reports.render import report_json
from farm.sim2real.run import run_sim2real
from farm.store.layout import pairing_key
from tests.farm.reallog.logdata import runs_rows, write_log

runner = CliRunner()


def test_sim2real_runs_pairs_every_real_run_and_reports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    r3 = {"real_run_id": "r3", "family": "lead_vehicle_braking", "p_ego_speed_mps": 10.0, "p_gap_m": 20.0,
          "p_brake_time_s": 0.0, "p_lead_decel_mps2": 9.0, "min_ttc_s": 1.2, "min_distance_m": 2.0}
    log = write_log(tmp_path / "log", runs=[*runs_rows(), r3])
    store = tmp_path / "store"
    argv = ["sim2real", str(log), "-k", "2", "--store", str(store), "--sweep-id", "s2r-test", "-o",
            str(tmp_path / "report"), "--json"]
    result = run_sim2real(log, repeats=2, store=str(store), sweep_id="s2r-test", executor="sequential",
                          stream_to=sys.stderr)
    assert result.exit_code == 0 and result.action == "created" and result.sweep_id == "s2r-test"
    assert result.driver is not None and result.driver.state == "complete" and result.driver.total == 4
    assert list(result.excluded) == ["r2"] and result.report is not None

    pairs = pq.read_table(io.BytesIO((store / pairing_key("s2r-test")).read_bytes())).to_pylist()
    paired = {p["real_run_id"] for p in pairs}
    assert paired | {"r2"} == {r["real_run_id"] for r in [*runs_rows(), r3]}  # every real run: paired or listed
    assert sorted((p["real_run_id"], p["repeat"], p["how"]) for p in pairs) == [
        ("r1", 0, "replay"), ("r1", 1, "replay"), ("r3", 0, "family"), ("r3", 1, "family")]

    report = loads_strict(dumps(report_json(result.report)))
    assert report["source"]["real_runs_paired"] == 2 and report["source"]["paired_runs_missing"] == 0
    ttc = {u["unit"]: u for u in report["units"]["min_ttc_s"]}
    assert set(ttc) == {"r1", "r3"} and all(u["repeats"] == 2 for u in ttc.values())
    assert ttc["r1"]["real_file"] == 9.5 and ttc["r1"]["real"] != 9.5  # computed from trajectories, file beside it
    assert ttc["r3"]["real"] == 1.2 and ttc["r3"]["real_file"] is None
    assert set(report["metrics"]["min_ttc_s"]["groups"]) == {"lead_vehicle_braking"}

    again = runner.invoke(app, argv)  # the same --sweep-id continues the stored sweep: nothing left to run
    assert again.exit_code == 0, again.output
    resumed = loads_strict(again.stdout)
    assert resumed["action"] == "resumed" and resumed["driver"]["ran"] == 0
    assert resumed["report"]["metrics"] == report["metrics"]
    assert (tmp_path / "report" / "report.html").is_file()
