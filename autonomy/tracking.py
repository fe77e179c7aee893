"""Tracking: constant-velocity Kalman tracks with gating, greedy association, birth and deletion.

The x and y axes share one process and measurement model, so both axes of a
track have the same 2x2 (position, velocity) covariance: three numbers per
track, updated in closed form and vectorised over tracks.

A cluster's centre is the centre of the *visible* faces, which moves as the
view changes (a car passing alongside shows only its near side). Each track
remembers the largest extent it has seen along its two axes, and a detection
that shows less is re-centred: the unseen part lies on the far side from the
sensor. That keeps the measured centre, and so the velocity, steady. A track is reported
after ``birth_hits`` consecutive hits and removed after ``max_misses``
consecutive misses (a tentative track at its first miss).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from autonomy.config import TrackingConfig
from autonomy.perception import PerceptionOutput
from autonomy.types import Track


@dataclass(frozen=True, slots=True, kw_only=True)
class TrackingInput:
    """The tick's time, detections and where the sensor was (world frame) [m]."""

    t_s: float
    detections: PerceptionOutput
    sensor_xy_m: tuple[float, float]


@dataclass(frozen=True, slots=True, kw_only=True)
class TrackingOutput:
    """Confirmed tracks as arrays (n,): ids, centre/velocity (n, 2), 1-sigma velocity per axis, size (n, 2)
    along/across ``heading_rad``, age, misses."""

    track_id: np.ndarray
    centre_xy_m: np.ndarray
    velocity_mps: np.ndarray
    velocity_std_mps: np.ndarray
    size_m: np.ndarray
    heading_rad: np.ndarray
    age_ticks: np.ndarray
    misses: np.ndarray

    @property
    def tracks(self) -> tuple[Track, ...]:
        """The tracks as ``autonomy.types.Track`` values."""
        rows = zip(self.track_id.tolist(), self.centre_xy_m.tolist(), self.velocity_mps.tolist(),
                   self.size_m.tolist(), self.age_ticks.tolist(), self.misses.tolist(), strict=True)
        return tuple(Track(track_id=i, x_m=c[0], y_m=c[1], vx_mps=v[0], vy_mps=v[1], length_m=s[0], width_m=s[1],
                           age_ticks=a, misses=m) for i, c, v, s, a, m in rows)


class Tracker(Protocol):
    """Turns per-tick detections into persistent tracks."""

    def step(self, inp: TrackingInput) -> TrackingOutput: ...


# Columns of the float state: position, velocity, the shared per-axis covariance, rectangle.
X, Y, VX, VY, P00, P01, P11, LEN, WID, HDG = range(10)
# Columns of the integer state.
ID, HITS, MISSES, AGE = range(4)


