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
from fractions import Fraction

import numpy as np


def _least_squares(xs: list[int], polyorder: int) -> list[list[Fraction]]:
    """The exact pseudo-inverse ``(V^T V)^-1 V^T`` of the Vandermonde matrix of ``xs`` (rows: coefficients).

    In rational arithmetic, not LAPACK: the weights are then the same bits on every CPU and BLAS kernel
    (``OPENBLAS_CORETYPE`` changed ``np.linalg.pinv``'s last bits, and these feed the outcome hash).
    """
    k = polyorder + 1
    v = [[Fraction(x) ** j for j in range(k)] for x in xs]
    normal: list[list[Fraction]] = [[sum((v[r][i] * v[r][j] for r in range(len(xs))), Fraction(0)) for j in range(k)]
                                    for i in range(k)]
    rhs = [[v[r][i] for r in range(len(xs))] for i in range(k)]  # V^T
    for col in range(k):  # Gauss-Jordan on [V^T V | V^T]; V^T V is positive definite, pivots never vanish
        pivot = normal[col][col]
        normal[col] = [a / pivot for a in normal[col]]
        rhs[col] = [a / pivot for a in rhs[col]]
        for row in range(k):
            if row != col and normal[row][col]:
                f = normal[row][col]
                normal[row] = [a - f * b for a, b in zip(normal[row], normal[col], strict=True)]
                rhs[row] = [a - f * b for a, b in zip(rhs[row], rhs[col], strict=True)]
    return rhs


@functools.cache
def _weights(window: int, polyorder: int) -> tuple[np.ndarray, np.ndarray]:
    """(centre derivative weights over the window, matrix mapping a window to its fitted coefficients)."""
    half = window // 2
    fit = _least_squares([i - half for i in range(window)], polyorder)  # coefficients c_j of sum c_j x^j
    edge = _least_squares(list(range(window)), polyorder)
    return np.array([float(w) for w in fit[1]]), np.array([[float(w) for w in row] for row in edge])


def savgol_derivative(y: np.ndarray, window: int, polyorder: int, delta: float) -> np.ndarray:
    """First derivative of ``y`` along its last axis (odd ``window`` <= its length, ``polyorder`` < window)."""
    values = np.asarray(y, dtype=float)
    n, half = values.shape[-1], window // 2
    centre, edge = _weights(window, polyorder)
    out = np.empty_like(values)
    windows = np.lib.stride_tricks.sliding_window_view(values, window, axis=-1)
    # Element-wise products and sums, never ``@``: a matrix product goes to BLAS, whose kernel (chosen per CPU,
    # or by OPENBLAS_CORETYPE) may round differently, and the metrics are part of the outcome hash.
    out[..., half:n - half] = (windows * centre).sum(axis=-1)
    powers = np.arange(1, polyorder + 1)
    for start, positions in ((0, np.arange(half)), (n - window, np.arange(window - half, window))):
        coeffs = (values[..., None, start:start + window] * edge).sum(axis=-1)  # (..., polyorder + 1)
        basis = positions[None, :] ** (powers[:, None] - 1)                    # (polyorder, half)
        slope = ((coeffs[..., 1:] * powers)[..., :, None] * basis).sum(axis=-2)
        out[..., positions + start] = slope
    return out / delta
