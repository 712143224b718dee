"""/metrics: parseable exposition whose counters follow what really happens."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.parser import text_string_to_metric_families

from collectors.sentry.webhook import signature
from tests.support.live import LiveWall, demo_config, serve_wall, write_config
from tests.support.screens import ScreenClient
from tests.support.sentry_double import ALL_SCOPES, SentryDouble

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(live: LiveWall) -> Samples:
    with urllib.request.urlopen(live.url + "/metrics", timeout=5) as resp:
        assert resp.headers["Content-Type"] == CONTENT_TYPE_LATEST
        text = resp.read().decode()
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def wait_until(live: LiveWall, check: Callable[[Samples], bool], timeout: float = 10.0) -> Samples:
    end = time.monotonic() + timeout
    while True:
        samples = scrape(live)
        if check(samples):
            return samples
        assert time.monotonic() < end, "metrics never reached the expected state"
        time.sleep(0.1)


def fetch(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_it_counts_collections_and_moves_the_board_gauges(tmp_path: Path) -> None:
    path = write_config(tmp_path, demo_config(interval="1s"))
    with serve_wall(path) as live:
        count = "wallboard_collection_duration_seconds_count"
        version = "wallboard_board_version"
        # A first cycle that changed the board (one cut short by a loaded machine's timeout
        # is counted too, and changes nothing), then two more.
        first = wait_until(
            live, lambda s: value(s, count, source="demo") >= 1 and value(s, version) > 0
        )
        seen = value(first, count, source="demo")
        later = wait_until(
            live,
            lambda s: (
                value(s, count, source="demo") >= seen + 2
                and value(s, version) > value(first, version)
            ),
        )
    assert value(first, "wallboard_build_info", build="test-build") == 1
    assert value(later, version) > value(first, version) > 0
    assert value(later, "wallboard_board_last_change_timestamp_seconds") >= value(
        first, "wallboard_board_last_change_timestamp_seconds"
    )
    assert value(later, "wallboard_source_up", source="demo") == 1
    assert value(later, "wallboard_source_last_success_timestamp_seconds", source="demo") > 0
    assert value(later, "wallboard_collection_failures_total", source="demo", reason="demo") == 0


def test_it_counts_failures_by_source_and_kind_never_by_message(tmp_path: Path) -> None:
    text = demo_config(interval="1s").replace("seed = 1", "seed = 1\nfail = true")
    path = write_config(tmp_path, text)
    failures = "wallboard_collection_failures_total"
    with serve_wall(path) as live:
        samples = wait_until(live, lambda s: value(s, failures, source="demo", reason="demo") >= 2)
    assert value(samples, "wallboard_source_up", source="demo") == 0
    labels = {v for (_, ls) in samples for (_, v) in ls}
    assert not any("fail = true" in v for v in labels)


def test_it_tracks_connected_screens_by_team_and_messages_sent(tmp_path: Path) -> None:
    path = write_config(tmp_path, demo_config(interval="1s"))
    with serve_wall(path) as live:
        before = scrape(live)
        assert value(before, "wallboard_screens_connected", team="payments") == 0
        with ScreenClient(live.ws_url + "/ws/teams/payments") as screen:
            screen.wait_for(lambda m: m["type"] == "snapshot")
            screen.wait_for(lambda m: m["type"] == "update")
            during = scrape(live)
        after = wait_until(
            live, lambda s: value(s, "wallboard_screens_connected", team="payments") == 0
        )
    assert value(during, "wallboard_screens_connected", team="payments") == 1
    assert value(during, "wallboard_screens_connected", team="search") == 0
    sent = "wallboard_screen_messages_sent_total"
    # hello + snapshot + at least one update reached this screen.
    assert value(during, sent) >= value(before, sent) + 3
    assert value(after, sent) >= value(during, sent)
    assert ("wallboard_screen_updates_coalesced_total", ()) in after


def test_it_counts_requests_by_route_pattern_and_status_class(tmp_path: Path) -> None:
    path = write_config(tmp_path, demo_config())
    with serve_wall(path, schedule=False) as live:
        assert fetch(live.url + "/static/wall.css") == 200
        assert fetch(live.url + "/static/wall.css") == 200
        assert fetch(live.url + "/static/no-such-file-xyz.css") == 404
        assert fetch(live.url + "/secret-path-xyz?token=hunter2") == 404
        samples = scrape(live)
    name = "wallboard_http_requests_total"
    static = "/static/<path:filename>"
    assert value(samples, name, route=static, method="GET", status="2xx") == 2
    assert value(samples, name, route=static, method="GET", status="4xx") == 1
    assert value(samples, name, route="unmatched", method="GET", status="4xx") == 1
    labels = {v for (_, ls) in samples for (_, v) in ls}
    assert not any("xyz" in v or "hunter2" in v for v in labels)


def test_it_keeps_a_private_registry_per_app(tmp_path: Path) -> None:
    path = write_config(tmp_path, demo_config())
    with serve_wall(path, schedule=False) as one, serve_wall(path, schedule=False) as two:
        assert fetch(one.url + "/healthz") == 200
        first, second = scrape(one), scrape(two)
    name = "wallboard_http_requests_total"
    assert value(first, name, route="/healthz", method="GET", status="2xx") == 1
    assert value(second, name, route="/healthz", method="GET", status="2xx") == 0


# A wall as docs/sources/sentry.md configures one, against the loopback double.
SENTRY_WALL = """
[sources.sentry]
type = "sentry"
url = "{url}"
org = "acme"
token_env = "SENTRY_AUTH_TOKEN"
webhook_secret_env = "SENTRY_CLIENT_SECRET"
interval = "1h"
timeout = "3s"

