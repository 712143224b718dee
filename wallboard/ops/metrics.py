"""``GET /metrics``: the wall seen from inside, in Prometheus exposition format.

One private ``CollectorRegistry`` per app, so two apps in one process never
collide. Counts that already live in the board, the hub and the HTTP clients are
read at scrape time by a custom collector (nothing is copied on the hot path);
only what has no other home (collection durations, failures by kind, requests
by route) is observed as it happens. Every label value is bounded: a configured
id, a route *pattern*, a status class or a short error kind, never a URL or an
error text.
"""

from __future__ import annotations

import re
from collections import Counter as Tally
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Flask, Response, current_app, request
from prometheus_client import (
    CollectorRegistry,
    Counter,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector

from collectors.base import HttpCounted, Source
from collectors.errors import CollectorError
from collectors.http.client import HttpStats
from wallboard.state.ports import ReportsMetrics
from wallboard.wall import Wall

EXTENSION = "wallboard.metrics"
DURATION_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
_KIND = re.compile(r"^[a-z0-9_]{1,32}$")


def http_stats(source: Source) -> list[HttpStats]:
    """The HTTP counters of a source's clients (``collectors.base.HttpCounted``), each once.

    A source without HTTP clients simply has no upstream series.
    """
    if not isinstance(source, HttpCounted):
        return []
    found = {id(stats): stats for stats in source.http_stats()}
    return list(found.values())


def failure_kind(error: CollectorError) -> str:
    """``CollectorError.kind`` when it is a short code; never free text as a label."""
    return error.kind if _KIND.match(error.kind) else "other"


class WallCollector(Collector):
    """Reads board, hub and upstream-client state at scrape time."""

    def __init__(self, wall: Wall) -> None:
        self.wall = wall

    def collect(self) -> Iterator[Metric]:
        wall = self.wall
        board, hub = wall.board, wall.hub
        info = GaugeMetricFamily(
            "wallboard_build_info", "Build and environment of this process.", labels=["build"]
        )
        info.add_metric([wall.build_id], 1)
        yield info
        # Prometheus' own convention (prometheus_config_last_reload_successful): 1 is good.
        yield GaugeMetricFamily(
            "wallboard_config_last_reload_successful",
            "0 while the last config reload failed and the previous config keeps running.",
            value=0 if wall.config_error else 1,
        )
        yield GaugeMetricFamily(
            "wallboard_config_last_reload_success_timestamp_seconds",
            "Unix time the running config was loaded (at start or by the last good reload).",
            value=wall.config_loaded_at,
        )
        yield GaugeMetricFamily("wallboard_board_version", "Board version.", value=board.version)
        yield GaugeMetricFamily(
            "wallboard_board_last_change_timestamp_seconds",
            "Unix time of the last visible board change.",
            value=board.changed_at,
        )
        yield from self._sources()
        store = self.wall.state
        extra: list[tuple[str, str, str, float]] = (
            store.metrics() if isinstance(store, ReportsMetrics) else []
        )
        for name, text, kind, value in extra:
            family = CounterMetricFamily if kind == "counter" else GaugeMetricFamily
            yield family(name, text, value=value)
        screens = GaugeMetricFamily(
            "wallboard_screens_connected", "Screens connected, by team.", labels=["team"]
        )
        by_team = hub.screens_by_team()
        for team in wall.config.teams:
            screens.add_metric([team], by_team.get(team, 0))
        yield screens
        caps = screen_caps(wall)
        yield GaugeMetricFamily(
            "wallboard_screens_max",
            "Screens this process accepts: server.max_screens, or less where a kernel limit "
            "allows less (see /readyz screens.screens_limited_by).",
            value=caps["max_screens"],
        )
        stats = hub.stats
        yield CounterMetricFamily(
            "wallboard_screen_messages_sent",
            "Websocket messages handed to screens.",
            value=stats.messages_sent,
        )
        yield CounterMetricFamily(
            "wallboard_screen_updates_coalesced",
            "Updates folded into a later snapshot because a screen was behind.",
            value=stats.updates_coalesced,
        )
        yield CounterMetricFamily(
            "wallboard_screens_dropped",
            "Screens dropped for not reading or not answering pings.",
            value=stats.screens_dropped,
        )

    def _sources(self) -> Iterator[Metric]:
        wall = self.wall
        up = GaugeMetricFamily(
            "wallboard_source_up", "1 when the last collection succeeded.", labels=["source"]
        )
        last = GaugeMetricFamily(
            "wallboard_source_last_success_timestamp_seconds",
            "Unix time of the last successful collection.",
            labels=["source"],
        )
        requests = CounterMetricFamily(
            "wallboard_upstream_requests",
            "HTTP requests to upstreams by status class (error: no response).",
            labels=["source", "status"],
        )
        opened = CounterMetricFamily(
            "wallboard_upstream_connections_opened",
            "TCP connections opened to upstreams (keep-alive keeps this low).",
            labels=["source"],
        )
        for sid, state in list(wall.board.sources.items()):
            up.add_metric([sid], 1 if state.last_success and not state.last_error else 0)
            if state.last_success is not None:
                last.add_metric([sid], state.last_success)
        for sid, source in list(wall.sources.items()):
            all_stats = http_stats(source)
            if not all_stats:
                continue
            by_status: Tally[str] = Tally()
            connections = 0
            for stats in all_stats:
                counts, opened_here = stats.snapshot()
                by_status.update(counts)
                connections += opened_here
            for status, count in sorted(by_status.items()):
                requests.add_metric([sid, status], count)
            opened.add_metric([sid], connections)
        yield from (up, last, requests, opened)


class Metrics:
    """One app's private registry: the wall read at scrape time, plus what is observed as it
    happens (each collection cycle, through ``Poller.collected``; each request)."""

    def __init__(self, wall: Wall) -> None:
        self.registry = registry = CollectorRegistry(auto_describe=True)
        registry.register(WallCollector(wall))
        # The process_* and python_* series every Prometheus exporter has, on our registry.
        ProcessCollector(registry=registry)
        PlatformCollector(registry=registry)
        GCCollector(registry=registry)
        self._durations = Histogram(
            "wallboard_collection_duration_seconds",
            "Time one collection cycle of a source took.",
            ["source"],
            buckets=DURATION_BUCKETS,
            registry=registry,
        )
        self._failures = Counter(
            "wallboard_collection_failures",
            "Failed collection cycles by source and kind of failure.",
            ["source", "reason"],
            registry=registry,
        )
        self._requests = Counter(
            "wallboard_http_requests",
            "Requests served (API, webhooks, pages) by route pattern, method and status class.",
            ["route", "method", "status"],
            registry=registry,
        )
        wall.poller.collected.connect(self.observe_cycle)

    def observe_cycle(self, source_id: str, seconds: float, error: CollectorError | None) -> None:
        self._durations.labels(source_id).observe(seconds)
        if error is not None:
            self._failures.labels(source_id, failure_kind(error)).inc()

    def count_request(self, response: Response) -> Response:
        """An ``after_request``: one more request of this route pattern, method and status."""
        rule = request.url_rule
        route = rule.rule if rule is not None else "unmatched"
        method = request.method if request.method in _METHODS else "other"
        self._requests.labels(route, method, f"{response.status_code // 100}xx").inc()
        return response


def screen_caps(wall: Wall) -> dict[str, Any]:
    """The effective caps ``wallboard serve`` computed at start (limits.py), else the config's."""
    if wall.hub.capacity is not None:
        return wall.hub.capacity
    configured = wall.config.server.max_screens
    return {"max_screens": configured, "configured_max_screens": configured}


def metrics_of(app: Flask) -> Metrics:
    found: Metrics = app.extensions[EXTENSION]
    return found


bp = Blueprint("metrics", __name__)


@bp.get("/metrics")
def metrics() -> Response:
    registry = metrics_of(current_app).registry
    return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
