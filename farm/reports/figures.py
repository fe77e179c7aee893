"""Matplotlib figures for reports, in one house style, rendered headless to PNG bytes.

The Agg canvas is driven directly (no pyplot, no global backend switch), as in
``farm.reports.trajectory_plot``: importing this module is cheap and plotting works
on a machine with no display.
"""

from __future__ import annotations

import io
from typing import Any

DPI = 110
STYLE: dict[str, Any] = {
    "font.size": 10.5, "axes.titlesize": 12, "axes.labelsize": 10.5, "axes.grid": True, "grid.alpha": 0.3,
    "axes.spines.top": False, "axes.spines.right": False, "legend.frameon": False, "figure.dpi": DPI,
}
PASS_COLOUR = "#2e7d32"
FAIL_COLOUR = "#c62828"
NEUTRAL_COLOUR = "#1f5f99"


def figure(width_in: float = 7.5, height_in: float = 4.0, *, nrows: int = 1, ncols: int = 1) -> tuple[Any, Any]:
    """A new (figure, axes) pair in the house style; ``axes`` is an array when nrows × ncols > 1."""
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with rc_context(STYLE):  # type: ignore[arg-type]
        fig = Figure(figsize=(width_in, height_in), dpi=DPI, layout="constrained")
        FigureCanvasAgg(fig)
        axes = fig.subplots(nrows, ncols, squeeze=True)
    return fig, axes


def to_png(fig: Any) -> bytes:
    """The figure as PNG bytes (deterministic: no timestamp metadata); the figure is released."""
    from matplotlib import rc_context

    buffer = io.BytesIO()
    with rc_context(STYLE):  # type: ignore[arg-type]
        fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    fig.clear()
    return buffer.getvalue()
