"""farm.metrics.savgol equals scipy.signal.savgol_filter(deriv=1, mode="interp"), the published oracle."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import savgol_filter

from farm.metrics.savgol import savgol_derivative


@pytest.mark.parametrize(("n", "window", "polyorder"), [
    (5, 5, 2), (6, 5, 2), (20, 5, 2), (151, 5, 2), (40, 7, 3), (9, 3, 1), (30, 9, 2),
])
def test_the_derivative_equals_scipys_savgol_filter(n: int, window: int, polyorder: int) -> None:
    y = np.random.default_rng(n * window).normal(size=(2, n)) * 10.0
    expected = savgol_filter(y, window, polyorder, deriv=1, delta=0.1, mode="interp")
    np.testing.assert_allclose(savgol_derivative(y, window, polyorder, 0.1), expected, rtol=1e-9, atol=1e-9)


def test_a_parabola_is_differentiated_exactly_everywhere_including_the_edges() -> None:
    t = np.arange(12) * 0.1
    y = 3.0 * t**2 - 2.0 * t + 1.0   # y' = 6 t - 2 (a quadratic is fitted exactly by polyorder 2)
    np.testing.assert_allclose(savgol_derivative(y, 5, 2, 0.1), 6.0 * t - 2.0, atol=1e-9)
