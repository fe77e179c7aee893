"""``farm.replay``: a stored rollout replays to the same outcome_hash, and a mismatch says why.

Every store here is a real local-folder store holding results that ``run_rollout``
really produced (short kinematic rollouts of shipped families).
"""

from __future__ import annotations

import platform
import socket
import struct
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from farm.errors import InputError
from farm.fingerprint import code_fingerprint
from farm.replay import find_run, fingerprint_parts, mismatch_reasons, replay, validate_run_id
from farm.result import RolloutResult, Status
from farm.sim.rollout import run_rollout
from farm.spec import RolloutSpec
from farm.store import open_store
from farm.store.base import Manifest, Store

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MIN_PNG_BYTES = 20_000   # a three-panel 1200x850 figure with lines and text; a blank one is ~10 kB

SPECS = {
    "following": RolloutSpec.create(family="lead_vehicle_braking", family_version=2, seed=4, params={
        "ego_speed_mps": 15.0, "gap_m": 35.0, "lead_decel_mps2": 3.0, "brake_time_s": 3.0}),
    "cut_in_crash": RolloutSpec.create(family="cut_in", family_version=2, seed=2, params={
        "ego_speed_mps": 20.0, "cutter_speed_mps": 12.0, "cut_in_gap_m": 8.0, "cut_duration_s": 2.0}),
    "crossing": RolloutSpec.create(family="intersection_crossing", family_version=2, seed=1, params={
        "ego_speed_mps": 12.0, "cross_speed_mps": 12.0, "time_gap_s": -3.0, "building_setback_m": 5.0}),
    "null": RolloutSpec.create(family="null", family_version=1, seed=1, params={
        "x": 0.25, "y": 0.5, "work_ms": 0.0, "pass_below": 1.0}),
}


def new_manifest(sweep_id: str, created_at: str, versions: dict[str, str]) -> Manifest:
    """A manifest as the driver writes it, with the given ``versions``."""
    return Manifest(sweep_id=sweep_id, name=sweep_id.split("-")[0], created_at=created_at, updated_at=created_at,
                    code_fingerprint="simfarm 0.1.0 nogit; lib:00000000", versions=versions)


def store_runs(root: Path, results: list[RolloutResult], *, sweep_id: str = "nightly-1",
               created_at: str = "2026-01-02T03:04:05+00:00", versions: dict[str, str] | None = None) -> Store:
    """A local store at ``root`` with one sweep holding ``results``."""
    store = open_store(str(root))
    here = {"python": platform.python_version(), "machine": platform.machine()}
    store.create_sweep(new_manifest(sweep_id, created_at, here if versions is None else versions),
                       [r.spec for r in results])
    store.write_results(sweep_id, results)
    return store


