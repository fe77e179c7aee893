"""Localization: an EKF over odometry (speed, yaw rate as inputs) and GNSS position fixes.

State (x, y, yaw) in the world frame. Odometry drives the prediction (unicycle
model at the rear axle); a GNSS fix corrects position, and through the
cross-covariance the heading. Between fixes (or in an outage) the filter dead
reckons and its covariance grows accordingly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from autonomy.config import LocalizationConfig
from autonomy.geometry import wrap_angle
from autonomy.types import EgoEstimate, GnssFix, Mission, OdometryMsg


@dataclass(frozen=True, slots=True, kw_only=True)
class LocalizationInput:
    """One tick's odometry and, when there is one, a GNSS fix."""

    t_s: float
    odometry: OdometryMsg
    gnss: GnssFix | None


@dataclass(frozen=True, slots=True, kw_only=True)
class LocalizationOutput:
    """The pose belief and whether a fix was used this tick."""

    estimate: EgoEstimate
    gnss_used: bool


class Localizer(Protocol):
    """Estimates the ego pose from odometry and GNSS."""

    def step(self, inp: LocalizationInput) -> LocalizationOutput: ...


class EkfLocalizer:
    """Extended Kalman filter, initialised from the mission's initial pose.

    Three states make the matrix algebra small enough to write out in scalars,
    which is several times faster than numpy calls on 3x3 arrays. The
    covariance is kept as its six distinct entries (xx, xy, xh, yy, yh, hh).
    """

    def __init__(self, config: LocalizationConfig, mission: Mission) -> None:
        self._cfg = config
        self._x, self._y = float(mission.initial_x_m), float(mission.initial_y_m)
        self._yaw = float(mission.initial_yaw_rad)
        p_var = config.init_position_std_m**2
        self._p = (p_var, 0.0, 0.0, p_var, 0.0, config.init_yaw_std_rad**2)
        self._t_s: float | None = None
        self._rejects = 0

    def step(self, inp: LocalizationInput) -> LocalizationOutput:
        """Predict with odometry up to ``inp.t_s``, then correct with the fix if any."""
        dt_s = 0.0 if self._t_s is None else max(0.0, inp.t_s - self._t_s)
        self._t_s = inp.t_s
        speed_mps = float(inp.odometry.speed_mps)
        if dt_s > 0.0:
            self._predict(speed_mps, float(inp.odometry.yaw_rate_radps), dt_s)
        used = inp.gnss is not None and self._correct(inp.gnss)
        pxx, pxy, _, pyy, _, _ = self._p
        estimate = EgoEstimate(x_m=self._x, y_m=self._y, yaw_rad=self._yaw, speed_mps=speed_mps,
                               cov_xy=np.array([[pxx, pxy], [pxy, pyy]]))
        return LocalizationOutput(estimate=estimate, gnss_used=used)

    def covariance(self) -> np.ndarray:
        """The full 3x3 covariance of (x, y, yaw)."""
        a, b, c, d, e, f = self._p
        return np.array([[a, b, c], [b, d, e], [c, e, f]])

    def _predict(self, speed_mps: float, yaw_rate_radps: float, dt_s: float) -> None:
        """Unicycle motion at the mid-point heading; P' = F P F^T + G Q G^T + position noise."""
        yaw_mid = self._yaw + 0.5 * yaw_rate_radps * dt_s
        c, s = math.cos(yaw_mid), math.sin(yaw_mid)
        self._x += speed_mps * c * dt_s
        self._y += speed_mps * s * dt_s
        self._yaw = wrap_angle(self._yaw + yaw_rate_radps * dt_s)
        # F = I + j e_yaw^T with j = (-v s dt, v c dt, 0): only the yaw column couples.
        j0, j1 = -speed_mps * s * dt_s, speed_mps * c * dt_s
        a, b, cc, d, e, f = self._p
        qv = (self._cfg.speed_noise_mps * dt_s) ** 2
        qw = (self._cfg.yaw_rate_noise_radps * dt_s) ** 2
        qp = self._cfg.position_noise_m**2
        self._p = (a + 2.0 * j0 * cc + j0 * j0 * f + qv * c * c + qp,
                   b + j0 * e + j1 * cc + j0 * j1 * f + qv * c * s,
                   cc + j0 * f,
                   d + 2.0 * j1 * e + j1 * j1 * f + qv * s * s + qp,
                   e + j1 * f,
                   f + qw)

    def _correct(self, fix: GnssFix) -> bool:
        """Position update with a Mahalanobis gate; returns whether the fix was used."""
        r = max(fix.std_m, 1e-3) ** 2
        a, b, c, d, e, f = self._p
        ix, iy = float(fix.x_m) - self._x, float(fix.y_m) - self._y
        s00, s01, s11 = a + r, b, d + r
        det = s00 * s11 - s01 * s01
        i00, i01, i11 = s11 / det, -s01 / det, s00 / det  # S^-1
        if (ix * (i00 * ix + i01 * iy) + iy * (i01 * ix + i11 * iy) > self._cfg.gnss_gate_chi2
                and self._rejects < self._cfg.max_gnss_rejects):
            self._rejects += 1
            return False
        self._rejects = 0
        # K = P H^T S^-1, rows for x, y, yaw; P' = P - K (H P).
        k = [(pa * i00 + pb * i01, pa * i01 + pb * i11) for pa, pb in ((a, b), (b, d), (c, e))]
        self._x += k[0][0] * ix + k[0][1] * iy
        self._y += k[1][0] * ix + k[1][1] * iy
        self._yaw = wrap_angle(self._yaw + k[2][0] * ix + k[2][1] * iy)
        hp = ((a, b, c), (b, d, e))  # H P: the x and y rows of P

        def upd(i: int, col: int) -> float:
            return k[i][0] * hp[0][col] + k[i][1] * hp[1][col]

        self._p = (a - upd(0, 0), b - upd(0, 1), c - upd(0, 2), d - upd(1, 1), e - upd(1, 2), f - upd(2, 2))
        return True
