"""SLO panels on Prometheus: one query per window per panel, for every team at once.

The SLI is PromQL templates with ``{{window}}``: ``errors`` and ``total`` (each
wrapped in ``sum by (<team label>)``) or a ``ratio`` that already gives one series
per team (a recording rule). Errors and total of one window travel in *one* query,
told apart by a ``slo_part`` label, so a cycle costs exactly one query per window.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import Field, ValidationInfo, model_validator

from collectors import slo
from collectors.base import Collection, PanelTarget
from collectors.errors import CollectorError
from collectors.labels import LabelName, team_of
from collectors.options import Duration, Options
from collectors.prometheus.result import QUERY_KINDS, Result

PART = "slo_part"


class SloPanelOptions(Options):
    """The keys of an SLO panel; see ``PrometheusPanelOptions`` for how they are chosen."""

    objective: float | None = Field(default=None, gt=0, lt=100)  # percent, 99.9
    period: Duration = 30 * slo.DAY
    errors: str | None = None
    total: str | None = None
    ratio: str | None = None
    min_requests: float = Field(default=0.0, ge=0)

    @model_validator(mode="after")
    def _slo_keys(self, info: ValidationInfo) -> SloPanelOptions:
        kind = (info.context or {}).get("panel_kind") if isinstance(info.context, dict) else None
        templates = {"errors": self.errors, "total": self.total, "ratio": self.ratio}
        given = [k for k, v in {"objective": self.objective, **templates}.items() if v]
        if kind != "slo":
            if given:
                raise ValueError(f'{", ".join(given)}: only for panels with kind = "slo"')
            return self
        if self.objective is None:
            raise ValueError('objective is required for kind = "slo" (percent, e.g. 99.9)')
        if self.ratio is None and (self.errors is None or self.total is None):
            raise ValueError('an "slo" panel needs errors and total, or ratio')
        if self.ratio is not None and self.errors is not None:
            raise ValueError("give either errors and total, or ratio, not both")
        for key, template in templates.items():
            if template is not None and "{{window}}" not in template:
                raise ValueError(f"{key}: the template needs a {{{{window}}}} placeholder")
        if self.period < 3 * slo.DAY:
            raise ValueError("period must be at least 3d (the longest burn window)")
        return self


def promql_duration(seconds: float) -> str:
    for unit, size in (("d", slo.DAY), ("h", slo.HOUR), ("m", slo.MINUTE)):
        if seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds)}s"


def covered_query(opts: SloPanelOptions, label: str) -> str:
    """Seconds since each team's SLI first had data within the period: the earliest hour
    whose 1h window has data over the period, or, for data younger than an hour, the
    earliest minute whose 2m window has. An SLI of 2 minutes says so, not "-2899 %"."""
    template = opts.total if opts.total is not None else opts.ratio
    assert template is not None
    period = promql_duration(opts.period)

    def first(window: str, span: str, step: str, name: str) -> str:
        series = f"sum by ({label}) ({template.replace('{{window}}', window)})"
        earliest = f"min_over_time(timestamp({series})[{span}:{step}])"
        return f'label_replace({earliest}, "slo_grid", "{name}", "", "")'

    grids = f"{first('1h', period, '1h', 'hour')} or {first('2m', '1h', '1m', 'minute')}"
    return f"time() - min by ({label}) ({grids})"


def window_query(opts: SloPanelOptions, label: str, window: str, covered: bool = False) -> str:
    """The one query of one window: ratio per team, or errors and total per team; with
    ``covered``, also how much of it each team's data covers (``covered_query``)."""

    def fill(template: str) -> str:
        return template.replace("{{window}}", window)

    if opts.ratio is not None:
        ratio = f"sum by ({label}) ({fill(opts.ratio)})"
        if opts.total is None and not covered:
            return ratio
        parts = {"ratio": ratio}
        if opts.total is not None:
            parts["total"] = f"sum by ({label}) ({fill(opts.total)})"
    else:
        assert opts.errors is not None and opts.total is not None
        parts = {
            "errors": f"sum by ({label}) ({fill(opts.errors)})",
            "total": f"sum by ({label}) ({fill(opts.total)})",
        }
    if covered:
        parts["covered"] = covered_query(opts, label)
    return " or ".join(
        f'label_replace({query}, "{PART}", "{name}", "", "")' for name, query in parts.items()
    )


def windows_of(opts: SloPanelOptions) -> list[str]:
    """Every window one cycle asks for: the period and the burn windows."""
    return [promql_duration(opts.period), *slo.WINDOWS]


def _measure(result: Result, label: str, team_map: dict[str, str] | None) -> dict[str, slo.Window]:
    parts: dict[str, dict[str, float]] = {}
    for series in result.series:
        team = team_of(series.labels, label, team_map or {})
        if team is not None:
            parts.setdefault(team, {})[series.labels.get(PART, "ratio")] = series.value
    out = {}
    for team, got in parts.items():
        total = got.get("total")
        if "ratio" in got:
            ratio: float | None = got["ratio"]
        elif total:
            ratio = got.get("errors", 0.0) / total
        else:
            ratio = None  # no requests: no ratio at all
        if ratio is not None and ratio != ratio:  # NaN: 0/0 in PromQL
            ratio = None
        out[team] = slo.Window(ratio, total, got.get("covered"))
    return out


def collect_panel(
    panel: PanelTarget,
    query: Callable[[str], Result],
    label: LabelName,
    team_map: Any,
    out: Collection,
) -> None:
    """Ask every window of ``panel`` and put one reading per team in ``out``.

    ``label`` is the team label in effect for the panel (its own, else its source's)."""
    opts = panel.options
    assert isinstance(opts, SloPanelOptions)
    measured: dict[str, dict[str, slo.Window]] = {}
    period = promql_duration(opts.period)
    for window in windows_of(opts):
        try:
            asked = window_query(opts, label, window, covered=window == period)
            measured[window] = _measure(query(asked), label, team_map)
        except CollectorError as exc:
            if exc.kind not in QUERY_KINDS:
                raise
            out.failures[(None, panel.id)] = exc
            return
    assert opts.objective is not None
    for team in panel.teams:
        windows = {w: measured[w].get(team, slo.Window(None)) for w in slo.WINDOWS}
        try:
            budget = slo.compute(
                opts.objective / 100.0,
                opts.period,
                measured[period].get(team, slo.Window(None)),
                windows,
                opts.min_requests,
            )
        except CollectorError as exc:  # a non-finite figure: this team's panel says which
            out.failures[(team, panel.id)] = exc
            continue
        out.readings[(team, panel.id)] = slo.reading(budget)
