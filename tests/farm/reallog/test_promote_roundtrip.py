"""A logged run promoted, swept and replayed: promote -> validate -> sweep (sequential) -> ``simfarm replay``.

The log is the shipped example with one metadata field changed, so its content hash is
not a packaged input: the worker must fetch ``inputs/<hash>`` from the sweep's store.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from farm.driver.submit import submit
from farm.errors import InputError
from farm.jsonout import loads_strict
from farm.store import open_store
from scenario_library.log_content import packaged_input

EXAMPLE = Path(__file__).resolve().parents[3] / "docs" / "examples" / "lead_braking_log"


def test_a_promoted_log_runs_in_the_next_sweep_and_replays_bit_identically(tmp_path: Path) -> None:
    log = tmp_path / "log"
    shutil.copytree(EXAMPLE, log)
    runs = log / "runs.csv"
    runs.write_text(runs.read_text().replace('"simfarm rollout', '"field copy of simfarm rollout'))
    store = tmp_path / "store"
    sweep = tmp_path / "promoted.yaml"
    sweep.write_text(f"name: promoted\nseed: 1\nstore: {store}\nfamilies:\n  - name: \"null\"\n    sampler: nominal\n")
    out = CliRunner().invoke(app, ["promote", str(log), "--real-run-id", "lead_braking_nominal", "--name",
                                   "field-copy", "--into", str(sweep), "--rule", "lead_vehicle_braking", "--actor",
                                   "lead", "--json"])
    assert out.exit_code == 0, out.output
    done = loads_strict(out.stdout)
    assert done["added"] and done["uploaded"] and done["store"] == str(store) and done["notice"] == ""
    assert packaged_input(done["content_hash"]) is None  # so the workers fetch it from the store

    report = submit(sweep, executor="sequential")
    assert report.by_family["log_replay"] == {"passed": 3}  # the promoted entry: seeds 1, 2, 3
    table = open_store(str(store)).read_table(report.sweep_id, "runs", columns=[
        "run_id", "family", "params", "preventable", "preventable_rule", "ref_perception_t_s",
        "min_distance_interest_m"])
    rows = table.to_pylist()
    replayed = [r for r in rows if r["family"] == "log_replay"]
    assert all(done["content_hash"] in r["params"] for r in replayed)
    # the promoted rule judged the replay: the lead brakes at 3.0 s in the log, a careful driver stops behind it
    assert {(r["preventable"], r["preventable_rule"], r["ref_perception_t_s"]) for r in replayed} == {
        (True, "recorded@1:lead_vehicle_braking", 3.0)}
    assert all(r["min_distance_interest_m"] is not None for r in replayed)  # the named actor is of interest
    out = CliRunner().invoke(app, ["replay", replayed[0]["run_id"], "--store", str(store), "--no-plot", "--json"])
    assert out.exit_code == 0, out.output
    assert loads_strict(out.stdout)["match"] is True


def test_a_hand_written_sample_naming_an_actor_the_log_lacks_is_refused_at_submit(tmp_path: Path) -> None:
    digest = "e845589506d143044dcbdb7d3b3f62be"  # the packaged nominal log: actors ego and lead
    sweep = tmp_path / "s.yaml"
    sweep.write_text(f"name: s\nseed: 1\nstore: {tmp_path / 'store'}\nfamilies:\n  - name: log_replay\n"
                     f"    sampler: frozen\n    samples:\n      - {{log: {digest}, rule: cut_in, actor: truck}}\n")
    out = CliRunner().invoke(app, ["submit", str(sweep)])  # refused before Ray starts
    assert out.exit_code == 2, out.output
    assert "no actor 'truck' in the log (its actors: lead)" in out.output and "Traceback" not in out.output
    assert not list((tmp_path / "store").glob("sweeps/*"))  # nothing was created


def test_a_sweep_whose_store_lacks_a_promoted_input_is_refused_before_it_runs(tmp_path: Path) -> None:
    sweep = tmp_path / "s.yaml"
    sweep.write_text(f"name: s\nseed: 1\nstore: {tmp_path / 'empty'}\nfamilies:\n  - name: log_replay\n"
                     "    sampler: frozen\n    samples:\n      - {log: 0123456789abcdef0123456789abcdef}\n")
    with pytest.raises(InputError, match="input 0123456789abcdef0123456789abcdef is not in the store") as caught:
        submit(sweep, executor="sequential")
    assert caught.value.field == "inputs"
    assert not list((tmp_path / "empty").glob("sweeps/*"))  # no sweep was created
