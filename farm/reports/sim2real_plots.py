"""The sim2real figures: per metric, sim against real with the y = x line, and the Bland–Altman plot.

Both panels use the unit values of ``farm.reports.sim2real_stats`` (the sim mean over repeats,
its min–max range as a bar), finite units only (a never-closing TTC has no place on an axis;
the caption says how many were left out).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from farm.reports.figures import NEUTRAL_COLOUR, figure, to_png

GROUP_COLOURS = ("#1f5f99", "#c2571a", "#2e7d32", "#7b3fa0", "#8c6d1f", "#00838f", "#ad1457", "#546e7a")
MAX_LEGEND = 8


def metric_figure(metric: str, units: list[dict[str, Any]], stats: dict[str, Any]) -> bytes | None:
    """PNG of the two panels, or None when no unit has a finite sim and real value."""
    finite = [u for u in units if math.isfinite(u["sim_mean"]) and math.isfinite(u["real"])]
    if not finite:
        return None
    fig, (scatter, agreement) = figure(10.5, 4.2, ncols=2)
    groups = sorted({u["group"] for u in finite})
    colour = {g: GROUP_COLOURS[i % len(GROUP_COLOURS)] for i, g in enumerate(groups)}
    for g in groups:
        rows = [u for u in finite if u["group"] == g]
        sim = np.array([u["sim_mean"] for u in rows])
        real = np.array([u["real"] for u in rows])
        low = sim - np.array([max(u["sim_min"], -1e12) for u in rows])
        high = np.array([min(u["sim_max"], 1e12) for u in rows]) - sim
        label = g if g and len(groups) <= MAX_LEGEND else None
        scatter.errorbar(sim, real, xerr=np.vstack([low, high]), fmt="o", ms=5, color=colour[g], ecolor=colour[g],
                         elinewidth=1, alpha=0.85, capsize=2, label=label)
        agreement.scatter((sim + real) / 2.0, sim - real, s=22, color=colour[g], alpha=0.85)
    _identity(scatter, finite, stats)
    _limits(agreement, stats)
    scatter.set(title=f"{metric}: real against sim", xlabel="sim (mean of repeats; bar: min–max)", ylabel="real")
    agreement.set(title="Bland–Altman", xlabel="mean of sim and real", ylabel="sim − real")
    if len(groups) <= MAX_LEGEND:
        scatter.legend(loc="best", fontsize=9)
    return to_png(fig)


def _identity(ax: Any, units: list[dict[str, Any]], stats: dict[str, Any]) -> None:
    values = [u["sim_min"] for u in units] + [u["sim_max"] for u in units] + [u["real"] for u in units]
    finite = [v for v in values if math.isfinite(v)]
    lo, hi = min(finite), max(finite)
    pad = 0.05 * (hi - lo) if hi > lo else max(abs(hi), 1.0) * 0.1
    span = np.array([lo - pad, hi + pad])
    ax.plot(span, span, ls="--", color="#888888", lw=1, label="y = x")
    if stats.get("slope") is not None and stats.get("intercept") is not None:
        ax.plot(span, stats["intercept"] + stats["slope"] * span, color=NEUTRAL_COLOUR, lw=1, alpha=0.6,
                label="fit of real on sim")
    ax.set_xlim(*span)
    ax.set_ylim(*span)
    ax.set_aspect("equal", adjustable="box")


def _limits(ax: Any, stats: dict[str, Any]) -> None:
    ba = stats["bland_altman"]
    ax.axhline(0.0, color="#888888", lw=1, ls=":")
    for value, style, name in ((ba["bias"], "-", "bias"), (ba["loa_low"], "--", "95 % limits"),
                               (ba["loa_high"], "--", None)):
        if value is not None:
            ax.axhline(value, color="#c62828", lw=1, ls=style, label=name)
    if ba["bias"] is not None:
        ax.legend(loc="best", fontsize=9)
