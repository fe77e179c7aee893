"""The closed loop: one rollout of one spec, and a batch runner that reuses one pybullet client.

``run_rollout`` never raises. The stack under test raising (in its factory,
``reset`` or ``step``), returning something that is not a valid
``StackOutput``, or ticking at another rate than the sweep's ``stack_hz`` is a
``stack_error`` (a failure of the stack: it counts); an exception in the
scenario or the simulator is a ``sim_error``. Both carry the traceback.
"""

from __future__ import annotations

import math
import socket
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TypeVar

from autonomy.types import ControlCommand, Stack, StackOutput, VehicleLimits
from farm.fingerprint import code_fingerprint
from farm.metrics import compute_metrics, evaluate, metric_events, module_latency
from farm.preventable import assess
from farm.result import Preventability, RolloutResult, Status, Telemetry
from farm.sim.determinism import streams
from farm.sim.latency import LatencyModel
from farm.sim.recorder import TraceRecorder, telemetry
from farm.sim.synthetic import SYNTHETIC_FAMILIES, run_synthetic
from farm.spec import RolloutSpec
from farm.stacks import build_stack
from scenario_library.catalog import load_family
from scenario_library.family import Family
from scenario_library.recorded import RecordedLog
from scenario_library.scene import SceneSpec

if TYPE_CHECKING:  # pybullet is imported only when a physical rollout actually runs
    from farm.metrics.trace import Trace
    from farm.sim.state import BodyState, EgoState
    from farm.sim.world import SimSession, World

_T = TypeVar("_T")

COLLISION_GRACE_S = 0.5  # keep simulating briefly after first contact, then stop
LIMIT_SLACK = 1e-6       # a command may exceed the actuator limits by float rounding only


class StackFault(Exception):
    """The stack under test broke its contract; ends the rollout as ``stack_error``."""


def _guarded(what: str, call: Callable[..., _T], *args: object) -> _T:
    """Run one call into the stack; anything it raises becomes a ``StackFault`` naming the call."""
    try:
        return call(*args)
    except Exception as exc:
        raise StackFault(f"the stack's {what} raised {type(exc).__name__}: {exc}") from exc


def _checked_output(output: object, frame_t_s: float, limits: VehicleLimits) -> StackOutput:
    """``output`` if it is a valid ``StackOutput`` for this tick, else a ``StackFault`` saying why."""
    if not isinstance(output, StackOutput) or not isinstance(output.command, ControlCommand):
        raise StackFault(f"step returned {type(output).__name__}, not a StackOutput with a ControlCommand")
    accel, steer = output.command.accel_mps2, output.command.steer_rad
    if not (isinstance(accel, float | int) and isinstance(steer, float | int)
            and math.isfinite(accel) and math.isfinite(steer)):
        raise StackFault(f"step returned a non-finite command (accel {accel!r}, steer {steer!r}) at t={frame_t_s:g} s")
    if not -limits.max_decel_mps2 - LIMIT_SLACK <= accel <= limits.max_accel_mps2 + LIMIT_SLACK:
        raise StackFault(f"accel {accel:.4g} m/s^2 outside [-{limits.max_decel_mps2:g}, {limits.max_accel_mps2:g}]"
                         f" at t={frame_t_s:g} s")
    if abs(steer) > limits.max_steer_rad + LIMIT_SLACK:
        raise StackFault(f"steer {steer:.4g} rad outside +-{limits.max_steer_rad:g} at t={frame_t_s:g} s")
    return output


def _check_rate(stack: Stack, stack_hz: int) -> None:
    rate = getattr(stack, "rate_hz", None)
    if not isinstance(rate, float | int) or float(rate) != float(stack_hz):
        raise StackFault(f"the stack ticks at rate_hz={rate!r}, the simulator at stack_hz={stack_hz}")


@dataclass(slots=True)
class _Actuation:
    """Commands in flight: each becomes effective ``latency`` after it was issued; newest due wins."""

    pending: list[tuple[int, int, ControlCommand]]
    issued: int = 0

    def push(self, due_step: int, command: ControlCommand) -> None:
        self.pending.append((due_step, self.issued, command))
        self.issued += 1

    def next_due(self) -> int | None:
        return min((due for due, _, _ in self.pending), default=None)

    def pop_due(self, step: int) -> ControlCommand | None:
        due = [item for item in self.pending if item[0] <= step]
        if not due:
            return None
        newest = max(due, key=lambda item: item[1])
        self.pending = [item for item in self.pending if item[1] > newest[1]]
        return newest[2]


