"""How one panel's state moves on a reading or an error: pure functions, no lock, no board.

The board calls these under its lock for each (team, panel) a cycle touches; keeping
them apart keeps the rules (thresholds, "worse since", gaps in the history) readable
without the board's bookkeeping around them.
"""

from __future__ import annotations

import math
import time
from collections import deque
from dataclasses import replace

from collectors import numbers
from collectors.base import Reading
from collectors.errors import CollectorError
from wallboard.board import units
from wallboard.board.status import PanelState, evaluate, severity, worst
from wallboard.config.loader import Panel

History = deque[tuple[float, float | None]]


def panel_status(
    panel: Panel, value: float | None, source_status: str | None, fallback: str = "unknown"
) -> str:
    """The worse of the source's own status and the panel's thresholds on ``value``."""
    has_thresholds = panel.thresholds.warn is not None or panel.thresholds.crit is not None
    statuses = []
    if source_status is not None:
        statuses.append(source_status)
    if has_thresholds or source_status is None:
        statuses.append(evaluate(value, panel.thresholds))
    return worst(statuses) if statuses else fallback


def after_reading(state: PanelState, history: History, reading: Reading, now: float) -> PanelState:
    """The state after a successful reading; its sample joins ``history``.

    A reading holding a number that is not finite (after scaling to the shown unit:
    ``1e308`` of a ratio is infinite in percent) is a panel error naming it, so no
    source's slip reaches JSON or turns a panel green. ``NaN`` as the value alone is
    the documented "no traffic" (0/0), shown unknown."""
    panel = state.panel
    value = units.scale(panel.unit, reading.value)
    sample = units.scale(panel.unit, reading.sample) if reading.sample is not None else value
    bad = _not_finite(value, sample, reading)
    if bad is not None:
        return after_error(state, history, bad, now)
    if sample is not None and not math.isfinite(sample):
        sample = None
    history.append((now, sample))
    text = reading.text
    if text is None and value is not None and math.isnan(value):
        text = "no traffic"
    status = panel_status(panel, value, reading.status)
    worsened_at = state.worsened_at
    if severity(status) > severity(state.status) and status in ("warn", "crit"):
        worsened_at = now
    elif status == "ok":
        worsened_at = None
    # Since when: kept while the status holds, so "crit for 12 min" counts from the change.
    since = state.status_since if status == state.status and state.status_since else now
    return replace(
        state,
        value=value,
        text=text,
        items=reading.items,
        facts=tuple(reading.facts.items()),
        status=status,
        worsened_at=worsened_at,
        status_since=since,
        updated_at=now,
        error=None,
        config_error=False,
        error_since=None,
        stale=False,
    )


def _not_finite(
    value: float | None, sample: float | None, reading: Reading
) -> CollectorError | None:
    """The CollectorError for the first non-finite number of a reading, or None."""
    named: list[tuple[str, object]] = [("value", value), ("sample", sample)]
    named += [(f"figure {key}", v) for key, v in reading.facts.items()]
    for item in reading.items:
        title = str(item.title)[:40]
        named.append((f"{title} since", item.since))
        named += [(f"{title} {key}", v) for key, v in item.meta.items()]
    for name, number in named:
        if name in ("value", "sample") and isinstance(number, float) and math.isnan(number):
            continue  # 0/0: "no traffic"
        if isinstance(number, float) and not math.isfinite(number):
            return numbers.not_finite(name, number, "the source gave no usable number")
    return None


def after_error(
    state: PanelState, history: History, error: CollectorError, now: float
) -> PanelState:
    """The state after a failed cycle: the value stays, the reason shows."""
    # A failed cycle is a gap in the history (one marker per run of failures), so the
    # sparkline breaks there instead of drawing a straight line across the outage.
    if history and history[-1][1] is not None:
        history.append((now, None))
    return replace(
        state,
        error=error.reason,
        config_error=error.config_error,
        error_since=state.error_since if state.error else now,
    )


def restated(state: PanelState, status: str) -> PanelState:
    """``state`` at ``status`` after new thresholds (a reload, a restart): its since-when
    starts now if the status changed, and carries on if it did not."""
    if status == state.status:
        return state
    return replace(state, status=status, status_since=time.time())
