"""The uncovered cells and t-tuples, written as a ready-to-run sweep file (docs/sweep-format.md).

Per family, the uncovered t-tuples of its declared domain (bins) are packed
greedily into samples, as IPOG's vertical growth does: a tuple goes into the
first sample whose already-set parameters agree with it, else it starts a new
sample. Each set parameter takes a value inside its bin — the declared level
there when there is one, else the bin's midpoint clipped to the declared range —
and the parameters a sample does not set take their nominal value (a frozen
entry's rule). A bin that no value of the declared range reaches is left out and
counted. The file is one ``frozen`` entry per family with explicit ``samples:``,
so it runs exactly these cases and never rotates.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml

from farm.reports.coverage_axes import Axis
from farm.reports.coverage_tway import Coverage
from scenario_library.params import ParamValue


def pack(coverage: Coverage, n_axes: int) -> list[list[int | None]]:
    """Rows of bin indices (None: not set) that together hold every uncovered tuple of ``coverage``."""
    rows: list[list[int | None]] = []
    for tuple_set in coverage.sets:
        for values in tuple_set.uncovered.tolist():
            pairs = list(zip(tuple_set.columns, values, strict=True))
            for row in rows:
                if all(row[c] is None or row[c] == v for c, v in pairs):
                    for c, v in pairs:
                        row[c] = v
                    break
            else:
                new: list[int | None] = [None] * n_axes
                for c, v in pairs:
                    new[c] = v
                rows.append(new)
    return rows


def fill_samples(axes: Sequence[Axis], coverage: Coverage) -> tuple[list[dict[str, ParamValue]], int]:
    """Typed samples covering every reachable uncovered tuple, and how many tuples were unreachable."""
    reachable = [[axis.representative(i) for i in range(axis.k)] for axis in axes]
    unreachable = 0
    kept_sets = []
    for tuple_set in coverage.sets:
        ok = [all(reachable[c][v] is not None for c, v in zip(tuple_set.columns, row, strict=True))
              for row in tuple_set.uncovered.tolist()]
        unreachable += ok.count(False)
        kept_sets.append(type(tuple_set)(columns=tuple_set.columns, total=tuple_set.total, covered=tuple_set.covered,
                                         uncovered=tuple_set.uncovered[ok] if ok else tuple_set.uncovered))
    kept = Coverage(t=coverage.t, covered=coverage.covered, total=coverage.total, sets=tuple(kept_sets))
    samples = [{axes[c].name: reachable[c][v] for c, v in enumerate(row) if v is not None}  # type: ignore[misc]
               for row in pack(kept, len(axes))]
    return samples, unreachable  # type: ignore[return-value]


def sweep_file_text(*, name: str, description: str, seed: int, stacks: Sequence[str], fidelity: Sequence[str],
                    families: Sequence[tuple[str, list[dict[str, ParamValue]]]], header: str) -> str:
    """The sweep YAML: a comment header, then one frozen entry per family with at least one sample."""
    document: dict[str, Any] = {"name": name, "description": description, "seed": seed}
    if stacks:
        document["stacks"] = list(stacks)
    document["fidelity"] = list(fidelity) or ["kinematic"]
    document["families"] = [{"name": family, "sampler": "frozen", "samples": samples}
                            for family, samples in families if samples]
    comment = "".join(f"# {line}\n" if line else "#\n" for line in header.splitlines())
    body = yaml.safe_dump(document, sort_keys=False, default_flow_style=None, width=110, allow_unicode=True)
    return comment + body