@dataclass(slots=True)
class GroundTruth:
    """What ``run_rollout(..., ground_truth=...)`` fills in: the scene, every body before the first tick, and the
    per-tick ``Trace`` (ego and every actor's pose). Unfilled fields stay None when the rollout ended early."""

    scene: SceneSpec | None = None
    initial_ego: EgoState | None = None
    initial_bodies: tuple[BodyState, ...] = ()
    trace: Trace | None = None


def _closed_loop(scene: SceneSpec, spec: RolloutSpec, session: SimSession,
                 stack: Stack | None = None, truth: GroundTruth | None = None) -> TraceRecorder:
    from farm.sim.sensors import Sensors
    from farm.sim.world import World

    rng = streams(spec.seed)
    world = World(scene, fidelity=spec.fidelity, sim=spec.sim, session=session, actors_rng=rng.actors)
    try:
        sensors = Sensors(scene.sensors, rng)
        latency = LatencyModel(spec.sim, rng.latency)
        under_test = stack if stack is not None else _guarded("factory", build_stack, spec.stack)
        _check_rate(under_test, spec.sim.stack_hz)
        mission, limits = world.mission(), world.limits
        _guarded("reset", under_test.reset, mission, limits, rng.stack_seed)
        recorder = TraceRecorder(scene, world, dt_s=1.0 / spec.sim.stack_hz)
        if truth is not None:
            truth.scene, truth.initial_ego, truth.initial_bodies = scene, world.ego_state(), world.bodies()
        steps_per_tick = spec.sim.physics_hz // spec.sim.stack_hz
        actuation = _Actuation(pending=[])
        step = 0
        for _ in range(round(scene.duration_s * spec.sim.stack_hz)):
            compute = latency.draw()
            frame = sensors.sense(world, compute)                          # sense
            started = time.perf_counter()
            output = _checked_output(_guarded("step", under_test.step, frame),  # perceive .. safety
                                     frame.t_s, limits)
            tick_wall_s = time.perf_counter() - started
            delay_s = spec.sim.actuation_latency_s + compute.total_s
            actuation.push(step + round(delay_s * spec.sim.physics_hz), output.command)  # actuate
            step = _advance(world, actuation, step, step + steps_per_tick)  # physics
            recorder.record(output, tick_wall_s)
            if recorder.finished(COLLISION_GRACE_S):
                break
        return recorder
    finally:
        world.close()


def _advance(world: World, actuation: _Actuation, step: int, until: int) -> int:
    """Step physics to ``until``, applying each command at its due step (in as few chunks as possible)."""
    while step < until:
        command = actuation.pop_due(step)
        if command is not None:
            world.apply(command)
        due = actuation.next_due()
        chunk_end = until if due is None or due <= step or due >= until else due
        world.step(chunk_end - step)
        step = chunk_end
    return step


_PREVENTABILITY_CACHE: dict[tuple[object, ...], Preventability] = {}


def _preventability(spec: RolloutSpec, family: Family, scene: SceneSpec) -> Preventability:
    """The reference driver's verdict for this scenario; it depends on family@version and params only, never on
    seed, stack or fidelity, so a worker computes it once per scenario (bounded cache)."""
    key = (spec.family, spec.family_version, spec.params)
    found = _PREVENTABILITY_CACHE.get(key)
    if found is None:
        if len(_PREVENTABILITY_CACHE) >= 512:
            _PREVENTABILITY_CACHE.clear()
        found = _PREVENTABILITY_CACHE[key] = assess(family, spec.param_dict, scene)
    return found


def _error_result(spec: RolloutSpec, status: Status, error: str, **common: object) -> RolloutResult:
    return RolloutResult(spec=spec, status=status, error=error, **common).with_hash()  # type: ignore[arg-type]