class KalmanTracker:
    """Vectorised constant-velocity Kalman tracker; one row per track in two state arrays."""

    def __init__(self, config: TrackingConfig) -> None:
        self._cfg = config
        self._r = config.measurement_std_m**2
        self._q = config.accel_noise_mps2**2
        self._t_s: float | None = None
        self._next_id = 1
        self._f = np.zeros((0, 10))
        self._i = np.zeros((0, 4), dtype=np.int64)

    def step(self, inp: TrackingInput) -> TrackingOutput:
        """Predict to ``inp.t_s``, associate, update, delete and give birth."""
        dt_s = 0.0 if self._t_s is None else max(0.0, inp.t_s - self._t_s)
        self._t_s = inp.t_s
        self._i[:, AGE] += 1
        if dt_s > 0.0 and len(self._f):
            self._predict(dt_s)
        det = inp.detections
        r = np.maximum(det.position_std_m**2, self._r)
        ti, di = self._associate(det, r)
        self._i[:, MISSES] += 1
        if len(ti):
            self._update(ti, di, det, r[di], inp.sensor_xy_m)
        self._prune()
        if len(di) < len(det.centre_xy_m):
            unmatched = np.ones(len(det.centre_xy_m), dtype=bool)
            unmatched[di] = False
            self._birth(unmatched.nonzero()[0], det, r)
        ok = self._i[:, HITS] >= self._cfg.birth_hits
        f, i = self._f[ok], self._i[ok]
        return TrackingOutput(track_id=i[:, ID], centre_xy_m=f[:, X:Y + 1], velocity_mps=f[:, VX:VY + 1],
                              velocity_std_mps=np.sqrt(f[:, P11]), size_m=f[:, LEN:WID + 1], heading_rad=f[:, HDG],
                              age_ticks=i[:, AGE], misses=i[:, MISSES])

    def _predict(self, dt_s: float) -> None:
        f, q = self._f, self._q
        f[:, X:Y + 1] += f[:, VX:VY + 1] * dt_s
        p01, p11 = f[:, P01].copy(), f[:, P11].copy()
        f[:, P00] += 2.0 * dt_s * p01 + dt_s * dt_s * p11 + q * dt_s**3 / 3.0
        f[:, P01] += dt_s * p11 + q * dt_s * dt_s / 2.0
        f[:, P11] += q * dt_s

    def _associate(self, det: PerceptionOutput, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Greedy nearest-first assignment within the gate; returns matched (track, detection) indices."""
        n_t, n_d = len(self._f), len(det.centre_xy_m)
        if n_t == 0 or n_d == 0:
            return np.zeros(0, dtype=int), np.zeros(0, dtype=int)
        f, z = self._f, det.centre_xy_m
        dx = z[:, 0] - f[:, X, None]
        dy = z[:, 1] - f[:, Y, None]
        d2 = dx * dx + dy * dy
        # A detection within the track's own half-length is the same object seen from another side.
        half_len = 0.5 * np.maximum(f[:, LEN, None], det.size_m[:, 0])
        ok = ((d2 < self._cfg.gate_chi2 * (f[:, P00, None] + r)) | (d2 < half_len * half_len)) \
            & (d2 < self._cfg.max_gate_m**2)
        cand = ok.ravel().nonzero()[0]
        cand = cand[np.argsort(d2.ravel()[cand], kind="stable")].tolist()
        used_t: set[int] = set()
        used_d: set[int] = set()
        ti, di = [], []
        for flat in cand:
            i, j = divmod(flat, n_d)
            if i not in used_t and j not in used_d:
                used_t.add(i)
                used_d.add(j)
                ti.append(i)
                di.append(j)
        return np.array(ti, dtype=int), np.array(di, dtype=int)

    def _update(self, ti: np.ndarray, di: np.ndarray, det: PerceptionOutput, r: np.ndarray,
                sensor_xy_m: tuple[float, float]) -> None:
        rows = self._f[ti]
        z, heading = self._anchor(rows, det.centre_xy_m[di], det.size_m[di], det.heading_rad[di], sensor_xy_m)
        p00, p01, p11 = rows[:, P00], rows[:, P01], rows[:, P11]
        s = p00 + r
        k0, k1 = (p00 / s)[:, None], (p01 / s)[:, None]
        innov = z - rows[:, X:Y + 1]
        rows[:, X:Y + 1] += k0 * innov
        rows[:, VX:VY + 1] += k1 * innov
        rows[:, P11] = p11 - k1[:, 0] * p01
        rows[:, P01] = (1.0 - k0[:, 0]) * p01
        rows[:, P00] = (1.0 - k0[:, 0]) * p00
        rows[:, HDG] = heading
        self._f[ti] = rows
        self._i[ti, MISSES] = 0
        self._i[ti, HITS] += 1

    @staticmethod
    def _anchor(rows: np.ndarray, centre: np.ndarray, size: np.ndarray, heading: np.ndarray,
                sensor_xy_m: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
        """Detections re-centred on the remembered extent (updated in ``rows``), and the tracks' new headings."""
        aligned = np.cos(2.0 * (heading - rows[:, HDG])) >= 0.0  # detection's length axis ~ the track's
        seen = np.where(aligned[:, None], size, size[:, ::-1])  # extents along the track's (length, width) axes
        # A clear L gives a trustworthy orientation; a single face keeps the track's.
        new_heading = np.where(size[:, 1] > 1.0, heading - np.where(aligned, 0.0, 0.5 * np.pi), rows[:, HDG])
        rows[:, LEN:WID + 1] = np.maximum(rows[:, LEN:WID + 1], seen)
        ca, sa = np.cos(new_heading), np.sin(new_heading)
        rel = centre - sensor_xy_m
        # The hidden part is behind what is seen along the line of sight; a face seen head-on is only thinned
        # by sparse rays (symmetrically), so the shift fades out as the axis turns across the line of sight.
        along = np.empty_like(centre)
        along[:, 0] = rel[:, 0] * ca + rel[:, 1] * sa
        along[:, 1] = rel[:, 1] * ca - rel[:, 0] * sa
        weight = np.clip(along * (3.0 / np.maximum(np.hypot(rel[:, 0], rel[:, 1]), 1e-6))[:, None], -1.0, 1.0)
        shift = 0.5 * (rows[:, LEN:WID + 1] - seen) * weight
        z = np.empty_like(centre)
        z[:, 0] = centre[:, 0] + shift[:, 0] * ca - shift[:, 1] * sa
        z[:, 1] = centre[:, 1] + shift[:, 0] * sa + shift[:, 1] * ca
        return z, new_heading

    def _prune(self) -> None:
        hits, misses = self._i[:, HITS], self._i[:, MISSES]
        keep = np.where(hits >= self._cfg.birth_hits, misses <= self._cfg.max_misses, misses == 0)
        if not keep.all():
            self._f, self._i = self._f[keep], self._i[keep]

    def _birth(self, unmatched: np.ndarray, det: PerceptionOutput, r: np.ndarray) -> None:
        z = det.centre_xy_m[unmatched]
        if len(self._f):
            f = self._f
            d2 = (z[:, 0, None] - f[:, X]) ** 2 + (z[:, 1, None] - f[:, Y]) ** 2
            excl = np.maximum(self._cfg.spawn_exclusion_m, 0.5 * f[:, LEN])
            unmatched = unmatched[~np.any(d2 < excl * excl, axis=1)]
            z = det.centre_xy_m[unmatched]
        n = len(unmatched)
        if n == 0:
            return
        new_f = np.zeros((n, 10))
        new_f[:, X:Y + 1] = z
        new_f[:, P00] = r[unmatched]
        new_f[:, P11] = self._cfg.init_speed_std_mps**2
        new_f[:, LEN:WID + 1] = det.size_m[unmatched]
        new_f[:, HDG] = det.heading_rad[unmatched]
        new_i = np.zeros((n, 4), dtype=np.int64)
        new_i[:, ID] = np.arange(self._next_id, self._next_id + n)
        new_i[:, HITS] = 1
        self._next_id += n
        self._f = np.concatenate([self._f, new_f])
        self._i = np.concatenate([self._i, new_i])
