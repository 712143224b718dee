"""The ``prometheus`` source: one PromQL query per panel per cycle, for every team at once.

A panel's query returns a vector grouped by the team label; each team's sample
is its reading. A team missing from the result shows "no data" (never 0, never
green) unless the panel says ``absent = 0``; ``NaN`` (0/0) shows "no traffic".
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any, ClassVar, cast
from urllib.parse import urlencode

from pydantic import ValidationInfo, model_validator

from collectors import numbers
from collectors.base import Collection, PanelTarget, Reading, SourceContext
from collectors.errors import CollectorError
from collectors.http.client import HttpClient, HttpStats
from collectors.labels import LabelName, team_of
from collectors.options import NoOptions
from collectors.prometheus.flavors import flavor_class
from collectors.prometheus.online import OnlineChecker
from collectors.prometheus.options import PrometheusOptions
from collectors.prometheus.result import QUERY_KINDS, Result, decode, parse
from collectors.prometheus.slo import SloPanelOptions, collect_panel

# A bad query is asked again after this many seconds at first, doubling up to the cap,
# so a typo in PromQL never turns into a tight loop of 400s against Prometheus.
BAD_QUERY_BACKOFF = (30.0, 600.0)


# Largest answer read unless max_body_bytes says otherwise.
MAX_BODY = 16 * 1024 * 1024


class PrometheusPanelOptions(SloPanelOptions):
    """``query`` for a metric panel; ``objective`` and the SLI templates for an SLO panel."""

    query: str | None = None
    team_label: LabelName | None = None  # defaults to the source's team_label
    absent: float | None = None  # value for a team missing from the result (e.g. 0)

    @model_validator(mode="after")
    def _query(self, info: ValidationInfo) -> PrometheusPanelOptions:
        kind = info.context.get("panel_kind") if isinstance(info.context, dict) else None
        if kind == "slo" and self.query is not None:
            raise ValueError('query: an "slo" panel is given errors/total or ratio instead')
        if kind != "slo" and not self.query:
            raise ValueError("query: required key is missing")
        return self


@dataclass
class _Parked:
    """A query Prometheus refused as bad_data, and when it may be asked again."""

    error: CollectorError
    retry_at: float
    attempts: int


__all__ = ["PrometheusOptions", "PrometheusPanelOptions", "PrometheusSource"]


class PrometheusSource:
    kind: ClassVar[str] = "prometheus"
    Options: ClassVar[type[PrometheusOptions]] = PrometheusOptions
    PanelOptions: ClassVar[type[PrometheusPanelOptions]] = PrometheusPanelOptions
    TeamOptions: ClassVar[type[NoOptions]] = NoOptions

    def __init__(self, context: SourceContext) -> None:
        self.context = context
        self.options = cast(PrometheusOptions, context.options)
        self.client = HttpClient.from_options(
            self.options, timeout=context.timeout, env=context.env, max_body=MAX_BODY
        )
        self.flavor = flavor_class(self.options.flavor)(self.options, context.env)
        self._parked: dict[str, _Parked] = {}
        self.online_warnings: list[tuple[str, str]] = []

    # -- one cycle ---------------------------------------------------------------------
    def collect(self, deadline: float) -> Collection:
        """One instant query per panel, all at the same evaluation time."""
        out = Collection()
        at = time.time()
        down: CollectorError | None = None
        for panel in self.context.panels:
            if down is not None:  # Prometheus is unreachable: do not wait out every panel
                out.failures[(None, panel.id)] = down
                continue
            if panel.kind == "slo":
                try:
                    self._slo(panel, at, deadline, out)
                except CollectorError as exc:
                    down = exc
                    out.failures[(None, panel.id)] = exc
                continue
            try:
                result = self._instant(panel, at, deadline)
            except CollectorError as exc:
                if exc.kind not in QUERY_KINDS:
                    down = exc
                out.failures[(None, panel.id)] = exc
                continue
            self._read(panel, result, out)
        if down is not None and not out.readings:
            raise down
        return out

    def _slo(self, panel: PanelTarget, at: float, deadline: float, out: Collection) -> None:
        def query(promql: str) -> Result:
            form = {"query": promql, "time": f"{at:.3f}"}
            return parse(*self._post("query", form, deadline), "vector")

        opts = cast(PrometheusPanelOptions, panel.options)
        label = opts.team_label or self.options.team_label
        collect_panel(panel, query, label, self.options.team_map, out)

    def _instant(self, panel: PanelTarget, at: float, deadline: float) -> Result:
        parked = self._parked.get(panel.id)
        if parked is not None and time.monotonic() < parked.retry_at:
            raise parked.error
        opts = cast(PrometheusPanelOptions, panel.options)
        assert opts.query is not None  # checked by the options for every non-SLO panel
        try:
            data, warnings = self._post(
                "query", {"query": opts.query, "time": f"{at:.3f}"}, deadline
            )
            result = parse(data, warnings, "vector")
        except CollectorError as exc:
            if exc.config_error:
                attempts = parked.attempts + 1 if parked else 1
                wait = min(BAD_QUERY_BACKOFF[0] * 2 ** (attempts - 1), BAD_QUERY_BACKOFF[1])
                self._parked[panel.id] = _Parked(exc, time.monotonic() + wait, attempts)
            raise
        self._parked.pop(panel.id, None)
        return result

    def _post(self, endpoint: str, form: dict[str, str], deadline: float) -> tuple[Any, list[str]]:
        left = max(0.1, min(self.context.timeout, deadline - time.monotonic()))
        # Prometheus' own timeout below ours, so a slow query ends as its "timeout"
        # error with a reason rather than as our read timeout with none.
        form = {**form, "timeout": f"{max(50, int(left * 800))}ms"}  # PromQL durations: integers
        url = self.flavor.api(endpoint)
        body = urlencode(self.flavor.form(form)).encode()
        # Encoded here, once: a SigV4 signature covers these exact bytes.
        headers = self.flavor.headers("POST", url, body)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        response = self.client.request(
            "POST",
            url,
            data=body,
            headers=headers,
            deadline=deadline,
            retry_timeouts=False,  # a query that timed out would only time out again
        )
        if not 200 <= response.status < 300:
            refused = self.flavor.refused(response)
            if refused is not None:
                raise refused
        return decode(response, self.flavor.check)

    def _by_team(
        self, panel: PanelTarget, result: Result, warnings: list[str]
    ) -> dict[str, tuple[tuple[float, float], ...]]:
        opts = cast(PrometheusPanelOptions, panel.options)
        label = opts.team_label or self.options.team_label
        found: dict[str, tuple[tuple[float, float], ...]] = {}
        unlabelled = 0
        for series in result.series:
            team = team_of(series.labels, label, self.options.team_map)
            if team is None:
                unlabelled += 1
            elif team in found:
                warnings.append(f'panel {panel.id}: more than one series for team "{team}"')
            else:
                found[team] = series.points
        if unlabelled:
            warnings.append(f'panel {panel.id}: {unlabelled} series without a "{label}" label')
        if result.skipped_histograms:
            warnings.append(
                f"panel {panel.id}: {result.skipped_histograms} native-histogram series skipped"
            )
        title = self.flavor.title
        warnings.extend(f"panel {panel.id}: {title}: {w}" for w in result.warnings)
        return found

    def _read(self, panel: PanelTarget, result: Result, out: Collection) -> None:
        found = self._by_team(panel, result, out.warnings)
        absent = cast(PrometheusPanelOptions, panel.options).absent
        for team in panel.teams:
            if team in found:
                value = found[team][-1][1]
                if math.isinf(value):  # x/0 (+Inf) or -x/0 (-Inf): nothing to show or judge
                    why = "the query divided by zero"
                    out.failures[(team, panel.id)] = numbers.not_finite("value", value, why)
                    continue
                text = "no traffic" if math.isnan(value) else None  # 0/0: shown unknown
                out.readings[(team, panel.id)] = Reading(value=value, text=text)
            elif absent is not None:
                out.readings[(team, panel.id)] = Reading(value=absent)
            else:
                out.readings[(team, panel.id)] = Reading(value=None, text="no data")

    # -- optional parts of the source contract -----------------------------------------
    def backfill(self, deadline: float, points: int) -> dict[tuple[str, str], list[Any]]:
        """Recent history per (team, panel) from ``query_range``, one point per interval."""
        step = self.context.interval
        end = time.time() - step  # the first live cycle supplies the newest point
        start = end - step * (points - 1)
        history: dict[tuple[str, str], list[Any]] = {}
        for panel in self.context.panels:
            opts = cast(PrometheusPanelOptions, panel.options)
            if opts.query is None:
                continue  # SLO panels draw their budget's history live
            form = {"query": opts.query, "start": f"{start:.3f}", "end": f"{end:.3f}"}
            form["step"] = f"{step:g}"
            try:
                result = parse(*self._post("query_range", form, deadline), "matrix")
            except CollectorError as exc:
                if exc.kind in QUERY_KINDS:
                    continue  # the live cycle reports this panel's error
                raise
            for team, series in self._by_team(panel, result, []).items():
                if team in panel.teams:
                    history[(team, panel.id)] = list(series)
        return history

    def check_online(self, deadline: float) -> list[tuple[str, str]]:
        """(key path, reason) for every query refused, and every panel that can only show
        "no data" (a wrong team label, a missing recording rule); teams without data
        while others have some go to :attr:`online_warnings`."""

        def query(promql: str) -> Result:
            return parse(*self._post("query", {"query": promql}, deadline), "vector")

        checker = OnlineChecker(self.context, self.options, query)
        problems = checker.run()
        self.online_warnings = checker.warnings
        return problems

    def http_stats(self) -> list[HttpStats]:
        return [self.client.stats]

    def close(self) -> None:
        self.client.close()
        self.flavor.close()
