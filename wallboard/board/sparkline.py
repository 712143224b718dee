"""Sparkline geometry: the server computes the points for first renders and frames alike."""

from __future__ import annotations

from collections.abc import Sequence


def points(values: Sequence[float | None], width: float = 100.0, height: float = 24.0) -> str:
    """SVG polyline points for the known values, scaled to the box; "" with fewer than 2."""
    known = [(i, v) for i, v in enumerate(values) if v is not None]
    if len(known) < 2:
        return ""
    low = min(v for _, v in known)
    high = max(v for _, v in known)
    span = (high - low) or 1.0
    step = width / max(len(values) - 1, 1)
    return " ".join(
        f"{i * step:.1f},{height - (v - low) / span * (height - 2) - 1:.1f}" for i, v in known
    )
