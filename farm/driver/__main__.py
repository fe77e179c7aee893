"""``python -m farm.driver run --sweep-id ID --store URI``: drive a sweep already in the store.

The entry point of every driver that does not run inside ``simfarm submit``: a
detached process, a Ray job (``farm.execution.remote.job_entrypoint``), a
CronJob pod. Options come from the sweep's manifest; the flags here only
choose where and how to run it. A typer app like ``cli/``, but farm may not
import ``cli``, so domain errors are turned into one line and an exit code here.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from farm.execution.base import DEFAULT_BATCH_FN

if TYPE_CHECKING:
    from farm.driver.metrics import MetricsEndpoint

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Run a sweep stored in a store.")


class ExecutorChoice(StrEnum):
    """The executors a stored sweep can run on."""

    RAY = "ray"
    SEQUENTIAL = "sequential"


@app.callback()
def _root() -> None:
    """Run a sweep stored in a store."""  # a callback keeps ``run`` a sub-command, as in every caller


@app.command("run")
def run(
    sweep_id: Annotated[str, typer.Option("--sweep-id", help="The stored sweep to drive.")],
    store: Annotated[str, typer.Option("--store", help="The store that holds it (folder, file:// or s3://).")],
    address: Annotated[str | None, typer.Option("--address", help="Ray cluster (none: embedded Ray).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Resume under other outcome-relevant code.")] = False,
    batch_size: Annotated[int | None, typer.Option("--batch-size", help="Rollouts per batch.")] = None,
    executor: Annotated[ExecutorChoice, typer.Option("--executor", help="Where rollouts run.")] = ExecutorChoice.RAY,
    batch_fn: Annotated[str, typer.Option("--batch-fn", help="module:function batch runner.")] = DEFAULT_BATCH_FN,
    expect_version: Annotated[str | None, typer.Option(
        "--expect-version", help="Refuse to run unless simfarm here is this version.")] = None,
    wait_for_lease: Annotated[float, typer.Option(
        "--wait-for-lease", min=0.0, help="Wait up to S seconds for another driver's lease to expire or be "
                                          "released (a retried RayJob on a new host) instead of failing at once.",
    )] = 0.0,
    exit_zero_on_finding: Annotated[bool, typer.Option(
        "--exit-zero-on-finding", help="Exit 0 for a finding (1) too: the verdict is in the store; only an "
                                       "incomplete run fails, so a RayJob retries only that.")] = False,
    metrics_port: Annotated[int | None, typer.Option(
        "--metrics-port", help="Serve Prometheus metrics on this port (0: a free one; default: off).")] = None,
    metrics_host: Annotated[str, typer.Option(
        "--metrics-host", help="Address the metrics server binds (0.0.0.0 in a pod).")] = "127.0.0.1",
) -> None:
    """Drive a stored sweep until it ends; exits with the sweep's exit code (farm.errors.ExitCode)."""
    from farm.errors import ExitCode, SimfarmError

    try:
        code = _run(sweep_id, store, address=address, force=force, batch_size=batch_size,
                    executor=executor.value, batch_fn=batch_fn, expect_version=expect_version,
                    wait_for_lease_s=wait_for_lease, metrics=_endpoint(metrics_port, metrics_host))
    except SimfarmError as exc:
        print(f"error: {exc.line()}", file=sys.stderr, flush=True)
        raise typer.Exit(exc.exit_code) from None
    raise typer.Exit(0 if exit_zero_on_finding and code == ExitCode.FINDING else code)


def _endpoint(port: int | None, host: str) -> MetricsEndpoint | None:
    """The ``MetricsEndpoint`` the flags name, or None when ``--metrics-port`` is absent."""
    from farm.driver.metrics import MetricsEndpoint

    return None if port is None else MetricsEndpoint(port=port, host=host).validated()


def _run(sweep_id: str, store_uri: str, *, address: str | None, force: bool, batch_size: int | None,
         executor: str, batch_fn: str, expect_version: str | None, wait_for_lease_s: float = 0.0,
         metrics: MetricsEndpoint | None = None) -> int:
    from farm.driver.log import record_failure
    from farm.driver.session import run_sweep
    from farm.driver.submit import resolve_options
    from farm.errors import SimfarmError
    from farm.execution import ExecutionOptions
    from farm.execution.remote import check_version
    from farm.store import open_store

    store = open_store(store_uri)
    store.check()
    manifest = store.read_manifest(sweep_id)
    if expect_version is not None:
        try:
            check_version(expect_version)
        except SimfarmError as exc:
            record_failure(store, sweep_id, "refused to run", exc)
            raise
    options = resolve_options(ExecutionOptions(**manifest.extra.get("options", {})), batch_size=batch_size)
    report = run_sweep(store, sweep_id, options=options, address=address, force=force,
                       executor="sequential" if executor == "sequential" else "ray", batch_fn=batch_fn,
                       stream_to=sys.stdout, tty=False, wait_for_lease_s=wait_for_lease_s, metrics=metrics)
    print(report.message, flush=True)
    return int(report.exit_code)


def main(argv: list[str] | None = None) -> int:
    """Run the app as ``python -m farm.driver`` would; returns the exit code instead of exiting."""
    try:
        app(args=sys.argv[1:] if argv is None else argv, prog_name="python -m farm.driver")
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
