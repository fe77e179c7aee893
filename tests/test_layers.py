"""The house rules (docs/architecture.md, "Layers"): one-way layers and one home per heavy dependency."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
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


def test_import_linter_contracts_hold() -> None:
    exe = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    result = subprocess.run([exe, "--config", str(ROOT / "pyproject.toml")], cwd=ROOT, capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_cli_start_up_imports_no_heavy_library() -> None:
    code = ("import sys, cli.main;"
            "heavy = [m for m in ('pybullet', 'ray', 'pyarrow', 'boto3', 'kubernetes', 'scipy', 'matplotlib')"
            " if m in sys.modules]; print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
