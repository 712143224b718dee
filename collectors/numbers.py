"""Numbers from outside, checked where they are produced: a non-finite one is an error.

Prometheus answers ``+Inf``, ``-Inf`` and ``NaN`` as ordinary samples (a ratio rule
while the request rate is 0 gives ``+Inf``), and arithmetic on huge finite values
overflows. Neither may reach JSON or a screen as a number: a panel whose figure is
not finite is a panel error that says which figure and why, shown unknown.
"""

from __future__ import annotations

import math

from collectors.errors import CollectorError

KIND = "bad_value"  # the metrics label of a value that is not a finite number


def spelled(value: float) -> str:
    """How Prometheus writes a non-finite value ("+Inf", "-Inf", "NaN"), else repr."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(value)


def not_finite(name: str, value: float, why: str = "") -> CollectorError:
    """The panel error for ``name`` being ``value``: "ratio is +Inf: <why>"."""
    reason = f"{name} is {spelled(value)}" + (f": {why}" if why else "")
    return CollectorError(reason, kind=KIND)


def check(name: str, value: float | None, why: str = "") -> float | None:
    """``value`` when it is None or finite; otherwise raise :func:`not_finite`."""
    if value is not None and not math.isfinite(value):
        raise not_finite(name, value, why)
    return value
