"""Every defect of the log format is refused through the CLI: exit 2, one line naming file, row, column."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from tests.farm.reallog.logdata import Rows, lane_rows, runs_rows, track_rows, write_log

Edit = Callable[[Rows], Rows]


def _set(index: int, **values: object) -> Edit:
    def edit(rows: Rows) -> Rows:
        rows[index] = {**rows[index], **values}
        return rows
    return edit


def _ego(i: int) -> int:
    return 2 * i  # track_rows interleaves ego and lead samples


# (table, edit, file, the field the line names, words the reason must hold)
DEFECTS: dict[str, tuple[str, Edit, str, str, str]] = {
    "time goes back": ("tracks", _set(_ego(5), t_s=0.35), "trajectories.csv", "row 11, t_s", "time does not increase"),
    "time repeats": ("tracks", _set(_ego(5), t_s=0.4), "trajectories.csv", "row 11, t_s", "time does not increase"),
    "gap over the limit": ("tracks", lambda r: [x for x in r if not (x["actor_id"] == "lead" and 0.3 < x["t_s"] < 1.0)],
                           "trajectories.csv", "row 16, t_s", "gap of 0.7 s"),
    "teleport": ("tracks", _set(_ego(10), x_m=80.0), "trajectories.csv", "row 21, x_m", "jumps"),
    "unknown kind": ("tracks", _set(1, kind="truck"), "trajectories.csv", "row 2, kind", "unknown kind 'truck'"),
    "NaN position": ("tracks", _set(4, y_m=math.nan), "trajectories.csv", "row 5, y_m", "NaN is not a value"),
    "yaw in degrees": ("tracks", lambda r: [{**x, "yaw_rad": 90.0} if x["actor_id"] == "lead" else x for x in r],
                       "trajectories.csv", "row 2, yaw_rad", "not degrees"),
    "speed in km/h": ("tracks", lambda r: [{**x, "v_mps": 36.0} if x["actor_id"] == "ego" else x for x in r],
                      "trajectories.csv", "row 3, v_mps", "km/h"),
    "UTM positions": ("tracks", lambda r: [{**x, "y_m": x["y_m"] + 5.4e6} for x in r], "trajectories.csv",
                      "row 1, y_m", "local frame"),
    "length in millimetres": ("tracks", lambda r: [{**x, "length_m": 4600.0} if x["actor_id"] == "ego" else x
                                                   for x in r], "trajectories.csv", "row 1, length_m", "not cm or mm"),
    "static actor moves": ("tracks", lambda r: [*r, {**r[-1], "t_s": 0.5, "x_m": 65.0}], "trajectories.csv",
                           "row 64, x_m", "static actor 'cone' moved"),
    "two egos": ("tracks", lambda r: [{**x, "kind": "ego"} if x["actor_id"] == "lead" else x for x in r],
                 "trajectories.csv", "kind", "exactly one actor of kind 'ego'"),
    "unknown column": ("tracks", lambda r: [{**x, "speed": 1.0} for x in r], "trajectories.csv", "speed",
                       "unknown column"),
    "text for a number": ("tracks", _set(3, x_m="12,5"), "trajectories.csv", "row 4, x_m", "is not a number"),
    "run not in the runs table": ("tracks", lambda r: [*r, *({**x, "real_run_id": "r9"} for x in r)],
                                  "trajectories.csv", "real_run_id",
                                  "'r9' is not in the runs table"),
    "completion as a percentage": ("runs", _set(0, route_completion=95.0), "runs.csv", "row 1, route_completion",
                                   "not plausible"),
    "NaN outcome": ("runs", _set(1, min_ttc_s=math.nan), "runs.csv", "row 2, min_ttc_s", "NaN is not a value"),
    "real run twice": ("runs", lambda r: [r[0], {**r[1], "real_run_id": "r1"}], "runs.csv", "row 2, real_run_id",
                       "listed twice"),
    "unknown parameter": ("runs", _set(0, p_speed=3.0), "runs.csv", "row 1, p_speed", "has no parameter 'speed'"),
    "unknown family": ("runs", _set(0, family="highway"), "runs.csv", "row 1, family", "unknown family 'highway'"),
    "lane point twice": ("lanes", _set(2, seq=1), "lanes.csv", "row 3, seq", "seq 1 twice"),
    "lane speed limit in km/h": ("lanes", lambda r: [{**x, "speed_limit_mps": 50.0 * 3.6} for x in r], "lanes.csv",
                                 "row 1, speed_limit_mps", "km/h"),
}


def _log(tmp_path: Path, table: str, edit: Edit) -> Path:
    tables = {"runs": runs_rows(), "tracks": track_rows(), "lanes": lane_rows()}
    tables[table] = edit(tables[table])
    return write_log(tmp_path / "log", runs=tables["runs"], tracks=tables["tracks"], lanes=tables["lanes"])


@pytest.mark.parametrize("defect", list(DEFECTS))
def test_each_defect_is_one_line_naming_file_row_and_column_exit_2(defect: str, tmp_path: Path) -> None:
    table, edit, file, field, words = DEFECTS[defect]
    folder = _log(tmp_path, table, edit)
    out = CliRunner().invoke(app, ["log", "check", str(folder)])
    assert out.exit_code == 2, out.output
    assert out.stdout == ""
    [line] = out.stderr.strip().splitlines()
    assert "Traceback" not in out.stderr
    assert line.startswith(f"error: {folder / file}: {field}: "), line
    assert words in line, line
