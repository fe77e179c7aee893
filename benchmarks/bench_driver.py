"""One driver, many workers: the driver's real write path fed synthetic results at a target rate, into S3.

Run from the repository root: ``PYTHONPATH=. python benchmarks/bench_driver.py [--rates 1000,2500,5000,8000]
[--seconds 5] [--latency-ms 20] [--modes objects,wire] [--group 8]``.

Hundreds of Ray workers at 4-12 rollouts/s each deliver 1,000-5,000 results/s to one driver. Here a
feeder process plays the workers: before the run it serialises what a Ray worker returns, as Ray
would (pickle protocol 5 of that object), so feeding costs little more than the pipe, and sends it
at the target rate. Modes, interleaved per rate: ``objects`` = one pickled ``RolloutResult`` per
result (identity hashes computed, as ``farm.execution.ray_worker`` without ``wire``); ``wire`` =
what the driver session's workers return: lists of ``--group`` ``farm.wire.encode_result`` rows
(a worker's results of ~1 s, ``farm.execution.base.RESULT_GROUP_S``). The driver process unpickles
each item and hands every result to the driver session (``farm.driver.session._Session.on_result`` /
``tick`` / ``flush``: counts, progress, metrics and the ``farm.driver.writer.ResultWriter`` with the
default ``FlushPolicy``), exactly the calls ``run_sweep`` makes. The store is S3: a ``moto_server``
on 127.0.0.1 behind a proxy process on 127.0.0.1 that holds every HTTP request 20 ms before passing
it on, and counts them by method.

Per run: results/s fed and stored (sustained: stored / time from the first result to the last stored),
the backlog (received, not yet stored) over time, the driver's peak RSS (psutil, sampled every
50 ms), PUTs, the driver process's CPU time per result (all threads: unpickling, accounting, rows,
Parquet, boto3), and a read-back check (every result sent is stored once). Figures, not a test. The
feeder runs no faster than the driver accepts (a full pipe blocks it), so "fed" below target means
the driver could not keep up.
"""

from __future__ import annotations

import argparse
import io
import multiprocessing as mp
import os
import pickle
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from farm.result import Event, Metrics, ModuleLatency, RolloutResult, Status, Telemetry
from farm.spec import RolloutSpec
from farm.wire import encode_result

FAMILIES = ("cut_in", "lead_vehicle_braking", "pedestrian_crossing")
MESSAGE = 400  # results per pipe message: a driver poll drains many finished rollouts at once
S3_ENV = {"AWS_ACCESS_KEY_ID": "AKIABENCHDUMMY000001", "AWS_SECRET_ACCESS_KEY": "loopback-moto-only",
          "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true"}
METHODS = ("PUT", "GET", "POST", "HEAD", "DELETE")


# -- the store: moto_server behind a latency proxy (both on 127.0.0.1) -----------------------