[panels.unresolved]
title = "Unresolved issues"
source = "sentry"
unit = "count"
metric = "unresolved"

[teams.payments]
panels = ["unresolved"]
sentry_projects = ["checkout"]
"""


def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=5) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_it_counts_upstream_requests_and_webhooks_from_a_real_sentry_source(
    tmp_path: Path,
) -> None:
    token, secret = "sntrys_" + "0a1b2c3d" * 6, "hook-secret-for-metrics"
    env = {"SENTRY_AUTH_TOKEN": token, "SENTRY_CLIENT_SECRET": secret}
    with SentryDouble(tokens={token: ALL_SCOPES}).serve() as double:
        double.add_project("checkout")
        double.add_issue("checkout", "KeyError: 'amount'", count=3)
        path = write_config(tmp_path, SENTRY_WALL.format(url=double.url))
        with serve_wall(path, env=env, schedule=False) as live:
            before = scrape(live)
            live.wall.poller.collect("sentry")
            live.wall.poller.collect("sentry")
            hook = live.url + "/hooks/sentry"
            body = b"{}"
            signed = {"Sentry-Hook-Resource": "installation", "Content-Type": "application/json"}
            good = {**signed, "Sentry-Hook-Signature": signature(secret.encode(), body)}
            assert post(hook, body, good) == 200
            assert post(hook, body, {**signed, "Sentry-Hook-Signature": "0" * 64}) == 401
            after = scrape(live)
    requests = "wallboard_upstream_requests_total"
    assert value(before, requests, source="sentry", status="2xx") == 0
    assert value(after, requests, source="sentry", status="2xx") >= 2
    # Keep-alive: two cycles of several requests opened far fewer connections than requests.
    opened = value(after, "wallboard_upstream_connections_opened_total", source="sentry")
    assert 1 <= opened < value(after, requests, source="sentry", status="2xx")
    hooks = "wallboard_http_requests_total"
    assert value(after, hooks, route="/hooks/sentry", method="POST", status="2xx") == 1
    assert value(after, hooks, route="/hooks/sentry", method="POST", status="4xx") == 1
    assert value(after, "wallboard_collection_duration_seconds_count", source="sentry") == 2


PROMTOOL = "/usr/bin/promtool"
WITH_A_FAILING_UPSTREAM = """
[sources.prom]
type = "prometheus"
url = "http://127.0.0.1:{port}"
interval = "1s"
timeout = "1s"

[panels.prom_errors]
title = "Errors"
source = "prom"
query = "sum by (team) (rate(errors_total[5m]))"
"""


@pytest.mark.processes
def test_promtool_finds_nothing_to_fix_in_a_live_scrape(tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port nothing listens on: the upstream fails at once
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    text = demo_config(interval="1s") + WITH_A_FAILING_UPSTREAM.format(port=port)
    text = text.replace('panels = ["error_rate"]', 'panels = ["error_rate", "prom_errors"]')
    path = write_config(tmp_path, text)
    with serve_wall(path) as live:
        wait_until(
            live,
            lambda s: (
                value(s, "wallboard_collection_failures_total", source="prom", reason="connection")
                >= 1
                and value(s, "wallboard_collection_duration_seconds_count", source="demo") >= 1
            ),
        )
        assert fetch(live.url + "/healthz") == 200
        with urllib.request.urlopen(live.url + "/metrics", timeout=5) as resp:
            exposition = resp.read()
    done = subprocess.run(
        [PROMTOOL, "check", "metrics"], input=exposition, capture_output=True, timeout=30
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, b"", b"")
    names = {line.split("{")[0].split()[0] for line in exposition.decode().splitlines()}
    for expected in (
        "process_cpu_seconds_total",
        "process_resident_memory_bytes",
        "process_open_fds",
        "process_start_time_seconds",
        "python_info",
        "python_gc_collections_total",
        "wallboard_config_last_reload_successful",
        "wallboard_config_last_reload_success_timestamp_seconds",
        "wallboard_upstream_requests_total",
    ):
        assert expected in names, expected
    assert "wallboard_config_reload_failed" not in names


def test_it_reports_a_good_config_load_the_way_prometheus_does(tmp_path: Path) -> None:
    before = time.time()
    path = write_config(tmp_path, demo_config())
    with serve_wall(path, schedule=False) as live:
        samples = scrape(live)
    assert value(samples, "wallboard_config_last_reload_successful") == 1
    loaded = value(samples, "wallboard_config_last_reload_success_timestamp_seconds")
    assert before <= loaded <= time.time()
