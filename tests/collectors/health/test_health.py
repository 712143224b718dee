"""The health source against real HTTP servers on loopback (no mocks, no patches)."""

from __future__ import annotations

import contextlib
import json
import math
import socket
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

import pytest

from collectors.base import Collection, Item, Reading
from collectors.health.source import HealthSource
from tests.collectors.health.test_health_formats import EXPECTED
from tests.support.health_servers import (
    FORMATS,
    HangingServer,
    ResetServer,
    Route,
    RouteServer,
)
from tests.support.live import serve_wall, write_config
from tests.support.tls import self_signed
from wallboard.config.loader import ConfigError, parse
from wallboard.sources import build_sources

PANEL = "services"


def health_config(
    teams: Mapping[str, list[dict[str, Any]]], *, timeout: str = "5s", **options: Any
) -> dict[str, Any]:
    return {
        "sources": {"health": {"type": "health", "timeout": timeout, **options}},
        "panels": {PANEL: {"title": "Services", "source": "health", "kind": "health"}},
        "teams": {team: {"panels": [PANEL], "health": checks} for team, checks in teams.items()},
    }


def make_source(
    teams: Mapping[str, list[dict[str, Any]]],
    env: Mapping[str, str] | None = None,
    **kw: Any,
) -> HealthSource:
    """A source built the way the wall builds it: from config, through the registry."""
    config = parse(health_config(teams, **kw), env=env or {})
    source = build_sources(config, env or {})["health"]
    assert isinstance(source, HealthSource)
    return source


def cycle(source: HealthSource, budget: float = 5.0) -> Collection:
    return source.collect(time.monotonic() + budget)


def reading(collection: Collection, team: str = "t") -> Reading:
    return collection.readings[(team, PANEL)]


def items(collection: Collection, team: str = "t") -> dict[str, Item]:
    return {item.title: item for item in reading(collection, team).items}


@pytest.fixture(scope="module")
def formats() -> Iterator[RouteServer]:
    server = RouteServer(FORMATS)
    yield server
    server.stop()


@pytest.fixture
def server() -> Iterator[RouteServer]:
    srv = RouteServer({"/ok": Route(200, "text/plain", b"OK")})
    yield srv
    srv.stop()


@pytest.fixture
def hanging() -> Iterator[HangingServer]:
    srv = HangingServer()
    yield srv
    srv.stop()


@pytest.fixture
def sources() -> Iterator[list[HealthSource]]:
    """Sources to close after the test, so no pool thread or connection outlives it."""
    made: list[HealthSource] = []
    yield made
    for source in made:
        source.close()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- formats and failure modes, each through a real server ---------------------------------


def test_it_shows_every_format_variant_as_the_format_rules_say(
    formats: RouteServer, sources: list[HealthSource]
) -> None:
    checks = [{"name": path, "url": formats.url + path, "fail_after": 1} for path in FORMATS]
    source = make_source({"t": checks})
    sources.append(source)
    out = cycle(source)
    shown = items(out)
    for path, (state, reason, _) in EXPECTED.items():
        if state == "up":
            assert path not in shown, path
        else:
            assert (shown[path].meta["state"], shown[path].detail) == (state, reason), path
    up = sum(1 for state, _, _ in EXPECTED.values() if state == "up")
    assert reading(out).text == f"{up} / {len(FORMATS)} up"
    assert reading(out).value == up
    assert reading(out).status == "crit"
    assert shown["/spring/down"].meta["components"] == "broker/kafka"


def test_it_orders_the_list_worst_first_and_maps_states_to_wall_statuses(
    formats: RouteServer, sources: list[HealthSource]
) -> None:
    paths = ["/spring/unknown", "/ietf/degraded", "/k8s/down", "/plain/up"]
    checks = [{"name": p, "url": formats.url + p, "fail_after": 1} for p in paths]
    source = make_source({"t": checks})
    sources.append(source)
    listed = reading(cycle(source)).items
    assert [(i.title, i.status) for i in listed] == [
        ("/k8s/down", "crit"),
        ("/ietf/degraded", "warn"),
        ("/spring/unknown", "unknown"),
    ]


