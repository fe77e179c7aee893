"""The driver in-process on embedded Ray: exactly once, faults as data, resume, leases, fingerprints."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from farm.driver import cancel_sweep, run_sweep, submit, sweep_logs, sweep_status
from farm.errors import ExitCode, InputError, LeaseError
from farm.execution import ExecutionOptions
from farm.store import open_store
from farm.sweep import expand, load_sweep
from tests.farm.driver.conftest import SWEEPS

pytestmark = pytest.mark.usefixtures("ray_session")


def _runs(store_dir: Path, sweep_id: str) -> dict[str, dict]:
    table = open_store(str(store_dir)).read_table(sweep_id, "runs")
    rows = table.to_pylist()
    assert len({r["run_id"] for r in rows}) == len(rows), "a run_id is stored twice"
    return {r["run_id"]: r for r in rows}


def test_an_embedded_sweep_stores_every_row_exactly_once(tmp_path: Path) -> None:
    announced: list[str] = []
    report = submit(SWEEPS / "null_grid.yaml", store=str(tmp_path), tty=False,
                    announce=lambda sweep_id, uri: announced.append(sweep_id))
    expected = {s.run_id for s in expand(load_sweep(SWEEPS / "null_grid.yaml"))}
    assert announced == [report.sweep_id] and report.sweep_id.startswith("exec-null-grid-")
    assert (report.state, report.exit_code, report.ran, report.total) == ("complete", ExitCode.FINDING, 60, 60)
    assert report.counts == {"passed": 48, "failed": 12}
    assert report.by_family == {"null": {"passed": 48, "failed": 12}}
    assert set(_runs(tmp_path, report.sweep_id)) == expected
    manifest = open_store(str(tmp_path)).read_manifest(report.sweep_id)
    assert manifest.state == "complete" and manifest.lease is None and manifest.compacted
    assert manifest.counts == {"passed": 48, "failed": 12} and manifest.extra["options"]["batch_size"] == 4
    assert "complete" in sweep_logs(open_store(str(tmp_path)), report.sweep_id)


def test_each_submit_is_a_new_sweep(tmp_path: Path) -> None:
    first = submit(SWEEPS / "null_grid.yaml", store=str(tmp_path), tty=False, batch_size=30)
    second = submit(SWEEPS / "null_grid.yaml", store=str(tmp_path), tty=False, batch_size=30)
    assert first.sweep_id != second.sweep_id
    assert _runs(tmp_path, first.sweep_id).keys() == _runs(tmp_path, second.sweep_id).keys()


def test_faults_become_statuses_and_a_resume_reruns_only_infra_errors(tmp_path: Path) -> None:
    report = submit(SWEEPS / "faults.yaml", store=str(tmp_path), tty=False)
    rows = _runs(tmp_path, report.sweep_id)
    by_mode = {}
    for row in rows.values():
        by_mode.setdefault(json.loads(row["params"])["mode"], []).append(row)
    assert [r["status"] for r in by_mode["ok"]] == ["passed"] * 4
    assert by_mode["raise"][0]["status"] == "sim_error" and "InjectedFault" in by_mode["raise"][0]["error"]
    assert by_mode["hang"][0]["status"] == "timeout" and by_mode["busy_hang"][0]["status"] == "timeout"
    assert (by_mode["exit"][0]["status"], by_mode["exit"][0]["attempt"]) == ("infra_error", 2)
    assert (report.state, report.exit_code) == ("partial", ExitCode.INFRA) and "--resume" in report.message

    again = submit(SWEEPS / "faults.yaml", store=str(tmp_path), tty=False, resume=report.sweep_id, timeout_s=2.0)
    assert (again.ran, again.skipped) == (1, 7)
    after = _runs(tmp_path, report.sweep_id)
    exit_run = by_mode["exit"][0]["run_id"]
    assert (after[exit_run]["status"], after[exit_run]["attempt"]) == ("infra_error", 4)
    assert {k: r["started_at"] for k, r in after.items() if k != exit_run} == \
        {k: r["started_at"] for k, r in rows.items() if k != exit_run}


def test_a_second_driver_on_a_leased_sweep_is_refused(tmp_path: Path) -> None:
    report = submit(SWEEPS / "null_grid.yaml", store=str(tmp_path), tty=False, batch_size=30)
    store = open_store(str(tmp_path))
    store.acquire_lease(report.sweep_id, "cron-host:4242:abcdef", ttl_s=60.0)
    with pytest.raises(LeaseError, match="cron-host:4242:abcdef"):
        submit(SWEEPS / "null_grid.yaml", store=str(tmp_path), resume=report.sweep_id, tty=False)
    assert store.read_manifest(report.sweep_id).lease.owner == "cron-host:4242:abcdef"


def test_a_resume_compares_the_outcome_code_not_the_commit(tmp_path: Path) -> None:
    report = submit(SWEEPS / "null_grid.yaml", store=str(tmp_path), tty=False, batch_size=30)
    store = open_store(str(tmp_path))
    recorded = store.read_manifest(report.sweep_id).extra["outcome_code_hash"]
    store.update_manifest(report.sweep_id, lambda m: replace(m, code_fingerprint="simfarm 0.1.0 git:000000000000"))
    again = submit(SWEEPS / "null_grid.yaml", store=str(tmp_path), resume=report.sweep_id, tty=False)
    assert (again.ran, again.skipped, again.state) == (0, 60, "complete")

    store.update_manifest(report.sweep_id, lambda m: replace(m, extra={**m.extra, "outcome_code_hash": "outcome:0"}))
    with pytest.raises(InputError, match="--force") as refused:
        submit(SWEEPS / "null_grid.yaml", store=str(tmp_path), resume=report.sweep_id, tty=False)
    assert refused.value.field == "outcome_code_hash" and recorded in refused.value.line()
    forced = submit(SWEEPS / "null_grid.yaml", store=str(tmp_path), resume=report.sweep_id, force=True, tty=False)
    assert (forced.ran, forced.skipped, forced.state) == (0, 60, "complete")


def test_a_sweep_from_before_outcome_hashes_still_compares_its_whole_fingerprint(tmp_path: Path) -> None:
    report = submit(SWEEPS / "null_grid.yaml", store=str(tmp_path), tty=False, batch_size=30)
    store = open_store(str(tmp_path))
    store.update_manifest(report.sweep_id, lambda m: replace(
        m, code_fingerprint="simfarm 0.0.1 git:0000", extra={k: v for k, v in m.extra.items()
                                                             if k != "outcome_code_hash"}))
    with pytest.raises(InputError, match="--force") as refused:
        submit(SWEEPS / "null_grid.yaml", store=str(tmp_path), resume=report.sweep_id, tty=False)
    assert refused.value.field == "code_fingerprint"


def test_a_sweep_from_before_the_farm_owned_latency_model_is_refused_even_with_force(tmp_path: Path) -> None:
    report = submit(SWEEPS / "null_grid.yaml", store=str(tmp_path), tty=False, batch_size=30)
    store = open_store(str(tmp_path))
    manifest = store.read_manifest(report.sweep_id)
    assert manifest.extra["spec_format"] == 2 and manifest.extra["platform"]["cpu_model"]
    store.update_manifest(report.sweep_id, lambda m: replace(
        m, extra={k: v for k, v in m.extra.items() if k != "spec_format"}))  # as written before spec format 2
    for force in (False, True):
        with pytest.raises(InputError, match="submit the sweep anew") as refused:
            submit(SWEEPS / "null_grid.yaml", store=str(tmp_path), resume=report.sweep_id, tty=False, force=force)
        assert refused.value.field == "spec_format" and "\n" not in refused.value.line()


def test_bad_input_fails_before_any_sweep_is_created(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="--batch-size"):
        submit(SWEEPS / "null_grid.yaml", store=str(tmp_path), batch_size=0)
    with pytest.raises(InputError, match="s3://"):
        submit(SWEEPS / "null_grid.yaml", store=str(tmp_path), address="auto")
    with pytest.raises(InputError, match="no sweep"):
        submit(SWEEPS / "null_grid.yaml", store=str(tmp_path), resume="exec-null-grid-20990101T000000Z-000000")
    assert open_store(str(tmp_path)).list_sweeps() == []


def test_a_cancelled_sweep_is_not_started_and_status_reports_it(tmp_path: Path) -> None:
    report = submit(SWEEPS / "null_grid.yaml", store=str(tmp_path), tty=False, batch_size=30)
    store = open_store(str(tmp_path))
    store.update_manifest(report.sweep_id, lambda m: replace(m, state="partial", counts={}))
    info = cancel_sweep(store, report.sweep_id)
    assert info["cancelled"] and info["signalled_pid"] is None
    status = sweep_status(store, report.sweep_id)
    assert status["state"] == "cancelled" and status["total"] == 60 and status["lease"] is None


def test_sequential_and_ray_give_identical_outcome_hashes(tmp_path: Path, batch_fn: str) -> None:
    ray_report = submit(SWEEPS / "null_grid.yaml", store=str(tmp_path / "ray"), tty=False)
    seq_report = submit(SWEEPS / "null_grid.yaml", store=str(tmp_path / "seq"), tty=False, executor="sequential",
                        batch_fn=batch_fn)
    ray_rows = _runs(tmp_path / "ray", ray_report.sweep_id)
    seq_rows = _runs(tmp_path / "seq", seq_report.sweep_id)
    assert {k: r["outcome_hash"] for k, r in ray_rows.items()} == {k: r["outcome_hash"] for k, r in seq_rows.items()}


def test_run_sweep_on_a_finished_sweep_runs_nothing(tmp_path: Path) -> None:
    report = submit(SWEEPS / "null_grid.yaml", store=str(tmp_path), tty=False, batch_size=30)
    again = run_sweep(open_store(str(tmp_path)), report.sweep_id, options=ExecutionOptions(), tty=False)
    assert (again.ran, again.skipped, again.state, again.exit_code) == (0, 60, "complete", ExitCode.FINDING)
