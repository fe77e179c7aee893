"""``simfarm submit``, ``status``, ``logs`` and ``cancel``: thin commands over ``farm.driver``."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cli.errors import domain_errors
from cli.machine_output import print_json, stdout_reserved
from cli.options import JsonOpt, StoreOpt, parse_date

if TYPE_CHECKING:
    from farm.store.base import Store

AddressOpt = Annotated[str | None, typer.Option(
    "--address", help="Ray cluster: none = embedded local Ray; 'auto', ray://host:10001 or host:port = drive an "
                      "existing cluster from here; http://host:8265 = run the driver there as a Ray job.")]
EnvOpt = Annotated[list[str] | None, typer.Option(
    "--env", help="NAME=VALUE (or NAME: this shell's value) for a Ray job's driver; repeatable. "
                  "AWS_ENDPOINT_URL and the AWS region are passed on by themselves, credentials never.")]
K8sOpt = Annotated[bool, typer.Option(
    "--k8s", help="Run the sweep on Kubernetes as a KubeRay RayJob (a cluster of its own); needs an s3:// store.")]
NamespaceOpt = Annotated[str | None, typer.Option(
    "--namespace", help="--k8s: the namespace (default: the context's, in a pod its own).")]
ContextOpt = Annotated[str | None, typer.Option(
    "--context", help="--k8s: the kubeconfig context (default: the current one; in a pod: in-cluster).")]
ImageOpt = Annotated[str | None, typer.Option(
    "--image", help="--k8s: the simfarm image as a digest reference repo@sha256:... (default: $SIMFARM_IMAGE).")]
WorkersOpt = Annotated[str, typer.Option(
    "--workers", help="--k8s: worker pods, N or MIN:MAX (autoscaling between them).")]
SweepIdArg = Annotated[str, typer.Argument(help="The sweep id printed by submit.", show_default=False)]
MetricsPortOpt = Annotated[int | None, typer.Option(
    "--metrics-port", min=0, max=65535, help="Serve the driver's farm metrics for Prometheus on this port "
    "(http://HOST:PORT/metrics; 0 picks a free one, the driver log names it). Default: off.")]
MetricsHostOpt = Annotated[str, typer.Option(
    "--metrics-host", help="Address the metrics server binds; 0.0.0.0 only inside a pod.")]


def _open(uri: str | None, *, write: bool) -> Store:
    """Open and check the store first, so an unreachable one is exit 5, never "no such sweep"."""
    from farm.store import open_store

    store = open_store(uri)
    store.check(write=write)
    return store


@domain_errors
def submit(
    sweep_file: Annotated[str, typer.Argument(help="Sweep YAML path, or a packaged sweep by name (smoke, nightly).")],
    store: StoreOpt = None,
    address: AddressOpt = None,
    resume: Annotated[str | None, typer.Option("--resume", help="Continue this sweep id (runs only what is "
                                                                "not stored with a final status).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Resume under another code fingerprint.")] = False,
    detach: Annotated[bool, typer.Option("--detach", help="Run the driver in the background and return.")] = False,
    batch_size: Annotated[int | None, typer.Option("--batch-size", help="Rollouts per batch.")] = None,
    max_in_flight: Annotated[int | None, typer.Option("--max-in-flight", help="Batches in flight.")] = None,
    timeout_s: Annotated[float | None, typer.Option("--timeout-s", help="Wall-clock budget per rollout [s].")] = None,
    retries: Annotated[int | None, typer.Option("--retries", help="Retries of a rollout whose worker died.")] = None,
    num_cpus: Annotated[int | None, typer.Option("--num-cpus", help="CPUs for embedded Ray.")] = None,
    env: EnvOpt = None,
    k8s: K8sOpt = False,
    namespace: NamespaceOpt = None,
    context: ContextOpt = None,
    image: ImageOpt = None,
    workers: WorkersOpt = "1",
    metrics_port: MetricsPortOpt = None,
    metrics_host: MetricsHostOpt = "127.0.0.1",
    today: Annotated[str | None, typer.Option("--today", metavar="YYYY-MM-DD", help="Date the sweep's rotating "
                                              "sets use, as 'sweep expand --today' [default: today, UTC].")] = None,
    write_report: Annotated[bool, typer.Option(
        "--report", help="When the sweep ends, also write its summary report (HTML, JSON, Markdown) to "
                         "./simfarm-reports/<report_id>/, as 'simfarm report summary SWEEP_ID' would.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Run a sweep on Ray (embedded by default, a cluster, a Ray job or a RayJob); results stream into the store."""
    from farm.driver import submit as run_submit
    from farm.driver.kube import K8sRequest
    from farm.driver.metrics import MetricsEndpoint
    from farm.execution.remote import parse_env

    request = K8sRequest(context=context, namespace=namespace, image=image, workers=workers) if k8s else None
    metrics = None if metrics_port is None else MetricsEndpoint(port=metrics_port, host=metrics_host)

    def announce(sweep_id: str, store_uri: str) -> None:
        print(f"sweep {sweep_id} (store {store_uri})", file=sys.stderr if as_json else sys.stdout, flush=True)

    with stdout_reserved(as_json):  # Ray's forwarded worker output and notices must not reach the JSON
        report = run_submit(sweep_file, store=store, address=address, resume=resume, force=force, detach=detach,
                            batch_size=batch_size, max_in_flight=max_in_flight, timeout_s=timeout_s,
                            retries=retries, num_cpus=num_cpus, announce=announce, stream_to=sys.stderr,
                            job_env=parse_env(env or []), k8s=request, metrics=metrics,
                            today=parse_date(today))
    if as_json:
        print_json(report.to_dict())
    else:
        _print_report(report)
    if write_report and not detach:
        _summary_report(report, quiet=as_json)
    if report.exit_code:
        raise typer.Exit(report.exit_code)


