"""The failure map: pass-rate heatmaps over parameter pairs, each cell labelled with its rate and its n.

A cell is one pair of coverage bins; its colour is the pass rate of the verdict
runs in it (red 0 → green 1), its text the rate and n (the runs counted, the
denominator). Cells with no counted run are hatched grey and say ``n=0``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from farm.reports.figures import figure, to_png

CELL_IN = 0.52  # inches per heatmap cell


def _cell_text(rate: float | None, n: int) -> str:
    return "n=0" if n == 0 else f"{rate:.2f}\nn={n}"


def _draw(ax: Any, fmap: dict[str, Any]) -> Any:
    rows, cols = fmap["rows"], fmap["cols"]
    rate = np.full((len(rows), len(cols)), np.nan)
    n = np.zeros((len(rows), len(cols)), dtype=int)
    for cell in fmap["cells"]:
        n[cell["row"], cell["col"]] = cell["n"]
        if cell["pass_rate"] is not None:
            rate[cell["row"], cell["col"]] = cell["pass_rate"]
    ax.set_facecolor("#eceff1")
    image = ax.imshow(np.ma.masked_invalid(rate), cmap="RdYlGn", vmin=0.0, vmax=1.0, origin="lower",
                      aspect="auto", interpolation="nearest")
    size = 8.0 if max(len(rows), len(cols)) <= 6 else 6.5
    for r in range(len(rows)):
        for c in range(len(cols)):
            value = None if np.isnan(rate[r, c]) else float(rate[r, c])
            dark = value is not None and (value < 0.25 or value > 0.8)
            ax.text(c, r, _cell_text(value, int(n[r, c])), ha="center", va="center", fontsize=size,
                    color="white" if dark else ("#90a4ae" if value is None else "black"))
    ax.set_xticks(range(len(cols)), cols, rotation=30 if max(map(len, cols)) > 4 else 0, ha="right"
                  if max(map(len, cols)) > 4 else "center")
    ax.set_yticks(range(len(rows)), rows)
    ax.grid(False)
    y_name, x_name = fmap["pair"]
    y_unit, x_unit = fmap["units"]
    ax.set_xlabel(f"{x_name} [{x_unit}]" if x_unit else x_name)
    ax.set_ylabel(f"{y_name} [{y_unit}]" if y_unit else y_name)
    return image


def heatmaps_png(maps: Sequence[dict[str, Any]]) -> bytes:
    """One PNG with the given failure maps side by side (at most three) and one colour bar.

    Axes are placed by hand (no constrained layout: it measured every tick label and cell
    text again and cost most of the rendering time).
    """
    maps = list(maps)[:3]
    margins = [0.5 + 0.085 * max(len(label) for label in m["rows"]) for m in maps]  # y label + tick labels
    bar_in, bottom_in, top_in = 0.95, 0.8, 0.15
    widths = [CELL_IN * len(m["cols"]) for m in maps]
    heights = [CELL_IN * len(m["rows"]) for m in maps]
    width = sum(margins) + sum(widths) + 0.25 * (len(maps) - 1) + bar_in
    height = bottom_in + max(heights) + top_in
    fig, axes = figure(width, height, ncols=len(maps))
    fig.set_layout_engine("none")
    axes = np.atleast_1d(axes)
    x = 0.0
    image = None
    for ax, fmap, w, h, margin in zip(axes, maps, widths, heights, margins, strict=True):
        x += margin
        ax.set_position((x / width, bottom_in / height, w / width, h / height))
        image = _draw(ax, fmap)
        x += w + 0.25
    if image is not None:
        bar_ax = fig.add_axes(((x - 0.05) / width, bottom_in / height, 0.14 / width,
                               max(heights) / height))
        bar = fig.colorbar(image, cax=bar_ax)
        bar.set_label("pass rate (verdict runs)")
    return to_png(fig)
