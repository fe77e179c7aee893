"""``simfarm trends``: the nightly alert over synthetic nightly series written through the store API.

Series come from ``benchmarks.synthetic_nightly`` (frozen set: 4 samples × 3 seeds per family,
Sobol set: 40 samples per family, two families). Every expected value below is planted.
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from benchmarks.synthetic_nightly import NightPlan, dates, write_series
from farm.errors import InputError
from farm.reports.trends import night_labels, trends_body, trends_report
from farm.reports.trends_data import accept_reference
from farm.reports.trends_table import TREND_SCHEMA, read_trend_table
from farm.store import layout, open_store
from farm.store.base import Store

START = dt.date(2026, 3, 1)
STEP_NIGHT = 3  # the regression lands on the 4th night (2026-03-04)


def regression_plans(n: int = 6, *, partial: int | None = None) -> list[NightPlan]:
    """Frozen sample 2 of cut_in fails (all 3 seeds) from STEP_NIGHT on; optionally one partial night."""
    return [NightPlan(date=d, frozen_failing={"cut_in": frozenset({2})} if i >= STEP_NIGHT else {},
                      state="partial" if i == partial else "complete", keep=0.5 if i == partial else 1.0)
            for i, d in enumerate(dates(START, n))]


@pytest.fixture(scope="module")
def regression_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("regression") / "store"
    write_series(open_store(str(root)), regression_plans(6, partial=4))
    return root


def _copy(root: Path, tmp_path: Path) -> Store:
    shutil.copytree(root, tmp_path / "store")
    return open_store(str(tmp_path / "store"))


def _rows(body: dict[str, Any], family: str) -> list[dict[str, Any]]:
    return [r for r in body["rows"] if r["family"] == family]


def test_a_step_regression_is_flagged_on_the_night_it_lands_and_on_every_later_night(regression_store: Path) -> None:
    body = trends_body(open_store(str(regression_store)))[1]
    cut_in = _rows(body, "cut_in")
    assert [r["frozen_newly_failing"] for r in cut_in] == [0, 0, 0, 3, 3, 3]
    assert [r["frozen_new_tonight"] for r in cut_in] == [0, 0, 0, 3, 0, 0]
    assert [r["flag_frozen"] for r in cut_in] == [False, False, False, True, True, True]
    assert all(not r["flags"] for r in _rows(body, "pedestrian_crossing"))
    assert body["alert"] is True and body["exit_code"] == 4
    flagged = body["latest"]["flagged"]
    assert len(flagged) == 3 and {f["since_date"] for f in flagged} == {"2026-03-04"}
    assert {f["params"] for f in flagged} == {'{"gap_m": 12.0, "sample": 2}'}
    assert all(f["replay"].startswith(f"simfarm replay {f['run_id']} --sweep {f['last_seen_sweep_id']}")
               for f in flagged)
    assert body["reference"]["source"] == "first_complete" and body["reference"]["date"] == "2026-03-01"


def test_a_partial_night_is_labelled_and_a_flag_it_did_not_rerun_is_carried(regression_store: Path) -> None:
    store = open_store(str(regression_store))
    body = trends_body(store)[1]
    partial = [n for n in body["nights"] if n["state"] == "partial"]
    assert [n["date"] for n in partial] == ["2026-03-05"]
    assert any("2026-03-05" in label and "PARTIAL" in label for label in night_labels(body))
    night = next(r for r in _rows(body, "cut_in") if r["date"] == "2026-03-05")
    assert night["state"] == "partial" and night["frozen_missing"] > 0
    assert night["frozen_newly_failing"] == 3  # not rerun is not recovered
    stored = store.read_table(night["sweep_id"], columns=["family", "params"]).to_pylist()
    rerun = sum(r["family"] == "cut_in" and '"sample": 2' in r["params"] for r in stored)
    assert rerun < 3 and night["frozen_carried"] == 3 - rerun
    assert len(body["nights"]) == 6  # never skipped


def test_a_stable_series_stays_quiet(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "store"))
    write_series(store, [NightPlan(date=d, seed=1, sobol_samples=24) for d in dates(START, 5)])
    body = trends_body(store, window_n=3)[1]
    assert body["alert"] is False and body["exit_code"] == 0
    assert all(not r["flags"] for r in body["rows"]) and body["latest"]["flagged"] == []
    assert body["resets"] == []


def test_a_sobol_pass_rate_drop_is_flagged_when_the_recent_window_lies_below(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "store"))
    plans = [NightPlan(date=d, sobol_pass_p={"pedestrian_crossing": 0.97 if i < 2 else 0.55}, sobol_samples=40)
             for i, d in enumerate(dates(START, 4))]
    write_series(store, plans)
    body = trends_body(store, window_n=2)[1]
    rows = _rows(body, "pedestrian_crossing")
    assert rows[-1]["flag_pass_rate"] and rows[-1]["window_high"] < rows[-1]["reference_window_low"]
    assert not any(r["flag_pass_rate"] for r in _rows(body, "cut_in"))
    assert body["alert"] is True and [f["family"] for f in body["latest"]["rate_flags"]] == ["pedestrian_crossing"]


def test_a_family_version_bump_resets_that_familys_reference(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "store"))
    plans = [NightPlan(date=d, families={"cut_in": 2 if i < 2 else 3, "pedestrian_crossing": 2}, sobol_samples=10,
                       frozen_failing={"cut_in": frozenset({1})} if i == 3 else {})
             for i, d in enumerate(dates(START, 4))]
    manifests = write_series(store, plans)
    body = trends_body(store)[1]
    [reset] = body["resets"]
    assert (reset["family"], reset["version"], reset["reference_sweep_id"]) == ("cut_in", 3, manifests[2].sweep_id)
    cut_in = _rows(body, "cut_in")
    assert cut_in[2]["role"] == "reference" and cut_in[2]["reference_reset"] is True
    assert [r["frozen_newly_failing"] for r in cut_in] == [0, 0, 0, 3]  # new keys: compared with night 3
    assert all(not r["reference_reset"] for r in _rows(body, "pedestrian_crossing"))


def test_accepting_a_night_moves_the_reference_and_clears_the_flag(regression_store: Path, tmp_path: Path) -> None:
    store = _copy(regression_store, tmp_path)
    last = trends_body(store)[1]["nights"][-1]["sweep_id"]
    accepted = accept_reference(store, last)
    body = trends_body(store)[1]
    assert body["reference"]["source"] == "accepted" and body["reference"]["sweep_id"] == last
    assert body["alert"] is False and body["latest"]["flagged"] == []
    assert store.get_bytes(layout.trends_reference_key("nightly")).startswith(b"{")
    assert accepted.previous is None
    partial = next(n["sweep_id"] for n in body["nights"] if n["state"] == "partial")
    with pytest.raises(InputError, match="partial"):
        accept_reference(store, partial)


def _gate(tmp_path: Path, expires: str, subject: str) -> Path:
    path = tmp_path / "gate.yaml"
    path.write_text("version: 1\nname: waivers\nmargins: {critical: 0.05, standard: 0.1}\nwaivers:\n"
                    f"  - {subject}\n    reason: known cut-in flake\n    ticket: SIM-9\n    expires: {expires}\n")
    return path


def test_a_waiver_silences_a_run_until_it_expires(regression_store: Path, tmp_path: Path) -> None:
    store = open_store(str(regression_store))
    flagged = trends_body(store)[1]["latest"]["flagged"]
    key = flagged[0]["scenario_key"]
    one = _gate(tmp_path, "2026-04-01", f"scenario_key: {key}\n    fidelity: kinematic")
    body = trends_body(store, gate=str(one), write_table=False)[1]
    assert len(body["latest"]["flagged"]) == 2 and [w["scenario_key"] for w in body["latest"]["waived"]] == [key]
    family = _gate(tmp_path, "2026-04-01", "family: cut_in")
    quiet = trends_body(store, gate=str(family), write_table=False)[1]
    assert quiet["alert"] is False and len(quiet["latest"]["waived"]) == 3
    expired = _gate(tmp_path, "2026-03-05", "family: cut_in")  # applies on 03-04, not on 03-05 or 03-06
    late = trends_body(store, gate=str(expired), write_table=False)[1]
    assert late["alert"] is True and len(late["latest"]["flagged"]) == 3
    assert [r["frozen_waived"] for r in _rows(late, "cut_in")] == [0, 0, 0, 3, 0, 0]
    assert late["waivers"][0]["active_on_latest"] is False


def test_the_trend_table_round_trips_through_the_store(regression_store: Path, tmp_path: Path) -> None:
    store = _copy(regression_store, tmp_path)
    body = trends_body(store)[1]
    table = read_trend_table(store, "nightly")
    raw = pq.read_table(io.BytesIO(store.get_bytes("trends/nightly/families.parquet")))
    assert table.schema.equals(TREND_SCHEMA, check_metadata=False) and raw.num_rows == table.num_rows
    assert table.num_rows == len(body["rows"]) == 6 * 2
    got = table.to_pylist()
    assert [r["frozen_newly_failing"] for r in got if r["family"] == "cut_in"] == [0, 0, 0, 3, 3, 3]
    assert {r["state"] for r in got if r["date"] == dt.date(2026, 3, 5)} == {"partial"}
    first = got[0]
    assert first["n_passed"] + first["n_failed"] == first["runs"] and first["sobol_low"] < first["sobol_pass_rate"]
    assert body["trend_table"] == {"key": "trends/nightly/families.parquet", "written": True, "rows": 12,
                                   "reason": None}


def test_family_filter_and_bad_input(regression_store: Path) -> None:
    store = open_store(str(regression_store))
    body = trends_body(store, families=["pedestrian_crossing"])[1]
    assert body["families"] == ["pedestrian_crossing"] and body["alert"] is False
    assert body["trend_table"]["written"] is False
    with pytest.raises(InputError, match="no sweep named 'weekly'"):
        trends_report(store, sweep_name="weekly")
    with pytest.raises(InputError, match="no night"):
        trends_report(store, families=["merge"])
    with pytest.raises(InputError, match="window"):
        trends_report(store, window_n=0)
