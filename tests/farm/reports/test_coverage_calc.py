"""Coverage arithmetic on small synthetic data: bins as declared, NIST t-wise, ODD gaps, input parameters."""

from __future__ import annotations

import itertools
import math
from dataclasses import replace

import numpy as np

from farm.reports.coverage_axes import MISSING, Axis, axes_of
from farm.reports.coverage_odd import odd_coverage
from farm.reports.coverage_tway import distinct_rows, tway
from farm.sweep.samplers import draw
from farm.sweep.space import build_space
from farm.sweep.twise import covering_array, uncovered
from scenario_library.catalog import list_families, load_family
from scenario_library.odd import default_odd
from scenario_library.params import Parameter, bin_index


def _all_tuples(level_counts: list[int], t: int) -> int:
    return sum(math.prod(level_counts[c] for c in cols) for cols in itertools.combinations(range(len(level_counts)), t))


def test_a_2_wise_covering_array_covers_every_pair_and_its_3_way_figure_is_the_brute_force_count() -> None:
    counts = [4, 3, 4, 2, 3, 2]
    rows = np.array(covering_array(counts, 2), dtype=np.int16)
    domain = [tuple(range(k)) for k in counts]  # 133 pairs by hand: 56 + 33 + 28 + 10 + 6
    two = tway(distinct_rows(rows), domain, 2)
    assert two.total == _all_tuples(counts, 2) == 133 and two.covered == two.total and two.share == 1.0
    three = tway(distinct_rows(rows), domain, 3)
    missing = uncovered(rows.tolist(), counts, 3)  # farm.sweep.twise's brute-force checker
    assert three.total == _all_tuples(counts, 3)
    assert three.covered == three.total - len(missing) and 0 < three.share < 1  # type: ignore[operator]
    listed = {(s.columns, tuple(v)) for s in three.sets for v in s.uncovered.tolist()}
    assert listed == missing


def test_a_sub_domain_restricts_the_bins_and_fewer_parameters_than_t_has_no_coverage() -> None:
    rows = np.array([[0, 0], [1, 2], [2, 1], [0, 2]], dtype=np.int16)
    chosen = tway(rows, [(0, 1), (1, 2)], 2)  # only the cells (0|1) x (1|2): (0,2), (1,2) are present
    assert (chosen.covered, chosen.total) == (2, 4)
    assert {tuple(v) for v in chosen.sets[0].uncovered.tolist()} == {(0, 1), (1, 1)}
    lone = tway(rows[:, :1], [(0, 1, 2)], 2)
    assert lone.total == 0 and lone.share is None  # never 0/0 shown as a number


def test_a_random_design_maps_to_the_declared_bins() -> None:
    family = load_family("lead_vehicle_braking")
    axes, _ = axes_of(family)
    space = build_space(family, (), source="test", field="families[0]")
    samples = draw("sobol", space, budget=64, strength=2, seed=3) + draw("random", space, budget=64, seed=4)
    for axis in axes:
        values = np.array([s[axis.name] for s in samples], dtype=float)
        got = axis.encode(values, np.full(len(values), -1), ())
        assert got.tolist() == [bin_index(axis.parameter, v) for v in values.tolist()]
        assert not np.isin(values, np.array(axis.parameter.levels, dtype=float)).all()  # never exactly a level
    gap = next(a for a in axes if a.name == "gap_m")  # levels 5, 10, 20, 35, 50, 80: edges halfway between
    assert gap.edges == (7.5, 15.0, 27.5, 42.5, 65.0)
    assert gap.encode(np.array([3.0, 7.4999, 7.5, 64.9, 65.0, 80.0, np.nan]),
                      np.full(7, -1), ()).tolist() == [0, 0, 1, 4, 5, 5, MISSING]
    assert gap.label(1) == "[7.5, 15) m" and gap.label(0) == "< 7.5 m" and gap.label(5) == "≥ 65 m"


def test_declared_bin_edges_win_over_the_levels_and_every_bin_has_a_representative_in_range() -> None:
    p = Parameter(name="mu", type="float", nominal=0.8, low=0.1, high=1.0, levels=(0.1, 0.3, 0.5, 0.8),
                  bin_edges=(0.4, 0.7))
    axis = Axis(parameter=p, edges=(0.4, 0.7))
    assert axis.k == 3 and axis.encode(np.array([0.39, 0.4, 0.69, 0.7]), np.full(4, -1), ()).tolist() \
        == [0, 1, 1, 2]
    assert [axis.representative(i) for i in range(3)] == [0.1, 0.5, 0.8]  # the first declared level in each bin
    bare = Axis(parameter=replace(p, levels=()), edges=(0.4, 0.7))
    assert [bare.representative(i) for i in range(3)] == [0.25, 0.55, 0.85]  # midpoints clipped to [0.1, 1]


def test_a_choice_parameter_bins_by_its_text_and_a_stray_value_has_no_bin() -> None:
    mode = load_family("fault").parameter("mode")  # choices ok, raise, hang, busy_hang, exit, crash_after
    axis = Axis(parameter=mode, levels=mode.levels)
    words = ("hang", "ok", "retired_choice")
    got = axis.encode(np.full(4, np.nan), np.array([1, 0, 2, -1]), words)
    assert got.tolist() == [0, 2, MISSING, MISSING] and axis.label(2) == "hang"


def test_input_and_unknown_parameter_types_are_left_out_gracefully() -> None:
    family = load_family("lead_vehicle_braking")
    odd_ones = (Parameter(name="log", type="input", nominal=""),  # type: ignore[arg-type]
                Parameter(name="weird", type="tensor", nominal=0))  # type: ignore[arg-type]
    axes, skipped = axes_of(replace(family, parameters=(*family.parameters, *odd_ones)))
    assert [a.name for a in axes] == [p.name for p in family.parameters]
    assert [name for name, _ in skipped] == ["log", "weird"] and "input" in skipped[0][1]


def test_catalogue_gaps_are_listed_apart_from_values_not_sampled() -> None:
    odd = odd_coverage(default_odd(), list_families(), [])
    assert odd["catalogue_gaps"] == ["lanes=3+", "actor_types=cyclist"]
    assert "surface_friction=low" in odd["not_sampled"] and "lanes=3+" not in odd["not_sampled"]
    assert odd["sampled"] == 0 and odd["exercisable"] == odd["values"] - 2
    assert set(odd["tag_only"]) == {"road_type", "lanes", "junction", "parked_vehicles", "actor_types"}