def _summary_report(report: Any, *, quiet: bool) -> None:
    """``--report``: the stored sweep's summary report, labelled if the sweep did not complete."""
    from farm.reports.output import write_report
    from farm.reports.summary import summary_report
    from farm.store import open_store

    written = write_report(summary_report(open_store(report.store), report.sweep_id,
                                          allow_partial=True))
    print(f"report: {written.html}", file=sys.stderr if quiet else sys.stdout, flush=True)


def _print_report(report: Any) -> None:
    from rich.console import Console

    from farm.driver import summary_table

    console = Console() if sys.stdout.isatty() else Console(width=120)  # CronJob logs: no truncated headers
    if report.summary.get("groups"):
        console.print(summary_table(report.summary, title=f"sweep {report.sweep_id}: {report.state}"))
    if report.ran:
        console.print(f"{report.ran} rollouts in {report.wall_time_s:.1f} s ({report.rollouts_per_s:.1f}/s), "
                      f"{report.skipped} already stored")
    console.print(report.message, markup=False)


@domain_errors
def status(sweep_id: SweepIdArg, store: StoreOpt = None, as_json: JsonOpt = False) -> None:
    """State, counts, lease and driver of a sweep."""
    from farm.driver import sweep_status

    info = sweep_status(_open(store, write=False), sweep_id)
    if as_json:
        print_json(info)
        return
    counts = ", ".join(f"{k} {v}" for k, v in sorted(info["counts"].items())) or "none yet"
    lease = info["lease"]
    print(f"{info['sweep_id']}: {info['state']}, {info['done']}/{info['total']} stored ({counts})")
    print(f"mode {info['mode'] or '?'}; driver pid {info['driver_pid'] or '-'} "
          f"({'alive' if info['driver_alive'] else 'not running here'}); "
          f"lease {'held by ' + lease['owner'] if lease and lease['live'] else 'free'}; updated {info['updated_at']}")
    job = info.get("job")
    if job:
        print(f"Ray job {job['id']} at {job['address']}: {job['status']}" + (f" ({job['message']})"
                                                                           if job["message"] else ""))
    rayjob = info.get("rayjob")
    if rayjob:
        print(f"RayJob {rayjob['name']} in {rayjob['namespace']} (context {rayjob['context']}): "
              f"{rayjob['jobDeploymentStatus'] or 'no status yet'}, job {rayjob['jobStatus'] or '-'}"
              + (f" ({rayjob['message']})" if rayjob["message"] else ""))
    if info.get("error"):
        print(f"error: {info['error']}")


@domain_errors
def logs(sweep_id: SweepIdArg, store: StoreOpt = None, as_json: JsonOpt = False) -> None:
    """The driver log stored with the sweep."""
    from farm.driver import sweep_logs

    text = sweep_logs(_open(store, write=False), sweep_id)
    if as_json:
        print_json({"sweep_id": sweep_id, "lines": text.splitlines()})
    else:
        print(text, end="")


@domain_errors
def cancel(sweep_id: SweepIdArg, store: StoreOpt = None, as_json: JsonOpt = False) -> None:
    """Stop a running sweep: its driver stores what finished and exits; resume it later."""
    from farm.driver import cancel_sweep

    info = cancel_sweep(_open(store, write=True), sweep_id)
    if as_json:
        print_json(info)
    elif info["cancelled"]:
        pid, job, problem = info["signalled_pid"], info.get("stopped_job"), info.get("job_error")
        rayjob, k8s_problem = info.get("deleted_rayjob"), info.get("k8s_error")
        print(f"{sweep_id}: cancelled" + (f" (signalled driver pid {pid})" if pid else "")
              + (f" (stopped Ray job {job})" if job else "") + (f" (deleted RayJob {rayjob})" if rayjob else "")
              + (f"; {problem}" if problem else "") + (f"; {k8s_problem}" if k8s_problem else ""))
    else:
        print(f"{sweep_id}: already {info['state']}, nothing to cancel")


def register(app: typer.Typer) -> None:
    """Add submit, status, logs and cancel to the ``simfarm`` app."""
    app.command("submit")(submit)
    app.command("status")(status)
    app.command("logs")(logs)
    app.command("cancel")(cancel)
