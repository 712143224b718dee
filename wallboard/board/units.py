"""How a value in a source's natural unit is scaled and written for people.

Sources report ratios, per-second rates and seconds; the panel's unit says how
to show them. Thresholds in the config are written in the *shown* unit
(``warn = 1`` on a percent panel means 1 %), so scaling happens once, here.
"""

from __future__ import annotations

import math

_SCALE = {"percent": 100.0, "per_minute": 60.0, "ms": 1000.0}
_SUFFIX = {
    "percent": " %",
    "per_second": " /s",
    "per_minute": " /min",
    "ms": " ms",
    "seconds": " s",
    "count": "",
    "none": "",
}


def scale(unit: str, raw: float | None) -> float | None:
    """The raw value in the unit shown (a 0.0123 ratio becomes 1.23 percent)."""
    if raw is None:
        return None
    return raw * _SCALE.get(unit, 1.0)


def suffix(unit: str) -> str:
    return _SUFFIX.get(unit, "")


def format_value(unit: str, value: float | None, decimals: int | None = None) -> str:
    """The value as the screen writes it: "2.31 %", "1,204", "245 ms", "no data"."""
    if value is None:
        return "no data"
    if math.isnan(value):
        return "no traffic"
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    if decimals is None:
        magnitude = abs(value)
        if unit == "count":
            decimals = 0 if magnitude >= 10 or value == int(value) else 1
        elif magnitude >= 100:
            decimals = 0
        elif magnitude >= 10:
            decimals = 1
        else:
            decimals = 2
    return f"{value:,.{decimals}f}{suffix(unit)}"
