"""Recorded trajectories: interpolation of logged poses, replay in the world, the reactive switch to IDM."""

from __future__ import annotations

import math

import numpy as np
import pytest

from autonomy.geometry import wrap_angle
from autonomy.types import ControlCommand
from farm.errors import InputError
from farm.sim.recorded_actor import LogTrajectory
from farm.sim.world import BodyState, SimSession
from scenario_library.scene import Actor, IdmFollow, PoseSample, RecordedTrajectory
from tests.farm.sim.sim_scenes import PHYSICS_HZ, scene, world

DT_S = 1.0 / PHYSICS_HZ
HOLD = ControlCommand(accel_mps2=-3.0, steer_rad=0.0)  # keeps a standing ego standing


def _samples(ts: list[float], xs: list[float], ys: list[float], yaws: list[float]) -> tuple[PoseSample, ...]:
    return tuple(PoseSample(t_s=t, x_m=x, y_m=y, yaw_rad=a) for t, x, y, a in zip(ts, xs, ys, yaws, strict=True))


def _straight_log(speed_mps: float, x0_m: float, duration_s: float, dt_s: float = 0.1) -> tuple[PoseSample, ...]:
    ts = [round(k * dt_s, 9) for k in range(round(duration_s / dt_s) + 1)]
    return _samples(ts, [x0_m + speed_mps * t for t in ts], [0.0] * len(ts), [0.0] * len(ts))


def _body(w: object, body_id: str) -> BodyState:
    return next(b for b in w.bodies() if b.body_id == body_id)  # type: ignore[attr-defined]


def test_interpolation_is_exact_at_the_samples_and_takes_the_short_way_across_pi() -> None:
    # a car turning left through the -x direction: yaw 3.0 rad -> -3.0 rad is +0.283 rad, not -6.0 rad
    log = LogTrajectory(_samples([0.0, 0.5, 1.3], [0.0, -5.0, -12.0], [0.0, 0.2, -0.4], [3.0, -3.0, -2.9]))
    for i, (t, x, y, yaw) in enumerate([(0.0, 0.0, 0.0, 3.0), (0.5, -5.0, 0.2, -3.0), (1.3, -12.0, -0.4, -2.9)]):
        assert log.at(t)[:3] == (x, y, yaw), i
    x, y, yaw, vx, vy, _ = log.at(0.25)
    assert (x, y) == pytest.approx((-2.5, 0.1), abs=1e-12)
    assert abs(yaw) == pytest.approx(math.pi, abs=1e-9)  # halfway along the short arc: pointing along -x
    assert (vx, vy) == pytest.approx((-10.0, 0.4))  # velocity from the positions, not from the yaw
    times = np.linspace(-0.2, 1.5, 1701)  # 1 ms apart, past both ends (dead reckoning)
    states = np.array([log.at(float(t)) for t in times])
    step_m = np.hypot(np.diff(states[:, 0]), np.diff(states[:, 1]))
    assert step_m.max() <= np.hypot(10.0, 0.4) * 1e-3 * (1 + 1e-9)  # no jump anywhere
    yaw_steps = np.abs([wrap_angle(float(d)) for d in np.diff(states[:, 2])])
    assert yaw_steps.max() <= 6.0 / 0.5 * 1e-3 * 0.1 + 1e-9  # 0.283 rad over 0.5 s: continuous across +-pi


def test_a_recorded_vehicle_is_where_its_log_says_at_every_tick() -> None:
    samples = _samples([0.0, 1.0, 2.0, 3.0], [50.0, 60.0, 68.0, 73.0], [0.0, 0.5, 1.0, 1.0], [0.0, 0.1, 0.05, 0.0])
    car = Actor(actor_id="car", kind="vehicle", path=tuple((s.x_m, s.y_m) for s in samples),
                behaviour=RecordedTrajectory(samples=samples))
    log = LogTrajectory(samples)
    with SimSession() as session:
        w = world(scene(actors=(car,)), "kinematic", session)
        w.apply(HOLD)
        for _ in range(40):
            w.step(PHYSICS_HZ // 10)
            body = _body(w, "car")
            x, y, yaw, vx, vy, _ = log.at(w.t_s)
            assert (body.x_m, body.y_m, body.yaw_rad, body.vx_mps, body.vy_mps) == pytest.approx(
                (x, y, yaw, vx, vy), abs=1e-9)
        assert body.x_m == pytest.approx(73.0 + 5.0)  # past its log it moves on at its last velocity


STEPS = 4  # physics steps between looks


def _reactive_run(reactive: bool) -> tuple[list[float], list[float], float | None, tuple[str, ...]]:
    """An ego standing at x = 110 m in the lane of a logged car passing through it at 12 m/s."""
    log = _straight_log(12.0, 0.0, 12.0)
    car = Actor(actor_id="car", kind="vehicle", path=tuple((s.x_m, s.y_m) for s in log),
                behaviour=RecordedTrajectory(samples=log, reactive=reactive,
                                             idm=IdmFollow(leader="ego", desired_speed_mps=12.0)))
    xs, gaps = [], []
    with SimSession() as session:
        w = world(scene(actors=(car,), start_s_m=110.0), "kinematic", session)
        w.apply(HOLD)
        contacts: set[str] = set()
        while w.t_s < 10.0:
            w.step(STEPS)
            body = _body(w, "car")
            xs.append(body.x_m)
            ego_rear_m = w.ego_state().x_m - w.limits.rear_overhang_m
            gaps.append(ego_rear_m - (body.x_m + 0.5 * body.length_m))
            contacts.update(w.contacts())
        switched = w._actors.states[0].switched_at_s
    return xs, gaps, switched, tuple(sorted(contacts))


def test_a_reactive_car_leaves_its_log_for_idm_when_the_ego_blocks_it_and_never_teleports() -> None:
    xs, gaps, switched, contacts = _reactive_run(reactive=True)
    assert switched is not None and 0.5 < switched < 4.0  # it followed the log first
    k = math.floor(switched * PHYSICS_HZ / STEPS)  # looks before the switch
    assert xs[:k] == pytest.approx([12.0 * (j + 1) * STEPS * DT_S for j in range(k)], abs=1e-9)  # on its log
    assert contacts == () and min(gaps) > 1.0  # IDM stopped it behind the ego
    assert xs[-1] < 110.0  # and it never went back to its log
    assert np.abs(np.diff(xs)).max() <= 12.0 * STEPS * DT_S + 1e-9  # no step moves it faster than it drove
    plain_xs, _, plain_switched, plain_contacts = _reactive_run(reactive=False)
    assert plain_switched is None and plain_contacts == ("car",)  # the non-reactive log drives into the ego
    assert plain_xs[:k] == xs[:k]


def test_only_vehicles_can_be_reactive() -> None:
    log = _straight_log(1.4, 0.0, 2.0)
    walker = Actor(actor_id="walker", kind="pedestrian", path=tuple((s.x_m, s.y_m) for s in log),
                   behaviour=RecordedTrajectory(samples=log, reactive=True))
    with SimSession() as session, pytest.raises(InputError, match="only vehicles"):
        world(scene(actors=(walker,)), "kinematic", session)
