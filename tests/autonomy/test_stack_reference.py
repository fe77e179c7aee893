"""The reference stack as a whole: factory, config validation, the Stack protocol, bit-exact determinism."""

from __future__ import annotations

import dataclasses

import pytest

from autonomy.config import StackConfig
from autonomy.reference import ReferenceStack, build_stack
from autonomy.types import COMPUTE_MODULES as MODULES
from autonomy.types import SensorFrame, Stack, StackOutput
from tests.autonomy.autonomy_synth import QUIET, Box, World, straight_mission


def _frames(ticks: int = 150) -> tuple[World, list[SensorFrame]]:
    """Frames from one closed-loop drive past a parked car behind a lead, recorded for replay."""
    boxes = [Box(x_m=40.0, y_m=0.0, vx_mps=7.0), Box(x_m=30.0, y_m=-3.4), Box(x_m=20.0, y_m=6.0, length_m=0.5,
                                                                               width_m=0.5, vy_mps=-0.8)]
    world = World(mission=straight_mission(speed_mps=10.0), boxes=boxes, seed=21)
    stack = build_stack({})
    stack.reset(world.mission, world.limits, seed=3)
    frames = []
    for _ in range(ticks):
        frames.append(world.frame())
        out = stack.step(frames[-1])
        world.apply(out.command.accel_mps2, out.command.steer_rad)
    return world, frames


def _replay(world: World, frames: list[SensorFrame], seed: int, config: dict | None = None) -> list[StackOutput]:
    stack = build_stack(config or {})
    stack.reset(world.mission, world.limits, seed=seed)
    return [stack.step(f) for f in frames]


def _deterministic(out: StackOutput) -> tuple:
    """Everything but measured wall time."""
    fields = {f.name: getattr(out, f.name) for f in dataclasses.fields(out) if f.name != "timings"}
    return (tuple(fields.items()), tuple((t.module, t.sim_latency_s) for t in out.timings))


def test_same_seed_same_frames_give_bit_identical_outputs() -> None:
    world, frames = _frames()
    a, b = _replay(world, frames, seed=7), _replay(world, frames, seed=7)
    assert [_deterministic(o) for o in a] == [_deterministic(o) for o in b]
    assert any(o.n_tracks >= 2 for o in a)  # the replay exercised tracking, not an empty road


def test_the_reset_seed_does_not_change_the_outputs_of_the_reference_stack() -> None:
    world, frames = _frames()
    a, b = _replay(world, frames, seed=7), _replay(world, frames, seed=8)
    assert [_deterministic(o) for o in a] == [_deterministic(o) for o in b]


def test_every_tick_reports_each_module_in_order_with_its_latencies() -> None:
    world, frames = _frames(20)
    for out in _replay(world, frames, seed=1):
        assert tuple(t.module for t in out.timings) == MODULES
        assert all(t.wall_s > 0.0 for t in out.timings)
        assert tuple(t.sim_latency_s for t in out.timings) == QUIET.latency_s  # the farm's draw, echoed


def test_build_stack_defaults_and_satisfies_the_stack_protocol() -> None:
    stack = build_stack({})
    assert isinstance(stack, ReferenceStack) and isinstance(stack, Stack)
    assert stack.rate_hz == 10.0 and stack.config == StackConfig()
    assert build_stack({"rate_hz": 20, "planning": {"time_gap_s": 1.8}}).config.planning.time_gap_s == 1.8


@pytest.mark.parametrize(("config", "named"), [
    ({"bogus": 1}, "bogus"),
    ({"planning": {"time_gap": 1.8}}, "planning.time_gap"),
    ({"latency": {"perception": {"median_ms": 3}}}, "latency"),  # the latency model is the farm's, not the stack's
    ({"tracking": {"birth_hits": 2.5}}, "tracking.birth_hits"),
    ({"control": {"kp": "fast"}}, "control.kp"),
    ({"safety": {"aeb_ttc_s": -1.0}}, "safety.aeb_ttc_s"),
    ({"planning": 3}, "planning"),
])
def test_bad_config_raises_value_error_naming_the_key(config: dict, named: str) -> None:
    with pytest.raises(ValueError, match=rf"^{named.replace('.', '[.]')}: "):
        build_stack(config)


def test_step_before_reset_is_refused() -> None:
    _, frames = _frames(1)
    with pytest.raises(RuntimeError, match="before reset"):
        build_stack({}).step(frames[0])
