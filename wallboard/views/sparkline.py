"""Sparkline geometry, all of it on the server: the line, the faint threshold lines, the
deploy ticks and the span label. First renders and websocket frames read the same texts
(views.screen_shape), and static/spark.js only copies them into the markup.

The vertical range is the known values', stretched to take in a warn or crit
threshold that lies inside or near it (within one range's height, or half the
top value for a flat line), so a faint threshold line shows how close the curve is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

WIDTH, HEIGHT = 100.0, 24.0


def scale(
    values: Sequence[float | None], thresholds: Sequence[float | None] = ()
) -> tuple[float, float, list[float]] | None:
    """(low, high, thresholds drawn) for the values; None with fewer than 2 known."""
    known = [v for v in values if v is not None]
    if len(known) < 2:
        return None
    low, high = min(known), max(known)
    reach = max(high - low, abs(high) * 0.5)
    drawn = [t for t in thresholds if t is not None and low - reach <= t <= high + reach]
    if drawn:
        low, high = min(low, *drawn), max(high, *drawn)
    return low, high, drawn


def level(value: float, low: float, high: float, height: float = HEIGHT) -> float:
    """The y of ``value`` in the box (1 px of margin top and bottom)."""
    span = (high - low) or 1.0
    return height - (value - low) / span * (height - 2) - 1


def lines(
    values: Sequence[float | None],
    thresholds: Sequence[float | None] = (),
    width: float = WIDTH,
    height: float = HEIGHT,
) -> list[str]:
    """SVG polyline points, one string per run of known values: a missing value (a failed
    cycle, no data, no traffic) is a gap in the line, not a straight line across it. A run
    of a single point has nothing to draw and is left out; [] with fewer than 2 known."""
    scaled = scale(values, thresholds)
    if scaled is None:
        return []
    low, high, _ = scaled
    step = width / max(len(values) - 1, 1)
    runs: list[list[str]] = [[]]
    for i, v in enumerate(values):
        if v is None:
            if runs[-1]:
                runs.append([])
            continue
        runs[-1].append(f"{i * step:.1f},{level(v, low, high, height):.1f}")
    return [" ".join(run) for run in runs if len(run) >= 2]


def threshold_lines(view: Mapping[str, Any]) -> list[tuple[str, float]]:
    """("warn"|"crit", y) of each threshold line the panel's sparkline draws."""
    values = view.get("spark") or []
    limits = view.get("thresholds") or {}
    scaled = scale(values, (limits.get("warn"), limits.get("crit")))
    if scaled is None:
        return []
    low, high, drawn = scaled
    return [
        (name, level(limits[name], low, high))
        for name in ("warn", "crit")
        if limits.get(name) is not None and limits[name] in drawn
    ]


def span_label(seconds: float) -> str:
    """How much time a sparkline covers, as its label says: "last 90 s", "last 40 min"."""
    if seconds < 120:
        return f"last {round(seconds)} s"
    if seconds < 55 * 60:
        return f"last {round(seconds / 60)} min"
    hours = round(seconds / 3600 * 2) / 2  # to the half hour: "last 1 h", "last 1.5 h"
    return f"last {hours:g} h"


def deploy_ticks(view: Mapping[str, Any]) -> list[tuple[Mapping[str, Any], float]]:
    """(deploy, x in 0..100) of each of the panel's deploys that falls on its line.

    A deploy older than the line's first point has no place on it; one after its last
    point sits at the right edge (it happened since the newest sample).
    """
    start, end = view.get("spark_from"), view.get("spark_to")
    if not start or not end:
        return []
    width = (end - start) or 1.0
    return [
        (d, min(WIDTH, (d["at"] - start) / width * WIDTH))
        for d in view.get("deploys") or []
        if d["at"] >= start
    ]
