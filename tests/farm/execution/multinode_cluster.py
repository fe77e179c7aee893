"""Script (no tests here) run by ``test_exec_multinode`` inside a loopback-only network namespace.

``python -m tests.farm.execution.multinode_cluster --store DIR --sweep FILE --out FILE``
builds a two-node ``ray.cluster_utils.Cluster`` (head: 1 CPU, worker node: 2 CPUs), drives the sweep
with ``farm.driver.session.run_sweep`` on the Ray executor (in a thread), kills the worker node (its raylet
first, then every process under it, by PID) once ``--kill-after`` rows are stored, adds a fresh 2-CPU
worker node, lets the sweep finish, and writes what happened as JSON to ``--out``. Inside the namespace the only
address is 127.0.0.1, so nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

import psutil


def _args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", required=True)
    parser.add_argument("--sweep", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--kill-after", type=int, default=24)
    return parser.parse_args(argv)


def _create_sweep(store: Any, sweep_path: str) -> str:
    from farm.execution.base import now_iso
    from farm.store.base import Manifest
    from farm.sweep import expand, load_sweep

    sweep = load_sweep(sweep_path)
    specs = expand(sweep)
    sweep_id = f"{sweep.name}-20260101T000000Z-multin"
    store.create_sweep(Manifest(sweep_id=sweep_id, name=sweep.name, created_at=now_iso(), updated_at=now_iso(),
                                code_fingerprint="", total=len(specs), sweep_file=sweep_path,
                                extra={"spec_format": 2}), specs)
    return sweep_id


def kill_node(node: Any) -> dict[str, Any]:
    """SIGKILL a node's raylet, then every process that was under it (workers, agents), by PID."""
    raylet = psutil.Process(node.all_processes["raylet"][0].process.pid)
    below = raylet.children(recursive=True)
    monitors = [psutil.Process(info.process.pid) for info in node.all_processes.get("log_monitor", [])]
    raylet.kill()
    for proc in below + monitors:
        try:
            proc.kill()
        except psutil.NoSuchProcess:
            continue
    return {"raylet": raylet.pid, "others": [p.pid for p in below + monitors]}


def _wait_for_rows(store: Any, sweep_id: str, at_least: int, timeout_s: float = 60.0) -> int:
    deadline = time.monotonic() + timeout_s
    stored = 0
    while time.monotonic() < deadline:
        stored = len(store.stored_statuses(sweep_id))
        if stored >= at_least:
            break
        time.sleep(0.1)
    return stored


def _wait_for_node_work(store: Any, sweep_id: str, node: Any, timeout_s: float = 60.0) -> bool:
    """Until a stored row was run by a worker process of ``node`` (so killing it kills work that counted)."""
    raylet = psutil.Process(node.all_processes["raylet"][0].process.pid)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        pids = {str(p.pid) for p in raylet.children(recursive=True)}
        workers = store.read_table(sweep_id, "runs", columns=["worker"])["worker"].to_pylist()
        if any(w.rsplit(":", 1)[-1] in pids for w in workers):
            return True
        time.sleep(0.25)
    return False


def main(argv: list[str]) -> int:
    """Cluster up, driver in a thread, node killed and replaced from here (Ray adds nodes in the main thread)."""
    import ray
    from ray.cluster_utils import Cluster

    from farm.driver.session import run_sweep
    from farm.execution import ExecutionOptions
    from farm.execution.ray_executor import start_ray
    from farm.store import open_store

    args = _args(argv)
    store = open_store(args.store)
    started = time.monotonic()
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1})
    worker = cluster.add_node(num_cpus=2)
    cluster.wait_for_nodes()
    start_ray(cluster.address)  # the production connection (runtime env, loopback); run_sweep reuses it
    record: dict[str, Any] = {"cluster_up_s": time.monotonic() - started}
    sweep_id = _create_sweep(store, args.sweep)
    options = ExecutionOptions(batch_size=4, retries=2, timeout_s=60.0)
    outcome: dict[str, Any] = {}

    def drive() -> None:
        outcome["report"] = run_sweep(store, sweep_id, options=options, address=cluster.address,
                                      stream_to=sys.stdout, tty=False)

    driver = threading.Thread(target=drive, daemon=True)
    try:
        run_started = time.monotonic()
        driver.start()
        record["rows_at_kill"] = _wait_for_rows(store, sweep_id, args.kill_after)
        # Under load the head's one CPU can take the first rows alone: wait until the node has done work too.
        record["node_had_worked"] = _wait_for_node_work(store, sweep_id, worker)
        record["rows_at_kill"] = len(store.stored_statuses(sweep_id))
        record["killed"] = kill_node(worker)
        record["killed_at_s"] = time.monotonic() - run_started
        cluster.worker_nodes.discard(worker)  # its processes are gone; shutdown must not look for them
        cluster.add_node(num_cpus=2)
        record["replacement_added_at_s"] = time.monotonic() - run_started
        driver.join(timeout=120.0)
        report = outcome["report"]
        record.update(sweep_id=sweep_id, state=report.state, counts=report.counts, ran=report.ran,
                      run_s=time.monotonic() - run_started)
    finally:
        ray.shutdown()
        cluster.shutdown()
    Path(args.out).write_text(json.dumps(record))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
    sys.exit(main(sys.argv[1:]))
