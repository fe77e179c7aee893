"""code_fingerprint: which code produced a row (docs/architecture.md, "Identity").

``simfarm <version> git:<commit>[+dirty] | image:<digest>; lib:<hash8>; stack:<stack_id>#<src8>``

The git commit is read once per process; inside a container image without a
checkout, ``SIMFARM_IMAGE_DIGEST`` (set by the Dockerfile/manifests) stands in.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import os
import subprocess
from pathlib import Path

from farm import __version__

_PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _hash_tree(root: Path, patterns: tuple[str, ...] = ("*.py", "*.yaml")) -> str:
    digest = hashlib.sha256()
    files = sorted(p for pattern in patterns for p in root.rglob(pattern) if "__pycache__" not in p.parts)
    for path in files:
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:8]


@functools.cache
def source_revision() -> str:
    """``git:<commit>[+dirty]`` for a checkout, ``image:<digest>`` in an image, else ``nogit``."""
    digest = os.environ.get("SIMFARM_IMAGE_DIGEST")
    if digest:
        return f"image:{digest}"
    try:
        commit = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=_PROJECT_ROOT, capture_output=True,
                                text=True, timeout=5, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=_PROJECT_ROOT,
                               capture_output=True, text=True, timeout=5, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "nogit"
    return f"git:{commit}{'+dirty' if dirty else ''}"


@functools.cache
def library_hash() -> str:
    """Hash of the scenario library's files (families, builders, ODD)."""
    spec = importlib.util.find_spec("scenario_library")
    assert spec is not None and spec.origin is not None
    return _hash_tree(Path(spec.origin).parent)


@functools.cache
def stack_source_hash(entry_point: str) -> str:
    """Hash of the source of the stack's top-level package (catches a rebuilt stack with the same config)."""
    top = entry_point.split(":", 1)[0].split(".", 1)[0]
    spec = importlib.util.find_spec(top)
    if spec is None or spec.origin is None:
        return "unknown"
    origin = Path(spec.origin)
    return _hash_tree(origin.parent, ("*.py",)) if origin.name == "__init__.py" else _hash_tree_file(origin)


def _hash_tree_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:8]


def base_fingerprint() -> str:
    """The part shared by every stack in a sweep (goes in the manifest)."""
    return f"simfarm {__version__} {source_revision()}; lib:{library_hash()}"


def code_fingerprint(stack_id: str, entry_point: str) -> str:
    """The full fingerprint stored on every row."""
    return f"{base_fingerprint()}; stack:{stack_id}#{stack_source_hash(entry_point)}"
