"""The Savitzky–Golay first derivative that the comfort metrics read, in numpy alone.

Equal to ``scipy.signal.savgol_filter(y, window, polyorder, deriv=1, delta=dt,
mode="interp")`` (tested against it to 1e-9 relative): interior points use the
least-squares derivative coefficients of a ``polyorder`` polynomial over the
centred window; the first and last ``window // 2`` points use the derivative of
the polynomial fitted to the first / last window ("interp"). Written out
because ``import scipy.signal`` costs 1–1.5 s in every fresh Ray worker, which
counted against the first rollout's wall-clock budget (docs/decisions.md D46).
"""

from __future__ import annotations

import functools

import numpy as np


@functools.cache
def _weights(window: int, polyorder: int) -> tuple[np.ndarray, np.ndarray]:
    """(centre derivative weights over the window, matrix mapping a window to its fitted coefficients)."""
    x = np.arange(window, dtype=float) - window // 2
    fit = np.linalg.pinv(np.vander(x, polyorder + 1, increasing=True))  # coefficients c_j of sum c_j x^j
    edge = np.linalg.pinv(np.vander(np.arange(window, dtype=float), polyorder + 1, increasing=True))
    return fit[1], edge


def savgol_derivative(y: np.ndarray, window: int, polyorder: int, delta: float) -> np.ndarray:
    """First derivative of ``y`` along its last axis (odd ``window`` <= its length, ``polyorder`` < window)."""
    values = np.asarray(y, dtype=float)
    n, half = values.shape[-1], window // 2
    centre, edge = _weights(window, polyorder)
    out = np.empty_like(values)
    windows = np.lib.stride_tricks.sliding_window_view(values, window, axis=-1)
    out[..., half:n - half] = windows @ centre
    powers = np.arange(1, polyorder + 1)
    for start, positions in ((0, np.arange(half)), (n - window, np.arange(window - half, window))):
        coeffs = values[..., start:start + window] @ edge.T  # (..., polyorder + 1), increasing powers
        slope = (coeffs[..., 1:] * powers) @ (positions[None, :] ** (powers[:, None] - 1))
        out[..., positions + start] = slope
    return out / delta
