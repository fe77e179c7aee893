"""A sweep is named by path or by packaged name: ``simfarm submit nightly`` works from any directory.

In the container image there is no checkout and the working directory is the image
user's home, so the shipped sweep files are package data found by name.
"""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from farm.errors import ExitCode, InputError
from farm.sweep import load_sweep, resolve_sweep_file
from scenario_library.packaged import gates_dir, packaged_names, packaged_sweep, sweeps_dir

ROOT = Path(__file__).resolve().parents[3]
runner = CliRunner()


def test_a_packaged_name_resolves_from_any_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert resolve_sweep_file("nightly") == sweeps_dir() / "nightly.yaml"
    by_name, by_path = load_sweep("smoke"), load_sweep(ROOT / "scenario_library" / "sweeps" / "smoke.yaml")
    assert by_name.name == by_path.name == "smoke" and by_name.families == by_path.families


def test_a_path_still_works_and_a_file_here_wins_over_a_packaged_name(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "smoke").write_text("name: mine\nseed: 1\nfamilies: [{name: cut_in, sampler: nominal}]\n")
    assert resolve_sweep_file("smoke") == Path("smoke") and load_sweep("smoke").name == "mine"
    (tmp_path / "nightly").mkdir()  # a folder of that name does not hide the packaged sweep
    assert resolve_sweep_file("nightly") == sweeps_dir() / "nightly.yaml"


@pytest.mark.parametrize("ref", ["no_such_sweep", "sweeps/nightly", "nightly.yml.bak"])
def test_neither_a_file_nor_a_packaged_name_lists_the_names(ref: str) -> None:
    with pytest.raises(InputError) as caught:
        resolve_sweep_file(ref)
    names = ", ".join(packaged_names(sweeps_dir()))
    assert "nightly" in names and "smoke" in names
    assert caught.value.line() == (f"{ref}: cannot read sweep file: no such file, and no packaged sweep has that "
                                   f"name (packaged: {names})")
    assert caught.value.exit_code == ExitCode.BAD_INPUT


@pytest.mark.parametrize("command", [["sweep", "expand"], ["submit"]])
def test_every_command_that_takes_a_sweep_accepts_a_name(command: list[str], tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, [*command, "no_such_sweep"])
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert "no packaged sweep has that name (packaged: ci, gate, nightly, release, smoke" in result.stderr
    if command == ["sweep", "expand"]:
        result = runner.invoke(app, [*command, "smoke", "--json"])
        assert result.exit_code == 0, result.stderr


def test_shipped_sweeps_and_gates_are_package_data() -> None:
    """Every shipped sweep (and gate file, once there are any) matches a package-data pattern."""
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"][
        "scenario_library"]
    assert "sweeps/*.yaml" in patterns and "gates/*.yaml" in patterns
    package = ROOT / "scenario_library"
    for folder in (sweeps_dir(), gates_dir()):
        for name in packaged_names(folder):
            relative = str((folder / f"{name}.yaml").relative_to(package))
            assert any(fnmatch.fnmatch(relative, p) for p in patterns), relative
    assert packaged_sweep("../odd") is None  # a name never walks out of the folder
