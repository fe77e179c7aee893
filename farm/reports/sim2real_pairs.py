"""Externally paired sim/real data (``simfarm report sim2real --pairs PAIRS.csv``) as ``UnitValues``.

A CSV or Parquet table with columns ``group`` (optional), ``unit``, ``metric``, ``sim``, ``real``;
any other column is refused. One row per simulated value: several rows of one (group, unit,
metric) are that unit's repeats and must carry the same ``real``. Values are numbers (``inf``
for a TTC that never closes: excluded from the correlations and counted), or ``true``/``false``
(1/0). Without a ``group`` column there are no groups, only ``overall``. A verdict metric of the
bins file (``passed``, ``collision``, ...) takes 0/1 only. Every
problem is one line naming the file, the row (from 1, the first data row) and the column: exit 2.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

from farm.reallog.tables import Columns, read_columns
from farm.reports.sim2real_bins import BinsFile
from farm.reports.sim2real_stats import UnitValues

PAIR_COLUMNS = {"group": "str", "unit": "str", "metric": "str", "sim": "any", "real": "any"}
NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
MAX_NAME = 128
_WORDS = {"true": 1.0, "false": 0.0}


def read_pairs(path: str | Path, bins: BinsFile) -> list[UnitValues]:
    """Validate the pairs file and group its rows into units.

    Raises:
        InputError: an unreadable file, an unknown or missing column, an empty cell, a value that is
            not a number, NaN, a verdict metric's value other than 0/1, or one unit with two real values.
    """
    table = read_columns(path, PAIR_COLUMNS, required=("unit", "metric", "sim", "real"),  # type: ignore[arg-type]
                         never_null=tuple(PAIR_COLUMNS))
    if table.n_rows == 0:
        raise table.fail(None, "unit", "the pairs file has no rows")
    grouped = table.has("group")
    sims: dict[tuple[str, str, str], list[float]] = {}
    reals: dict[tuple[str, str, str], tuple[float, int]] = {}
    for row in range(table.n_rows):
        metric = _name(table, row, "metric")
        key = (metric, _name(table, row, "group") if grouped else "", _name(table, row, "unit"))
        verdict = bins.get(metric)
        failure_coded = verdict is not None and verdict.is_verdict
        sim, real = (_value(table, row, column, verdict_metric=failure_coded) for column in ("sim", "real"))
        if key in reals and reals[key][0] != real:
            raise table.fail(row, "real", f"unit {key[2]!r} of metric {metric!r} has real {real:g} here and "
                                          f"{reals[key][0]:g} on row {reals[key][1] + 1}: one unit, one real value")
        reals.setdefault(key, (real, row))
        sims.setdefault(key, []).append(sim)
    return [UnitValues(metric=m, group=g, unit=u, sim=tuple(values), real=reals[(m, g, u)][0])
            for (m, g, u), values in sims.items()]


def _name(table: Columns, row: int, column: str) -> str:
    text = str(table.values[column][row]).strip()
    if not NAME.match(text) or len(text) > MAX_NAME:
        raise table.fail(row, column, f"{text!r} is not a name (letters, digits, '_', '.', '-'; up to {MAX_NAME})")
    return text


def _value(table: Columns, row: int, column: str, *, verdict_metric: bool) -> float:
    raw = table.values[column][row]
    word = str(raw).strip().lower()
    if word in _WORDS:
        value = _WORDS[word]
    else:
        try:
            value = float(raw)
        except (TypeError, ValueError):
            raise table.fail(row, column, f"{raw!r} is not a number (or true/false)") from None
    if math.isnan(value):
        raise table.fail(row, column, "NaN is not a value: leave the pair out when it was not measured")
    if verdict_metric and value not in (0.0, 1.0):
        raise table.fail(row, column, f"{raw!r}: a verdict metric takes 0/1 (false/true) only")
    return value + 0.0
