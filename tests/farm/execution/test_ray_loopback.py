"""Embedded Ray stays on 127.0.0.1 even when the user's environment asks Ray for the routable address.

Ray reads ``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER`` once, when it is imported; a user who exported ``1``
used to get an embedded Ray on the machine's routable address. The driver runs in a subprocess with
that ``1`` set; every listening socket of the processes it started must be on 127.0.0.1.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import psutil

from tests.farm.execution.remote_helpers import end_processes, marked_processes, short_tmpdir

LOOPBACK = ("127.0.0.1", "::ffff:127.0.0.1")  # gRPC reports its IPv4 loopback sockets IPv4-mapped
DRIVER = """
import sys
from farm.execution.ray_executor import start_ray, stop_ray
start_ray(num_cpus=1)
print("ready", flush=True)
sys.stdin.readline()
stop_ray()
"""


def _listening(procs: list[psutil.Process]) -> list[tuple[str, int, str]]:
    found = []
    for proc in procs:
        try:
            for conn in proc.net_connections(kind="inet"):
                if conn.status == psutil.CONN_LISTEN:
                    found.append((conn.laddr.ip, conn.laddr.port, proc.name()))
        except psutil.Error:
            continue
    return found


def test_embedded_ray_listens_only_on_loopback_when_the_environment_says_otherwise() -> None:
    root = short_tmpdir("sfl-")
    env = {**os.environ, "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "1", "RAY_TMPDIR": str(root)}
    driver = subprocess.Popen([sys.executable, "-c", DRIVER], cwd=root, env=env, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert driver.stdout is not None and driver.stdout.readline().strip() == "ready"
        procs = [psutil.Process(driver.pid), *marked_processes(root)]
        sockets = _listening(procs)
        assert len({name for _, _, name in sockets}) >= 2, sockets  # the GCS and the raylet at least
        assert [s for s in sockets if s[0] not in LOOPBACK] == []
    finally:
        assert driver.stdin is not None
        driver.stdin.write("\n")
        driver.stdin.close()
        try:
            driver.wait(timeout=30)
        except subprocess.TimeoutExpired:
            driver.kill()
            driver.wait()
        end_processes(marked_processes(root))
        shutil.rmtree(root, ignore_errors=True)
