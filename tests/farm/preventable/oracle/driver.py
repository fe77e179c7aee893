"""The reference careful and competent human driver of UN Regulation No. 157, Annex 4, Appendix 3.

Source: UN R157 (ECE/TRANS/WP.29/2020/81; EU OJ L 82/75, 9.3.2021), Annex 4,
Appendix 3 "Guidance on traffic disturbance critical scenarios for ALKS",
paragraph 3 (the performance model of the careful and competent human driver):

* risk perception time 0.4 s, counted from the moment the hazard is
  perceivable (for a cut-in: the cutting-in vehicle leaves the lateral
  wandering zone, 0.375 m);
* reaction time 0.75 s, from perception to the start of braking;
* deceleration up to 0.774 g, reached in 0.6 s: a jerk of
  0.774 * 9.81 / 0.6 = 12.65 m/s^3.

The sub-paragraph numbering inside paragraph 3 should be checked against the
authentic text; the numbers agree with the JRC's open implementation of the
R157 safety models (EUPL; its "CC_human_driver": reaction 0.75 s, jerk
12.65 m/s^3, 0.774 * 9.81 m/s^2, wandering 0.375 m), against which
``tests/farm/preventable/test_driver.py`` cross-checks stopping distances.
During perception and reaction our reference keeps its speed; the JRC model
lets it coast at 0.4 m/s^2 during the reaction (D21 in docs/decisions.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

G_MPS2 = 9.81
PERCEPTION_S = 0.4
REACTION_S = 0.75
DECEL_G = 0.774
RAMP_S = 0.6  # time to reach the full deceleration
JERK_MPS3 = DECEL_G * G_MPS2 / RAMP_S  # 12.654 m/s^3
LANE_WANDERING_M = 0.375


@dataclass(frozen=True, slots=True, kw_only=True)
class ReferenceDriver:
    """The R157 driver's numbers (defaults as above); ``decel_mps2`` is capped by the road's grip in ``brake``."""

    perception_s: float = PERCEPTION_S
    reaction_s: float = REACTION_S
    decel_mps2: float = DECEL_G * G_MPS2
    jerk_mps3: float = JERK_MPS3

    @property
    def delay_s(self) -> float:
        """Perception plus reaction: from a perceivable hazard to the start of braking [s]."""
        return self.perception_s + self.reaction_s

    def decel_on(self, mu: float) -> float:
        """The deceleration it reaches on a road of friction ``mu``: min(mu g, 0.774 g) [m/s^2]."""
        return min(self.decel_mps2, mu * G_MPS2)


R157 = ReferenceDriver()


def brake_profile(tau_s: np.ndarray, speed_mps: float, decel_mps2: float,
                  jerk_mps3: float) -> tuple[np.ndarray, np.ndarray]:
    """Distance [m] and speed [m/s] ``tau_s`` after braking starts: a jerk ramp to ``decel_mps2``, then constant.

    Exact piecewise polynomial; the car stays stopped once it stops. ``tau_s < 0`` gives cruising.
    """
    tau = np.asarray(tau_s, dtype=float)
    ramp_s = decel_mps2 / jerk_mps3
    dv_ramp = 0.5 * decel_mps2 * ramp_s
    if speed_mps <= dv_ramp:  # stops during the ramp
        stop_s = math.sqrt(2.0 * speed_mps / jerk_mps3)
        t = np.clip(tau, 0.0, stop_s)
        dist = speed_mps * t - jerk_mps3 * t**3 / 6.0
        speed = speed_mps - 0.5 * jerk_mps3 * t**2
    else:
        v1 = speed_mps - dv_ramp
        s1 = speed_mps * ramp_s - decel_mps2 * ramp_s**2 / 6.0
        stop_s = ramp_s + v1 / decel_mps2
        t = np.clip(tau, 0.0, stop_s)
        in_ramp = t <= ramp_s
        u = np.maximum(t - ramp_s, 0.0)
        dist = np.where(in_ramp, speed_mps * t - jerk_mps3 * t**3 / 6.0, s1 + v1 * u - 0.5 * decel_mps2 * u**2)
        speed = np.where(in_ramp, speed_mps - 0.5 * jerk_mps3 * t**2, v1 - decel_mps2 * u)
    before = tau < 0.0
    dist = np.where(before, speed_mps * tau, dist)
    return dist, np.where(before, speed_mps, np.maximum(speed, 0.0))


def stopping_distance_m(speed_mps: float, *, decel_mps2: float, jerk_mps3: float = JERK_MPS3,
                        delay_s: float = PERCEPTION_S + REACTION_S) -> float:
    """Distance from a perceivable hazard to standstill [m]: ``delay_s`` at constant speed, then ``brake_profile``."""
    ramp_s = decel_mps2 / jerk_mps3
    far = np.array([ramp_s + speed_mps / decel_mps2 + 10.0])
    return float(speed_mps * delay_s + brake_profile(far, speed_mps, decel_mps2, jerk_mps3)[0][0])
