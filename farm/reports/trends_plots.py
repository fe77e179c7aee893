"""The trends page's PNGs: pass rate over time per group (Wilson bands), frozen flags per family and night."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np

from farm.reports.figures import FAIL_COLOUR, NEUTRAL_COLOUR, figure, to_png

_REFERENCE_BAND = "#9aa5b1"
_INCOMPLETE = "#8a6d00"
_RECENT = "#e08a1e"


def _group_rows(body: dict[str, Any]) -> dict[tuple[str, str, str], list[dict[str, Any]]]:
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for row in body["rows"]:
        groups.setdefault((row["family"], row["stack"], row["fidelity"]), []).append(row)
    return groups


def _title(group: tuple[str, str, str], many: bool) -> str:
    return " · ".join(group) if many else group[0]


def _nan(value: float | None) -> float:
    return math.nan if value is None else float(value)


def rates_figure(body: dict[str, Any]) -> bytes:
    """Small multiples, one per group: nightly pass rate, its Wilson band, the reference window, flags."""
    groups = _group_rows(body)
    many = len({g[1:] for g in groups}) > 1
    ncols = 2 if len(groups) > 1 else 1
    nrows = max(1, math.ceil(len(groups) / ncols))
    fig, axes = figure(11.0 if ncols == 2 else 8.0, 2.6 * nrows + 0.4, nrows=nrows, ncols=ncols)
    flat = list(np.atleast_1d(axes).ravel())
    for ax, (group, rows) in zip(flat, sorted(groups.items()), strict=False):
        _rate_axes(ax, rows, _title(group, many))
    for ax in flat[len(groups):]:
        ax.set_visible(False)
    handles: dict[str, Any] = {}
    for ax in flat[: len(groups)]:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            handles.setdefault(label, handle)
    fig.legend(list(handles.values()), list(handles), loc="outside upper center", ncols=max(1, len(handles)),
               fontsize=9)
    return to_png(fig)


def _rate_axes(ax: Any, rows: list[dict[str, Any]], title: str) -> None:
    days = [dt.date.fromisoformat(r["date"]) for r in rows]
    rate = np.array([_nan(r["sobol_pass_rate"]) for r in rows])
    low = np.array([_nan(r["sobol_low"]) for r in rows])
    high = np.array([_nan(r["sobol_high"]) for r in rows])
    ax.fill_between(days, low, high, color=NEUTRAL_COLOUR, alpha=0.18, linewidth=0, label="nightly 95 % Wilson")
    complete = np.array([r["state"] == "complete" for r in rows])
    ax.plot(days, rate, color=NEUTRAL_COLOUR, linewidth=1.0)
    idx = np.arange(len(rows))
    ax.scatter([days[i] for i in idx[complete]], rate[complete], s=14, color=NEUTRAL_COLOUR, zorder=3)
    if (~complete).any():
        ax.scatter([days[i] for i in idx[~complete]], rate[~complete], s=30, facecolors="white",
                   edgecolors=_INCOMPLETE, linewidths=1.4, zorder=4, label="not complete")
    ref = [r for r in rows if r["role"] == "reference"]
    for r in ref:
        ax.axvline(dt.date.fromisoformat(r["date"]), color="#3c4650", linewidth=1.0,
                   linestyle="--" if r["reference_reset"] else "-")
    compared = [(d, r) for d, r in zip(days, rows, strict=True) if r["role"] in ("reference", "compared", "absent")
                and r["reference_window_low"] is not None]
    if compared:
        x = [d for d, _ in compared]
        for name in ("reference_window_low", "reference_window_high"):
            ax.plot(x, [r[name] for _, r in compared], color=_REFERENCE_BAND, linewidth=1.3, linestyle=(0, (4, 2)),
                    drawstyle="steps-mid", label="reference window 95 %" if name.endswith("low") else None)
    recent = [(d, r) for d, r in zip(days, rows, strict=True) if r["window_low"] is not None]
    if recent:
        ax.fill_between([d for d, _ in recent], [r["window_low"] for _, r in recent],
                        [r["window_high"] for _, r in recent], color=_RECENT, alpha=0.28, linewidth=0,
                        label="recent window 95 %")
    flagged = [(d, r) for d, r in zip(days, rows, strict=True) if r["flags"]]
    if flagged:
        ax.scatter([d for d, _ in flagged], [1.03] * len(flagged), marker="v", s=34, color=FAIL_COLOUR,
                   zorder=5, clip_on=False, label="flagged")
    ax.set_ylim(max(0.0, float(np.nanmin(low)) - 0.05) if np.isfinite(low).any() else 0.0, 1.06)
    ax.set_title(title, loc="left")
    ax.set_ylabel("sample pass rate")
    ax.tick_params(axis="x", labelsize=8.5)
    import matplotlib.dates as mdates

    locator = mdates.AutoDateLocator(minticks=3, maxticks=6)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def frozen_figure(body: dict[str, Any]) -> bytes:
    """Families × nights: the number of flagged frozen runs (not waived), incomplete nights marked below."""
    nights = body["nights"]
    families = body["families"]
    column = {n["sweep_id"]: i for i, n in enumerate(nights)}
    grid = np.zeros((len(families), len(nights)))
    for r in body["rows"]:
        grid[families.index(r["family"]), column[r["sweep_id"]]] += r["frozen_newly_failing"]
    fig, ax = figure(11.0, 0.45 * len(families) + 1.6)
    from matplotlib.colors import ListedColormap

    cmap = ListedColormap(["#f3f5f7", "#f4b6b0", "#e0665c", FAIL_COLOUR])
    levels = np.digitize(grid, [0.5, 1.5, 5.5])  # 0 | 1 | 2-5 | more
    ax.imshow(levels, aspect="auto", cmap=cmap, vmin=0, vmax=3, interpolation="nearest")
    for (y, x), k in np.ndenumerate(grid):
        if k and len(nights) <= 45:
            ax.text(x, y, f"{int(k)}", ha="center", va="center", fontsize=7.5,
                    color="white" if k > 1.5 else "#5a1010")
    ax.set_yticks(range(len(families)), families)
    step = max(1, math.ceil(len(nights) / 12))
    ax.set_xticks(range(0, len(nights), step), [nights[i]["date"][5:] for i in range(0, len(nights), step)],
                  fontsize=8.5)
    ax.grid(False)
    for i, n in enumerate(nights):
        if n["state"] != "complete":
            ax.annotate(n["state"], (i, -0.5), xytext=(0, 4), textcoords="offset points", ha="center",
                        va="bottom", fontsize=7.5, color=_INCOMPLETE, annotation_clip=False)
        if n["is_reference"]:
            ax.axvline(i, color="#3c4650", linewidth=1.2)
    ax.set_xlabel("night (month-day); vertical line: the reference night; above: nights that are not complete")
    return to_png(fig)
