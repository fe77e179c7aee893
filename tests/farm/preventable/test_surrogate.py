"""The extra columns: RSS minimum safe distance and the fuzzy safety model, against hand values."""

from __future__ import annotations

import pytest

from farm.preventable.surrogate import fsm_cfs, fsm_pfs, rss_min_safe_gap_m


def test_rss_minimum_safe_distance_by_hand() -> None:
    """20 m/s behind 20 m/s: 20 * 0.75 + 3 * 0.75^2 / 2 + 22.25^2 / (2 * 7.593) - 20^2 / 16
    = 15 + 0.844 + 32.600 - 25 = 23.444 m; behind a standstill car the last term vanishes.
    """
    assert rss_min_safe_gap_m(20.0, 20.0) == pytest.approx(23.444, abs=0.005)
    assert rss_min_safe_gap_m(0.0, 20.0) == 0.0
    assert rss_min_safe_gap_m(10.0, 0.0) == pytest.approx(7.5 + 0.844 + 12.25**2 / 15.186, abs=0.005)


def test_fuzzy_safety_is_zero_far_away_and_one_up_close() -> None:
    """15 m/s behind 15 m/s: the comfortable safe distance is 11.25 + 28.125 - 16.07 + 4 = 27.3 m,
    the unsafe one 11.25 + 18.75 - 16.07 + 2 = 15.93 m: PFS 0 at 35 m, 1 at 10 m, half-way at 21.6 m.
    """
    assert fsm_pfs(35.0, 15.0, 15.0) == 0.0
    assert fsm_pfs(10.0, 15.0, 15.0) == 1.0
    assert fsm_pfs(21.6, 15.0, 15.0) == pytest.approx(0.5, abs=0.01)
    assert fsm_cfs(35.0, 15.0, 15.0, 0.0) == 0.0
    assert fsm_cfs(4.0, 20.0, 0.0, 0.0) == 1.0
