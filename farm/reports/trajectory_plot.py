"""A PNG of one rollout: ego and actor trajectories, speed and TTC over time (``simfarm replay``).

matplotlib is imported inside ``plot_rollout`` and drives the Agg canvas directly
(no pyplot, no global backend switch), so importing this module stays cheap and
plotting works headless.
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path
from typing import Any

import numpy as np

from farm.result import RolloutResult, Telemetry
from scenario_library.scene import Road

TTC_CLIP_S = 10.0           # TTC above this (or inf: nothing closing) is drawn at the clip line
STATIC_SPREAD_M = 0.05      # an actor that moves less than this is drawn as a fixed obstacle
STRETCH_RATIO = 0.15        # below this y/x extent ratio the map is stretched instead of drawn to scale
TITLE_WIDTH_CHARS = 150
ACTOR_COLOURS = ("tab:orange", "tab:green", "tab:purple", "tab:brown", "tab:pink", "tab:olive", "tab:cyan")
EVENT_STYLE: dict[str, tuple[str, str]] = {   # kind -> (colour, line style) for event markers
    "collision": ("red", "-"), "aeb": ("darkorange", "--"), "fallback": ("purple", "-."),
    "offroad": ("brown", ":"), "geofence": ("olive", ":"),
}


def plot_rollout(result: RolloutResult, path: str | Path, *, road: Road | None = None) -> Path:
    """Write a three-panel PNG of ``result`` (which must carry telemetry) and return its path.

    Top: x/y trajectories of the ego (thick) and every actor, start (circle) and end
    (square) markers, the ego's position at a collision (red star), lane edges if
    ``road`` is given. Bottom left: ego and moving actors' speed [m/s] over time.
    Bottom right: TTC [s] over time, clipped at ``TTC_CLIP_S``. Both bottom panels
    mark collision/AEB/fallback events as vertical lines.

    Raises:
        ValueError: the result has no telemetry (synthetic family, or a sim_error).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    tel = result.telemetry
    if tel is None or len(tel.t_s) == 0:
        raise ValueError(f"run {result.run_id} has no telemetry to plot")
    fig = Figure(figsize=(12.0, 8.5), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    grid = fig.add_gridspec(2, 2, height_ratios=(1.25, 1.0))
    _trajectories(fig.add_subplot(grid[0, :]), result, tel, road)
    events = _timed_events(result)
    _speeds(fig.add_subplot(grid[1, 0]), tel, events)
    _ttc(fig.add_subplot(grid[1, 1]), tel, events)
    fig.suptitle(_title(result), fontsize=11)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, format="png")
    return out


def _title(result: RolloutResult) -> str:
    spec = result.spec
    params = ", ".join(f"{name}={value}" for name, value in spec.params)
    lines = [f"{spec.family}@{spec.family_version}  seed={spec.seed}  {spec.fidelity}  run {result.run_id}  "
             f"— {result.status.value.upper()}", params]
    if result.fail_reasons:
        lines.append("; ".join(result.fail_reasons))
    return "\n".join(textwrap.fill(line, TITLE_WIDTH_CHARS) for line in lines)


def _actor_colours(tel: Telemetry) -> dict[str, str]:
    """One colour per actor, shared by the map and the speed panel."""
    return {actor: ACTOR_COLOURS[i % len(ACTOR_COLOURS)] for i, actor in enumerate(sorted(tel.actors_xy))}


def _timed_events(result: RolloutResult) -> list[tuple[float, str]]:
    """(t_s, kind) of the events worth a vertical line, first of each kind per 0.5 s."""
    seen: dict[str, float] = {}
    marks = []
    for event in result.events:
        if event.kind in EVENT_STYLE and event.t_s - seen.get(event.kind, -math.inf) >= 0.5:
            seen[event.kind] = event.t_s
            marks.append((event.t_s, event.kind))
    return marks


def _trajectories(ax: Any, result: RolloutResult, tel: Telemetry, road: Road | None) -> None:
    if road is not None:
        _lane_edges(ax, road)
    ax.plot(tel.x_m, tel.y_m, color="tab:blue", linewidth=3.0, label="ego", zorder=3)
    _start_end(ax, tel.x_m, tel.y_m, "tab:blue")
    colours = _actor_colours(tel)
    for actor_id, xy in sorted(tel.actors_xy.items()):
        colour = colours[actor_id]
        if np.ptp(xy, axis=0).max(initial=0.0) < STATIC_SPREAD_M:
            ax.plot(xy[0, 0], xy[0, 1], "s", color=colour, markersize=9, label=f"{actor_id} (fixed)", zorder=2)
            continue
        ax.plot(xy[:, 0], xy[:, 1], color=colour, linewidth=1.4, label=actor_id, zorder=2)
        _start_end(ax, xy[:, 0], xy[:, 1], colour)
    for t_s, kind in _timed_events(result):
        if kind == "collision":
            i = int(np.argmin(np.abs(tel.t_s - t_s)))
            ax.plot(tel.x_m[i], tel.y_m[i], "*", color="red", markersize=18, label=f"collision {t_s:.1f} s",
                    zorder=4)
    ax.set_xlabel("x [m]")
    _frame(ax, tel)
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize=8, ncol=2)