def test_it_reports_a_server_that_never_answers_as_a_timeout_after_one_timeout(
    hanging: HangingServer, sources: list[HealthSource]
) -> None:
    source = make_source({"t": [{"name": "api", "url": hanging.url, "timeout": "500ms"}]})
    sources.append(source)
    for _ in range(2):  # fail_after = 2
        started = time.monotonic()
        out = cycle(source)
        took = time.monotonic() - started
    assert items(out)["api"].detail == "timeout after 0.5 s"
    assert items(out)["api"].status == "crit"
    assert 0.45 < took < 0.5 + 0.6  # one timeout: a timeout is never retried


def test_it_retries_a_reset_connection_once_then_reports_it(
    sources: list[HealthSource],
) -> None:
    reset = ResetServer()
    try:
        source = make_source({"t": [{"name": "api", "url": reset.url, "fail_after": 1}]})
        sources.append(source)
        out = cycle(source)
        deadline = time.monotonic() + 2
        while reset.accepts < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        reset.stop()
    assert items(out)["api"].detail == "connection reset"
    assert reset.accepts == 2  # the first try and one quick retry


def test_it_reports_a_refused_connection(sources: list[HealthSource]) -> None:
    url = f"http://127.0.0.1:{closed_port()}/health"
    source = make_source({"t": [{"name": "api", "url": url, "fail_after": 1}]})
    sources.append(source)
    assert items(cycle(source))["api"].detail == "connection refused"


def test_it_retries_a_502_once_and_counts_it_up_when_the_retry_works(
    server: RouteServer, sources: list[HealthSource]
) -> None:
    server.set_route("/flaky", Route(200, "text/plain", b"OK", fail_first=1))
    server.set_route("/gateway", Route(502, "text/plain", b"bad gateway"))
    server.set_route("/down", Route(503, "text/plain", b"down"))
    checks = [
        {"name": name, "url": f"{server.url}/{name}", "fail_after": 1}
        for name in ("flaky", "gateway", "down")
    ]
    source = make_source({"t": checks})
    sources.append(source)
    shown = items(cycle(source))
    assert "flaky" not in shown
    assert shown["gateway"].detail == "HTTP 502"
    assert shown["down"].detail == "HTTP 503"
    # 502 asked twice (one quick retry); a 503 is a service saying "down", asked once.
    assert (server.requests["/flaky"], server.requests["/gateway"], server.requests["/down"]) == (
        2,
        2,
        1,
    )


def test_it_tells_a_slow_answer_just_under_the_timeout_from_one_just_over(
    server: RouteServer, sources: list[HealthSource]
) -> None:
    server.set_route("/under", Route(200, "text/plain", b"OK", delay=0.6))
    server.set_route("/over", Route(200, "text/plain", b"OK", delay=1.5))
    checks = [
        {"name": n, "url": f"{server.url}/{n}", "timeout": "1s", "fail_after": 1}
        for n in ("under", "over")
    ]
    source = make_source({"t": checks})
    sources.append(source)
    started = time.monotonic()
    out = cycle(source)
    took = time.monotonic() - started
    assert reading(out).text == "1 / 2 up"
    assert items(out)["over"].detail == "timeout after 1 s"
    assert took < 1.0 + 0.6  # the slow ones ran side by side, and nothing was retried


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RouteServer, str]]:
    """A TLS server with a fresh self-signed certificate, and that certificate's path."""
    files = self_signed(tmp_path_factory.mktemp("tls"))
    route = Route(200, "application/health+json", b'{"status":"pass"}')
    srv = RouteServer({"/health": route}, tls=files)
    yield srv, files.cert
    srv.stop()


def test_it_trusts_a_self_signed_server_when_its_ca_is_configured(
    tls: tuple[RouteServer, str], sources: list[HealthSource]
) -> None:
    srv, ca = tls
    source = make_source({"t": [{"name": "api", "url": f"{srv.url}/health", "ca_bundle": ca}]})
    sources.append(source)
    assert reading(cycle(source)).text == "1 / 1 up"


