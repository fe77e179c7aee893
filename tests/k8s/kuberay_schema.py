"""Validate a KubeRay object offline, the way the API server and the operator would.

``validate_kuberay(obj)`` returns every problem found in a RayJob, RayCluster or
RayCronJob (``apiVersion: ray.io/v1``) as one line each; an empty list means valid:

1. the CRD's ``openAPIV3Schema`` of version ``v1``, made **strict**: every schema
   node with ``properties`` and no ``additionalProperties`` gets
   ``additionalProperties: false`` (never a node called ``metadata``, never one
   with ``x-kubernetes-preserve-unknown-fields``), so a misspelt field fails here as
   it fails a ``fieldValidation=Strict`` create — checked with ``jsonschema``;
2. the CRD's CEL rules (``x-kubernetes-validations``), evaluated with ``cel-python``
   where the object has the field; transition rules (those using ``oldSelf``) apply
   only to updates and are skipped, as the API server does on create;
3. ``submissionMode`` against KubeRay's values (the CRD has no enum for it);
4. the name rules the operator enforces after admission, where a violation only
   shows as an event (``kuberay_operator.name_problems``) and label values;
5. the operator's own spec checks that our objects could trip
   (``kuberay_operator.spec_problems``).

The CRDs come from ``$SIMFARM_KUBERAY_CRDS`` or else ``../shared/kuberay-crds``
beside the repository (KubeRay v1.7.0). Other tests, e.g. of the object that
``simfarm submit --k8s`` sends, import this module.
"""

from __future__ import annotations

import copy
import functools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import celpy
import jsonschema
import yaml

from tests.k8s.kuberay_operator import (
    SUBMISSION_MODES,
    label_problems,
    name_problems,
    spec_problems,
)

__all__ = ["CRD_DIR_ENV", "KUBERAY_KINDS", "crd_dir", "strict_schema", "validate_kuberay"]

CRD_DIR_ENV = "SIMFARM_KUBERAY_CRDS"
KUBERAY_KINDS = ("RayJob", "RayCluster", "RayCronJob")
_REPO = Path(__file__).resolve().parents[2]
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: 56k lines of CRDs in ~2 s, not ~30 s


def crd_dir() -> Path:
    """The folder of KubeRay CRD files: ``$SIMFARM_KUBERAY_CRDS``, else ``../shared/kuberay-crds``."""
    return Path(os.environ.get(CRD_DIR_ENV) or _REPO.parent / "shared" / "kuberay-crds")


@functools.cache
def _crds(folder: Path) -> dict[str, dict[str, Any]]:
    """kind -> the CRD document, for every CRD file in ``folder``."""
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(folder.glob("*.yaml")):
        for doc in yaml.load_all(path.read_text(encoding="utf-8"), Loader=_LOADER):
            if isinstance(doc, dict) and doc.get("kind") == "CustomResourceDefinition":
                found[doc["spec"]["names"]["kind"]] = doc
    if not found:
        raise FileNotFoundError(f"no CustomResourceDefinition in {folder} (set {CRD_DIR_ENV})")
    return found


def _v1_schema(kind: str) -> dict[str, Any]:
    crd = _crds(crd_dir()).get(kind)
    if crd is None:
        raise KeyError(f"no CRD for kind {kind} in {crd_dir()}")
    for version in crd["spec"]["versions"]:
        if version["name"] == "v1":
            return version["schema"]["openAPIV3Schema"]
    raise KeyError(f"the {kind} CRD has no version v1")


def _make_strict(node: Any, key: str = "") -> None:
    """Inject ``additionalProperties: false`` below ``node`` in place (see the module docstring)."""
    if isinstance(node, list):
        for item in node:
            _make_strict(item)
        return
    if not isinstance(node, dict):
        return
    if ("properties" in node and "additionalProperties" not in node and key != "metadata"
            and not node.get("x-kubernetes-preserve-unknown-fields")):
        node["additionalProperties"] = False
    for name, child in node.get("properties", {}).items():
        _make_strict(child, name)
    for keyword in ("items", "additionalProperties", "allOf", "anyOf", "oneOf", "not"):
        if isinstance(node.get(keyword), dict | list):
            _make_strict(node[keyword])


