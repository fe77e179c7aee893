"""Shared fixtures. Areas append their own fixtures below, each under a clearly named heading."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import background_mypy, shared_ray

# --- mypy in the background (tests/test_lint.py; see tests/background_mypy.py) ------------------


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start mypy now if its test is selected, so it overlaps the rest of the suite.

    Not in a pytest-xdist worker: every worker collects every test, and the other workers overlap it anyway.
    """
    if "PYTEST_XDIST_WORKER" not in os.environ and not session.config.option.collectonly and any(
            item.nodeid == background_mypy.TEST_ID for item in session.items):
        background_mypy.start()


def pytest_sessionfinish(session: pytest.Session) -> None:
    background_mypy.stop()  # only if nobody collected it (an interrupted or deselected run)
    shared_ray.release()


# --- one embedded Ray for the modules that use ``ray_session`` (see tests/shared_ray.py) --------


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    shared_ray.group_modules(items)


@pytest.fixture(scope="module")
def ray_session() -> Iterator[None]:
    """The embedded 2-CPU Ray on loopback, up for the whole module (executors reuse it and leave it up).

    Consecutive modules share one (they are collected next to each other); it is shut down before
    the first module that does not use this fixture.
    """
    shared_ray.ensure()
    yield


@pytest.fixture(scope="module")
def fresh_ray_session() -> Iterator[None]:
    """``ray_session``, but restarted first: no worker process has run anything yet."""
    shared_ray.ensure(fresh=True)
    yield


@pytest.fixture(scope="module", autouse=True)
def _embedded_ray_only_where_asked(request: pytest.FixtureRequest) -> None:
    if isinstance(request.node, pytest.Module) and not shared_ray.uses_ray(request.node):
        shared_ray.release()


# --- S3 (results store, issue 5) ------------------------------------------------------------

S3_TEST_ENV = {
    "AWS_ACCESS_KEY_ID": "AKIATESTDUMMYKEY0001",
    "AWS_SECRET_ACCESS_KEY": "dummy-secret-for-loopback-moto-only",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",  # never look for instance credentials off loopback
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for_port(port: int, process: subprocess.Popen[bytes], timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port that refuses connections for the whole test: bound here, never listening.

    A port merely probed free can be taken by any other process (another test worker, another
    server on the machine) before the test connects to it; this one cannot.
    """
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        yield int(held.getsockname()[1])


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    """A real ``moto_server`` process on 127.0.0.1 (free port); yields its endpoint URL.

    Sets dummy AWS credentials and region in ``os.environ`` for the session (and
    disables the EC2 metadata lookup), restoring them afterwards. Buckets are
    not created here: create one per test. The server keeps objects in memory.
    """
    saved = {name: os.environ.get(name) for name in S3_TEST_ENV}
    os.environ.update(S3_TEST_ENV)
    moto = Path(sys.executable).with_name("moto_server")
    process = None
    for _ in range(3):  # the free port can be taken between probing and binding
        port = _free_port()
        process = subprocess.Popen([str(moto), "-H", "127.0.0.1", "-p", str(port)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if _wait_for_port(port, process, timeout_s=20.0):
            break
        process.kill()
        process.wait()
        process = None
    if process is None:
        pytest.fail("moto_server did not start on 127.0.0.1")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