def test_it_refuses_a_self_signed_server_without_its_ca(
    tls: tuple[RouteServer, str], sources: list[HealthSource]
) -> None:
    srv, _ = tls
    before = srv.requests["/health"]
    source = make_source({"t": [{"name": "api", "url": f"{srv.url}/health", "fail_after": 1}]})
    sources.append(source)
    assert items(cycle(source))["api"].detail == "TLS: certificate verify failed"
    assert srv.requests["/health"] == before  # no request went over the unverified link


def test_it_skips_verification_only_when_told_to(
    tls: tuple[RouteServer, str], sources: list[HealthSource]
) -> None:
    srv, _ = tls
    source = make_source({"t": [{"name": "api", "url": f"{srv.url}/health", "verify": False}]})
    sources.append(source)
    assert reading(cycle(source)).text == "1 / 1 up"


# -- fail_after and down-since ---------------------------------------------------------------


def test_it_turns_a_check_down_only_after_fail_after_failures_and_back_up_at_once(
    server: RouteServer, sources: list[HealthSource]
) -> None:
    source = make_source({"t": [{"name": "api", "url": f"{server.url}/ok"}]})  # fail_after = 2
    sources.append(source)
    assert reading(cycle(source)).text == "1 / 1 up"

    server.set_route("/ok", Route(503, "text/plain", b"down"))
    before = time.time()
    first = cycle(source)
    after = time.time()
    assert reading(first).text == "1 / 1 up"  # one failure is not "down"
    assert reading(first).status == "ok"

    second = cycle(source)
    third = cycle(source)
    assert reading(second).text == "0 / 1 up"
    assert reading(second).status == "crit"
    since = items(second)["api"].since
    assert since is not None and before <= since <= after  # down since the first failure
    assert items(third)["api"].since == since  # failing on does not move it
    assert items(third)["api"].meta["failures"] == 3

    server.set_route("/ok", Route(200, "text/plain", b"OK"))
    healed = cycle(source)
    assert reading(healed).text == "1 / 1 up"
    assert reading(healed).items == ()

    server.set_route("/ok", Route(503, "text/plain", b"down"))
    cycle(source)
    again = cycle(source)
    assert items(again)["api"].since > since  # a new outage starts a new "down since"


def test_it_does_not_show_a_never_seen_check_as_up_after_one_failure(
    server: RouteServer, sources: list[HealthSource]
) -> None:
    server.set_route("/down", Route(503, "text/plain", b"down"))
    check = {"name": "api", "url": f"{server.url}/down", "fail_after": 3}
    source = make_source({"t": [check]})
    sources.append(source)
    shown = items(cycle(source))["api"]
    assert (shown.status, shown.detail) == ("unknown", "HTTP 503 (2 more failures before down)")
    assert reading(cycle(source)).status == "unknown"
    assert items(cycle(source))["api"].status == "crit"


def test_it_shows_degraded_at_once_with_the_time_it_became_degraded(
    formats: RouteServer, sources: list[HealthSource]
) -> None:
    check = {"name": "api", "url": formats.url + "/ietf/degraded"}
    source = make_source({"t": [check]})
    sources.append(source)
    before = time.time()
    out = cycle(source)
    assert reading(out).status == "warn"
    since = items(out)["api"].since
    assert since is not None and since >= before
    assert items(cycle(source))["api"].since == since


# -- concurrency, deadline, keep-alive -----------------------------------------------------


def test_it_polls_200_checks_with_10_percent_hanging_in_about_one_timeout(
    server: RouteServer, hanging: HangingServer, sources: list[HealthSource]
) -> None:
    teams = {
        f"team{t}": [
            {
                "name": f"svc{i}",
                "url": f"{hanging.url if i % 10 == 0 else server.url + '/ok'}?team={t}&i={i}",
                "timeout": "2s",
                "fail_after": 1,
            }
            for i in range(20)
        ]
        for t in range(10)
    }
    source = make_source(teams, timeout="10s")
    sources.append(source)
    started = time.monotonic()
    out = cycle(source, budget=10)
    took = time.monotonic() - started
    # One timeout, not 20 of them: the 20 hanging checks ran side by side, every one of them
    # sent its request before the first could time out (2 s); one after another would take
    # 40 s. By the kernel's clock: the test's accept thread lagged 2.9 s behind on 8 workers.
    # (The cycle's own time is a weaker proof on a loaded machine: 4.0 s was seen at load
    # average 30, where the 180 answering checks took their time too.)
    spread = max(hanging.arrived_at) - min(hanging.arrived_at)
    assert len(hanging.arrived_at) == 20 and spread < 2.0, (len(hanging.arrived_at), spread)
    assert took < 10.0, f"cycle took {took:.2f} s"
    for team in teams:
        assert reading(out, team).text == "18 / 20 up"
        assert {i.detail for i in reading(out, team).items} == {"timeout after 2 s"}
    assert server.requests["/ok"] == 180


