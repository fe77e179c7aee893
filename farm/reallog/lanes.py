"""The lanes table: lane centrelines as polylines with widths, per real run, in the tracks' frame.

One row per point: ``real_run_id, lane_id, seq, x_m, y_m, width_m[, speed_limit_mps]``.
Points are ordered by ``seq`` (rows may come in any order); width and speed limit are
one value per lane.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import pairwise
from pathlib import Path

import numpy as np

from farm.reallog import limits as L
from farm.reallog.tables import Columns, read_columns
from scenario_library.recorded import RecordedLane

LANE_COLUMNS = {"real_run_id": "str", "lane_id": "str", "seq": "int", "x_m": "float", "y_m": "float",
                "width_m": "float", "speed_limit_mps": "float"}
_REQUIRED = tuple(c for c in LANE_COLUMNS if c != "speed_limit_mps")


def read_lanes(path: str | Path) -> dict[str, tuple[RecordedLane, ...]]:
    """Real run id -> its lanes sorted by ``lane_id``.

    Raises:
        InputError: the first problem, one line naming the file, row and column.
    """
    never_null = (*_REQUIRED, "speed_limit_mps")
    table = read_columns(path, LANE_COLUMNS, required=_REQUIRED, never_null=never_null)  # type: ignore[arg-type]
    v = table.values
    for column in ("real_run_id", "lane_id"):
        for row, text in enumerate(v[column]):
            if not L.ID_PATTERN.match(text):
                raise table.fail(row, column, f"{text!r} is not an id ([A-Za-z0-9][A-Za-z0-9._-]*, up to 128)")
    for column in ("x_m", "y_m", "width_m", *(("speed_limit_mps",) if table.has("speed_limit_mps") else ())):
        bad = ~np.isfinite(v[column])
        if bad.any():
            raise table.fail(int(np.argmax(bad)), column, "must be finite")
    for column in ("x_m", "y_m"):
        bad = np.abs(v[column]) > L.MAX_ABS_POSITION_M
        if bad.any():
            raise table.fail(int(np.argmax(bad)), column, f"beyond {L.MAX_ABS_POSITION_M / 1000:g} km of the "
                                                          "origin: use the tracks' local frame in metres")
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for row, key in enumerate(zip(v["real_run_id"], v["lane_id"], strict=True)):
        groups[key].append(row)
    runs: dict[str, list[RecordedLane]] = defaultdict(list)
    for (run, lane_id), rows in groups.items():
        runs[run].append(_lane(table, lane_id, rows))
    return {run: tuple(sorted(lanes, key=lambda lane: lane.lane_id)) for run, lanes in runs.items()}


def _lane(table: Columns, lane_id: str, rows: list[int]) -> RecordedLane:
    v = table.values
    order = sorted(rows, key=lambda r: v["seq"][r])
    seqs = [v["seq"][r] for r in order]
    for a, b in pairwise(order):
        if v["seq"][a] == v["seq"][b]:
            raise table.fail(b, "seq", f"lane {lane_id!r} has seq {v['seq'][b]} twice")
    if seqs[0] < 0:
        raise table.fail(order[0], "seq", f"seq must be >= 0, got {seqs[0]}")
    if len(order) < L.MIN_LANE_POINTS:
        raise table.fail(order[0], "seq", f"lane {lane_id!r} has {len(order)} point; a centreline needs "
                                          f"{L.MIN_LANE_POINTS}")
    x, y = v["x_m"][order], v["y_m"][order]
    seg = np.hypot(np.diff(x), np.diff(y))
    if (seg < L.MIN_SEGMENT_M).any():
        i = int(np.argmax(seg < L.MIN_SEGMENT_M))
        raise table.fail(order[i + 1], "x_m", f"lane {lane_id!r}: points seq {seqs[i]} and {seqs[i + 1]} are "
                                              f"{seg[i]:.3g} m apart (at least {L.MIN_SEGMENT_M:g} m)")
    width = _one_value(table, lane_id, order, "width_m", L.LANE_WIDTH_M, "m")
    limit = L.DEFAULT_SPEED_LIMIT_MPS
    if table.has("speed_limit_mps"):
        limit = _one_value(table, lane_id, order, "speed_limit_mps", L.LANE_SPEED_LIMIT_MPS, "m/s (km/h?)")
    return RecordedLane(lane_id=lane_id, centreline=tuple(zip(x.tolist(), y.tolist(), strict=True)),
                        width_m=width, speed_limit_mps=limit)


def _one_value(table: Columns, lane_id: str, order: list[int], column: str, bounds: tuple[float, float],
               unit: str) -> float:
    values = table.values[column][order]
    changed = np.flatnonzero(values != values[0])
    if changed.size:
        raise table.fail(order[int(changed[0])], column, f"lane {lane_id!r} changes its {column} along the lane "
                                                         "(one value per lane)")
    value = float(values[0])
    if not bounds[0] <= value <= bounds[1]:
        raise table.fail(order[0], column, f"{value:g} is outside [{bounds[0]:g}, {bounds[1]:g}] {unit}")
    return value
