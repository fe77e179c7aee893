"""The one exit-code table (docs/architecture.md "Exit codes"), through typer's CliRunner.

0 success, 1 a finding, 2 bad input, 3 inconclusive, 4 a regression, 5 infrastructure,
130 interrupted — and every error is one line on stderr.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.errors import domain_errors, exit_code_of
from cli.main import app
from farm.driver.session import SPEC_FORMAT_FIELD
from farm.errors import (
    ExecutionError,
    ExitCode,
    InputError,
    LeaseError,
    SimfarmError,
    StackLoadError,
    StoreError,
)
from farm.spec import SPEC_FORMAT
from farm.store.backend import ManifestConflict, ObjectMissing, UnknownSweep
from farm.store.base import Lease, Manifest
from farm.store.local import LocalStore
from scenario_library.errors import ScenarioError
from tests.conftest import S3_TEST_ENV

SWEEPS = Path(__file__).resolve().parents[1] / "farm" / "execution" / "sweeps"
SWEEP_ID = "exit-20260102T030405Z-abc123"
RUN_ID = "0123456789abcdef"


def invoke(*args: str, env: dict[str, str] | None = None):
    return CliRunner(env=env).invoke(app, list(args), catch_exceptions=False)


def assert_one_error_line(result, code: int, *needles: str) -> None:
    assert result.exit_code == code, (result.exit_code, result.output)
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    for needle in needles:
        assert needle in result.stderr


def test_the_table_is_the_documented_one() -> None:
    assert {c.name: int(c) for c in ExitCode} == {"OK": 0, "FINDING": 1, "BAD_INPUT": 2, "INCONCLUSIVE": 3,
                                                   "REGRESSION": 4, "INFRA": 5, "INTERRUPTED": 130}


@pytest.mark.parametrize(("error", "code"), [
    (InputError("x"), ExitCode.BAD_INPUT),
    (StackLoadError("x"), ExitCode.BAD_INPUT),
    (ScenarioError("x"), ExitCode.BAD_INPUT),
    (UnknownSweep("x"), ExitCode.BAD_INPUT),
    (StoreError("x"), ExitCode.INFRA),
    (ObjectMissing("x"), ExitCode.INFRA),
    (ManifestConflict("x"), ExitCode.INFRA),
    (LeaseError("x"), ExitCode.INFRA),
    (ExecutionError("x"), ExitCode.INFRA),
    (SimfarmError("x"), ExitCode.INFRA),  # an error is never a finding, even one that names no code
])
def test_every_error_class_has_its_code(error: Exception, code: ExitCode) -> None:
    assert exit_code_of(error) == code


def test_the_library_literal_is_the_farm_code() -> None:
    # scenario_library may not import farm, so its code is a literal: it must equal the table's.
    assert ScenarioError.exit_code == ExitCode.BAD_INPUT


def test_ctrl_c_is_130_in_one_line() -> None:
    import typer

    @domain_errors
    def interrupted() -> None:
        raise KeyboardInterrupt

    with pytest.raises(typer.Exit) as raised:
        interrupted()
    assert raised.value.exit_code == ExitCode.INTERRUPTED


# -- infrastructure: 5 -------------------------------------------------------------------

@pytest.fixture
def unreachable_s3(closed_port: int) -> tuple[str, dict[str, str]]:
    """An s3:// store whose endpoint is a loopback port nothing listens on (held for the test)."""
    return "s3://simfarm-nowhere/x", {**S3_TEST_ENV, "AWS_ENDPOINT_URL": f"http://127.0.0.1:{closed_port}"}


@pytest.mark.parametrize("args", [
    ["sweeps", "list"],
    ["results", SWEEP_ID],
    ["compact", SWEEP_ID],
    ["status", SWEEP_ID],
    ["logs", SWEEP_ID],
    ["cancel", SWEEP_ID],
    ["replay", RUN_ID, "--no-plot"],
    ["submit", str(SWEEPS / "null_grid.yaml")],
])
def test_an_unreachable_s3_store_is_exit_5_in_one_line(args: list[str], unreachable_s3) -> None:
    uri, env = unreachable_s3
    started = time.monotonic()
    result = invoke(*args, "--store", uri, env=env)
    assert_one_error_line(result, ExitCode.INFRA, "cannot reach", "127.0.0.1")
    assert time.monotonic() - started < 30  # a store check fails fast, not after the write-retry deadline


@pytest.mark.parametrize("args", [["sweeps", "list"], ["results", SWEEP_ID], ["status", SWEEP_ID],
                                  ["submit", str(SWEEPS / "null_grid.yaml")]])
def test_a_store_path_that_is_a_file_is_exit_5(args: list[str], tmp_path: Path) -> None:
    not_a_folder = tmp_path / "results"
    not_a_folder.write_text("a file, not a store")
    assert_one_error_line(invoke(*args, "--store", str(not_a_folder)), ExitCode.INFRA, str(not_a_folder))


def test_another_drivers_lease_is_exit_5_naming_the_holder(tmp_path: Path) -> None:
    """Resuming a sweep another host is driving: not bad input, not a finding (decision in docs/architecture.md)."""
    store = LocalStore(tmp_path)
    lease = Lease(owner="elsewhere:4242:abcdef", expires_at=time.time() + 3600)
    store.create_sweep(Manifest(sweep_id=SWEEP_ID, name="exit", created_at="2026-01-02T03:04:05+00:00",
                                updated_at="2026-01-02T03:04:05+00:00", code_fingerprint="", lease=lease,
                                extra={SPEC_FORMAT_FIELD: SPEC_FORMAT}), [])
    result = invoke("submit", str(SWEEPS / "null_grid.yaml"), "--resume", SWEEP_ID, "--store", str(tmp_path))
    assert_one_error_line(result, ExitCode.INFRA, "being driven by elsewhere:4242:abcdef")


# -- bad input: 2 ------------------------------------------------------------------------

@pytest.mark.parametrize(("args", "needle"), [
    (["run", "no_such_family"], "no_such_family"),
    (["run", "null", "-p", "x=7"], "x"),
    (["results", "no-such-20260101T000000Z-000000"], "no such sweep"),
    (["status", "no-such-20260101T000000Z-000000"], "no-such-20260101T000000Z-000000"),
    (["results", "../escape"], "sweep id"),
    (["results", SWEEP_ID, "--json", "--format", "csv"], "--json"),
    (["sweep", "expand", "/nonexistent/sweep.yaml"], "sweep.yaml"),
    (["stack", "check", "not an entry point"], "package.module:factory"),
])
def test_bad_input_is_exit_2_in_one_line(args: list[str], needle: str, tmp_path: Path) -> None:
    LocalStore(tmp_path).check()
    assert_one_error_line(invoke(*args, "--store", str(tmp_path)) if args[0] in ("results", "status")
                          else invoke(*args), ExitCode.BAD_INPUT, needle)


def test_an_invalid_family_file_is_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nversion: one\n")
    result = invoke("scenarios", "validate", str(bad))
    assert result.exit_code == ExitCode.BAD_INPUT and "bad.yaml" in result.stderr


# -- a finding: 1 ------------------------------------------------------------------------

def test_a_failed_run_is_exit_1() -> None:
    result = invoke("run", "null", "-p", "x=0.9", "-p", "pass_below=0.5")
    assert result.exit_code == ExitCode.FINDING and "FAIL" in result.stdout and result.stderr == ""


def test_a_passed_run_is_exit_0() -> None:
    assert invoke("run", "null", "-p", "x=0.1").exit_code == ExitCode.OK