def test_it_returns_by_the_cycle_deadline_even_when_checks_queue_behind_hanging_ones(
    hanging: HangingServer, sources: list[HealthSource]
) -> None:
    checks = [
        {"name": f"svc{i}", "url": f"{hanging.url}/?i={i}", "timeout": "5s", "fail_after": 1}
        for i in range(6)
    ]
    source = make_source({"t": checks}, timeout="1s", concurrency=2)
    sources.append(source)
    started = time.monotonic()
    out = source.collect(started + 1.0)
    took = time.monotonic() - started
    assert took < 1.0 + 0.3
    details = {item.detail for item in reading(out).items}
    assert "not checked: the cycle ran out of time" in details  # honest: unknown, not down
    assert reading(out).text == "0 / 6 up"
    assert reading(out).status == "crit"


def test_it_reuses_keep_alive_connections_across_cycles(sources: list[HealthSource]) -> None:
    hosts = [RouteServer({"/ok": Route(200, "text/plain", b"OK")}) for _ in range(2)]
    try:
        checks = [{"name": f"svc{i}", "url": f"{hosts[i % 2].url}/ok?i={i}"} for i in range(60)]
        source = make_source({"t": checks}, concurrency=16)
        sources.append(source)
        cycle(source)
        warm = [srv.connections for srv in hosts]
        assert warm == [30, 30]  # one keep-alive connection per check
        for _ in range(9):
            assert reading(cycle(source)).text == "60 / 60 up"
        assert [srv.connections for srv in hosts] == warm  # no new connection after cycle 1
        assert sum(srv.requests["/ok"] for srv in hosts) == 600
    finally:
        for srv in hosts:
            srv.stop()


# -- requests: headers, secrets, dedupe, only configured URLs ------------------------------


def test_it_sends_configured_and_secret_headers_without_showing_the_secret(
    server: RouteServer, sources: list[HealthSource]
) -> None:
    server.set_route("/down", Route(401, "text/plain", b"who are you"))
    check = {
        "name": "api",
        "url": f"{server.url}/down",
        "method": "POST",
        "headers": {"X-Probe": "wallboard"},
        "headers_env": {"Authorization": "SVC_TOKEN"},
        "fail_after": 1,
    }
    env = {"SVC_TOKEN": "Bearer s3cret-value"}
    source = make_source({"t": [check]}, env=env)
    sources.append(source)
    out = cycle(source)
    assert server.last_headers["Authorization"] == "Bearer s3cret-value"
    assert server.last_headers["X-Probe"] == "wallboard"
    assert "health+json" in server.last_headers["Accept"]
    assert "s3cret" not in repr(out)


def test_it_asks_a_url_shared_by_two_teams_once_per_cycle(
    server: RouteServer, sources: list[HealthSource]
) -> None:
    check = {"name": "gateway", "url": f"{server.url}/ok"}
    source = make_source({"a": [check], "b": [check]})
    sources.append(source)
    out = cycle(source)
    assert reading(out, "a").text == reading(out, "b").text == "1 / 1 up"
    assert server.requests["/ok"] == 1


def test_it_never_follows_a_redirect_to_a_url_not_in_the_config(
    server: RouteServer, sources: list[HealthSource]
) -> None:
    elsewhere = RouteServer({"/ok": Route()})
    try:
        server.set_route("/moved", Route(302, "text/plain", f"{elsewhere.url}/ok".encode()))
        source = make_source({"t": [{"name": "api", "url": f"{server.url}/moved"}]})
        sources.append(source)
        assert reading(cycle(source)).text == "1 / 1 up"  # 3xx counts as up, like kubelet
        assert elsewhere.connections == 0
    finally:
        elsewhere.stop()


