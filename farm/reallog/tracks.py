"""The trajectory table: one row per (real run, actor, sample), validated into ``Track`` s per real run.

Rows may come in any order across actors; each actor's rows must be in strictly
increasing time. Every check below has its limit in ``farm.reallog.limits`` and names
the row (1-based data row) and the column of the first offending sample.
"""

from __future__ import annotations

import math
from collections import defaultdict
from pathlib import Path

import numpy as np

from farm.reallog import limits as L
from farm.reallog.tables import Columns, read_columns
from scenario_library.recorded import TRACK_KINDS, Track

TRACK_COLUMNS = {"real_run_id": "str", "t_s": "float", "actor_id": "str", "kind": "str", "length_m": "float",
                 "width_m": "float", "x_m": "float", "y_m": "float", "yaw_rad": "float", "v_mps": "float"}
_REQUIRED = tuple(c for c in TRACK_COLUMNS if c != "v_mps")


def read_tracks(path: str | Path) -> dict[str, tuple[Track, ...]]:
    """Real run id -> its tracks sorted by ``actor_id`` (exactly one of kind ``ego``).

    Raises:
        InputError: the first problem, one line naming the file, row and column.
    """
    table = read_columns(path, TRACK_COLUMNS, required=_REQUIRED, never_null=_REQUIRED)  # type: ignore[arg-type]
    _check_rows(table)
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for row, key in enumerate(zip(table.values["real_run_id"], table.values["actor_id"], strict=True)):
        groups[key].append(row)
    runs: dict[str, list[Track]] = defaultdict(list)
    for (run, _actor), rows in groups.items():
        runs[run].append(_track(table, np.asarray(rows)))
    out: dict[str, tuple[Track, ...]] = {}
    for run, tracks in runs.items():
        egos = [t for t in tracks if t.kind == "ego"]
        if len(egos) != 1:
            raise table.fail(None, "kind", f"real run {run!r} needs exactly one actor of kind 'ego', has {len(egos)}")
        if egos[0].end_s - egos[0].start_s < L.MIN_EGO_SPAN_S:
            raise table.fail(None, "t_s", f"real run {run!r}: the ego track spans "
                                          f"{egos[0].end_s - egos[0].start_s:g} s, under {L.MIN_EGO_SPAN_S:g} s")
        out[run] = tuple(sorted(tracks, key=lambda t: t.actor_id))
    return out


def _check_rows(table: Columns) -> None:
    """Checks that need one row only: ids, kinds, finite values, frame, yaw unit, footprint."""
    values = table.values
    for column in ("real_run_id", "actor_id"):
        for row, text in enumerate(values[column]):
            if not L.ID_PATTERN.match(text):
                raise table.fail(row, column, f"{text!r} is not an id ([A-Za-z0-9][A-Za-z0-9._-]*, up to 128)")
    for row, kind in enumerate(values["kind"]):
        if kind not in TRACK_KINDS:
            raise table.fail(row, "kind", f"unknown kind {kind!r} (kinds: {', '.join(TRACK_KINDS)})")
    for column in ("t_s", "length_m", "width_m", "x_m", "y_m", "yaw_rad"):
        _first(table, column, ~np.isfinite(values[column]), "must be finite")
    for column in ("x_m", "y_m"):
        _first(table, column, np.abs(values[column]) > L.MAX_ABS_POSITION_M,
               f"beyond {L.MAX_ABS_POSITION_M / 1000:g} km of the origin: positions are in a local frame in metres "
               "(subtract an origin from UTM or geographic coordinates)")
    _first(table, "yaw_rad", np.abs(values["yaw_rad"]) > L.MAX_ABS_YAW_RAD,
           "beyond +-2 pi: yaw is in radians (counter-clockwise from +x), not degrees")
    kinds = np.asarray(values["kind"])
    for column, index in (("length_m", 0), ("width_m", 1)):
        low = np.array([L.FOOTPRINT_M[k][index][0] for k in kinds]) if len(kinds) else np.zeros(0)
        high = np.array([L.FOOTPRINT_M[k][index][1] for k in kinds]) if len(kinds) else np.zeros(0)
        bad = (values[column] < low) | (values[column] > high)
        if bad.any():
            row = int(np.argmax(bad))
            lo, hi = L.FOOTPRINT_M[kinds[row]][index]
            raise table.fail(row, column, f"{values[column][row]:g} m is outside [{lo:g}, {hi:g}] m for a "
                                          f"{kinds[row]} (metres, not cm or mm)")
    if table.has("v_mps"):
        v = values["v_mps"]
        known = ~table.nulls["v_mps"]
        _first(table, "v_mps", known & ~np.isfinite(v), "must be finite")
        _first(table, "v_mps", known & (v < 0.0), "a speed is >= 0 (the track's direction is its yaw)")


def _first(table: Columns, column: str, bad: np.ndarray, reason: str) -> None:
    if bad.any():
        row = int(np.argmax(bad))
        raise table.fail(row, column, f"{float(table.values[column][row]):g}: {reason}")


