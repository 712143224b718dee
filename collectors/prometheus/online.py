"""``check-config --online`` for a Prometheus source: catch "no data" before the TV does.

Every panel's query runs once. A query refused is an error with its key path; so is a
panel no configured team has a series for (a wrong ``team_label``: the label values
seen are listed) and an SLO window without data (the recording rule or metric it
needs is named). A team without a series while others have one is a warning.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from collectors.base import PanelTarget, SourceContext
from collectors.errors import CollectorError
from collectors.labels import team_of
from collectors.prometheus.options import PrometheusOptions
from collectors.prometheus.result import QUERY_KINDS, Result
from collectors.prometheus.slo import PART, SloPanelOptions, window_query, windows_of

SEEN_SHOWN = 10  # label values listed in a message; then "+N more"
# Names in PromQL that are not metrics: keywords, functions (followed by "("), and
# everything inside {...}, [...] and by/without/on/ignoring (...) is dropped first.
_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset"}
_KEYWORDS |= {"and", "or", "unless", "atan2", "inf", "nan", "start", "end"}
_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")


def metric_names(promql: str) -> list[str]:
    """The metric and recording-rule names a PromQL expression reads, in order, once each."""
    text = re.sub(r"\{[^}]*\}|\[[^\]]*\]|\"[^\"]*\"|'[^']*'", " ", promql)
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    names: list[str] = []
    for match in _NAME.finditer(text):
        name = match.group(0)
        rest = text[match.end() :].lstrip()
        if rest.startswith("(") or name.lower() in _KEYWORDS or name in names:
            continue
        if match.start() > 0 and text[match.start() - 1].isdigit():
            continue  # the unit of a duration or number ("5m", "1e3")
        names.append(name)
    return names


def _listed(values: list[str]) -> str:
    shown = ", ".join(values[:SEEN_SHOWN])
    more = len(values) - SEEN_SHOWN
    return f"{shown} (+{more} more)" if more > 0 else shown


class OnlineChecker:
    """One run over a source's panels; ``run`` gives the errors, ``warnings`` the rest."""

    def __init__(
        self,
        context: SourceContext,
        options: PrometheusOptions,
        query: Callable[[str], Result],
    ) -> None:
        self.context = context
        self.options = options
        self.query = query
        self.warnings: list[tuple[str, str]] = []

    def run(self) -> list[tuple[str, str]]:
        problems: list[tuple[str, str]] = []
        for panel in self.context.panels:
            try:
                if panel.kind == "slo":
                    problems += self._slo(panel)
                else:
                    problems += self._metric(panel)
            except CollectorError as exc:
                if exc.kind not in QUERY_KINDS:  # unreachable or refused: nothing else to ask
                    return [(f"sources.{self.context.id}.url", f"cannot check: {exc.reason}")]
                key = "query" if panel.kind != "slo" else "errors"
                problems.append((f"panels.{panel.id}.{key}", exc.reason))
        return problems

    def _label(self, panel: PanelTarget) -> str:
        own: str | None = getattr(panel.options, "team_label", None)
        return own or self.options.team_label

    def _metric(self, panel: PanelTarget) -> list[tuple[str, str]]:
        query: str = getattr(panel.options, "query", "") or ""
        result = self.query(query)
        if getattr(panel.options, "absent", None) is not None:
            return []  # a missing team reads as the panel's `absent` value on purpose
        return self._teams(panel, result, f"panels.{panel.id}.query")

    def _teams(self, panel: PanelTarget, result: Result, key: str) -> list[tuple[str, str]]:
        label = self._label(panel)
        seen = sorted({s.labels[label] for s in result.series if s.labels.get(label)})
        found = {team_of(s.labels, label, self.options.team_map) for s in result.series}
        missing = [team for team in panel.teams if team not in found]
        if not missing:
            return []
        where = f"team label `{label}`"
        if not result.series:
            reason = "the query returned no series at all"
            names = self._absent(getattr(panel.options, "query", "") or "")
            if names:
                reason += f"; no series for {_listed(names)}"
            return [(key, reason)]
        if not seen:
            labels = sorted({name for s in result.series for name in s.labels})
            have = f"labels seen: {_listed(labels)}" if labels else "the series have no labels"
            return [(key, f"{where}: no series carries this label ({have})")]
        text = f"{where}: no series for {_listed(missing)}; seen: {_listed(seen)}"
        if len(missing) == len(panel.teams):
            return [(key, text)]  # no team can ever show data: an error
        self.warnings.append((key, text))
        return []

    def _absent(self, promql: str) -> list[str]:
        """The names in ``promql`` with no series at all (a recording rule never loaded)."""
        out = []
        for name in metric_names(promql)[:10]:
            try:
                if not self.query(f"count({name})").series:
                    out.append(f"`{name}`")
            except CollectorError:
                continue  # the name was not a metric after all; the query's own error shows
        return out

    def _slo(self, panel: PanelTarget) -> list[tuple[str, str]]:
        opts = panel.options
        assert isinstance(opts, SloPanelOptions)
        label = self._label(panel)
        templates: dict[str, Any] = {"errors": opts.errors, "total": opts.total}
        templates["ratio"] = opts.ratio
        for window in windows_of(opts):
            result = self.query(window_query(opts, label, window))
            if any(team_of(s.labels, label, self.options.team_map) for s in result.series):
                continue
            names: list[str] = []
            for template in templates.values():
                if template is not None:
                    names += self._absent(template.replace("{{window}}", window))
            key = "ratio" if opts.ratio is not None else "total"
            why = f"window {window} returned no data for any team"
            if names:
                why += f": recording rule or metric {', '.join(dict.fromkeys(names))} has no series"
            elif result.series:
                parts = sorted({s.labels.get(PART, "") for s in result.series})
                why += f" (series without a `{label}` label: {', '.join(parts)})"
            return [(f"panels.{panel.id}.{key}", why)]
        return []
