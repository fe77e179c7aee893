"""Ray Jobs API: run a stored sweep's driver on a cluster as a Ray job, and watch, read and stop it.

Talks to the cluster's dashboard (``http://host:8265``) through
``ray.job_submission.JobSubmissionClient``; with token auth on, the token from
``RAY_AUTH_TOKEN`` / ``RAY_AUTH_TOKEN_PATH`` goes out as ``Authorization:
Bearer``. The job runs ``python -m farm.driver run ... --expect-version X``
(``farm.execution.remote.job_entrypoint``); everything it needs is in the store.
Every failure to reach or use the API is an ``ExecutionError`` (one line).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TextIO, TypeVar

from ray.exceptions import RayError
from ray.job_submission import JobStatus, JobSubmissionClient

from farm.errors import ExecutionError, ExitCode
from farm.execution.remote import auth_headers

T = TypeVar("T")
# Ray's client prefers these over the address it is given; an explicit --address must win.
_ADDRESS_OVERRIDES = ("RAY_API_SERVER_ADDRESS", "RAY_ADDRESS")


@dataclass(frozen=True, slots=True, kw_only=True)
class JobInfo:
    """A Ray job's state as the Jobs API reports it."""

    job_id: str
    status: str                 # PENDING | RUNNING | STOPPED | SUCCEEDED | FAILED
    message: str = ""
    exit_code: int | None = None  # the entry point's exit code, once it ended

    @property
    def finished(self) -> bool:
        """True once the job can no longer change."""
        return JobStatus(self.status).is_terminal()

    def driver_exit_code(self) -> int:
        """The sweep driver's ``ExitCode``: its own code once it ended; ``INTERRUPTED`` for a stopped job.

        A job that failed without an exit code (its driver or the cluster was lost) is ``INFRA``.
        """
        if self.status == JobStatus.SUCCEEDED:
            return ExitCode.OK
        if self.status == JobStatus.STOPPED:
            return ExitCode.INTERRUPTED
        return self.exit_code if self.exit_code else ExitCode.INFRA


@contextmanager
def _explicit_address() -> Iterator[None]:
    saved = {name: os.environ.pop(name) for name in _ADDRESS_OVERRIDES if name in os.environ}
    try:
        yield
    finally:
        os.environ.update(saved)


def _call(address: str, what: str, action: Callable[[], T]) -> T:
    try:
        return action()
    except (RuntimeError, OSError, RayError) as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ExecutionError(f"{what}: {first}", source="--address", field=address) from None


def client(address: str) -> JobSubmissionClient:
    """A client for the Jobs API at ``address`` (checked: reachable, authorised)."""
    headers = auth_headers()

    def connect() -> JobSubmissionClient:
        with _explicit_address():
            return JobSubmissionClient(address, headers=headers)

    return _call(address, "cannot reach the Ray Jobs API", connect)


AGENT_WAIT_S = 60.0  # a freshly started head answers "No available agent to submit job" until its agent is up


def submit_job(address: str, *, entrypoint: str, submission_id: str, env_vars: Mapping[str, str],
               agent_wait_s: float = AGENT_WAIT_S) -> str:
    """Submit ``entrypoint`` as a Ray job with ``env_vars``; returns its submission id.

    Ray's own transient refusal of a head whose job agent is still starting ("No available agent
    to submit job, please try again later") is retried for up to ``agent_wait_s``; any other
    refusal is an ``ExecutionError`` at once.
    """
    import time

    jobs = client(address)
    deadline = time.monotonic() + agent_wait_s
    while True:
        try:
            return _call(address, "the Ray Jobs API refused the job", lambda: jobs.submit_job(
                entrypoint=entrypoint, submission_id=submission_id, runtime_env={"env_vars": dict(env_vars)}))
        except ExecutionError as exc:
            if "No available agent" not in exc.reason or time.monotonic() >= deadline:
                raise
            time.sleep(1.0)


def _info(jobs: JobSubmissionClient, address: str, job_id: str) -> JobInfo:
    details: Any = _call(address, f"cannot read Ray job {job_id}", lambda: jobs.get_job_info(job_id))
    return JobInfo(job_id=job_id, status=str(details.status), message=details.message or "",
                   exit_code=getattr(details, "driver_exit_code", None))


def job_info(address: str, job_id: str) -> JobInfo:
    """The job's status, message and exit code."""
    return _info(client(address), address, job_id)


def job_logs(address: str, job_id: str) -> str:
    """Everything the job printed so far."""
    jobs = client(address)
    return _call(address, f"cannot read the logs of Ray job {job_id}", lambda: jobs.get_job_logs(job_id))


def stop_job(address: str, job_id: str) -> bool:
    """Ask the job to stop (SIGTERM to its driver, then a kill); True if it was running."""
    jobs = client(address)
    return bool(_call(address, f"cannot stop Ray job {job_id}", lambda: jobs.stop_job(job_id)))


def follow_job(address: str, job_id: str, *, stream_to: TextIO | None = None, poll_s: float = 1.0) -> JobInfo:
    """Wait for the job to end, copying its new log output to ``stream_to``; returns its final state."""
    jobs = client(address)
    shown = 0
    while True:
        info = _info(jobs, address, job_id)
        if stream_to is not None:
            text = _call(address, f"cannot read the logs of Ray job {job_id}", lambda: jobs.get_job_logs(job_id))
            if len(text) > shown:
                stream_to.write(text[shown:])
                stream_to.flush()
                shown = len(text)
        if info.finished:
            return info
        time.sleep(poll_s)