def _track(table: Columns, rows: np.ndarray) -> Track:
    """One actor's rows (in file order), checked as a time series."""
    v = table.values
    first = int(rows[0])
    kind, actor = v["kind"][first], v["actor_id"][first]
    for column in ("kind", "length_m", "width_m"):
        column_values = [v[column][r] for r in rows]
        changed = next((i for i, x in enumerate(column_values) if x != column_values[0]), None)
        if changed is not None:
            raise table.fail(int(rows[changed]), column, f"actor {actor!r} changes its {column} "
                                                         f"({column_values[0]!r} -> {column_values[changed]!r})")
    t, x, y, yaw = (v[c][rows] for c in ("t_s", "x_m", "y_m", "yaw_rad"))
    speed = _series(table, rows, kind, actor, t, x, y, yaw)
    logged = _logged_speed(table, rows, kind, actor, speed)
    return Track(actor_id=actor, kind=kind, length_m=float(v["length_m"][first]), width_m=float(v["width_m"][first]),
                 t_s=t, x_m=x, y_m=y, yaw_rad=yaw, v_mps=logged)


def _series(table: Columns, rows: np.ndarray, kind: str, actor: str, t: np.ndarray, x: np.ndarray, y: np.ndarray,
            yaw: np.ndarray) -> np.ndarray:
    """Time order, gaps, span, teleports, turn rate and heading; the speed of each step from positions [m/s]."""
    if kind != "static" and len(rows) < 2:
        raise table.fail(int(rows[0]), "t_s", f"actor {actor!r} ({kind}) has one sample; a moving actor needs two")
    dt = np.diff(t)
    _step(table, rows, dt <= 0.0, "t_s", lambda i: f"time does not increase for actor {actor!r} "
                                                   f"({t[i + 1]:g} s after {t[i]:g} s)")
    _step(table, rows, dt > L.MAX_GAP_S, "t_s", lambda i: f"actor {actor!r} has a gap of {dt[i]:g} s "
                                                          f"(limit {L.MAX_GAP_S:g} s; is time in seconds?)")
    if t[-1] - t[0] > L.MAX_SPAN_S:
        raise table.fail(int(rows[-1]), "t_s", f"actor {actor!r} spans {t[-1] - t[0]:g} s, over {L.MAX_SPAN_S:g} s")
    dist = np.hypot(np.diff(x), np.diff(y))
    speed = dist / dt if len(dt) else np.zeros(0)
    if kind == "static":
        drift = np.hypot(x - x[0], y - y[0])
        _step(table, rows, drift[1:] > L.STATIC_DRIFT_M, "x_m",
              lambda i: f"static actor {actor!r} moved {drift[i + 1]:.3g} m (limit {L.STATIC_DRIFT_M:g} m)")
        return speed
    limit = L.MAX_SPEED_MPS[kind]
    _step(table, rows, speed > limit, "x_m", lambda i: f"actor {actor!r} jumps {dist[i]:.3g} m in {dt[i]:g} s "
                                                       f"({speed[i]:.3g} m/s; {_article(kind)} {kind} moves at most "
                                                       f"{limit:g} m/s)")
    turn = np.abs(np.angle(np.exp(1j * np.diff(yaw)))) / dt
    rate = L.MAX_YAW_RATE_RADPS[kind]
    if rate is not None:
        _step(table, rows, turn > rate, "yaw_rad", lambda i: f"actor {actor!r} turns {turn[i]:.3g} rad/s "
                                                             f"(limit {rate:g} rad/s for a {kind}; degrees?)")
    if kind in L.HEADING_KINDS:
        motion = np.arctan2(np.diff(y), np.diff(x))
        off = np.abs(np.angle(np.exp(1j * (yaw[:-1] - motion))))
        bad = (speed > L.HEADING_CHECK_SPEED_MPS) & (off > math.pi / 2)
        if bad.any():
            i = int(np.argmax(bad))
            raise table.fail(int(rows[i]), "yaw_rad", f"actor {actor!r} moves at {math.degrees(motion[i]):.0f} "
                                                      f"deg but its yaw is {math.degrees(yaw[i]):.0f} deg "
                                                      "(yaw counter-clockwise from +x, in radians)")
    return speed


def _logged_speed(table: Columns, rows: np.ndarray, kind: str, actor: str, speed: np.ndarray) -> np.ndarray | None:
    """The actor's ``v_mps`` when logged (all or none of its samples), checked against the positions."""
    if not table.has("v_mps"):
        return None
    nulls = table.nulls["v_mps"][rows]
    if nulls.all():
        return None
    if nulls.any():
        raise table.fail(int(rows[int(np.argmax(nulls))]), "v_mps",
                         f"actor {actor!r} has v_mps on some samples only: give it on all or none")
    v = table.values["v_mps"][rows]
    limit = L.MAX_SPEED_MPS[kind]
    _step(table, rows, v[1:] > limit, "v_mps", lambda i: f"{v[i + 1]:g} m/s is over the {limit:g} m/s a {kind} "
                                                         "can move (km/h?)")
    mean = 0.5 * (v[:-1] + v[1:])
    bad = np.abs(mean - speed) > L.SPEED_ABS_TOL_MPS + L.SPEED_REL_TOL * speed
    _step(table, rows, bad, "v_mps", lambda i: f"actor {actor!r} logs {mean[i]:.3g} m/s but moves "
                                               f"{speed[i]:.3g} m/s between samples (m/s, not km/h or mph?)")
    return v


def _step(table: Columns, rows: np.ndarray, bad: np.ndarray, column: str, reason: object) -> None:
    """Raise at the later sample of the first bad step (``reason(i)`` for step i -> i+1)."""
    if bad.any():
        i = int(np.argmax(bad))
        raise table.fail(int(rows[i + 1]), column, reason(i))  # type: ignore[operator]


def _article(kind: str) -> str:
    return "an" if kind[0] in "aeiou" else "a"
