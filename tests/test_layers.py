"""The house rules (docs/architecture.md, "Layers"): one-way layers (inside farm too), no cycles between siblings,
one home per heavy dependency."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("farm", "autonomy", "scenario_library", "cli")
HOMES = {
    "pybullet": ("farm/sim/",),
    "pybullet_data": ("farm/sim/",),
    "ray": ("farm/execution/ray", "farm/driver"),
    "boto3": ("farm/store/",),
    "botocore": ("farm/store/",),
    "pyarrow.fs": ("farm/store/",),
    "kubernetes": ("farm/k8s",),
    "prometheus_client": ("farm/driver/metrics.py",),
}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _sources() -> list[Path]:
    return [p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")]


def test_heavy_dependencies_are_imported_only_in_their_home() -> None:
    offenders = []
    for path in _sources():
        rel = path.relative_to(ROOT).as_posix()
        for name in _imports(path):
            for dep, homes in HOMES.items():
                if (name == dep or name.startswith(dep + ".")) and not rel.startswith(homes):
                    offenders.append(f"{rel} imports {name}")
    assert offenders == []


def _layer_violations(package: str, allowed: tuple[str, ...]) -> list[str]:
    bad = []
    for path in (ROOT / package).rglob("*.py"):
        for name in _imports(path):
            top = name.split(".")[0]
            if top in PACKAGES and top != package and not any(name == a or name.startswith(a + ".") for a in allowed):
                bad.append(f"{path.relative_to(ROOT)} imports {name}")
    return bad


def test_autonomy_imports_nothing_of_the_project() -> None:
    assert _layer_violations("autonomy", ()) == []


def test_scenario_library_imports_only_autonomy_types_and_geometry() -> None:
    assert _layer_violations("scenario_library", ("autonomy.types", "autonomy.geometry")) == []


def test_farm_never_imports_cli() -> None:
    assert _layer_violations("farm", ("autonomy", "scenario_library")) == []


def _lint_imports(config: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    return subprocess.run([exe, "--config", str(config), "--no-cache"], cwd=cwd, env=env, capture_output=True,
                          text=True)


def test_import_linter_contracts_hold() -> None:
    result = _lint_imports(ROOT / "pyproject.toml", ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_contracts_cover_farms_layers_and_every_packages_cycles() -> None:
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    by_type = {c["type"]: c for c in contracts}
    assert set(by_type["acyclic_siblings"]["ancestors"]) == set(PACKAGES)
    farm_layers = next(c for c in contracts if c["type"] == "layers" and c.get("containers") == ["farm"])
    assert farm_layers["exhaustive"] and farm_layers["layers"][:2] == ["sim2real", "driver"]  # sim2real drives sweeps


PLANTED_CONFIG = """
[tool.importlinter]
root_packages = ["house"]

[[tool.importlinter.contracts]]
name = "house layers"
type = "layers"
containers = ["house"]
exhaustive = true
layers = ["top", "bottom"]

[[tool.importlinter.contracts]]
name = "no sibling cycles"
type = "acyclic_siblings"
ancestors = ["house"]
"""


def _plant(root: Path, files: dict[str, str]) -> Path:
    (root / "house" / "bottom").mkdir(parents=True)
    for name in ("house/__init__.py", "house/top.py", "house/bottom/__init__.py"):
        (root / name).write_text("")
    for name, text in files.items():
        (root / name).write_text(text)
    (root / "setup.toml").write_text(PLANTED_CONFIG)
    return root / "setup.toml"


def test_a_clean_planted_package_passes(tmp_path: Path) -> None:
    config = _plant(tmp_path, {"house/bottom/a.py": "from house.bottom import b\n", "house/bottom/b.py": ""})
    result = _lint_imports(config, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_cycle_hidden_behind_a_function_level_import_is_caught(tmp_path: Path) -> None:
    config = _plant(tmp_path, {"house/bottom/a.py": "from house.bottom import b\n",
                               "house/bottom/b.py": "def late():\n    from house.bottom import a  # noqa\n"})
    result = _lint_imports(config, tmp_path)
    assert result.returncode != 0
    assert "No cycles are allowed in house.bottom" in result.stdout


def test_a_module_outside_every_layer_is_caught(tmp_path: Path) -> None:
    config = _plant(tmp_path, {"house/stray.py": ""})
    result = _lint_imports(config, tmp_path)
    assert result.returncode != 0 and "house.stray" in result.stdout


def test_cli_start_up_imports_no_heavy_library() -> None:
    code = ("import sys, cli.main;"
            "heavy = [m for m in ('pybullet', 'ray', 'pyarrow', 'boto3', 'kubernetes', 'scipy', 'matplotlib')"
            " if m in sys.modules]; print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
