"""Key validation, sweep ids and the ``--where`` filter language."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pyarrow as pa
import pytest

from farm.errors import InputError
from farm.schema import RUNS_SCHEMA
from farm.store import new_sweep_id, validate_key_part, validate_relative_key
from farm.store.query import parse_where


@pytest.mark.parametrize("value", ["smoke-20261122T031500Z-1a2b3c", "cut_in", "lead_vehicle_braking", "null", "v1.2"])
def test_ordinary_names_are_valid_key_parts(value):
    assert validate_key_part(value, "sweep id") == value


@pytest.mark.parametrize("value", ["", ".", "..", "../x", "a/b", "a\\b", "/abs", "C:", "-flag", ".hidden", "a..b",
                                   "with space", "tab\t", "nul\x00", "é", "x" * 129])
def test_unsafe_key_parts_are_refused_naming_what_they_were(value):
    with pytest.raises(InputError, match=r"^family: "):
        validate_key_part(value, "family")


def test_relative_keys_are_checked_segment_by_segment():
    assert validate_relative_key("sweeps/a-1/logs/driver.log") == "sweeps/a-1/logs/driver.log"
    for bad in ("sweeps/../x", "/abs/x", "a//b", "a/", "a/./b"):
        with pytest.raises(InputError):
            validate_relative_key(bad)


def test_a_sweep_id_is_name_utc_timestamp_and_a_short_hash():
    moment = datetime(2026, 11, 22, 3, 15, 0, tzinfo=UTC)
    sweep_id = new_sweep_id("smoke", moment)
    assert re.fullmatch(r"smoke-20261122T031500Z-[0-9a-f]{6}", sweep_id)
    assert new_sweep_id("smoke", moment) != sweep_id  # a new sweep every submit, even in the same second
    assert validate_key_part(sweep_id, "sweep id") == sweep_id
    with pytest.raises(InputError, match="sweep name"):
        new_sweep_id("../escape", moment)


RUNS = pa.table({
    "run_id": ["a", "b", "c", "d"],
    "family": ["cut_in", "lead_vehicle_braking", "null", "cut_in"],
    "status": ["failed", "passed", "failed", "sim_error"],
    "min_ttc_s": [0.5, 3.0, float("inf"), None],
    "collision": [True, False, False, None],
    "safety_triggers": pa.array([3, 0, 1, 2], pa.int32()),
    "error": [None, None, None, "Traceback"],
})


def _ids(where: str) -> list[str]:
    return RUNS.filter(parse_where(where, RUNS_SCHEMA))["run_id"].to_pylist()


@pytest.mark.parametrize(("where", "expected"), [
    ('status == "failed" and min_ttc_s < 1.0 or family in ("cut_in", "lead_vehicle_braking")', ["a", "b", "d"]),
    ("not collision", ["b", "c"]),
    ("collision", ["a"]),
    ("safety_triggers >= 2 AND NOT (status = 'failed')", ["d"]),
    ("safety_triggers > 0.5", ["a", "c", "d"]),
    ("1.0 > min_ttc_s", ["a"]),
    ("error is not null", ["d"]),
    ("min_ttc_s is null", ["d"]),
    ('status not in ("failed", "passed")', ["d"]),
    ("min_ttc_s > 1e3", ["c"]),
])
def test_the_filter_language_selects_the_expected_rows(where, expected):
    assert _ids(where) == expected


@pytest.mark.parametrize(("where", "message"), [
    ("statuz == 'failed'", r"unknown column 'statuz'; columns are run_id, scenario_key"),
    ("status == 1", r"column 'status' is string; 1 does not fit"),
    ("min_ttc_s == 'low'", r"column 'min_ttc_s' is double"),
    ("min_ttc_s <", r"expected a value"),
    ("status", r"expected a condition"),
    ("status == null", r"is null"),
    ('__import__("os").system("true")', r"unexpected character '\.'"),
    ('__import__("os")', r"unknown column '__import__'"),
    ("min_ttc_s < 1 ; drop", r"unexpected character ';'"),
    ("(collision", r"expected '\)'"),
    ("odd_tags == 'x'", r"odd_tags"),
])
def test_bad_filters_are_input_errors_naming_the_problem(where, message):
    with pytest.raises(InputError, match=message) as caught:
        parse_where(where, RUNS_SCHEMA)
    assert caught.value.exit_code == 2 and caught.value.source == "--where"
