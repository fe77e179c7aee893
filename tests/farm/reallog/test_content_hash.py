"""Inputs by content: the hash is over the canonical content, never the file bytes."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from farm.errors import StoreError
from farm.reallog import read_log
from farm.reallog.inputs import fetch_input, upload_input
from farm.spec import RolloutSpec, StackRef
from farm.store import open_store
from farm.store.layout import input_key
from scenario_library.log_content import decode_log
from tests.farm.reallog.logdata import lane_rows, runs_rows, track_rows, write_log


def test_the_same_log_as_csv_and_as_parquet_has_one_content_hash(tmp_path: Path) -> None:
    as_csv = read_log(write_log(tmp_path / "csv", "csv")).content("r1")
    as_parquet = read_log(write_log(tmp_path / "parquet", "parquet")).content("r1")
    assert as_csv == as_parquet  # the hash and the stored bytes
    assert len(as_csv[0]) == 32


def test_row_order_does_not_change_the_hash_but_any_value_does(tmp_path: Path) -> None:
    reference = read_log(write_log(tmp_path / "a")).content("r1")[0]
    shuffled = track_rows()
    random.Random(3).shuffle(shuffled)  # interleaving changes; each actor's rows are re-sorted by time below
    shuffled.sort(key=lambda r: (r["actor_id"], r["t_s"]))
    lanes = list(reversed(lane_rows()))
    assert read_log(write_log(tmp_path / "b", tracks=shuffled, lanes=lanes)).content("r1")[0] == reference
    nudged = track_rows()
    nudged[7] = {**nudged[7], "x_m": nudged[7]["x_m"] + 1e-9}
    assert read_log(write_log(tmp_path / "c", tracks=nudged)).content("r1")[0] != reference
    renamed = [{**r, "meta_source": "another track"} for r in runs_rows()]
    assert read_log(write_log(tmp_path / "d", runs=renamed)).content("r1")[0] != reference  # metadata counts


def test_measured_outcomes_are_not_part_of_the_replayed_content(tmp_path: Path) -> None:
    reference = read_log(write_log(tmp_path / "a")).content("r1")[0]
    remeasured = [{**r, "min_ttc_s": 3.0} for r in runs_rows()]
    assert read_log(write_log(tmp_path / "b", runs=remeasured)).content("r1")[0] == reference


def test_the_scenario_key_changes_exactly_when_the_log_changes(tmp_path: Path) -> None:
    def key(digest: str) -> str:
        return RolloutSpec.create(family="log_replay", family_version=1, params={"log": digest}, seed=1,
                                  stack=StackRef()).scenario_key

    first = read_log(write_log(tmp_path / "a")).content("r1")[0]
    again = read_log(write_log(tmp_path / "b", "parquet")).content("r1")[0]
    nudged = track_rows()
    nudged[2] = {**nudged[2], "y_m": 0.01}
    other = read_log(write_log(tmp_path / "c", tracks=nudged)).content("r1")[0]
    assert key(first) == key(again) != key(other)


def test_an_input_is_stored_once_and_fetched_back_as_the_log_the_builder_gets(tmp_path: Path) -> None:
    log = read_log(write_log(tmp_path / "log"))
    digest, data = log.content("r1")
    store = open_store(str(tmp_path / "store"))
    assert upload_input(store, digest, data) is True
    assert upload_input(store, digest, data) is False  # the same content: one object, not rewritten
    assert store.get_bytes(input_key(digest)) == data
    fetched = fetch_input(store, digest)
    assert fetched.content_hash == digest and fetched.real_run_id == "r1"
    assert [t.actor_id for t in fetched.tracks] == ["cone", "ego", "lead"]
    assert fetched.ego.x_m.tolist() == log.recorded("r1").ego.x_m.tolist()
    assert fetched.lanes[0].speed_limit_mps == 15.0 and fetched.lanes[0].centreline[-1] == (150.0, 0.0)


def test_a_stored_input_that_is_not_its_content_is_refused(tmp_path: Path) -> None:
    digest, data = read_log(write_log(tmp_path / "log")).content("r1")
    store = open_store(str(tmp_path / "store"))
    store.put_bytes(input_key(digest), data.replace(b'"ego"', b'"eg0"', 1))
    with pytest.raises(StoreError, match="corrupt input: content hashes to"):
        fetch_input(store, digest)
    with pytest.raises(ValueError, match="content hashes to"):
        decode_log(data, "0" * 32)
