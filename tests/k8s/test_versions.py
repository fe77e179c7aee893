"""One Ray version: the image constraints file = the Dockerfile's base image = every rayVersion.

It must also lie in the range pyproject.toml gives laptop installs.
"""

from __future__ import annotations

import re
import tomllib

from packaging.requirements import Requirement
from packaging.version import Version

from tests.k8s.manifests import K8S, OVERLAYS, REPO, build, raw_objects

CONSTRAINTS = K8S / "image" / "constraints.txt"


def _pins() -> dict[str, str]:
    pins = {}
    for line in CONSTRAINTS.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            req = Requirement(line)
            (spec,) = req.specifier
            assert spec.operator == "==", f"{line}: the image pins exact versions"
            pins[req.name.lower()] = spec.version
    return pins


def _ray_versions(obj: dict) -> list[str]:
    spec = obj["spec"]
    if obj["kind"] == "RayCronJob":
        spec = spec["jobTemplate"]
    cluster = spec if obj["kind"] == "RayCluster" else spec["rayClusterSpec"]
    return [cluster["rayVersion"]]


def test_one_ray_version_everywhere() -> None:
    ray = _pins()["ray"]
    (base,) = re.findall(r"^FROM\s+(\S+)", (REPO / "Dockerfile").read_text(), flags=re.MULTILINE)
    assert base == f"rayproject/ray:{ray}-py311-cpu"
    versions = [(str(path.relative_to(K8S)), v) for path, obj in raw_objects()
                if obj["apiVersion"].startswith("ray.io/") for v in _ray_versions(obj)]
    versions += [(f"overlays/{o}", v) for o in OVERLAYS for obj in build(o)
                 if obj["apiVersion"].startswith("ray.io/") for v in _ray_versions(obj)]
    assert len(versions) >= 5  # RayCluster, RayJob template, RayCronJob sample, two built RayClusters
    assert [(where, v) for where, v in versions if v != ray] == []


def test_the_image_pins_lie_in_the_laptop_ranges() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    ranges = {Requirement(r).name.lower(): Requirement(r).specifier for r in project["dependencies"]}
    pins = _pins()
    assert "ray" in ranges and Version(pins["ray"]) in ranges["ray"]
    for name, version in pins.items():
        if name in ranges:
            assert Version(version) in ranges[name], f"{name}=={version} is outside {ranges[name]}"
    assert set(ranges) <= set(pins), "every dependency is pinned in the image"