def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_moto() -> tuple[subprocess.Popen[bytes], int]:
    """A ``moto_server`` process on a free loopback port."""
    port = _free_port()
    proc = subprocess.Popen([str(Path(sys.executable).with_name("moto_server")), "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(400):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, port
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit("moto_server did not start")


def _relay(client: socket.socket, upstream_port: int, delay_s: float, counts: Any) -> None:
    """Pass one connection through; hold each request ``delay_s`` and count it by method."""
    upstream = socket.create_connection(("127.0.0.1", upstream_port))
    answered = threading.Event()
    answered.set()  # the first chunk on a connection starts a request

    def back() -> None:
        try:
            while chunk := upstream.recv(65536):
                answered.set()
                client.sendall(chunk)
        except OSError:
            pass
        finally:
            client.close()

    threading.Thread(target=back, daemon=True).start()
    try:
        while chunk := client.recv(65536):
            method = chunk.split(b" ", 1)[0].decode("ascii", "replace")
            if answered.is_set() and method in METHODS:  # a new request (not the rest of a body)
                answered.clear()
                with counts.get_lock():
                    counts[METHODS.index(method)] += 1
                time.sleep(delay_s)
            upstream.sendall(chunk)
    except OSError:
        pass
    finally:
        upstream.close()


def latency_proxy(listen_port: int, upstream_port: int, delay_s: float, counts: Any) -> None:
    """The proxy process: accept on 127.0.0.1 and relay every connection to moto (``_relay``)."""
    server = socket.create_server(("127.0.0.1", listen_port))
    while True:
        client, _ = server.accept()
        threading.Thread(target=_relay, args=(client, upstream_port, delay_s, counts), daemon=True).start()


# -- the workers: a feeder process ------------------------------------------------------------

def synthetic_results(n: int) -> list[RolloutResult]:
    """``n`` distinct results shaped like a nightly's: 3 families, 4 params, 3 events, 5 telemetry rows."""
    out = []
    for k, family in enumerate(FAMILIES):
        spec = RolloutSpec.create(family=family, family_version=2, seed=0, telemetry=True,
                                  params={"ego_speed_mps": 20.0 + k, "gap_m": 12.5, "decel_mps2": 6.0, "dry": True})
        t = np.arange(5) * 0.1
        out.append(RolloutResult(
            spec=spec, status=Status.PASSED, metrics=Metrics(min_ttc_s=2.5, min_distance_m=4.0, max_decel_mps2=5.5),
            events=tuple(Event(t_s=1.0 + i, kind="aeb", detail=f"trigger {i}") for i in range(3)),
            latency=(ModuleLatency(module="total", p50_ms=3.0, p95_ms=5.0, max_ms=9.0),
                     ModuleLatency(module="planning", p50_ms=1.0, p95_ms=2.0, max_ms=4.0)),
            telemetry=Telemetry(t_s=t, x_m=t * 20, y_m=t * 0, yaw_rad=t * 0, v_mps=t + 20, a_mps2=t, cmd_accel_mps2=t,
                                cmd_steer_rad=t * 0, nearest_obstacle_m=30 - t, ttc_s=t + 2),
            odd_tags=("highway", "dry"), sim_time_s=20.0, wall_time_s=0.2, worker="w1:1",
            code_fingerprint="simfarm bench", started_at="2026-12-01T00:00:00+00:00"))
    results = []
    for i in range(n):
        template = out[i % len(out)]
        result = replace(template, spec=replace(template.spec, seed=i))
        result.spec.run_id, result.spec.to_json()  # as on a Ray worker (farm.execution.ray_worker)
        results.append(result)
    return results


def ray_items(results: list[RolloutResult], mode: str, group: int) -> list[tuple[int, bytes]]:
    """``(results in it, bytes)`` of each Ray item a worker would return, serialised as Ray does."""
    if mode == "objects":
        return [(1, pickle.dumps(r, protocol=5)) for r in results]
    wires = [encode_result(r) for r in results]
    return [(len(wires[i:i + group]), pickle.dumps(wires[i:i + group], protocol=5))
            for i in range(0, len(wires), group)]


def feeder(conn: Any, n_max: int, modes: list[str], group: int) -> None:
    """Serialise ``n_max`` results per mode once; then for each ``(mode, rate, seconds)`` asked, send at that rate."""
    results = synthetic_results(n_max)
    messages: dict[str, list[tuple[int, bytes]]] = {}
    for mode in modes:
        items = ray_items(results, mode, group)
        per = max(1, MESSAGE // items[0][0])  # Ray items per message
        messages[mode] = [(sum(n for n, _ in items[i:i + per]), pickle.dumps([b for _, b in items[i:i + per]]))
                          for i in range(0, len(items), per)]
    conn.send("ready")
    while (job := conn.recv()) is not None:
        mode, rate, seconds = job
        start, sent = time.monotonic(), 0
        for count, data in messages[mode]:
            if sent >= rate * seconds:
                break
            if (wait := start + sent / rate - time.monotonic()) > 0:
                time.sleep(wait)
            if time.monotonic() - start > seconds:
                break  # the driver fell behind: stop at the window's end
            conn.send_bytes(data)
            sent += count
        conn.send_bytes(b"")
        conn.send((sent, time.monotonic() - start))


# -- the driver: the session's real calls -----------------------------------------------------

def run_once(store: Any, conn: Any, mode: str, rate: int, seconds: float, counts: Any) -> dict[str, Any]:
    """One measured run: a fresh sweep, results in, everything drained, read back."""
    import psutil

    from farm.driver.log import DriverLog
    from farm.driver.progress import ProgressReporter
    from farm.driver.session import LEASE_TTL_S, _Session
    from farm.driver.writer import FlushPolicy
    from farm.store.base import Manifest

    sweep_id = f"bench-{mode}-{rate}-{uuid.uuid4().hex[:6]}"
    store.create_sweep(Manifest(sweep_id=sweep_id, name="bench", created_at="2026-12-01T00:00:00+00:00",
                                updated_at="2026-12-01T00:00:00+00:00", code_fingerprint="bench"), [])
    store.acquire_lease(sweep_id, "bench", LEASE_TTL_S)
    policy = FlushPolicy()
    progress = ProgressReporter(total=int(rate * seconds), stream=io.StringIO(), tty=False)
    session = _Session(store, sweep_id, "bench", progress, DriverLog(store, sweep_id), Counter(), {},
                       threading.Event(), policy=policy)
    proc, samples, done = psutil.Process(), [], threading.Event()
    puts_before = counts[0]
    t0 = time.monotonic()

    def sample() -> None:
        while not done.wait(0.05):
            samples.append((time.monotonic() - t0, session.writer.pending_rows, proc.memory_info().rss))

    sampler = threading.Thread(target=sample, daemon=True)
    base_rss = proc.memory_info().rss
    cpu0 = sum(proc.cpu_times()[:2])
    conn.send((mode, rate, seconds))
    sampler.start()
    received, last_tick = 0, 0.0
    with progress:
        while data := conn.recv_bytes():
            for blob in pickle.loads(data):
                item = pickle.loads(blob)  # what ray.get returns for one item
                for result in item if isinstance(item, list) else (item,):
                    session.on_result(result)
                    received += 1
            if (now := time.monotonic()) - last_tick >= 0.1:
                session.tick()
                last_tick = now
        sent, feed_s = conn.recv()
        session.flush()
    elapsed = time.monotonic() - t0
    cpu_s = sum(proc.cpu_times()[:2]) - cpu0
    done.set()
    sampler.join()
    session.writer.close()
    puts = counts[0] - puts_before
    runs = store.read_table(sweep_id, "runs", columns=["run_id", "seed"])
    stored_seeds = runs["seed"].to_pylist()
    ok = len(stored_seeds) == sent == len(set(runs["run_id"].to_pylist())) and sorted(stored_seeds) == [*range(sent)]
    return {"mode": mode, "target": rate, "fed": sent / feed_s, "stored": sent / elapsed, "sent": sent,
            "backlog_max": max((s[1] for s in samples), default=0), "rss_peak_mib": max(s[2] for s in samples) / 2**20,
            "rss_growth_mib": (max(s[2] for s in samples) - base_rss) / 2**20, "puts": puts,
            "parts": session.writer.parts_written, "ok": ok,
            "cpu_us_per_result": 1e6 * cpu_s / max(1, sent),
            "backlog_s": [(round(t, 1), b) for t, b, _ in samples[::20]], "elapsed_s": elapsed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default="1000,2500,5000,8000")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--modes", default="objects,wire")
    parser.add_argument("--group", type=int, default=8, help="results per Ray item in the wire mode")
    args = parser.parse_args()
    rates = [int(r) for r in args.rates.split(",")]
    os.environ.update(S3_ENV)
    ctx = mp.get_context("fork")
    here, there = ctx.Pipe()
    modes = args.modes.split(",")
    feed = ctx.Process(target=feeder, args=(there, int(max(rates) * args.seconds), modes, args.group), daemon=True)
    feed.start()  # forked before any thread or client exists in this process
    moto, moto_port = start_moto()
    counts = ctx.Array("l", len(METHODS))
    proxy_port = _free_port()
    proxy = ctx.Process(target=latency_proxy, args=(proxy_port, moto_port, args.latency_ms / 1000, counts),
                        daemon=True)
    proxy.start()
    try:
        import boto3

        from farm.store.s3 import S3Store

        endpoint = f"http://127.0.0.1:{proxy_port}"
        time.sleep(0.5)
        boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket="bench")
        store = S3Store("bench", "farm", endpoint_url=endpoint)
        print(f"feeder: {here.recv()}; S3: moto on 127.0.0.1:{moto_port} behind a {args.latency_ms:g} ms proxy; "
              f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}", flush=True)
        rows = [run_once(store, here, mode, rate, args.seconds, counts)
                for rate in rates for mode in modes]
    finally:
        here.send(None)
        for p in (proxy, feed):
            p.terminate()
            p.join(5)
        moto.terminate()
        moto.wait(10)
    report(rows, args.latency_ms)


def report(rows: list[dict[str, Any]], latency_ms: float) -> None:
    """The table, each run's backlog over time, and what one driver can feed."""
    print("\n| mode | target/s | fed/s | stored/s (sustained) | max backlog | peak RSS MiB (growth) | PUTs | "
          "rows/part | driver CPU µs/result | capacity per core /s | read back |\n"
          "|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['mode']} | {r['target']:,} | {r['fed']:,.0f} | {r['stored']:,.0f} | {r['backlog_max']:,} | "
              f"{r['rss_peak_mib']:.0f} ({r['rss_growth_mib']:+.0f}) | {r['puts']:,} | "
              f"{r['sent'] / max(1, r['parts']):,.0f} | {r['cpu_us_per_result']:.0f} | "
              f"{1e6 / r['cpu_us_per_result']:,.0f} | "
              f"{'all stored once' if r['ok'] else 'MISMATCH'} |")
    print("\nbacklog (rows received, not stored) every 1 s:")
    for r in rows:
        print(f"  {r['mode']:>7} @ {r['target']:>5}/s: " + " ".join(f"{b}" for _, b in r["backlog_s"]))
    best = max((r for r in rows if r["mode"] == "wire" and r["ok"]), key=lambda r: r["stored"], default=None)
    if best is not None:
        kept = [r for r in rows if r["mode"] == "wire" and r["fed"] >= 0.95 * r["target"]]
        sustained = max((r["stored"] for r in kept), default=best["stored"])
        print(f"\none driver at {latency_ms:g} ms S3 latency sustains {sustained:,.0f} results/s: "
              f"{sustained / 12:,.0f} workers at 12 rollouts/s, {sustained / 4:,.0f} at 4 rollouts/s")


if __name__ == "__main__":
    main()
