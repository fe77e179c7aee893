"""IPOG covering arrays: every t-tuple covered (checked by brute force), far smaller than the product."""

from __future__ import annotations

import itertools
import math

import pytest

from farm.sweep.twise import covering_array, exhaustive_size, uncovered

CONFIGS = [
    ([3, 3, 3, 3], 2),
    ([2] * 10, 2),
    ([3] * 13, 2),
    ([5, 4, 3, 3, 2, 2], 2),        # mixed level counts
    ([3, 3, 3, 3], 3),
    ([4] * 6, 3),
    ([2] * 10, 3),
    ([5, 4, 3, 3, 2, 2], 3),        # mixed level counts
    ([7, 5, 4, 3, 3, 3, 2, 2], 3),  # mixed, one large domain
    ([2, 6, 1, 3, 4], 3),           # a single-level parameter, unsorted domains
]


@pytest.mark.parametrize(("counts", "t"), CONFIGS)
def test_every_t_tuple_is_covered(counts: list[int], t: int) -> None:
    rows = covering_array(counts, t)
    assert uncovered(rows, counts, t) == set()
    assert all(len(row) == len(counts) and all(0 <= v < k for v, k in zip(row, counts, strict=True)) for row in rows)


@pytest.mark.parametrize(("counts", "t"), CONFIGS)
def test_size_is_within_3x_of_the_lower_bound(counts: list[int], t: int) -> None:
    rows = covering_array(counts, t)
    lower_bound = math.prod(sorted(counts, reverse=True)[:t])  # the t largest domains must appear in full
    assert lower_bound <= len(rows) <= min(3 * lower_bound, exhaustive_size(counts))


def test_size_beside_the_exhaustive_product() -> None:
    assert (len(covering_array([3] * 13, 2)), exhaustive_size([3] * 13)) == (24, 1_594_323)
    mixed = [7, 5, 4, 3, 3, 3, 2, 2]
    assert (len(covering_array(mixed, 3)), exhaustive_size(mixed)) == (151, 15_120)


def test_sizes_match_published_ipog_ballpark() -> None:
    # Best known sizes (Colbourn's covering array tables): CA(9;2,4,3), CA(6;2,10,2), CA(64;3,6,4).
    # IPOG is greedy, not optimal: it must stay within 2x of them.
    assert len(covering_array([3] * 4, 2)) <= 11
    assert len(covering_array([2] * 10, 2)) <= 12
    assert len(covering_array([4] * 6, 3)) <= 80


def test_the_checker_detects_a_missing_tuple() -> None:
    counts = [2, 2, 2]
    assert uncovered([(0, 0, 0), (1, 1, 1)], counts, 2) == {((0, 1), (0, 1)), ((0, 1), (1, 0)), ((0, 2), (0, 1)),
                                                            ((0, 2), (1, 0)), ((1, 2), (0, 1)), ((1, 2), (1, 0))}


def test_fewer_parameters_than_t_gives_the_exhaustive_product() -> None:
    rows = covering_array([3, 2], 3)
    assert sorted(rows) == sorted(itertools.product(range(3), range(2)))


def test_it_is_deterministic() -> None:
    assert covering_array([5, 4, 3, 3, 2, 2], 3) == covering_array([5, 4, 3, 3, 2, 2], 3)


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="must be >= 1"):
        covering_array([3, 0], 2)
    with pytest.raises(ValueError, match="must be >= 1"):
        covering_array([3, 3], 0)
