"""Error-budget arithmetic shared by every source that shows an SLO panel.

The multiwindow, multi-burn-rate rule of Google's SRE workbook: a pair of windows
(long, short) alerts when *both* burn faster than ``factor = budget fraction x period
/ long window``, so a 30-day period pages at 14.4 (2 % of the budget in 1 h) and 6
(5 % in 6 h) and tickets at 3 (10 % in 1 d) and 1 (10 % in 3 d). Nothing here is a
hard-coded factor: a 28-day period gets 13.44, 5.6, 2.8 and 0.93 from the same rule.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from collectors import numbers
from collectors.base import Item, Reading

MINUTE, HOUR, DAY = 60.0, 3600.0, 86400.0
TIMES, MINUS = "\u00d7", "\u2212"  # the multiplication and minus signs people read
# Windows as PromQL durations and seconds, shortest first.
WINDOWS: dict[str, float] = {
    "5m": 5 * MINUTE,
    "30m": 30 * MINUTE,
    "1h": HOUR,
    "2h": 2 * HOUR,
    "6h": 6 * HOUR,
    "1d": DAY,
    "3d": 3 * DAY,
}


@dataclass(frozen=True)
class Pair:
    """Two windows that must both burn faster than ``factor`` to trip ``severity``."""

    long: str
    short: str
    budget: float  # the fraction of the whole budget this pair guards
    severity: str  # "crit" (page) or "warn" (ticket)

    def factor(self, period: float) -> float:
        return self.budget * period / WINDOWS[self.long]


PAIRS = (
    Pair("1h", "5m", 0.02, "crit"),
    Pair("6h", "30m", 0.05, "crit"),
    Pair("1d", "2h", 0.10, "warn"),
    Pair("3d", "6h", 0.10, "warn"),
)


@dataclass(frozen=True)
class Window:
    """What one window measured: its error ratio and how many requests it saw."""

    ratio: float | None  # None: no data, or no requests at all
    requests: float | None = None  # None when the SLI gives no request count
    # Seconds of the window the data covers (from its first sample); None: not measured,
    # taken as the whole window.
    covered: float | None = None


# How far short of the period the measured coverage may fall and still count as whole:
# older data is found on an hourly grid (collectors/prometheus/slo.py).
COVER_SLACK = 2 * HOUR


def _slack(covered: float) -> float:
    """Two steps of the grid the coverage was found on: minutes under an hour, else hours."""
    return 2 * MINUTE if covered < HOUR else COVER_SLACK


@dataclass(frozen=True)
class Budget:
    objective: float  # a fraction, 0.999
    period: float  # seconds
    remaining: float | None  # fraction of the budget left; below zero once exhausted
    burns: Mapping[str, float | None]  # None: unknown (no data or too little traffic)
    quiet: frozenset[str]  # windows with fewer than min_requests
    status: str
    exhaustion: float | None  # seconds until the budget is gone at the 1 h burn
    covered: float | None = None  # seconds of data, when less than the period: collecting

    def factor(self, window: str) -> float:
        """The threshold of the pair whose long window is ``window`` (or short, for 5m/30m/2h)."""
        for pair in PAIRS:
            if window in (pair.long, pair.short):
                return pair.factor(self.period)
        raise KeyError(window)


def compute(
    objective: float,
    period: float,
    period_window: Window,
    windows: Mapping[str, Window],
    min_requests: float = 0.0,
) -> Budget:
    """Budget, burns, status and time to exhaustion from measured windows.

    Every window's ratio and request count, and every figure derived from them, is
    finite or None: a non-finite one raises a CollectorError naming it and why (the
    panel shows that error, unknown, never a green "inf %")."""
    _check_windows(period_window, windows)
    allowed = 1.0 - objective
    remaining = None if period_window.ratio is None else 1.0 - period_window.ratio / allowed
    covered = period_window.covered
    if covered is not None and covered >= period - COVER_SLACK:
        covered = None  # the whole period
    if covered is not None:
        remaining = None  # a budget over 2 minutes of a 30-day period means nothing
    burns: dict[str, float | None] = {}
    quiet = set()
    for name in WINDOWS:
        window = windows.get(name, Window(None))
        if covered is not None and WINDOWS[name] > covered + _slack(covered):
            burns[name] = None  # the data does not reach back over this window
        elif window.requests is not None and window.requests < min_requests:
            quiet.add(name)
            burns[name] = None
        else:
            burns[name] = None if window.ratio is None else window.ratio / allowed
    status = "ok"
    unknown = False
    for pair in PAIRS:
        long, short = burns[pair.long], burns[pair.short]
        if long is None or short is None:
            unknown = unknown or pair.severity == "crit"  # a page pair we cannot judge
            continue
        factor = pair.factor(period)
        if long > factor and short > factor and (pair.severity == "crit" or status == "ok"):
            status = pair.severity
    if status == "ok" and (unknown or remaining is None):
        status = "unknown"
    hourly = burns["1h"]
    exhaustion = None
    if remaining is not None and hourly is not None and hourly > 1.0:
        exhaustion = max(0.0, remaining) * period / hourly
    numbers.check("budget remaining", remaining, "the period's ratio overflows the budget")
    for name, burn in burns.items():
        numbers.check(f"burn {name}", burn, f"the {name} ratio overflows the budget")
    numbers.check("time to exhaustion", exhaustion, "the budget is too large to divide")
    numbers.check("data covered", covered, "the first sample's time is not a time")
    return Budget(
        objective, period, remaining, burns, frozenset(quiet), status, exhaustion, covered
    )


def _check_windows(period_window: Window, windows: Mapping[str, Window]) -> None:
    """Raise for the first non-finite ratio or request count, naming every window that
    has the same value ("ratio is +Inf: no requests in the 5m, 1h windows")."""
    named = [*((f"{name}", w) for name, w in windows.items()), ("period", period_window)]
    for name, window in named:
        numbers.check("request count", window.requests, f"in the {_label([name])}")
        ratio = window.ratio
        if ratio is None or math.isfinite(ratio):
            continue
        same = [
            n
            for n, w in named
            if w.ratio is not None and numbers.spelled(w.ratio) == numbers.spelled(ratio)
        ]
        where = _label(same)
        if math.isnan(ratio):
            why = f"0/0 in the {where}"
        elif ratio > 0:
            why = f"no requests in the {where}"
        else:
            why = f"negative in the {where}"
        raise numbers.not_finite("ratio", ratio, why)


def _label(names: list[str]) -> str:
    """ "1h window", "5m, 1h windows", "SLO period", "5m window and the SLO period"."""
    spans = [n for n in names if n != "period"]
    text = ", ".join(spans) + (" windows" if len(spans) > 1 else " window") if spans else ""
    if "period" in names:
        text = f"{text} and the SLO period" if text else "SLO period"
    return text


def duration_text(seconds: float) -> str:
    """ "45 min", "16 h", "3.5 days": how long until the budget is gone."""
    if seconds < 90 * MINUTE:
        return f"{max(1, round(seconds / MINUTE))} min"
    if seconds < 2 * DAY:
        return f"{seconds / HOUR:.0f} h"
    return f"{seconds / DAY:.1f} days"


def span_text(seconds: float) -> str:
    """ "2 min", "5 h", "30 d", "4.5 d": how much of a period the data covers, and of what."""
    if seconds < 90 * MINUTE:
        return f"{max(1, round(seconds / MINUTE))} min"
    if seconds < 2 * DAY:
        return f"{seconds / HOUR:.0f} h"
    days = seconds / DAY
    return f"{days:.0f} d" if days == round(days) else f"{days:.1f} d"


def _burn_text(burn: float | None, quiet: bool) -> str:
    if quiet:
        return "too little traffic"
    return "no data" if burn is None else f"{burn:.1f}{TIMES}"


def _window_status(budget: Budget, name: str) -> str:
    burn = budget.burns[name]
    if burn is None:
        return "unknown"
    return "crit" if burn > budget.factor(name) else "ok"


def reading(budget: Budget) -> Reading:
    """The panel: budget left as the big number, 1 h and 6 h burn beside their thresholds;
    "collecting: 2 min of 30 d" while the data covers less than the period."""
    if budget.covered is not None:
        text = f"collecting: {span_text(budget.covered)} of {span_text(budget.period)}"
    elif budget.remaining is None:
        text = "no data"
    elif budget.remaining < 0:
        text = f"budget exhausted, {MINUS}{abs(budget.remaining) * 100:.0f} %"
    else:
        text = f"{budget.remaining * 100:.1f} %"
    items = []
    for name in ("1h", "6h"):
        factor = budget.factor(name)
        burn = _burn_text(budget.burns[name], name in budget.quiet)
        detail = f"{burn} · page at {factor:.3g}{TIMES}"
        items.append(
            Item(
                title=f"burn {name}",
                status=_window_status(budget, name),
                detail=detail,
                meta={"window": name, "burn": budget.burns[name], "threshold": factor},
            )
        )
    if budget.exhaustion is not None:
        items.append(
            Item(
                title="budget gone in",
                status=budget.status if budget.status != "unknown" else "warn",
                detail=duration_text(budget.exhaustion),
                meta={"seconds": budget.exhaustion},
            )
        )
    return Reading(
        value=budget.remaining,
        text=text,
        status=budget.status,
        items=tuple(items),
        sample=budget.remaining,
        facts=facts(budget),
    )


def facts(budget: Budget) -> dict[str, float | str | None]:
    """Every number of the panel, for the API and chat: the screen's numbers, unrounded."""
    out: dict[str, float | str | None] = {
        "objective": budget.objective,
        "period_seconds": budget.period,
        "budget_remaining": budget.remaining,
        "time_to_exhaustion_seconds": budget.exhaustion,
        "slo_status": budget.status,
        "covered_seconds": budget.covered,
    }
    for name in WINDOWS:
        out[f"burn_{name}"] = budget.burns[name]
        out[f"threshold_{name}"] = budget.factor(name)
        if name in budget.quiet:
            out[f"burn_{name}"] = "too little traffic"
    return out


def finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None
