"""Sparkline geometry for the server-rendered page (static/spark.js mirrors it).

The vertical range is the known values', stretched to take in a warn or crit
threshold that lies inside or near it (within one range's height, or half the
top value for a flat line), so a faint threshold line shows how close the curve is.
"""

from __future__ import annotations

from collections.abc import Sequence
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


def points(
    values: Sequence[float | None],
    thresholds: Sequence[float | None] = (),
    width: float = WIDTH,
    height: float = HEIGHT,
) -> str:
    """SVG polyline points for the known values, scaled to the box; "" with fewer than 2."""
    scaled = scale(values, thresholds)
    if scaled is None:
        return ""
    low, high, _ = scaled
    step = width / max(len(values) - 1, 1)
    return " ".join(
        f"{i * step:.1f},{level(v, low, high, height):.1f}"
        for i, v in enumerate(values)
        if v is not None
    )


def threshold_lines(view: dict[str, Any]) -> list[tuple[str, float]]:
    """("warn"|"crit", y) of each threshold line the panel's sparkline draws."""
    values = view.get("spark") or []
    limits = view["thresholds"]
    scaled = scale(values, (limits["warn"], limits["crit"]))
    if scaled is None:
        return []
    low, high, drawn = scaled
    return [
        (name, level(limits[name], low, high))
        for name in ("warn", "crit")
        if limits[name] is not None and limits[name] in drawn
    ]


def span_label(seconds: float) -> str:
    """How much time a sparkline covers, as its label says: "last 90 s", "last 40 min"."""
    if seconds < 120:
        return f"last {round(seconds)} s"
    if seconds < 55 * 60:
        return f"last {round(seconds / 60)} min"
    hours = round(seconds / 3600 * 2) / 2  # to the half hour: "last 1 h", "last 1.5 h"
    return f"last {hours:g} h"
