"""Files shipped inside the package, found by name: sweeps and gate files.

``simfarm submit nightly`` must work in the container image, where there is no
checkout and the working directory is the image user's home: the shipped sweep
files (``scenario_library/sweeps/<name>.yaml``) and gate files
(``scenario_library/gates/<name>.yaml``) are package data, and a bare name
resolves to one of them. Families are found by name through ``catalog``.
"""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["gates_dir", "packaged_gate", "packaged_names", "packaged_sweep", "sweeps_dir"]

SUFFIXES = (".yaml",)  # what package-data ships (pyproject.toml)
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")  # a file stem: no path separator


def sweeps_dir() -> Path:
    """The folder of shipped sweep files."""
    return Path(__file__).resolve().parent / "sweeps"


def gates_dir() -> Path:
    """The folder of shipped gate files (it may not exist yet)."""
    return Path(__file__).resolve().parent / "gates"


def packaged_names(folder: Path) -> list[str]:
    """The names (file stems) of the YAML files in ``folder``, sorted; [] if it does not exist."""
    if not folder.is_dir():
        return []
    return sorted(p.stem for p in folder.iterdir() if p.suffix in SUFFIXES and p.is_file())


def _packaged(folder: Path, name: str) -> Path | None:
    if not _NAME.match(name):
        return None
    for suffix in SUFFIXES:
        candidate = folder / f"{name}{suffix}"
        if candidate.is_file():
            return candidate
    return None


def packaged_sweep(name: str) -> Path | None:
    """The shipped sweep file called ``name`` (``nightly`` → ``.../sweeps/nightly.yaml``), or None."""
    return _packaged(sweeps_dir(), name)


def packaged_gate(name: str) -> Path | None:
    """The shipped gate file called ``name``, or None."""
    return _packaged(gates_dir(), name)
