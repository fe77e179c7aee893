"""A small synthetic real-run log written as CSV or Parquet: the fixture every reallog test edits.

Two real runs on one straight road: ``r1`` (an ego at 10 m/s following a lead at
8 m/s, 3 s at 10 Hz, with lanes) and ``r2`` (runs-table only: no trajectories).
Values are chosen so that the CSV text and the Parquet floats are the same numbers.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

Rows = list[dict[str, Any]]


def runs_rows() -> Rows:
    return [
        {"real_run_id": "r1", "family": "lead_vehicle_braking", "p_ego_speed_mps": 10.0, "p_gap_m": 20.0,
         "seed": 1, "collision": False, "min_ttc_s": 9.5, "min_distance_m": 14.25, "max_decel_mps2": 1.5,
         "meta_source": "test track", "passed": True},
        {"real_run_id": "r2", "family": "lead_vehicle_braking", "p_ego_speed_mps": 40.0, "p_gap_m": 35.0,
         "seed": None, "collision": True, "min_ttc_s": float("inf"), "min_distance_m": 0.0, "max_decel_mps2": 9.0,
         "meta_source": "fleet", "passed": None},
    ]


def track_rows(n: int = 31, dt_s: float = 0.1) -> Rows:
    rows: Rows = []
    for i in range(n):
        t = round(i * dt_s, 10)
        rows.append({"real_run_id": "r1", "t_s": t, "actor_id": "ego", "kind": "ego", "length_m": 4.6,
                     "width_m": 1.9, "x_m": 5.0 + 10.0 * t, "y_m": 0.0, "yaw_rad": 0.0, "v_mps": 10.0})
        rows.append({"real_run_id": "r1", "t_s": t, "actor_id": "lead", "kind": "vehicle", "length_m": 4.5,
                     "width_m": 1.8, "x_m": 30.0 + 8.0 * t, "y_m": 0.25, "yaw_rad": 0.0, "v_mps": 8.0})
    rows.append({"real_run_id": "r1", "t_s": 0.0, "actor_id": "cone", "kind": "static", "length_m": 0.4,
                 "width_m": 0.4, "x_m": 60.0, "y_m": 3.0, "yaw_rad": 0.0, "v_mps": 0.0})
    return rows


def lane_rows() -> Rows:
    return [{"real_run_id": "r1", "lane_id": "main", "seq": seq, "x_m": x, "y_m": 0.0, "width_m": 3.5,
             "speed_limit_mps": 15.0} for seq, x in enumerate((0.0, 50.0, 100.0, 150.0))]


def write_table(path: Path, rows: Rows) -> Path:
    """Write rows as CSV (``repr`` floats, empty cells for None) or Parquet, by the suffix."""
    names = list(dict.fromkeys(k for row in rows for k in row))
    if path.suffix == ".csv":
        with path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(names)
            for row in rows:
                writer.writerow(["" if row.get(k) is None else _text(row[k]) for k in names])
    else:
        pq.write_table(pa.Table.from_pylist([{k: row.get(k) for k in names} for row in rows]), path)
    return path


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, float) else str(value)


def write_log(folder: Path, fmt: str = "csv", *, runs: Rows | None = None, tracks: Rows | None = None,
              lanes: Rows | None = None) -> Path:
    """The fixture log (or edited tables) in ``folder`` as ``runs.<fmt>``, ``trajectories.<fmt>``, ``lanes.<fmt>``."""
    folder.mkdir(parents=True, exist_ok=True)
    write_table(folder / f"runs.{fmt}", runs_rows() if runs is None else runs)
    write_table(folder / f"trajectories.{fmt}", track_rows() if tracks is None else tracks)
    if lanes is None or lanes:
        write_table(folder / f"lanes.{fmt}", lane_rows() if lanes is None else lanes)
    return folder
