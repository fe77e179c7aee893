"""Full closed-loop rollout cost against bare physics, on the same world (issue 2's benchmark).

Run from the repository root: ``PYTHONPATH=. python benchmarks/bench_rollout.py [--repeats N] [--family F]``.

Three measurements on one family's nominal scene, interleaved ``--repeats`` times
(median reported, so both see the same background load):
- bare pybullet: ``stepSimulation`` of the dynamic-ego world for as many steps as the
  rollout simulates (no actors' logic, no sensors, no stack);
- full rollout, dynamic ego: world build + sensors + reference stack + physics + metrics;
- full rollout, kinematic ego: the same, with the kinematic bicycle ego.
Prints rollouts/s, real-time factor, the ratios the issue targets, and the stack's
per-module wall time per tick (p50/p95). Figures, not a test: nothing asserts a timing.
"""

from __future__ import annotations

import argparse
import statistics
import time

from farm.result import RolloutResult
from farm.sim.bodies import step_physics
from farm.sim.determinism import streams
from farm.sim.rollout import run_rollout
from farm.sim.world import SimSession, World
from farm.spec import RolloutSpec
from scenario_library.catalog import load_family


def _spec(family: str, fidelity: str) -> RolloutSpec:
    fam = load_family(family)
    return RolloutSpec.create(family=fam.name, family_version=fam.version, params=fam.nominal, seed=1,
                              fidelity=fidelity)  # type: ignore[arg-type]


def bare_seconds(session: SimSession, spec: RolloutSpec, n_steps: int) -> float:
    """Wall seconds of ``n_steps`` bare physics steps of the dynamic world (build excluded)."""
    fam = load_family(spec.family)
    world = World(fam.build(spec.param_dict), fidelity="dynamic", sim=spec.sim, session=session,
                  actors_rng=streams(spec.seed).actors)
    started = time.perf_counter()
    step_physics(session.client_id, n_steps)
    elapsed = time.perf_counter() - started
    world.close()
    return elapsed


def timed_rollout(session: SimSession, spec: RolloutSpec) -> tuple[float, RolloutResult]:
    started = time.perf_counter()
    result = run_rollout(spec, session=session)
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--family", default="lead_vehicle_braking")
    args = parser.parse_args()
    dyn_spec, kin_spec = _spec(args.family, "dynamic"), _spec(args.family, "kinematic")
    bare, dyn, kin = [], [], []
    with SimSession() as session:
        _, probe = timed_rollout(session, dyn_spec)  # warm-up; also fixes the simulated duration
        sim_s = probe.sim_time_s
        n_steps = round(sim_s * dyn_spec.sim.physics_hz)
        for _ in range(args.repeats):
            bare.append(bare_seconds(session, dyn_spec, n_steps))
            t, dyn_result = timed_rollout(session, dyn_spec)
            dyn.append(t)
            t, kin_result = timed_rollout(session, kin_spec)
            kin.append(t)
    b, d, k = (statistics.median(x) for x in (bare, dyn, kin))
    print(f"{args.family} nominal: {sim_s:.1f} s simulated, {dyn_spec.sim.physics_hz} Hz physics, "
          f"{dyn_spec.sim.stack_hz} Hz stack; median of {args.repeats}, interleaved")
    print(f"{'':36}{'wall s':>9}{'rollouts/s':>12}{'x real time':>13}")
    for label, secs in (("bare pybullet (dynamic world)", b), ("full rollout, dynamic ego", d),
                        ("full rollout, kinematic ego", k)):
        print(f"{label:36}{secs:9.3f}{1 / secs:12.2f}{sim_s / secs:13.0f}")
    print(f"\nfull dynamic / bare physics throughput: {b / d:.2f}  (target >= 0.8)")
    print(f"kinematic / dynamic throughput:        {d / k:.2f}  (target >= 4)")
    print(f"outcomes: dynamic {dyn_result.status.value}, kinematic {kin_result.status.value}")
    print("\nstack wall time per tick (dynamic run, ms):")
    for lat in dyn_result.latency:
        print(f"  {lat.module:14} p50 {lat.p50_ms:6.3f}  p95 {lat.p95_ms:6.3f}  max {lat.max_ms:6.3f}")


if __name__ == "__main__":
    main()
