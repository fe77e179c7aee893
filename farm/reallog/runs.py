"""The runs table: one row per real run — id, family, parameters, seed, measured outcomes, metadata.

Columns: ``real_run_id`` (required, unique), ``family`` (the catalogue family the run
matches; empty when it matches none), ``p_<name>`` (that family's parameters),
``seed``, ``scenario_key``, measured outcomes under their runs-v2 names
(``farm.reallog.limits.OUTCOMES``: any subset, an empty cell = not measured),
``meta_<name>`` (free text: source, vehicle, date). ``passed`` is recomputed from the
family's criteria and never read from the file (a ``passed`` column is accepted and
ignored). A parameter outside its family's declared domain is not an error here: it
is listed in ``RealRun.out_of_domain`` (sim-to-real lists and excludes those runs).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from farm.reallog import limits as L
from farm.reallog.tables import Columns, read_columns
from scenario_library.errors import ScenarioError
from scenario_library.family import Family
from scenario_library.params import coerce_value

RUN_COLUMNS: dict[str, str] = {"real_run_id": "str", "family": "str", "seed": "int", "scenario_key": "str",
                               "passed": "bool", **{name: kind for name, (kind, _, _) in L.OUTCOMES.items()}}
PREFIXED = {"p_": "any", "meta_": "str"}
IGNORED_COLUMNS: tuple[str, ...] = ("passed",)


@dataclass(frozen=True, slots=True, kw_only=True)
class RealRun:
    """One validated row of the runs table.

    ``params`` holds the given parameters typed by the family (not nominal-filled);
    ``outcomes`` the measured outcomes present (``min_ttc_s`` may be ``inf``: never
    closing); ``passed`` the family's criteria over them, None when the family is
    unknown or a criterion's metric was not measured.
    """

    real_run_id: str
    row: int  # 0-based data row in the runs table
    family: str | None
    params: dict[str, Any] = field(default_factory=dict)
    seed: int | None = None
    scenario_key: str | None = None
    outcomes: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, str] = field(default_factory=dict)
    passed: bool | None = None
    fail_reasons: tuple[str, ...] = ()
    out_of_domain: tuple[tuple[str, str], ...] = ()


def read_runs(path: str | Path, *, family_lookup: Any = None) -> dict[str, RealRun]:
    """Real run id -> its validated row, in file order.

    Raises:
        InputError: the first problem, one line naming the file, row and column.
    """
    table = read_columns(path, RUN_COLUMNS, required=("real_run_id", "family"),  # type: ignore[arg-type]
                         prefixed=PREFIXED, never_null=("real_run_id",))  # type: ignore[arg-type]
    lookup = family_lookup or _catalog_family
    runs: dict[str, RealRun] = {}
    for row in range(table.n_rows):
        run = _run(table, row, lookup)
        if run.real_run_id in runs:
            raise table.fail(row, "real_run_id", f"{run.real_run_id!r} is listed twice "
                                                 f"(also row {runs[run.real_run_id].row + 1})")
        runs[run.real_run_id] = run
    if not runs:
        raise table.fail(None, "real_run_id", "the runs table has no rows")
    return runs


def _catalog_family(name: str) -> Family:
    from scenario_library.catalog import load_family

    return load_family(name)


def _run(table: Columns, row: int, lookup: Any) -> RealRun:
    v = table.values
    run_id = v["real_run_id"][row]
    if not L.ID_PATTERN.match(run_id):
        raise table.fail(row, "real_run_id", f"{run_id!r} is not an id ([A-Za-z0-9][A-Za-z0-9._-]*, up to 128)")
    name = v["family"][row] or None
    family: Family | None = None
    if name is not None:
        try:
            family = lookup(name)
        except ScenarioError as exc:
            raise table.fail(row, "family", exc.reason) from None
    params, domain = _params(table, row, family)
    seed = v["seed"][row] if table.has("seed") else None
    if seed is not None and seed < 0:
        raise table.fail(row, "seed", f"a seed is >= 0, got {seed}")
    key = v["scenario_key"][row] if table.has("scenario_key") else None
    if key is not None and not L.SCENARIO_KEY.match(key):
        raise table.fail(row, "scenario_key", f"{key!r} is not a scenario_key (16 lowercase hex characters)")
    outcomes = _outcomes(table, row)
    metadata = {c[len("meta_"):]: v[c][row] for c in v if c.startswith("meta_") and v[c][row] is not None}
    passed, reasons = _verdict(family, outcomes)
    return RealRun(real_run_id=run_id, row=row, family=name, params=params, seed=seed, scenario_key=key,
                   outcomes=outcomes, metadata=metadata, passed=passed, fail_reasons=reasons, out_of_domain=domain)


def _params(table: Columns, row: int, family: Family | None) -> tuple[dict[str, Any], tuple[tuple[str, str], ...]]:
    given = {c[2:]: table.values[c][row] for c in table.values if c.startswith("p_") and table.values[c][row]
             is not None}
    if family is None:
        if given:
            raise table.fail(row, f"p_{next(iter(given))}", "a parameter needs a family (the family cell is empty)")
        return {}, ()
    declared = {p.name: p for p in family.parameters}
    params: dict[str, Any] = {}
    domain: list[tuple[str, str]] = []
    for name, raw in given.items():
        p = declared.get(name)
        if p is None:
            raise table.fail(row, f"p_{name}", f"{family.name} has no parameter {name!r} "
                                               f"(it has: {', '.join(declared)})")
        if p.type == "input":
            raise table.fail(row, f"p_{name}", f"{name!r} is an input parameter: a log is named by its "
                                               "trajectories, not by a hash in the runs table")
        try:  # the type first (a wrong type is a bad file), then the declared domain (listed, never an error)
            params[name] = coerce_value(replace(p, low=None, high=None, choices=()) if p.type != "choice" else
                                        replace(p, choices=(str(raw).strip(),)), raw)
        except ValueError as exc:
            raise table.fail(row, f"p_{name}", str(exc)) from None
        try:
            coerce_value(p, params[name])
        except ValueError as exc:
            domain.append((name, str(exc)))
    return params, tuple(domain)


def _outcomes(table: Columns, row: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, (kind, low, high) in L.OUTCOMES.items():
        if not table.has(name) or table.nulls[name][row]:
            continue
        value = table.values[name][row]
        if kind == "float":
            value = float(value)
            if math.isinf(value) and not (name == "min_ttc_s" and value > 0):
                raise table.fail(row, name, "must be finite (only min_ttc_s may be inf: never closing)")
        if kind in ("float", "int") and low is not None and not (low <= value <= (math.inf if high is None
                                                                                  else high)):
            bound = "" if high is None else f", {high:g}"
            raise table.fail(row, name, f"{value:g} is outside [{low:g}{bound}]: not plausible in the unit "
                                        f"of {name}")
        if name == "collision_kind" and value not in L.COLLISION_KINDS:
            raise table.fail(row, name, f"{value!r} is not one of {', '.join(L.COLLISION_KINDS)}")
        if name == "collision_class" and value not in L.COLLISION_CLASSES:
            raise table.fail(row, name, f"{value!r} is not one of {', '.join(L.COLLISION_CLASSES)}")
        out[name] = value
    return out


def _verdict(family: Family | None, outcomes: dict[str, Any]) -> tuple[bool | None, tuple[str, ...]]:
    """The family's criteria over the measured outcomes; None unless every criterion's metric was measured."""
    if family is None or any(c.metric not in outcomes for c in family.criteria):
        return None, ()
    reasons = tuple(r for c in family.criteria if (r := c.evaluate(outcomes)) is not None)
    return not reasons, reasons
