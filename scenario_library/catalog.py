"""The catalogue of scenario families: load and validate family files, resolve parameters, build scenes.

Shipped families live in ``scenario_library/families/<name>.yaml`` (file name =
family name) and are loaded once per process. Every problem is a one-line
``ScenarioError`` naming the file, the field path and the reason.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from scenario_library.criteria import KNOWN_METRICS
from scenario_library.documents import error, load_mapping
from scenario_library.errors import ScenarioError
from scenario_library.family import Family, ParamValue
from scenario_library.family_schema import ScenarioErrors
from scenario_library.scene import SceneSpec
from scenario_library.validation import check_document

__all__ = [
    "KNOWN_METRICS", "build_scene", "check_paths", "families_dir", "family_dict", "family_names", "list_families",
    "load_family", "load_family_file", "resolve_params", "validate_paths",
]
FAMILY_SUFFIXES = (".yaml", ".yml")


def families_dir() -> Path:
    """The folder of shipped family files."""
    return Path(__file__).resolve().parent / "families"


def _file_errors(path: str | Path) -> tuple[Family | None, list[ScenarioError]]:
    """The family in ``path``, or every problem found in it."""
    try:
        return check_document(load_mapping(path), str(path)), []
    except ScenarioErrors as exc:
        return None, exc.errors
    except ScenarioError as exc:
        return None, [exc]


def load_family_file(path: str | Path) -> Family:
    """Validate one family file; raises the first problem (with a count of the others) as a ScenarioError."""
    family, errors = _file_errors(path)
    if family is None:
        first = errors[0]
        more = f" (and {len(errors) - 1} more problem(s); see 'simfarm scenarios validate')" if len(errors) > 1 else ""
        raise ScenarioError(first.reason + more, source=first.source, field=first.field)
    return family


@functools.cache
def _catalog() -> dict[str, Family]:
    families: dict[str, Family] = {}
    for path in sorted(p for p in families_dir().iterdir() if p.suffix in FAMILY_SUFFIXES):
        family = load_family_file(path)
        if family.name != path.stem:
            raise error(str(path), "name", f"family {family.name!r} must live in a file called {family.name}.yaml")
        families[family.name] = family
    return families


def list_families(*, include_test_only: bool = False) -> list[Family]:
    """Shipped families sorted by name (test-only ones hidden unless asked for)."""
    return [f for _, f in sorted(_catalog().items()) if include_test_only or not f.test_only]


def family_names(*, include_test_only: bool = False) -> list[str]:
    """Names of the shipped families, sorted."""
    return [f.name for f in list_families(include_test_only=include_test_only)]


def load_family(name: str) -> Family:
    """A shipped family by name (test-only ones included); ScenarioError listing the known names otherwise."""
    catalog = _catalog()
    if name not in catalog:
        known = ", ".join(sorted(catalog))
        raise ScenarioError(f"unknown family {name!r} (known: {known})", field="family")
    return catalog[name]


def _expand(paths: Iterable[str | Path]) -> tuple[list[Path], list[ScenarioError]]:
    files: list[Path] = []
    errors: list[ScenarioError] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix in FAMILY_SUFFIXES and p.is_file())
            if not found:
                errors.append(error(str(given), "", "directory holds no family files (*.yaml, *.yml)"))
            files.extend(found)
        elif path.exists():
            files.append(path)
        else:
            errors.append(error(str(given), "", "no such file or directory"))
    return files, errors


def check_paths(paths: Iterable[str | Path]) -> tuple[list[Family], list[ScenarioError]]:
    """Validate family files and folders of them: the valid families and every problem, in file order."""
    files, errors = _expand(paths)
    families: list[Family] = []
    seen: dict[str, str] = {}
    for path in files:
        family, problems = _file_errors(path)
        errors.extend(problems)
        if family is None:
            continue
        if family.name in seen:
            errors.append(error(str(path), "name",
                                f"duplicate family name {family.name!r} (also in {seen[family.name]})"))
            continue
        seen[family.name] = str(path)
        families.append(family)
    return families, errors


def validate_paths(paths: Iterable[str | Path]) -> list[ScenarioError]:
    """Every problem in the given family files and folders (empty when all are valid)."""
    return check_paths(paths)[1]


def resolve_params(family: Family, overrides: Mapping[str, Any], *, source: str = "") -> dict[str, ParamValue]:
    """``family.resolve(overrides, source=source)``: nominal values updated with coerced, range-checked overrides."""
    return family.resolve(overrides, source=source)


def build_scene(family: Family, params: Mapping[str, ParamValue]) -> SceneSpec:
    """``family.build(params)``: the concrete scene of ``family`` for ``params`` (with its actors of interest)."""
    return family.build(params)


def family_dict(family: Family) -> dict[str, Any]:
    """A JSON-ready description of a family (what ``simfarm scenarios show --json`` prints)."""
    return {
        "name": family.name, "version": family.version, "description": family.description,
        "criticality": family.criticality, "actors_of_interest": list(family.actors_of_interest),
        "duration_s": family.duration_s, "test_only": family.test_only,
        "odd": {k: list(v) for k, v in family.odd.items()}, "odd_tags": list(family.odd_tags),
        "parameters": [{
            "name": p.name, "type": p.type, "unit": p.unit, "description": p.description, "nominal": p.nominal,
            "range": [p.low, p.high] if p.low is not None else None, "choices": list(p.choices) or None,
            "levels": list(p.levels), "bin_edges": list(p.bin_edges) or None, "odd": p.odd_attribute,
        } for p in family.parameters],
        "criteria": [c.text for c in family.criteria], "builder": family.builder, "source": family.source,
        "may_pass": [{"stack": m.stack, "why": m.why} for m in family.may_pass],
        "edge_cases": [dict(e) for e in family.edge_cases],
        "preventable": None if family.preventable is None else {
            "rule": family.preventable.rule_id, "why": family.preventable.why, "margin_m": family.preventable.margin_m,
            "lat_accel_limit_mps2": family.preventable.lat_accel_limit_mps2},
    }
