"""What a sweep run elsewhere needs, without importing Ray: address kinds, auth, environment, entry point.

Remote modes (docs/execution.md, "Remote runs"):

- ``http://host:8265`` (or ``https://``): the driver runs on the cluster as a
  Ray job, submitted through the Jobs API (``farm.execution.ray_jobs``); its
  entry point refuses to run under another simfarm version than the submitter's.
- ``auto``, ``ray://host:10001`` or ``host:port``: this process is the driver,
  connected to an existing cluster (``farm.execution.ray_executor``).

Code on the cluster: a cluster normally runs an image with simfarm installed.
When simfarm runs here from a source checkout (editable install or plain
``PYTHONPATH``), its root is prepended to the cluster processes' ``PYTHONPATH``
(``${PYTHONPATH}`` keeps theirs): a head on this machine then imports the same
tree, and on another machine the path does not exist and changes nothing.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping, Sequence
from pathlib import Path

from farm import __version__
from farm.errors import ExecutionError, InputError

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# Settings a Ray job's driver needs to reach the same store; never credentials (see ``parse_env``).
FORWARDED_ENV = ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_DEFAULT_REGION", "AWS_REGION",
                 "AWS_EC2_METADATA_DISABLED", "SIMFARM_STORE")
JOB_CONFIG_ENV = "RAY_JOB_CONFIG_JSON_ENV_VAR"  # set by Ray in a job's driver process


def is_jobs_address(address: str | None) -> bool:
    """True for a Jobs API (dashboard) address: ``http://`` or ``https://``."""
    return address is not None and address.startswith(("http://", "https://"))


def inside_ray_job(environ: Mapping[str, str] | None = None) -> bool:
    """True in the driver process of a Ray job (its runtime environment is already set by the job)."""
    return JOB_CONFIG_ENV in (os.environ if environ is None else environ)


def auth_headers(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """``Authorization: Bearer`` from ``RAY_AUTH_TOKEN`` or the file ``RAY_AUTH_TOKEN_PATH``; {} if neither.

    Raises:
        InputError: the token file cannot be read or is empty.
    """
    env = os.environ if environ is None else environ
    token = env.get("RAY_AUTH_TOKEN", "").strip()
    path = env.get("RAY_AUTH_TOKEN_PATH", "")
    if not token and path:
        try:
            token = Path(path).expanduser().read_text().strip()
        except OSError as exc:
            raise InputError(f"cannot read the token file: {exc.strerror}", source="RAY_AUTH_TOKEN_PATH",
                             field=path) from None
        if not token:
            raise InputError("the token file is empty", source="RAY_AUTH_TOKEN_PATH", field=path)
    return {"Authorization": f"Bearer {token}"} if token else {}


def code_env() -> dict[str, str]:
    """``PYTHONPATH`` with this source checkout first, or {} when simfarm is installed in site-packages."""
    if not (PROJECT_ROOT / "pyproject.toml").is_file() or "site-packages" in PROJECT_ROOT.parts:
        return {}
    return {"PYTHONPATH": f"{PROJECT_ROOT}{os.pathsep}${{PYTHONPATH}}"}


def parse_env(items: Sequence[str], environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """``NAME=VALUE`` items as given, ``NAME`` items with this shell's value (``--env`` options).

    Credentials are never forwarded unless named here: a Ray job's environment is visible in the dashboard.

    Raises:
        InputError: a malformed name, or ``NAME`` not set in this shell.
    """
    env = os.environ if environ is None else environ
    out: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not name.isidentifier():
            raise InputError(f"{item!r} is not NAME or NAME=VALUE", source="--env", field=name)
        if not sep:
            if name not in env:
                raise InputError("not set in this environment (use NAME=VALUE)", source="--env", field=name)
            value = env[name]
        out[name] = value
    return out


def job_env(extra: Mapping[str, str] | None = None, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The env_vars of a Ray job's runtime environment: store settings, code path, then ``extra``."""
    env = os.environ if environ is None else environ
    out = {name: env[name] for name in FORWARDED_ENV if env.get(name)}
    out.update(code_env())
    out.update(extra or {})
    return out


def job_entrypoint(sweep_id: str, store_uri: str, *, force: bool = False, version: str = __version__,
                   wait_for_lease_s: float | None = None, exit_zero_on_finding: bool = False) -> str:
    """The shell command a Ray job runs: the stored sweep's driver, bound to ``version``.

    ``wait_for_lease_s``: a retried attempt on a new host waits that long for the previous driver's
    lease to expire (a KubeRay RayJob retry); ``exit_zero_on_finding``: a finding exits 0, so only
    an incomplete run fails the job (and is retried); the verdict is in the store's manifest.
    """
    cmd = ["python", "-m", "farm.driver", "run", "--sweep-id", sweep_id, "--store", store_uri,
           "--address", "auto", "--expect-version", version]
    if wait_for_lease_s is not None:
        cmd += ["--wait-for-lease", f"{wait_for_lease_s:g}"]
    if exit_zero_on_finding:
        cmd.append("--exit-zero-on-finding")
    if force:
        cmd.append("--force")
    return shlex.join(cmd)


def check_version(expected: str, *, actual: str = __version__) -> None:
    """``ExecutionError`` unless the simfarm imported here is the version the submitter runs."""
    if expected != actual:
        raise ExecutionError(f"this cluster runs simfarm {actual}, the submitter runs simfarm {expected}: "
                             "install the same version on both", source="--expect-version", field="version")
