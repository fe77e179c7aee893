"""Prediction: constant-velocity paths of every confirmed track over a fixed horizon."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from autonomy.config import PredictionConfig
from autonomy.tracking import TrackingOutput
from autonomy.types import PredictedPath


@dataclass(frozen=True, slots=True, kw_only=True)
class PredictionInput:
    """The tick's tracks."""

    tracks: TrackingOutput


@dataclass(frozen=True, slots=True, kw_only=True)
class PredictionOutput:
    """Predicted centres ``xy_m`` (n, K, 2) at ``times_s`` (K,) ahead, with a circumscribed ``radius_m`` (n,)."""

    track_id: np.ndarray
    times_s: np.ndarray
    xy_m: np.ndarray
    radius_m: np.ndarray

    @property
    def paths(self) -> tuple[PredictedPath, ...]:
        """The predictions as ``autonomy.types.PredictedPath`` values."""
        return tuple(PredictedPath(track_id=i, times_s=self.times_s, xy_m=self.xy_m[k], radius_m=r)
                     for k, (i, r) in enumerate(zip(self.track_id.tolist(), self.radius_m.tolist(), strict=True)))


class Predictor(Protocol):
    """Predicts where tracked obstacles will be."""

    def step(self, inp: PredictionInput) -> PredictionOutput: ...


class ConstantVelocityPredictor:
    """x(t) = x0 + v t at ``step_s`` intervals up to ``horizon_s`` (t = 0 included)."""

    def __init__(self, config: PredictionConfig) -> None:
        n = round(config.horizon_s / config.step_s) + 1 if config.step_s > 0 else 1
        self._times_s = np.arange(n) * config.step_s
        self._times_s.flags.writeable = False

    def step(self, inp: PredictionInput) -> PredictionOutput:
        """Extrapolate every track; the radius circumscribes its fitted rectangle."""
        tr = inp.tracks
        xy = tr.centre_xy_m[:, None, :] + tr.velocity_mps[:, None, :] * self._times_s[None, :, None]
        radius = 0.5 * np.hypot(tr.size_m[:, 0], tr.size_m[:, 1])
        return PredictionOutput(track_id=tr.track_id, times_s=self._times_s, xy_m=xy, radius_m=radius)