@functools.cache
def _strict_cached(folder: Path, kind: str) -> dict[str, Any]:
    schema = copy.deepcopy(_v1_schema(kind))
    _make_strict(schema)
    return schema


def strict_schema(kind: str) -> dict[str, Any]:
    """The strict ``v1`` schema of ``kind`` (cached; do not modify it)."""
    return _strict_cached(crd_dir(), kind)


def _where(path: Any) -> str:
    return ".".join(str(p) for p in path) or "(root)"


def _schema_problems(obj: dict[str, Any], kind: str) -> list[str]:
    validator = jsonschema.Draft7Validator(strict_schema(kind))
    return [f"{_where(e.absolute_path)}: {e.message}"
            for e in sorted(validator.iter_errors(obj), key=lambda e: list(map(str, e.absolute_path)))]


@functools.cache
def _cel_program(rule: str) -> Any:
    env = celpy.Environment()
    return env.program(env.compile(rule))


def _rules(schema: dict[str, Any], data: Any, path: str) -> Iterator[tuple[str, dict[str, Any], Any]]:
    """(path, rule, value) for every CEL rule whose field is present in ``data``."""
    for rule in schema.get("x-kubernetes-validations", []):
        yield path, rule, data
    if isinstance(data, dict):
        for name, child in schema.get("properties", {}).items():
            if name in data:
                yield from _rules(child, data[name], f"{path}.{name}" if path else name)
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            for name, value in data.items():
                if name not in schema.get("properties", {}):
                    yield from _rules(extra, value, f"{path}.{name}")
    elif isinstance(data, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(data):
            yield from _rules(schema["items"], item, f"{path}[{i}]")


def cel_problems(obj: dict[str, Any], kind: str) -> list[str]:
    """Every CEL rule of the CRD that ``obj`` breaks (creation: transition rules skipped)."""
    problems = []
    for path, rule, value in _rules(_v1_schema(kind), obj, ""):
        if "oldSelf" in rule["rule"]:
            continue  # a transition rule: evaluated only on update
        result = _cel_program(rule["rule"]).evaluate({"self": celpy.json_to_cel(value)})
        if not (isinstance(result, bool | celpy.celtypes.BoolType) and bool(result)):
            problems.append(f"{path}: {rule.get('message') or rule['rule']}")
    return problems


def _ray_job_specs(obj: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    spec = obj.get("spec") or {}
    if obj.get("kind") == "RayJob":
        return [("spec", spec)]
    if obj.get("kind") == "RayCronJob":
        return [("spec.jobTemplate", spec.get("jobTemplate") or {})]
    return []


def validate_kuberay(obj: dict[str, Any]) -> list[str]:
    """Every problem of a KubeRay object, one line each (``kind name: where: what``); [] = valid."""
    kind = obj.get("kind", "")
    name = (obj.get("metadata") or {}).get("name", "")
    head = f"{kind or '?'} {name or '?'}"
    if obj.get("apiVersion") != "ray.io/v1" or kind not in KUBERAY_KINDS:
        return [f"{head}: apiVersion/kind: not a ray.io/v1 {', '.join(KUBERAY_KINDS)}"]
    problems = _schema_problems(obj, kind) + cel_problems(obj, kind)
    for where, job in _ray_job_specs(obj):
        mode = job.get("submissionMode")
        if mode is not None and mode not in SUBMISSION_MODES:
            problems.append(f"{where}.submissionMode: {mode!r} is not one of {', '.join(SUBMISSION_MODES)}")
    problems += name_problems(kind, name) + label_problems(obj) + spec_problems(obj)
    return [f"{head}: {p}" for p in problems]
