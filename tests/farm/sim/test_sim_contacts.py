"""Contacts and gaps between the ego and the other bodies."""

from __future__ import annotations

import math

import pytest

from farm.sim.world import SimSession
from scenario_library.scene import Actor, StaticObstacle, Trigger, WaypointFollow
from tests.farm.sim.sim_scenes import COAST, scene, world

EGO_FRONT_M = 4.5 - 0.85  # front bumper ahead of the rear axle


def _parked(x_m: float) -> Actor:
    return Actor(actor_id="parked", kind="vehicle", path=((x_m, 0.0), (x_m + 50.0, 0.0)),
                 behaviour=WaypointFollow(speed_mps=5.0), trigger=Trigger(t_s=None))


@pytest.mark.parametrize("fidelity", ["dynamic", "kinematic"])
def test_contacts_report_the_actor_the_ego_drives_into(fidelity: str) -> None:
    aside = StaticObstacle(obstacle_id="aside", x_m=30.0, y_m=6.0)
    with SimSession() as session:
        w = world(scene(speed_mps=10.0, actors=(_parked(40.0),), obstacles=(aside,)), fidelity, session)
        w.apply(COAST)
        first_contact = None
        while w.t_s < 4.0 and first_contact is None:
            assert w.nearest_gap()[0] > 0.0 or w.contacts()
            w.step(4)
            if w.contacts():
                first_contact = (w.contacts(), w.ego_state().x_m)
    assert first_contact is not None
    contacts, ego_x = first_contact
    assert contacts == ("parked",)
    # touching: the front bumper reached the parked car's rear (40 - 2.25) within one 4-step chunk
    assert ego_x + EGO_FRONT_M == pytest.approx(40.0 - 2.25, abs=10.0 * 4 / 240 + 0.02)


@pytest.mark.parametrize("fidelity", ["dynamic", "kinematic"])
def test_nearest_gap_matches_the_geometry(fidelity: str) -> None:
    ahead = StaticObstacle(obstacle_id="ahead", x_m=EGO_FRONT_M + 10.0 + 2.25, y_m=0.0)
    beside = StaticObstacle(obstacle_id="beside", x_m=1.4, y_m=0.925 + 3.0 + 0.925, yaw_rad=0.0)
    with SimSession() as session:
        w = world(scene(obstacles=(ahead,)), fidelity, session)
        assert w.nearest_gap() == (pytest.approx(10.0, abs=0.02), "ahead")
        w.close()
        w = world(scene(obstacles=(ahead, beside)), fidelity, session)
        assert w.nearest_gap() == (pytest.approx(3.0, abs=0.02), "beside")
        assert w.contacts() == ()


def test_nearest_gap_is_inf_when_nothing_is_within_50_m() -> None:
    far = StaticObstacle(obstacle_id="far", x_m=80.0, y_m=0.0)
    with SimSession() as session:
        w = world(scene(obstacles=(far,)), "kinematic", session)
        assert w.nearest_gap() == (math.inf, "")
        w2 = world(scene(), "kinematic", session)
        assert w2.nearest_gap() == (math.inf, "")


def test_nearest_gap_follows_a_moving_actor() -> None:
    crossing = Actor(actor_id="crossing", kind="vehicle", path=((20.0, -30.0), (20.0, 30.0)),
                     behaviour=WaypointFollow(speed_mps=10.0))
    with SimSession() as session:
        w = world(scene(actors=(crossing,)), "kinematic", session)
        w.step(240 * 2)  # centre at y = -10: its near side is 10 - 2.25 from the ego's left flank
        gap, name = w.nearest_gap()
    assert name == "crossing"
    # nearest points: ego front-left corner (3.65, 0.925) and the actor's box corner (19.075, -7.75)
    assert gap == pytest.approx(math.hypot(19.075 - 3.65, 7.75 - 0.925), abs=0.01)


@pytest.mark.parametrize("fidelity", ["dynamic", "kinematic"])
def test_a_contact_between_two_stack_ticks_is_caught_at_the_physics_step(fidelity: str) -> None:
    """A 0.5 m post 10 m ahead of the bumper; the ego coasts at 20 m/s through one 1 s stretch of steps.

    Its bumper reaches the post's near face (10 - 0.25 m) at 9.75 / 20 = 0.4875 s. The
    kinematic ego drives on through it and is 10 m past it when the stretch ends, so
    only a check at every physics step sees the contact; the dynamic ego hits it.
    """
    post = StaticObstacle(obstacle_id="post", x_m=EGO_FRONT_M + 10.0, y_m=0.0, length_m=0.5, width_m=0.5)
    with SimSession() as session:
        w = world(scene(speed_mps=20.0, obstacles=(post,)), fidelity, session)
        w.apply(COAST)
        w.step(240)
        swept = w.sweep()
        hit = w.impact
    assert swept.contacts == ("post",) and swept.gap_m <= 0.02
    assert hit is not None and (hit.body_id, hit.body_kind) == ("post", "static")
    assert hit.t_s == pytest.approx(9.75 / 20.0, abs=1.0 / 240 + 0.02 / 20.0)
    assert hit.ego_speed_mps == pytest.approx(20.0, rel=0.01)  # read before the step's contact impulse


def test_a_near_miss_between_two_ticks_is_measured_at_its_closest() -> None:
    """The kinematic ego coasts at 20 m/s past a car parked with its flank 0.5 m from the ego's.

    The car is level with the ego only briefly within the 1 s stretch; at both ends of
    the stretch it is far away, yet the tick's gap is the 0.5 m it came to.
    """
    parked = StaticObstacle(obstacle_id="parked", x_m=10.0, y_m=0.925 + 0.5 + 0.925)
    with SimSession() as session:
        w = world(scene(speed_mps=20.0, obstacles=(parked,)), "kinematic", session)
        w.apply(COAST)
        w.step(240)
        swept = w.sweep(extra_ids=("parked",))
    assert swept.gap_m == pytest.approx(0.5, abs=1e-3) and swept.gap_body_id == "parked"
    assert swept.body_gap_m["parked"] == swept.gap_m and swept.contacts == ()
