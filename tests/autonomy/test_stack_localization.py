"""EKF localization: bounded error with GNSS, bounded drift through an outage."""

from __future__ import annotations

import math

import numpy as np

from autonomy.config import LocalizationConfig
from autonomy.localization import EkfLocalizer, LocalizationInput
from tests.autonomy.autonomy_synth import World, straight_mission


def _drive(world: World, seconds: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weave along at 10 m/s with a slowly varying steering angle; return time, position error, reported sigma."""
    ekf = EkfLocalizer(LocalizationConfig(), world.mission)
    times, errors, sigmas = [], [], []
    for _ in range(int(seconds * world.rate_hz)):
        frame = world.frame()
        est = ekf.step(LocalizationInput(t_s=frame.t_s, odometry=frame.odometry, gnss=frame.gnss)).estimate
        times.append(frame.t_s)
        errors.append(math.hypot(est.x_m - world.x_m, est.y_m - world.y_m))
        sigmas.append(math.sqrt(max(np.linalg.eigvalsh(est.cov_xy))))
        world.apply(0.0, 0.04 * math.sin(0.15 * world.t_s))
    return np.array(times), np.array(errors), np.array(sigmas)


def test_position_error_stays_under_1_5_m_at_the_95th_percentile_over_60_s_with_1_hz_gnss() -> None:
    world = World(mission=straight_mission(speed_mps=10.0), seed=4, gnss_every=10, gnss_std_m=0.5)
    _, errors, _ = _drive(world, 60.0)
    assert np.percentile(errors, 95) < 1.5
    assert world.x_m > 250.0  # it really drove, weaving, for the whole minute


def test_dead_reckoning_through_a_5_s_gnss_outage_stays_within_3_m_and_the_filter_knows_it() -> None:
    world = World(mission=straight_mission(speed_mps=10.0), seed=5, gnss_every=1, gnss_std_m=0.5,
                  gnss_outages=((30.0, 35.0),))
    times, errors, sigmas = _drive(world, 45.0)
    outage = (times >= 30.0) & (times < 35.0)
    assert errors[outage].max() < 3.0
    # The reported uncertainty grows while dead reckoning and shrinks again once fixes return.
    assert sigmas[outage][-1] > 2.0 * sigmas[times < 30.0][-1]
    assert sigmas[-1] < 0.5 * sigmas[outage][-1]
    assert np.percentile(errors[times > 40.0], 95) < 1.0


def test_an_outlier_fix_is_rejected_by_the_gate() -> None:
    world = World(mission=straight_mission(speed_mps=10.0), seed=6)
    ekf = EkfLocalizer(LocalizationConfig(), world.mission)
    for _ in range(50):
        frame = world.frame()
        ekf.step(LocalizationInput(t_s=frame.t_s, odometry=frame.odometry, gnss=frame.gnss))
        world.apply(0.0, 0.0)
    frame = world.frame()
    assert frame.gnss is not None
    bad = type(frame.gnss)(t_s=frame.t_s, x_m=frame.gnss.x_m + 25.0, y_m=frame.gnss.y_m, std_m=0.5)
    out = ekf.step(LocalizationInput(t_s=frame.t_s, odometry=frame.odometry, gnss=bad))
    assert not out.gnss_used
    assert abs(out.estimate.x_m - world.x_m) < 1.0
