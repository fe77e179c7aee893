"""Where a report's numbers came from: sweeps, code fingerprints, versions, input files, command.

An archived report outlives the CI runner that made it; its provenance says which
stored sweeps (and which builds of the code) it summarises, with which tool versions,
from which input files (gate, sweep, pairs files: sha256 of their bytes).
"""

from __future__ import annotations

import hashlib
import platform
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from farm import __version__
from farm.store.base import Manifest

_TOOLS = ("numpy", "scipy", "pyarrow", "matplotlib")


@dataclass(frozen=True, slots=True, kw_only=True)
class Provenance:
    """The inputs of one report (``provenance.json`` of an archive, ``provenance`` in the JSON)."""

    sweep_ids: tuple[str, ...]
    code_fingerprints: dict[str, str]          # sweep id -> the sweep's code fingerprint
    sweep_versions: dict[str, dict[str, str]]  # sweep id -> versions recorded in its manifest
    states: dict[str, str]                     # sweep id -> manifest state when the report was made
    tool_versions: dict[str, str]              # this process: simfarm, python, numpy, scipy, pyarrow, ...
    input_files: dict[str, str]                # path as given -> sha256 of its bytes
    created_at: str
    command: str
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"sweep_ids": list(self.sweep_ids), "code_fingerprints": dict(self.code_fingerprints),
                "sweep_versions": {k: dict(v) for k, v in self.sweep_versions.items()},
                "states": dict(self.states), "tool_versions": dict(self.tool_versions),
                "input_files": dict(self.input_files), "created_at": self.created_at, "command": self.command,
                "extra": dict(self.extra)}


def file_sha256(path: Path) -> str:
    """sha256 hex digest of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def tool_versions() -> dict[str, str]:
    """simfarm, Python and the numeric libraries of this process."""
    from importlib.metadata import PackageNotFoundError, version

    found = {"simfarm": __version__, "python": platform.python_version()}
    for name in _TOOLS:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            continue
    return found


def provenance_for(manifests: Sequence[Manifest], input_files: Sequence[Path | str] = (),
                   extra: Mapping[str, Any] | None = None, *, command: str | None = None) -> Provenance:
    """The provenance of a report made from ``manifests`` and ``input_files`` by this process."""
    return Provenance(
        sweep_ids=tuple(m.sweep_id for m in manifests),
        code_fingerprints={m.sweep_id: m.code_fingerprint for m in manifests},
        sweep_versions={m.sweep_id: dict(m.versions) for m in manifests},
        states={m.sweep_id: m.state for m in manifests},
        tool_versions=tool_versions(),
        input_files={str(p): file_sha256(Path(p)) for p in input_files},
        created_at=datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        command=command if command is not None else " ".join(["simfarm", *sys.argv[1:]]),
        extra=dict(extra or {}),
    )