def test_it_sends_head_requests_when_asked_and_reads_them_by_status(
    formats: RouteServer, sources: list[HealthSource]
) -> None:
    checks = [
        {"name": n, "url": f"{formats.url}/ietf/{n}", "method": "HEAD", "fail_after": 1}
        for n in ("up", "down")
    ]
    before = formats.requests["/ietf/up"]
    source = make_source({"t": checks})
    sources.append(source)
    out = cycle(source)
    assert reading(out).text == "1 / 2 up"  # a bodiless JSON answer is not "invalid JSON"
    assert items(out)["down"].detail == "HTTP 503"
    assert formats.requests["/ietf/up"] == before + 1


def test_it_lets_a_check_choose_its_own_accept_header(
    server: RouteServer, sources: list[HealthSource]
) -> None:
    check = {"name": "api", "url": f"{server.url}/ok", "headers": {"accept": "text/plain"}}
    source = make_source({"t": [check]})
    sources.append(source)
    cycle(source)
    assert [v for k, v in server.last_headers.items() if k.lower() == "accept"] == ["text/plain"]


# -- latency -------------------------------------------------------------------------------


def test_it_feeds_the_sparkline_with_the_median_latency_of_recent_answers(
    server: RouteServer, hanging: HangingServer, sources: list[HealthSource]
) -> None:
    server.set_route("/slow", Route(200, "text/plain", b"OK", delay=0.3))
    checks = [{"name": "slow", "url": f"{server.url}/slow"}]
    source = make_source({"t": checks})
    sources.append(source)
    samples = [reading(cycle(source)).sample for _ in range(3)]
    assert all(s is not None and 0.3 <= s < 0.9 for s in samples)

    dead = make_source({"t": [{"name": "api", "url": hanging.url, "timeout": "300ms"}]})
    sources.append(dead)
    sample = reading(cycle(dead)).sample
    assert sample is not None and math.isnan(sample)  # a gap, not a number made up


def test_it_lists_each_checks_latency_p50_beside_its_reason(
    server: RouteServer, sources: list[HealthSource]
) -> None:
    server.set_route("/down", Route(503, "text/plain", b"down", delay=0.2))
    check = {"name": "api", "url": f"{server.url}/down", "fail_after": 1}
    source = make_source({"t": [check]})
    sources.append(source)
    latency = items(cycle(source))["api"].meta["latency_p50_ms"]
    assert isinstance(latency, float) and 200 <= latency < 900


# -- configuration -------------------------------------------------------------------------


