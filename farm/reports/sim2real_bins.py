"""The metric-bins file of the sim-to-real realism score: bin edges, weights and verdict metrics per metric.

The shipped default is ``scenario_library/metric_bins.yaml`` (package data; its header says
what each field means); ``--bins PATH`` reads another file in the same format. Validation is
strict (pydantic at the YAML edge): a bad file is one line naming the file, the field and
the reason, exit 2.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from farm.errors import InputError


def default_bins_path() -> Path:
    """The shipped ``scenario_library/metric_bins.yaml`` (package data: found wherever the library is installed)."""
    import scenario_library

    return Path(scenario_library.__file__).resolve().parent / "metric_bins.yaml"

MAX_BINS = 1000


class _Verdict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    failure: Literal[0, 1]


class _Metric(BaseModel):
    model_config = ConfigDict(extra="forbid")
    edges: list[float] | None = None
    range: tuple[float, float] | None = None
    bins: int | None = Field(default=None, ge=1, le=MAX_BINS)
    weight: float = Field(default=0.0, ge=0.0)
    verdict: _Verdict | None = None

    @model_validator(mode="after")
    def _one_form(self) -> _Metric:
        if (self.edges is None) == (self.range is None):
            raise ValueError("give either 'edges' or 'range' with 'bins'")
        if self.range is not None and self.bins is None:
            raise ValueError("'range' needs 'bins'")
        if self.edges is not None and self.bins is not None:
            raise ValueError("'bins' goes with 'range', not with 'edges'")
        return self


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")
    format: Literal[1]
    metrics: dict[str, _Metric]


@dataclass(frozen=True, slots=True, kw_only=True)
class MetricBins:
    """One metric's realism bins: ``edges`` (B + 1 strictly increasing), meta-score ``weight``, verdict."""

    metric: str
    edges: tuple[float, ...]
    weight: float
    failure_value: int | None = None  # a verdict metric (0/1): the value that is a failure

    @property
    def is_verdict(self) -> bool:
        return self.failure_value is not None


@dataclass(frozen=True, slots=True, kw_only=True)
class BinsFile:
    """A validated metric-bins file; ``metrics`` in file order (the report's metric order)."""

    path: str
    metrics: dict[str, MetricBins]

    def get(self, metric: str) -> MetricBins | None:
        return self.metrics.get(metric)


def load_bins(path: str | Path | None = None) -> BinsFile:
    """Read and validate a metric-bins file (``None``: the shipped default).

    Raises:
        InputError: unreadable file, invalid YAML, a field of the wrong shape, edges not
            strictly increasing or not finite, or a verdict metric whose edges do not cover [0, 1].
    """
    source = str(path if path is not None else default_bins_path())
    try:
        document = yaml.safe_load(Path(source).read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read the metric-bins file: {exc.strerror or exc}", source=source,
                         field="--bins") from None
    except yaml.YAMLError as exc:
        raise InputError(f"not valid YAML: {getattr(exc, 'problem', None) or exc}", source=source) from None
    if not isinstance(document, dict):
        raise InputError("a metric-bins file is a YAML mapping with 'format' and 'metrics'", source=source)
    try:
        model = _File.model_validate(document)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"])
        reason = {"extra_forbidden": "unknown field", "missing": "required field is missing"}.get(
            error["type"], error["msg"].removeprefix("Value error, "))
        raise InputError(reason, source=source, field=where) from None
    return BinsFile(path=source, metrics={name: _metric(name, m, source) for name, m in model.metrics.items()})


def _metric(name: str, model: _Metric, source: str) -> MetricBins:
    field = f"metrics.{name}"
    if model.edges is not None:
        edges = np.asarray(model.edges, dtype=np.float64)
    else:
        assert model.range is not None and model.bins is not None
        low, high = model.range
        if not high > low:
            raise InputError(f"range [{low:g}, {high:g}] is empty", source=source, field=f"{field}.range")
        edges = np.linspace(low, high, model.bins + 1)
    if edges.size < 2 or edges.size > MAX_BINS + 1 or not np.all(np.isfinite(edges)) \
            or not np.all(np.diff(edges) > 0):
        raise InputError(f"edges must be 2 to {MAX_BINS + 1} finite, strictly increasing values",
                         source=source, field=f"{field}.edges")
    failure = None if model.verdict is None else model.verdict.failure
    if failure is not None and not (edges[0] <= 0.0 and edges[-1] >= 1.0):
        raise InputError("a verdict metric's edges must cover 0 and 1", source=source, field=f"{field}.edges")
    return MetricBins(metric=name, edges=tuple(float(e) for e in edges), weight=float(model.weight),
                      failure_value=failure)