def run_rollout(spec: RolloutSpec, *, session: SimSession | None = None, worker: str = "", attempt: int = 1,
                telemetry: bool | None = None, stack: Stack | None = None,
                inputs: Mapping[str, RecordedLog] | None = None,
                ground_truth: GroundTruth | None = None) -> RolloutResult:
    """Run one rollout; never raises.

    Args:
        spec: what to run.
        session: a reusable ``farm.sim.world.SimSession`` (a fresh one if None).
        worker: recorded on the row (hostname if empty).
        attempt: recorded on the row.
        telemetry: keep per-tick telemetry (default: ``spec.telemetry``).
        stack: an already-built stack instance to drive instead of building ``spec.stack``
            (the conformance checker wraps the stack under test this way).
        inputs: content hash -> log, for the spec's ``input`` parameters (fetched by the farm side
            of the worker, ``farm.execution.inputs``; packaged logs need none).
        ground_truth: filled in with the scene, the initial state and the trace (``farm.logexport``).
    """
    if spec.family in SYNTHETIC_FAMILIES:
        return run_synthetic(spec, worker=worker, attempt=attempt)
    started_at = datetime.now(UTC).isoformat()
    wall_start = time.perf_counter()
    common: dict[str, object] = {"worker": worker or socket.gethostname(), "attempt": attempt,
                                 "started_at": started_at}
    try:
        common["code_fingerprint"] = code_fingerprint(spec.stack_id, spec.stack.entry_point)
        family = load_family(spec.family)
        common["odd_tags"] = family.odd_tags
        if family.version != spec.family_version:
            raise ValueError(f"spec asks for {spec.family}@{spec.family_version}, "
                             f"the library has version {family.version}")
        scene = family.build(spec.param_dict, inputs=inputs)
        common["preventability"] = _preventability(spec, family, scene)
        if session is None:
            from farm.sim.world import SimSession

            with SimSession() as own_session:
                recorder = _closed_loop(scene, spec, own_session, stack, ground_truth)
        else:
            recorder = _closed_loop(scene, spec, session, stack, ground_truth)
        if ground_truth is not None:
            ground_truth.trace = recorder.trace()
        return _finish(spec, family.criteria, recorder, wall_start, common,
                       spec.telemetry if telemetry is None else telemetry)
    except StackFault:
        common["wall_time_s"] = time.perf_counter() - wall_start
        return _error_result(spec, Status.STACK_ERROR, traceback.format_exc(), **common)
    except Exception:
        common["wall_time_s"] = time.perf_counter() - wall_start
        return _error_result(spec, Status.SIM_ERROR, traceback.format_exc(), **common)


def _finish(spec: RolloutSpec, criteria: tuple, recorder: TraceRecorder, wall_start: float,
            common: dict[str, object], keep_telemetry: bool) -> RolloutResult:
    trace = recorder.trace()
    metrics = compute_metrics(trace)
    reasons = evaluate(metrics, criteria)
    events = sorted((*trace.stack_events, *metric_events(trace)), key=lambda e: (e.t_s, e.kind, e.detail))
    tel: Telemetry | None = telemetry(trace) if keep_telemetry else None
    return RolloutResult(
        spec=spec, status=Status.FAILED if reasons else Status.PASSED, metrics=metrics, fail_reasons=reasons,
        events=tuple(events), latency=module_latency(trace), telemetry=tel,
        sim_time_s=float(trace.t_s[-1]) if trace.n_ticks else 0.0,
        wall_time_s=time.perf_counter() - wall_start, **common,  # type: ignore[arg-type]
    ).with_hash()


_process_session: SimSession | None = None


def _shared_session() -> SimSession:
    """This process's pybullet client, kept across batches (every world resets it: docs/architecture.md)."""
    global _process_session
    if _process_session is None or not _process_session.connected:
        from farm.sim.world import SimSession

        _process_session = SimSession()
    return _process_session


def run_batch(specs: Iterable[RolloutSpec], *, worker: str = "", attempt: int = 1,
              inputs: Mapping[str, RecordedLog] | None = None) -> Iterator[RolloutResult]:
    """Run specs in order, yielding each result as it finishes (``inputs``: as ``run_rollout``).

    Physical rollouts share one pybullet client per process, across batches, so a
    worker pays the client start-up once; a rollout's outcome does not depend on
    what ran before it on the client (tested).
    """
    for spec in specs:
        session = None if spec.family in SYNTHETIC_FAMILIES else _shared_session()
        yield run_rollout(spec, session=session, worker=worker, attempt=attempt, inputs=inputs)


__all__ = ["GroundTruth", "run_batch", "run_rollout"]