def config_errors(checks: list[dict[str, Any]], env: Mapping[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse(health_config({"payments": checks}), env=env or {})
    return [str(issue) for issue in caught.value.issues]


def test_it_names_the_key_path_of_a_bad_check() -> None:
    good = {"name": "api", "url": "https://api.internal/health"}
    errors = config_errors([good, good | {"name": "db"}, {"name": "web", "url": "ftp://x/"}])
    assert len(errors) == 1
    assert errors[0].startswith("teams.payments.health[2].url: expected an http:// or https://")


@pytest.mark.parametrize(
    ("check", "path", "words"),
    [
        ({"timout": "1s"}, "health[0].timout", "unknown key"),
        ({"fail_after": 0}, "health[0].fail_after", "greater than or equal to 1"),
        ({"timeout": "soon"}, "health[0].timeout", "expected a duration"),
        ({"expect": 999}, "health[0].expect", "100-599"),
        ({"method": "DELETE"}, "health[0].method", "'GET', 'HEAD' or 'POST'"),
        (
            {"headers_env": {"Authorization": "NOT_SET"}},
            "health[0].headers_env.Authorization",
            "NOT_SET is not set",
        ),
        ({"headers": {"Bad Header": "x"}}, "health[0].headers", "not a valid header name"),
        ({"headers": {"X-A": "a\r\nX-B: b"}}, "health[0].headers", "line break"),
        ({"headers_env": {"X-A": "CRLF"}}, "health[0].headers_env", "value of CRLF contains"),
        ({"ca_bundle": "/nonexistent/ca.pem"}, "health[0].ca_bundle", "no such file"),
        ({"url": "https://user:pw@api.internal/"}, "health[0].url", "headers_env"),
        ({"url": "http://api.internal:99999/"}, "health[0].url", "not a valid URL"),
    ],
)
def test_it_rejects_bad_check_options_with_their_key_path(
    check: dict[str, Any], path: str, words: str
) -> None:
    env = {"CRLF": "Bearer x\r\nX-Injected: 1"}
    errors = config_errors([{"name": "api", "url": "https://api.internal/health", **check}], env)
    assert len(errors) == 1
    assert "Bearer" not in errors[0]  # a secret is never echoed
    assert errors[0].startswith(f"teams.payments.{path}: ")
    assert words in errors[0]


def test_it_rejects_two_checks_with_the_same_name_in_a_team() -> None:
    check = {"name": "api", "url": "https://api.internal/health"}
    assert config_errors([check, check | {"name": "API"}]) == [
        'teams.payments.health: check name "API" is used twice in this team'
    ]


def test_it_marks_a_team_without_checks_as_a_config_error(
    server: RouteServer, sources: list[HealthSource]
) -> None:
    source = make_source({"t": [{"name": "api", "url": f"{server.url}/ok"}], "empty": []})
    sources.append(source)
    out = cycle(source)
    assert reading(out).text == "1 / 1 up"
    error = out.failures[("empty", PANEL)]
    assert error.config_error and "teams.empty.health" in error.reason


def test_it_warns_when_a_check_timeout_is_not_below_the_source_timeout(
    server: RouteServer, sources: list[HealthSource]
) -> None:
    check = {"name": "api", "url": f"{server.url}/ok", "timeout": "5s"}
    source = make_source({"t": [check]}, timeout="3s")
    sources.append(source)
    assert any("teams.t.health api: timeout 5 s" in w for w in cycle(source).warnings)


# -- end to end: a live wall with a health source ------------------------------------------

WALL_CONFIG = """
[sources.health]
type = "health"
timeout = "3s"
check_timeout = "1s"

[panels.services]
title = "Services"
source = "health"
kind = "health"
unit = "count"

[teams.payments]
panels = ["services"]
health = [
  {{ name = "api", url = "{up}" }},
  {{ name = "ledger", url = "{down}" }},
]
"""


def test_it_shows_a_teams_services_on_the_live_wall_and_fetches_only_configured_urls(
    formats: RouteServer, tmp_path: Path
) -> None:
    canary = RouteServer({"/": Route()})
    text = WALL_CONFIG.format(up=f"{formats.url}/spring/up", down=f"{formats.url}/spring/down")
    try:
        with serve_wall(write_config(tmp_path, text), schedule=False) as live:
            for _ in range(2):  # fail_after = 2
                live.wall.poller.collect("health")
            with urlopen(f"{live.url}/api/v1/teams/payments", timeout=5) as answer:
                panel = json.load(answer)["panels"][0]
            with urlopen(f"{live.url}/teams/payments", timeout=5) as answer:
                page = answer.read().decode()
            # Nothing a request carries makes the wall fetch a URL.
            for path in ("/api/v1/teams/payments", "/teams/payments", "/wall", "/readyz"):
                query = urlencode({"url": canary.url, "health": canary.url})
                request = Request(f"{live.url}{path}?{query}", headers={"Referer": canary.url})
                with contextlib.suppress(HTTPError), urlopen(request, timeout=5):
                    pass
            live.wall.poller.collect("health")
    finally:
        canary.stop()
    assert (panel["display"], panel["status"]) == ("1 of 2 down", "crit")
    [ledger] = panel["items"]
    assert (ledger["title"], ledger["detail"]) == ("ledger", "HTTP 503: broker/kafka DOWN")
    assert ledger["since"] is not None
    assert "1 of 2 down" in page and "broker/kafka DOWN" in page
    assert canary.connections == 0
