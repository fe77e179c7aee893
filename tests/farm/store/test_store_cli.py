"""``simfarm sweeps list``, ``simfarm results`` and ``simfarm compact`` on a folder and on S3."""

from __future__ import annotations

import csv
import io
import json

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from cli.main import app
from farm.result import Status
from farm.store.local import LocalStore
from farm.store.s3 import S3Store

SWEEP = "cli-20260102T030405Z-abc123"


def _populate(store, make_manifest, make_result) -> None:
    store.create_sweep(make_manifest(SWEEP, total=5), [make_result(i).spec for i in range(5)])
    store.write_results(SWEEP, [make_result(0), make_result(1, status=Status.FAILED), make_result(2)])
    store.write_results(SWEEP, [make_result(3, status=Status.INFRA_ERROR)])
    store.write_results(SWEEP, [make_result(3, attempt=2, status=Status.FAILED), make_result(4, family="cut_in")])


@pytest.fixture(params=["local", "s3"])
def store_uri(request, tmp_path, monkeypatch, make_manifest, make_result) -> str:
    """A populated store, addressed the way a user would: a folder path or s3://bucket/prefix."""
    if request.param == "local":
        uri = str(tmp_path / "results")
        _populate(LocalStore(uri), make_manifest, make_result)
        return uri
    endpoint = request.getfixturevalue("s3_server")
    bucket = request.getfixturevalue("s3_bucket")
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    _populate(S3Store(bucket, "cli", endpoint_url=endpoint), make_manifest, make_result)
    return f"s3://{bucket}/cli"


def run(*args: str):
    return CliRunner(env={"COLUMNS": "200"}).invoke(app, list(args), catch_exceptions=False)


def test_sweeps_list_shows_the_sweep_as_json_and_as_a_table(store_uri):
    listed = run("sweeps", "list", "--store", store_uri, "--json")
    assert listed.exit_code == 0, listed.output
    [sweep] = json.loads(listed.stdout)
    assert sweep["sweep_id"] == SWEEP and sweep["total"] == 5 and sweep["state"] == "running"
    table = run("sweeps", "list", "--store", store_uri)
    assert table.exit_code == 0 and SWEEP in table.stdout


def test_results_filters_after_deduplication_and_prints_json(store_uri):
    out = run("results", SWEEP, "--store", store_uri, "--where", 'status == "failed"', "--format", "json",
              "--columns", "run_id,status,attempt")
    assert out.exit_code == 0, out.output
    rows = json.loads(out.stdout)
    assert sorted((r["status"], r["attempt"]) for r in rows) == [("failed", 1), ("failed", 2)]
    assert set(rows[0]) == {"run_id", "status", "attempt"}


def test_results_status_option_and_csv_output(store_uri):
    out = run("results", SWEEP, "--store", store_uri, "--status", "passed", "--format", "csv",
              "--columns", "run_id", "--columns", "family,odd_tags")
    assert out.exit_code == 0, out.output
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert sorted(r["family"] for r in rows) == ["cut_in", "null", "null"]
    assert json.loads(rows[0]["odd_tags"]) == ["highway", "dry"]


def test_results_writes_parquet_to_a_file(store_uri, tmp_path):
    target = tmp_path / "out.parquet"
    out = run("results", SWEEP, "--store", store_uri, "--format", "parquet", "--output", str(target))
    assert out.exit_code == 0, out.output
    table = pq.read_table(target)
    assert table.num_rows == 5 and "min_ttc_s" in table.column_names


def test_results_table_shows_the_default_columns(store_uri):
    out = run("results", SWEEP, "--store", store_uri, "--table", "runs", "--limit", "2")
    assert out.exit_code == 0, out.output
    assert "min_ttc_s" in out.stdout and "showing 2 of 5 rows" in out.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["--where", "nope == 1"], "error: --where: unknown column 'nope'; columns are run_id"),
    (["--status", "exploded"], "error: --status: unknown status 'exploded'"),
    (["--format", "parquet"], "error: --output: --format parquet needs --output PATH"),
    (["--columns", "run_id,bogus"], "error: columns: unknown column 'bogus'"),
])
def test_bad_results_options_exit_2_with_one_line(store_uri, args, message):
    out = run("results", SWEEP, "--store", store_uri, *args)
    assert out.exit_code == 2
    assert out.stderr.startswith(message) and out.stderr.count("\n") == 1


def test_an_unknown_sweep_is_bad_input_in_one_error_line(store_uri):
    out = run("results", "nope-20260101T000000Z-000000", "--store", store_uri)
    assert out.exit_code == 2
    assert out.stderr.startswith("error: nope-20260101T000000Z-000000: no such sweep in ")
    assert out.stderr.count("\n") == 1


def test_compact_lists_the_files_and_the_same_rows_read_back(store_uri):
    before = json.loads(run("results", SWEEP, "--store", store_uri, "--format", "json").stdout)
    out = run("compact", SWEEP, "--store", store_uri, "--json")
    assert out.exit_code == 0, out.output
    manifest = json.loads(out.stdout)
    assert manifest["counts"] == {"failed": 2, "passed": 3}
    assert {len(files) for files in manifest["compacted"].values()} == {2}  # two family partitions
    after = json.loads(run("results", SWEEP, "--store", store_uri, "--format", "json").stdout)
    assert after == before
    text = run("compact", SWEEP, "--store", store_uri)
    assert text.stdout.startswith(f"compacted {SWEEP}: files: events 2, params 2, runs 2; runs: failed 2, passed 3")


def test_local_and_s3_stores_return_the_same_rows(tmp_path, monkeypatch, s3_server, s3_bucket, make_manifest,
                                                  make_result):
    local = str(tmp_path / "results")
    _populate(LocalStore(local), make_manifest, make_result)
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_server)
    _populate(S3Store(s3_bucket, "same", endpoint_url=s3_server), make_manifest, make_result)
    outputs = [run("results", SWEEP, "--store", uri, "--format", "json").stdout
               for uri in (local, f"s3://{s3_bucket}/same")]
    assert len(json.loads(outputs[0])) == 5
    assert outputs[0] == outputs[1]
