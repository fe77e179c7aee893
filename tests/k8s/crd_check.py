"""Strict validation of a RayJob against the KubeRay v1 CRD, through the shared validator when it exists.

``tests/k8s/kuberay_schema.py`` (the manifests' helper, branch k8smanifests) owns the full check
(strict schema, CEL rules, names). Until it is merged here, ``validate_rayjob`` does the part the
client tests need itself: the CRD's ``v1`` ``openAPIV3Schema`` with ``additionalProperties: false``
injected wherever a node has ``properties`` and no ``additionalProperties`` (never under
``metadata``, never where unknown fields are preserved), the name rule and ``submissionMode``.
"""

from __future__ import annotations

import copy
import functools
import os
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from farm.k8s.names import is_dns_1035
from farm.k8s.rayjob import SUBMISSION_MODES

ROOT = Path(__file__).resolve().parents[2]
CRDS = Path(os.environ.get("SIMFARM_KUBERAY_CRDS", ROOT.parent / "shared" / "kuberay-crds"))


def _strict(node: Any, key: str = "") -> Any:
    if isinstance(node, dict):
        out = {k: (v if k == "metadata" and key == "properties" else _strict(v, k)) for k, v in node.items()}
        if ("properties" in out and "additionalProperties" not in out
                and not out.get("x-kubernetes-preserve-unknown-fields")):
            out["additionalProperties"] = False
        return out
    if isinstance(node, list):
        return [_strict(v, key) for v in node]
    return node


@functools.cache
def _validator() -> jsonschema.Draft7Validator:
    crd = yaml.load((CRDS / "ray.io_rayjobs.yaml").read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    schema = next(v for v in crd["spec"]["versions"] if v["name"] == "v1")["schema"]["openAPIV3Schema"]
    return jsonschema.Draft7Validator(_strict(copy.deepcopy(schema)))


def _fallback(obj: dict[str, Any]) -> list[str]:
    problems = [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
                for e in _validator().iter_errors(obj)]
    name = obj.get("metadata", {}).get("name", "")
    if not is_dns_1035(name):
        problems.append(f"metadata/name: {name!r} is not a DNS-1035 label of at most 47 characters")
    mode = obj.get("spec", {}).get("submissionMode")
    if mode is not None and mode not in SUBMISSION_MODES:
        problems.append(f"spec/submissionMode: {mode!r} is not one of {SUBMISSION_MODES}")
    return problems


def validate_rayjob(obj: dict[str, Any]) -> list[str]:
    """Every problem the API server and KubeRay would find in ``obj``; [] when it would be accepted."""
    try:
        from tests.k8s.kuberay_schema import validate_kuberay  # type: ignore[import-not-found]
    except ImportError:
        return _fallback(obj)
    return list(validate_kuberay(obj))
