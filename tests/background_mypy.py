"""mypy over the packages, started in the background when collection ends (no tests here).

``tests/test_lint.py::test_mypy_finds_nothing_in_the_packages`` used to run mypy itself (~50 s of CPU
with the suite waiting). ``tests/conftest.py`` now starts the same command (``COMMAND``: no cache,
so a clean clone checks everything) as soon as the session knows that test is selected, at a lower
CPU priority (``nice`` 5) so the tests in the foreground keep the cores first; the test collects
the exit code and output with ``result()`` (raising the priority back to normal if it is still
running then and the user may, as root may). Run alone (``pytest tests/test_lint.py``), the test
simply waits for it. Exactly what is checked is unchanged: the files, flags and configuration are
the pyproject's.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[1]
TEST_ID = "tests/test_lint.py::test_mypy_finds_nothing_in_the_packages"
COMMAND = ["--no-incremental", "--cache-dir", "/dev/null"]  # what the test always ran; files from pyproject
NICENESS = 5
TIMEOUT_S = 900.0


def mypy_exe() -> str:
    return shutil.which("mypy") or str(Path(sys.executable).parent / "mypy")


@dataclass
class _Run:
    process: subprocess.Popen[bytes]
    output: IO[bytes]  # stdout and stderr, in a temporary file (no pipe to fill up)


_running: _Run | None = None


def start() -> None:
    """Start mypy at niceness ``NICENESS`` in the background (once per process)."""
    global _running
    if _running is not None:
        return
    output = tempfile.TemporaryFile()  # noqa: SIM115 - closed by result() or stop()
    process = subprocess.Popen([mypy_exe(), *COMMAND], cwd=ROOT, stdout=output, stderr=subprocess.STDOUT,
                               preexec_fn=lambda: os.nice(NICENESS))
    _running = _Run(process, output)


def result() -> tuple[int, str]:
    """mypy's exit code and combined output: the background run's (waiting for it), else a run now."""
    global _running
    if _running is None:
        done = subprocess.run([mypy_exe(), *COMMAND], cwd=ROOT, capture_output=True, text=True)
        return done.returncode, done.stdout + done.stderr
    run, _running = _running, None
    try:
        if run.process.poll() is None:  # now the suite waits for it: no reason to yield any more
            with contextlib.suppress(OSError):
                os.setpriority(os.PRIO_PROCESS, run.process.pid, 0)
        code = run.process.wait(timeout=TIMEOUT_S)
        run.output.seek(0)
        return code, run.output.read().decode(errors="replace")
    finally:
        run.output.close()


def stop() -> None:
    """End a background run nobody collected (the session was interrupted), by its PID."""
    global _running
    if _running is None:
        return
    run, _running = _running, None
    if run.process.poll() is None:
        run.process.kill()
        run.process.wait()
    run.output.close()
