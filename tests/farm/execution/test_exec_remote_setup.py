"""What a remote run sends along (no cluster needed): auth header, job environment, entry point, errors."""

from __future__ import annotations

import json
import shlex
import uuid
from pathlib import Path

import boto3
import pytest
from typer.testing import CliRunner

from cli.main import app
from farm import __version__
from farm.errors import InputError
from farm.execution.remote import (
    PROJECT_ROOT,
    auth_headers,
    code_env,
    is_jobs_address,
    job_entrypoint,
    job_env,
    parse_env,
)
from farm.store import open_store
from tests.farm.execution.conftest import SWEEPS


def test_only_http_addresses_go_through_the_jobs_api() -> None:
    assert is_jobs_address("http://head:8265") and is_jobs_address("https://ray.example.org")
    assert not any(is_jobs_address(a) for a in (None, "auto", "ray://head:10001", "127.0.0.1:6379"))


def test_the_token_comes_from_the_variable_or_else_from_the_file(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("from-file\n")
    assert auth_headers({"RAY_AUTH_TOKEN_PATH": str(token_file)}) == {"Authorization": "Bearer from-file"}
    both = {"RAY_AUTH_TOKEN": "from-var", "RAY_AUTH_TOKEN_PATH": str(token_file)}
    assert auth_headers(both) == {"Authorization": "Bearer from-var"}
    assert auth_headers({}) == {}


def test_an_unreadable_or_empty_token_file_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="RAY_AUTH_TOKEN_PATH") as missing:
        auth_headers({"RAY_AUTH_TOKEN_PATH": str(tmp_path / "nope")})
    assert missing.value.exit_code == 2
    (tmp_path / "empty").write_text("  \n")
    with pytest.raises(InputError, match="empty"):
        auth_headers({"RAY_AUTH_TOKEN_PATH": str(tmp_path / "empty")})


def test_env_options_take_values_or_forward_this_shells_and_refuse_unknown_names() -> None:
    shell = {"AWS_ACCESS_KEY_ID": "AKIA-local"}
    assert parse_env(["AWS_ACCESS_KEY_ID", "MODE=a=b"], shell) == {"AWS_ACCESS_KEY_ID": "AKIA-local", "MODE": "a=b"}
    with pytest.raises(InputError, match="--env: AWS_SECRET_ACCESS_KEY: not set"):
        parse_env(["AWS_SECRET_ACCESS_KEY"], shell)
    with pytest.raises(InputError, match="not NAME or NAME=VALUE"):
        parse_env(["1BAD=x"], shell)


def test_the_job_gets_the_store_settings_and_the_code_path_but_never_unnamed_credentials() -> None:
    shell = {"AWS_ENDPOINT_URL": "http://127.0.0.1:9000", "AWS_DEFAULT_REGION": "eu-west-1",
             "AWS_ACCESS_KEY_ID": "AKIA-local", "AWS_SECRET_ACCESS_KEY": "secret", "HOME": "/root"}
    env = job_env({"EXTRA": "1"}, shell)
    assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:9000" and env["AWS_DEFAULT_REGION"] == "eu-west-1"
    assert env["EXTRA"] == "1" and not {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "HOME"} & set(env)
    assert env.get("PYTHONPATH") == code_env().get("PYTHONPATH")
    # this checkout is a source tree: the cluster's own PYTHONPATH is kept after it
    assert code_env() == {"PYTHONPATH": f"{PROJECT_ROOT}:${{PYTHONPATH}}"}


def test_the_entry_point_runs_the_stored_sweep_bound_to_this_version() -> None:
    argv = shlex.split(job_entrypoint("s-20260101T000000Z-abcdef", "s3://bucket/a b", force=True))
    assert argv[:4] == ["python", "-m", "farm.driver", "run"]
    assert argv[argv.index("--store") + 1] == "s3://bucket/a b"  # quoted for the shell
    assert argv[argv.index("--expect-version") + 1] == __version__
    assert argv[argv.index("--address") + 1] == "auto" and argv[-1] == "--force"


def test_an_unreachable_jobs_api_fails_in_one_line_and_marks_the_sweep_failed(s3_server: str,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    bucket = f"simfarm-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=s3_server).create_bucket(Bucket=bucket)
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_server)
    uri = f"s3://{bucket}/x"
    result = CliRunner().invoke(app, ["submit", str(SWEEPS / "null_grid.yaml"), "--store", uri,
                                      "--address", "http://127.0.0.1:9", "--json"])
    assert result.exit_code == 5 and result.stderr.count("error:") == 1
    assert "cannot reach the Ray Jobs API" in result.stderr and "http://127.0.0.1:9" in result.stderr
    [manifest] = open_store(uri).list_sweeps()
    assert manifest.state == "failed" and "cannot reach" in manifest.extra["error"]
    status = json.loads(CliRunner().invoke(app, ["status", manifest.sweep_id, "--store", uri, "--json"]).stdout)
    assert status["job"] is None and status["state"] == "failed"
