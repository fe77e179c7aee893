"""Helpers for the remote-execution tests (no tests here): a Ray head started by a test and ended by PID.

Every test cluster lives under its own fresh directory (``RAY_TMPDIR``, the
token file, the working directory), which also keeps its files and
``ray_current_cluster`` away from other Ray sessions on the machine. Ray's
processes inherit that path in their environment or working directory; cleanup
finds them by it and ends them one by one by PID: never ``ray stop``, which
would end every Ray on the machine.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import psutil

VENV_BIN = str(Path(sys.executable).parent)
AWS_NAMES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL",
             "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EC2_METADATA_DISABLED")


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def short_tmpdir(prefix: str) -> Path:
    """A fresh directory with a short path (Ray's unix socket paths must stay under 108 bytes)."""
    return Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))


def marked_processes(root: Path) -> list[psutil.Process]:
    """Processes of a test cluster: ``root`` in their environment (through /proc) or their working directory."""
    needle = str(root).encode()
    found = []
    for proc in psutil.process_iter():
        try:
            # Ray renames its processes (setproctitle), which can blank the start of the block: search it all.
            with open(f"/proc/{proc.pid}/environ", "rb") as env:
                marked = needle in env.read()
            if marked or proc.cwd().startswith(str(root)):
                found.append(proc)
        except (OSError, psutil.Error):
            continue
    return [p for p in found if p.pid != os.getpid()]


def end_processes(procs: list[psutil.Process], *, grace_s: float = 5.0) -> None:
    """SIGTERM each process by PID, then SIGKILL what is left after ``grace_s``."""
    for proc in procs:
        try:
            proc.terminate()
        except psutil.NoSuchProcess:
            continue
    _, alive = psutil.wait_procs(procs, timeout=grace_s)
    for proc in alive:
        try:
            proc.kill()
        except psutil.NoSuchProcess:
            continue
    psutil.wait_procs(alive, timeout=grace_s)


def _http_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=1.0) as reply:
            return int(reply.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except OSError:
        return 0


@dataclass
class RayHead:
    """``ray start --head --block`` on 127.0.0.1 with the dashboard and token auth; ``stop()`` ends it by PID."""

    root: Path = field(default_factory=lambda: short_tmpdir("sfh-"))
    gcs_port: int = field(default_factory=free_port)
    dashboard_port: int = field(default_factory=free_port)
    token: str = field(default_factory=lambda: secrets.token_hex(16))
    process: subprocess.Popen[bytes] | None = None

    @property
    def token_path(self) -> Path:
        return self.root / "token"

    @property
    def dashboard_url(self) -> str:
        return f"http://127.0.0.1:{self.dashboard_port}"

    @property
    def gcs_address(self) -> str:
        return f"127.0.0.1:{self.gcs_port}"

    def client_env(self) -> dict[str, str]:
        """What a driver or job client needs to be let in."""
        return {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN_PATH": str(self.token_path),
                "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"}

    def start(self, timeout_s: float = 90.0) -> None:
        """Start the head (no AWS settings and no PYTHONPATH: jobs must bring their own) and wait for it."""
        self.token_path.write_text(self.token)
        (self.root / "ray").mkdir()
        env = {k: v for k, v in os.environ.items() if k not in AWS_NAMES and k != "PYTHONPATH"}
        env.update(self.client_env(), RAY_TMPDIR=str(self.root / "ray"), PATH=f"{VENV_BIN}{os.pathsep}{env['PATH']}")
        cmd = [f"{VENV_BIN}/ray", "start", "--head", "--block", "--node-ip-address=127.0.0.1",
               f"--port={self.gcs_port}", "--dashboard-host=127.0.0.1", f"--dashboard-port={self.dashboard_port}",
               "--include-dashboard=true", "--num-cpus=2", f"--temp-dir={self.root / 'ray'}",
               f"--ray-client-server-port={free_port()}", "--disable-usage-stats",
               # Ray's fixed defaults (agent 52365, ...) clash with any other Ray on the machine (a second test
               # suite, a user's own): the job agent then never comes up ("No available agent to submit job").
               f"--dashboard-agent-listen-port={free_port()}", f"--dashboard-agent-grpc-port={free_port()}",
               f"--metrics-export-port={free_port()}", f"--runtime-env-agent-port={free_port()}"]
        log = open(self.root / "head.log", "wb")  # noqa: SIM115 - the head outlives this call
        self.process = subprocess.Popen(cmd, env=env, cwd=self.root, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"ray start exited: {(self.root / 'head.log').read_text()[-2000:]}")
            if _http_status(f"{self.dashboard_url}/api/version") == 401 and self._jobs_ready():
                return
            time.sleep(0.5)
        raise RuntimeError(f"the Ray head did not come up in {timeout_s:g} s")

    def _jobs_ready(self) -> bool:
        request = urllib.request.Request(f"{self.dashboard_url}/api/jobs/",
                                         headers={"Authorization": f"Bearer {self.token}"})
        try:
            with urllib.request.urlopen(request, timeout=2.0) as reply:
                return int(reply.status) == 200
        except OSError:
            return False

    def stop(self) -> None:
        """End every process of this cluster (head, agents, workers, job drivers) by PID."""
        procs = marked_processes(self.root)
        if self.process is not None and self.process.poll() is None:
            procs.append(psutil.Process(self.process.pid))
        end_processes(list({p.pid: p for p in procs}.values()))
        if self.process is not None:
            self.process.wait(timeout=10)
        shutil.rmtree(self.root, ignore_errors=True)
