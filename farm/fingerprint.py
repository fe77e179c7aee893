"""Which code produced a row (``code_fingerprint``) and which code decides outcomes (``outcome_code_hash``).

``code_fingerprint``: ``simfarm <version> git:<commit>[+dirty] | image:<digest>; lib:<hash8>;
stack:<stack_id>#<src8>`` — provenance, on every row and in the manifest. The git
commit is read once per process; inside a container image without a checkout,
``SIMFARM_IMAGE_DIGEST`` (set by the Dockerfile/manifests) stands in.

``outcome_code_hash``: ``outcome:<hash16>`` over an allow-list of the files that
can change a rollout's outcome (docs/decisions.md D11): the scenario families,
``odd.yaml`` and every Python file of ``scenario_library`` (builders included),
the stack's Python, and the farm code that computes outcomes (``farm/sim``,
``farm/metrics``, ``farm/result.py``, ``farm/spec.py``). Never a sweep file, the
git commit or the dirty flag. A resume compares it, so editing or committing a
sweep file never blocks one.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import os
import subprocess
from collections.abc import Iterable
from pathlib import Path

from farm import __version__

_PROJECT_ROOT = Path(__file__).resolve().parent.parent
_FARM_ROOT = Path(__file__).resolve().parent
# The allow-list (D11): (root-relative glob, ...) per tree. scenario_library/sweeps/ is absent on purpose.
LIBRARY_OUTCOME_FILES = ("**/*.py", "families/*.yaml", "families/*.yml", "odd.yaml")
FARM_OUTCOME_FILES = ("sim/**/*.py", "metrics/**/*.py", "result.py", "spec.py")
Tree = tuple[str, Path, tuple[str, ...]]  # (tag, root folder, globs under it)


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


def _stack_root(entry_point: str) -> tuple[Path, tuple[str, ...]] | None:
    """The folder and globs of a stack's top-level package (or its single module); None if not importable."""
    top = entry_point.split(":", 1)[0].split(".", 1)[0]
    spec = importlib.util.find_spec(top)
    if spec is None or spec.origin is None:
        return None
    origin = Path(spec.origin)
    return (origin.parent, ("**/*.py",)) if origin.name == "__init__.py" else (origin.parent, (origin.name,))


def hash_outcome_code(trees: Iterable[Tree]) -> str:
    """``outcome:<hash16>`` over every file matching a tree's globs: its tag, relative path and bytes."""
    digest = hashlib.sha256()
    for tag, root, patterns in sorted(trees, key=lambda tree: tree[0]):
        files = sorted({p for pattern in patterns for p in root.glob(pattern)
                        if p.is_file() and "__pycache__" not in p.parts})
        for path in files:
            digest.update(f"{tag}/{path.relative_to(root).as_posix()}\0".encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return f"outcome:{digest.hexdigest()[:16]}"


def outcome_trees(entry_points: Iterable[str]) -> list[Tree]:
    """The allow-listed trees for stacks ``entry_points``: the library, farm's outcome code, each stack."""
    spec = importlib.util.find_spec("scenario_library")
    assert spec is not None and spec.origin is not None
    trees: list[Tree] = [("scenario_library", Path(spec.origin).parent, LIBRARY_OUTCOME_FILES),
                         ("farm", _FARM_ROOT, FARM_OUTCOME_FILES)]
    for entry_point in sorted(set(entry_points)):
        root, patterns = _stack_root(entry_point) or (Path("/nonexistent"), ())  # not importable: its name counts
        trees.append((f"stack:{entry_point}", root, patterns))
    return trees


@functools.cache
def _outcome_code_hash(entry_points: tuple[str, ...]) -> str:
    return hash_outcome_code(outcome_trees(entry_points))


def outcome_code_hash(entry_points: Iterable[str]) -> str:
    """The hash a resume compares (see the module docstring); read once per process per set of stacks."""
    return _outcome_code_hash(tuple(sorted(set(entry_points))))
