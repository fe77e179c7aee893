"""The repository explains itself: nothing points at a file users do not have, and the design doc is complete.

The founding design lived outside the repository; docs/architecture.md is the design
users read. The only reference to the shared folder allowed is a test's default path
to the KubeRay CRDs (overridable by an environment variable).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from farm.store import layout

ROOT = Path(__file__).resolve().parents[1]
# Built from parts so that this file does not match itself.
OUTSIDE = re.compile("DESIGN" + r"\.md|\.\./" + "shared/")
ALLOWED = re.compile(r"\.\./" + "shared/kuberay-crds")


def _repository_files() -> list[Path]:
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=ROOT,
                            capture_output=True, check=True).stdout.decode().split("\0")
    return [ROOT / name for name in listed if name and (ROOT / name).is_file()]


def test_no_file_points_outside_the_repository() -> None:
    offenders = []
    for path in _repository_files():
        try:
            text = path.read_text()
        except (UnicodeDecodeError, OSError):
            continue  # binary files
        for number, line in enumerate(text.splitlines(), start=1):
            if OUTSIDE.search(ALLOWED.sub("", line)):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


def test_the_architecture_doc_names_every_store_key_builder_and_exit_code() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text()
    builders = [name for name in dir(layout) if name.endswith(("_key", "_prefix")) and not name.startswith("_")
                and callable(getattr(layout, name))]
    missing = [name for name in builders if f"`{name}`" not in text]
    assert missing == [], "a key builder in farm/store/layout.py needs a row in docs/architecture.md, 'The store'"
    from farm.errors import ExitCode

    for code in ExitCode:
        assert f"| {int(code)} | `{code.name}` |" in text