@pytest.fixture(scope="module")
def originals() -> dict[str, RolloutResult]:
    """The rollouts as a sweep's worker produced them (run once for the module)."""
    return {name: run_rollout(spec) for name, spec in SPECS.items()}


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR chunk."""
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    return struct.unpack(">II", data[16:24])


def test_replay_reproduces_each_stored_runs_hash_and_plots_it(originals: dict[str, RolloutResult],
                                                              tmp_path: Path) -> None:
    real = [originals[n] for n in ("following", "cut_in_crash", "crossing")]
    assert {r.status for r in real} == {Status.PASSED, Status.FAILED}   # a pass and a collision among them
    store = store_runs(tmp_path / "store", real)
    for original in real:
        png = tmp_path / f"{original.spec.family}.png"
        report = replay(store, original.run_id, plot_path=png)
        assert report.match and report.reasons == ()
        assert report.replay_hash == report.stored_hash == original.outcome_hash
        assert report.sweep_id == "nightly-1" and report.stored_status == original.status.value
        assert report.plot_path == png and png.stat().st_size > MIN_PNG_BYTES
        assert png_size(png) == (1200, 850)
        assert report.result.telemetry is not None and report.result.telemetry.actors_xy


def test_a_synthetic_family_is_replayed_but_not_plotted(originals: dict[str, RolloutResult], tmp_path: Path) -> None:
    store = store_runs(tmp_path / "store", [originals["null"]])
    png = tmp_path / "null.png"
    report = replay(store, originals["null"].run_id, plot_path=png)
    assert report.match and report.plot_path is None and not png.exists()
    assert len(report.notes) == 1 and "synthetic" in report.notes[0]


def test_an_unwritable_png_path_keeps_the_verdict_and_says_why(originals: dict[str, RolloutResult],
                                                               tmp_path: Path) -> None:
    store = store_runs(tmp_path / "store", [originals["following"]])
    (tmp_path / "a-file").write_text("not a folder")
    report = replay(store, originals["following"].run_id, plot_path=tmp_path / "a-file" / "plot.png")
    assert report.match and report.plot_path is None
    assert len(report.notes) == 1 and report.notes[0].startswith("no plot: cannot write")


def test_a_tampered_code_fingerprint_is_a_mismatch_that_names_the_fingerprint(
        originals: dict[str, RolloutResult], tmp_path: Path) -> None:
    original = originals["following"]
    store = store_runs(tmp_path / "store", [original])
    old_code = "simfarm 0.0.9 git:0123456789ab; lib:deadbeef; stack:" + original.spec.stack_id + "#cafef00d"
    store.write_results("nightly-1", [replace(original, attempt=2, code_fingerprint=old_code,
                                              outcome_hash="0" * 32)])
    report = replay(store, original.run_id)
    assert not report.match and report.stored_hash == "0" * 32 and report.replay_hash == original.outcome_hash
    code = [r for r in report.reasons if r.startswith("code fingerprint differs")]
    assert len(code) == 1
    for part in ("simfarm version 0.0.9 ->", "source revision git:0123456789ab ->", "scenario library hash deadbeef",
                 "stack source hash cafef00d"):
        assert part in code[0]
    assert "stack id" not in code[0]   # the stack id itself did not change
    assert not any("not deterministic" in r for r in report.reasons)


def test_same_code_same_machine_but_another_hash_is_reported_as_nondeterminism(
        originals: dict[str, RolloutResult], tmp_path: Path) -> None:
    original = originals["following"]
    store = store_runs(tmp_path / "store", [original])
    store.write_results("nightly-1", [replace(original, attempt=2, outcome_hash="f" * 32)])
    report = replay(store, original.run_id)
    assert not report.match
    assert not any(r.startswith("code fingerprint") or r.startswith("architecture") for r in report.reasons)
    dirty = "+dirty" in original.code_fingerprint   # the checkout this test runs in may have uncommitted changes
    expected = "uncommitted changes" if dirty else "same code and architecture: the rollout is not deterministic"
    assert len(report.reasons) == 1 and expected in report.reasons[0]


def test_find_run_takes_the_newest_sweep_unless_one_is_named(originals: dict[str, RolloutResult],
                                                             tmp_path: Path) -> None:
    original = originals["null"]
    store = store_runs(tmp_path / "store", [original], sweep_id="nightly-old", created_at="2026-01-01T00:00:00+00:00")
    store.create_sweep(new_manifest("nightly-new", "2026-01-02T00:00:00+00:00", {}), [original.spec])
    store.write_results("nightly-new", [original])
    store.create_sweep(new_manifest("other-newest", "2026-01-03T00:00:00+00:00", {}), [])
    assert find_run(store, original.run_id)[0] == "nightly-new"
    sweep_id, row = find_run(store, original.run_id, sweep_id="nightly-old")
    assert sweep_id == "nightly-old" and row["outcome_hash"] == original.outcome_hash
    assert RolloutSpec.from_json(row["spec"]) == original.spec


@pytest.mark.parametrize(("run_id", "sweep_id", "field", "words"), [
    ("0123456789abcdef", None, "RUN_ID", "no run 0123456789abcdef"),
    ("0123456789ABCDEF", None, "RUN_ID", "16 lowercase hex"),
    ("0123", None, "RUN_ID", "16 lowercase hex"),
    (None, "no-such-sweep", "--sweep", "no sweep 'no-such-sweep'"),
    (None, "../escape", "--sweep", "not allowed"),
])
def test_bad_run_or_sweep_ids_are_input_errors_naming_the_argument(
        originals: dict[str, RolloutResult], tmp_path: Path, run_id: str | None, sweep_id: str | None, field: str,
        words: str) -> None:
    store = store_runs(tmp_path / "store", [originals["null"]])
    with pytest.raises(InputError) as caught:
        find_run(store, run_id or originals["null"].run_id, sweep_id=sweep_id)
    assert caught.value.exit_code == 2 and caught.value.field == field and words in caught.value.line()
    assert "\n" not in caught.value.line()


def test_a_fault_that_would_end_the_process_is_refused_not_replayed(tmp_path: Path) -> None:
    spec = RolloutSpec.create(family="fault", family_version=1, seed=1,
                              params={"mode": "exit", "after_n": 0, "work_ms": 0.0, "x": 0.5})
    lost = RolloutResult(spec=spec, status=Status.INFRA_ERROR, error="worker lost: exit code 1").with_hash()
    store = store_runs(tmp_path / "store", [lost])
    with pytest.raises(InputError, match="fault mode 'exit'"):
        replay(store, spec.run_id)


# --- mismatch_reasons on its own: each explanation branch ----------------------------------------------------


def _row(result: RolloutResult, **changes: Any) -> dict[str, Any]:
    row = {"run_id": result.run_id, "spec": result.spec.to_json(), "outcome_hash": "1" * 32,
           "code_fingerprint": result.code_fingerprint, "status": result.status.value,
           "worker": socket.gethostname(), "error": None}
    return {**row, **changes}


def _manifest(**versions: str) -> Manifest:
    return new_manifest("nightly-1", "2026-01-02T03:04:05+00:00", versions)


CLEAN = "simfarm 0.1.0 git:0123456789ab; lib:aaaaaaaa; stack:autonomy.reference:build_stack/default@12345678#bbbbbbbb"


def test_unrecorded_architecture_is_said_and_the_verdict_is_hedged(originals: dict[str, RolloutResult]) -> None:
    result = originals["null"]
    manifest = _manifest(python=platform.python_version())
    reasons = mismatch_reasons(_row(result, code_fingerprint=CLEAN), result, manifest, current_fingerprint=CLEAN)
    assert len(reasons) == 2
    assert "recorded none" in reasons[0] and "python" in reasons[0] and platform.machine() in reasons[0]
    assert "cannot be ruled out" in reasons[1] and "not deterministic" in reasons[1]


def test_a_different_architecture_explains_the_mismatch(originals: dict[str, RolloutResult]) -> None:
    result = originals["null"]
    reasons = mismatch_reasons(_row(result, code_fingerprint=CLEAN), result, _manifest(machine="riscv64"),
                               current_fingerprint=CLEAN)
    assert reasons == (f"architecture differs: recorded riscv64, this machine is {platform.machine()}",)


def test_another_worker_host_and_python_are_named(originals: dict[str, RolloutResult]) -> None:
    result = originals["null"]
    manifest = _manifest(machine=platform.machine(), python="3.9.1")
    reasons = mismatch_reasons(_row(result, code_fingerprint=CLEAN, worker="gpu-node-7:4242"), result, manifest,
                               current_fingerprint=CLEAN)
    assert reasons[0] == f"python version differs: recorded 3.9.1, here {platform.python_version()}"
    assert "worker gpu-node-7:4242" in reasons[1] and len(reasons) == 2


def test_a_dirty_tree_cannot_prove_the_code_was_the_same(originals: dict[str, RolloutResult]) -> None:
    result = originals["null"]
    dirty = CLEAN.replace("0123456789ab", "0123456789ab+dirty")
    reasons = mismatch_reasons(_row(result, code_fingerprint=dirty), result, _manifest(machine=platform.machine()),
                               current_fingerprint=dirty)
    assert len(reasons) == 1 and "uncommitted changes" in reasons[0]


def test_a_status_change_and_an_executor_status_are_explained(originals: dict[str, RolloutResult]) -> None:
    result = originals["null"]   # replayed: passed
    manifest = _manifest(machine=platform.machine())
    changed = mismatch_reasons(_row(result, code_fingerprint=CLEAN, status="failed"), result, manifest,
                               current_fingerprint=CLEAN)
    assert changed[0] == "status differs: stored failed, replay passed"
    lost = mismatch_reasons(_row(result, code_fingerprint="", status="infra_error", error="worker lost: node died"),
                            result, manifest, current_fingerprint=CLEAN)
    assert lost[0].startswith("the stored run ended infra_error (worker lost: node died)")
    assert "code fingerprint differs" in lost[1] and len(lost) == 2   # the manifest's base fingerprint is compared


def test_fingerprint_parts_split_the_real_fingerprint() -> None:
    spec = SPECS["following"]
    parts = fingerprint_parts(code_fingerprint(spec.stack_id, spec.stack.entry_point))
    assert parts["simfarm version"] == "0.1.0" and parts["stack id"] == spec.stack_id
    assert parts["source revision"].startswith(("git:", "image:", "nogit"))
    assert len(parts["scenario library hash"]) == 8 and len(parts["stack source hash"]) == 8


def test_validate_run_id_accepts_only_16_lowercase_hex() -> None:
    assert validate_run_id(SPECS["null"].run_id) == SPECS["null"].run_id
    with pytest.raises(InputError):
        validate_run_id("0123456789abcdeg")