def _frame(ax: Any, tel: Telemetry) -> None:
    """Frame the trajectories (not the whole road); to scale unless the scene is long and thin."""
    points = np.vstack([np.column_stack([tel.x_m, tel.y_m]), *tel.actors_xy.values()])
    low, high = points.min(axis=0), points.max(axis=0)
    span_x, span_y = high - low
    pad_x, pad_y = 0.08 * span_x + 5.0, max(0.08 * span_y, 3.0)
    ax.set_xlim(low[0] - pad_x, high[0] + pad_x)
    ax.set_ylim(low[1] - pad_y, high[1] + pad_y)
    if span_y >= STRETCH_RATIO * max(span_x, 1e-9):
        ax.set_aspect("equal", adjustable="box")
        ax.set_ylabel("y [m]")
    else:
        ax.set_ylabel("y [m] (stretched)")


def _start_end(ax: Any, x: np.ndarray, y: np.ndarray, colour: str) -> None:
    ax.plot(x[0], y[0], "o", color=colour, markersize=7, markerfacecolor="white", zorder=4)
    ax.plot(x[-1], y[-1], "s", color=colour, markersize=6, zorder=4)


def _lane_edges(ax: Any, road: Road) -> None:
    for lane in road.lanes:
        line = np.asarray(lane.centreline, dtype=float)
        if len(line) < 2:
            continue
        tangent = np.gradient(line, axis=0)
        tangent /= np.maximum(np.linalg.norm(tangent, axis=1, keepdims=True), 1e-9)
        normal = np.column_stack([-tangent[:, 1], tangent[:, 0]]) * lane.width_m / 2.0
        for side in (line + normal, line - normal):
            ax.plot(side[:, 0], side[:, 1], color="0.75", linewidth=0.8, zorder=1)
        ax.plot(line[:, 0], line[:, 1], color="0.85", linewidth=0.8, linestyle="--", zorder=1)


def _speeds(ax: Any, tel: Telemetry, events: list[tuple[float, str]]) -> None:
    ax.plot(tel.t_s, tel.v_mps, color="tab:blue", linewidth=2.0, label="ego")
    dt_s = float(np.median(np.diff(tel.t_s))) if len(tel.t_s) > 1 else 0.0
    colours = _actor_colours(tel)
    for actor_id, xy in sorted(tel.actors_xy.items()):
        if dt_s <= 0.0 or np.ptp(xy, axis=0).max(initial=0.0) < STATIC_SPREAD_M:
            continue
        speed = np.linalg.norm(np.diff(xy, axis=0), axis=1) / dt_s
        ax.plot(tel.t_s[1:], speed, color=colours[actor_id], linewidth=1.0, linestyle="--", label=actor_id)
    _event_lines(ax, events)
    ax.set_xlabel("t [s]")
    ax.set_ylabel("speed [m/s]")
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize=8)


def _ttc(ax: Any, tel: Telemetry, events: list[tuple[float, str]]) -> None:
    ttc = np.minimum(np.where(np.isfinite(tel.ttc_s), tel.ttc_s, TTC_CLIP_S), TTC_CLIP_S)
    ax.plot(tel.t_s, ttc, color="black", linewidth=1.6, label="TTC")
    if np.isfinite(tel.ttc_s).any():
        i = int(np.argmin(tel.ttc_s))
        ax.plot(tel.t_s[i], ttc[i], "v", color="black", markersize=8, label=f"min {tel.ttc_s[i]:.2f} s")
    _event_lines(ax, events)
    ax.set_ylim(0.0, TTC_CLIP_S * 1.05)
    ax.set_xlabel("t [s]")
    ax.set_ylabel(f"TTC [s] (clipped at {TTC_CLIP_S:.0f}; nothing closing = clip)")
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize=8)


def _event_lines(ax: Any, events: list[tuple[float, str]]) -> None:
    labelled: set[str] = set()
    for t_s, kind in events:
        colour, style = EVENT_STYLE[kind]
        ax.axvline(t_s, color=colour, linestyle=style, linewidth=1.2, label=None if kind in labelled else kind)
        labelled.add(kind)
