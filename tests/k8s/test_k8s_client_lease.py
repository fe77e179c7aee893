"""A retried RayJob's driver runs on a new host: it takes over the previous driver's lease once it expires.

``python -m farm.driver run --wait-for-lease S`` (the RayJob entry point passes 90 s) against a real
store: a lease held by a foreign owner that expires in ~3 s is taken over and the sweep runs; one
that its owner keeps renewing is not, and the driver fails with the holder's name (exit 5).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from farm.driver.__main__ import main
from farm.driver.control import wait_for_lease
from farm.driver.submit import _new_sweep, _sweep_options
from farm.errors import ExitCode
from farm.store import open_store
from farm.store.layout import driver_log_key
from farm.sweep import load_sweep
from tests.farm.execution.conftest import production_batch_fn
from tests.k8s.conftest import SMALL

FOREIGN = "ray-head-7f9c2:41:a1b2c3"  # a host that is not this one: break_stale_lease cannot judge it


def _stored_sweep(root: Path) -> tuple[str, str]:
    store = open_store(str(root))
    sweep = load_sweep(SMALL)
    return _new_sweep(store, sweep, str(SMALL), _sweep_options(sweep), {"mode": "k8s"}), str(root)


def _run(sweep_id: str, uri: str, wait_s: float) -> int:
    return main(["run", "--sweep-id", sweep_id, "--store", uri, "--executor", "sequential",
                 "--batch-fn", production_batch_fn(), "--wait-for-lease", str(wait_s), "--exit-zero-on-finding"])


def test_a_foreign_lease_is_taken_over_once_it_expires(tmp_path: Path) -> None:
    sweep_id, uri = _stored_sweep(tmp_path)
    store = open_store(uri)
    held = store.acquire_lease(sweep_id, FOREIGN, 3.0)
    assert _run(sweep_id, uri, 0) == ExitCode.INFRA        # without waiting: LeaseError at once
    code = _run(sweep_id, uri, 20)
    assert time.time() >= held.expires_at                  # it cannot have started before the lease expired
    assert code == ExitCode.OK                              # 2 findings, exit 0 in the cluster: the verdict is stored
    manifest = store.read_manifest(sweep_id)
    assert (manifest.state, manifest.counts, manifest.lease) == ("complete", {"passed": 4, "failed": 2}, None)
    log = store.get_bytes(driver_log_key(sweep_id)).decode()
    assert f"took over the lease of {FOREIGN} once it expired or was released" in log


def test_a_lease_that_keeps_being_renewed_is_not_taken_over(tmp_path: Path) -> None:
    sweep_id, uri = _stored_sweep(tmp_path)
    store = open_store(uri)
    store.acquire_lease(sweep_id, FOREIGN, 2.0)
    stop = threading.Event()

    def renew() -> None:
        while not stop.wait(0.5):
            store.renew_lease(sweep_id, FOREIGN, 2.0)

    renewer = threading.Thread(target=renew, daemon=True)
    renewer.start()
    try:
        assert _run(sweep_id, uri, 3.0) == ExitCode.INFRA
        manifest = store.read_manifest(sweep_id)
        assert manifest.lease is not None and manifest.lease.owner == FOREIGN and not manifest.counts
    finally:
        stop.set()
        renewer.join()


def test_a_free_or_released_lease_needs_no_wait(tmp_path: Path) -> None:
    sweep_id, uri = _stored_sweep(tmp_path)
    store = open_store(uri)
    started = time.monotonic()
    assert wait_for_lease(store, sweep_id, 30.0) is None
    store.acquire_lease(sweep_id, FOREIGN, 60.0)
    threading.Timer(0.5, store.release_lease, args=(sweep_id, FOREIGN)).start()
    assert wait_for_lease(store, sweep_id, 30.0, poll_s=0.1) == FOREIGN
    assert time.monotonic() - started < 30.0                # returned on the release, not at the deadline
