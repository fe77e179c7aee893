"""Every key is built in ``farm.store.layout``; auxiliary objects never disturb a sweep's results.

Reports, trend tables, the trends reference night, content-addressed inputs, pairing
maps and the driver log live where ``sweeps list`` and compaction never look.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from cli.main import app
from farm.errors import InputError
from farm.identity import content_hash
from farm.result import Status
from farm.store import layout
from farm.store.local import LocalStore

SWEEP = "layout-20260102T030405Z-abc123"
OTHER = "layout-20260103T030405Z-def456"
INPUT_HASH = content_hash({"log": "incident 42"}, n_hex=32)


def test_the_keys_are_the_documented_ones() -> None:
    assert layout.manifest_key(SWEEP) == f"sweeps/{SWEEP}/manifest.json"
    assert layout.spec_key(SWEEP) == f"sweeps/{SWEEP}/spec.json"
    assert layout.part_object_key(SWEEP, "runs", "cut_in", "a" * 24 + "-" + "b" * 8) == (
        f"sweeps/{SWEEP}/runs/family=cut_in/part-{'a' * 24}-{'b' * 8}.parquet")
    assert layout.sweep_key(SWEEP, layout.compacted_relative_key("events", "null", "0badc0de", 3)) == (
        f"sweeps/{SWEEP}/compacted/events/family=null/0badc0de-00003.parquet")
    assert layout.driver_log_key(SWEEP) == f"sweeps/{SWEEP}/logs/driver.log"
    assert layout.report_prefix("summary-1", sweep_id=SWEEP) == f"sweeps/{SWEEP}/reports/summary-1/"
    assert layout.report_key("summary-1", "report.html", sweep_id=SWEEP) == (
        f"sweeps/{SWEEP}/reports/summary-1/report.html")
    assert layout.report_key("sim2real-1", "report.json") == "reports/sim2real-1/report.json"
    assert layout.trend_table_key("nightly") == "trends/nightly/families.parquet"
    assert layout.trends_reference_key("nightly") == "trends/nightly/reference.json"
    assert layout.input_key(INPUT_HASH) == f"inputs/{INPUT_HASH}"
    assert layout.pairing_key(SWEEP) == f"sweeps/{SWEEP}/pairing/pairs.parquet"


@pytest.mark.parametrize(("build", "field"), [
    (lambda: layout.report_prefix("../x"), "report id"),
    (lambda: layout.report_key("r", "a/b.html"), "report file"),
    (lambda: layout.trend_table_key("night/ly"), "sweep name"),
    (lambda: layout.input_key("NOT-A-HASH"), "input"),
    (lambda: layout.input_key("abc"), "input"),
    (lambda: layout.pairing_key("../../etc"), "sweep id"),
])
def test_a_key_part_that_could_escape_or_is_malformed_is_bad_input(build, field: str) -> None:
    with pytest.raises(InputError) as raised:
        build()
    assert raised.value.field == field


def _auxiliary_keys() -> list[str]:
    return [layout.driver_log_key(SWEEP), layout.report_key("summary-1", "report.json", sweep_id=SWEEP),
            layout.report_key("sim2real-1", "report.json"), layout.trend_table_key("nightly"),
            layout.trends_reference_key("nightly"), layout.input_key(INPUT_HASH), layout.pairing_key(SWEEP)]


def _fill(store, make_manifest, make_result) -> None:
    store.create_sweep(make_manifest(SWEEP, total=3), [make_result(i).spec for i in range(3)])
    store.write_results(SWEEP, [make_result(0), make_result(1, status=Status.FAILED)])
    store.write_results(SWEEP, [make_result(2, family="cut_in")])


def test_auxiliary_objects_leave_sweeps_list_and_compaction_unchanged(store, tmp_path, make_manifest, make_result):
    control = LocalStore(tmp_path / "control")
    _fill(control, make_manifest, make_result)
    _fill(store, make_manifest, make_result)
    for key in _auxiliary_keys():
        store.put_bytes(key, f"aux {key}".encode())
    # a sweep folder holding only a report (no manifest) is not a sweep
    store.put_bytes(f"sweeps/{OTHER}/reports/orphan/report.json", b"{}")

    assert [m.sweep_id for m in store.list_sweeps()] == [SWEEP]
    before = store.read_table(SWEEP)
    compacted, expected = store.compact(SWEEP), control.compact(SWEEP)
    assert compacted.counts == expected.counts == {"failed": 1, "passed": 2}
    assert {t: len(f) for t, f in compacted.compacted.items()} == {t: len(f) for t, f in expected.compacted.items()}
    assert store.read_table(SWEEP).to_pylist() == before.to_pylist() == control.read_table(SWEEP).to_pylist()
    for key in _auxiliary_keys():  # compaction deleted nothing it does not own
        assert store.get_bytes(key) == f"aux {key}".encode()
    assert [m.sweep_id for m in store.list_sweeps()] == [SWEEP]


def test_simfarm_sweeps_list_and_compact_ignore_a_report_and_an_input(tmp_path, make_manifest, make_result):
    root = tmp_path / "results"
    store = LocalStore(root)
    _fill(store, make_manifest, make_result)
    store.put_bytes(layout.report_key("summary-1", "report.html", sweep_id=SWEEP), b"<html></html>")
    store.put_bytes(layout.input_key(INPUT_HASH), b"log")
    runner = CliRunner()
    listed = runner.invoke(app, ["sweeps", "list", "--store", str(root), "--json"])
    assert listed.exit_code == 0, listed.output
    assert [m["sweep_id"] for m in json.loads(listed.stdout)] == [SWEEP]
    compacted = runner.invoke(app, ["compact", SWEEP, "--store", str(root), "--json"])
    assert compacted.exit_code == 0, compacted.output
    assert json.loads(compacted.stdout)["counts"] == {"failed": 1, "passed": 2}
    assert store.get_bytes(layout.input_key(INPUT_HASH)) == b"log"


def test_no_auxiliary_folder_is_a_name_the_store_manages() -> None:
    assert layout.SWEEP_MANAGED.isdisjoint(layout.AUXILIARY_FOLDERS)
