"""Each backend flavour against its loopback double (tests/support/prom_flavors.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from collectors.errors import CollectorError
from collectors.http.client import Response
from collectors.prometheus.flavors import Flavor, VictoriaMetrics, flavor_class
from collectors.prometheus.options import PrometheusOptions
from tests.support.prom_flavors import (
    AMP_KEY,
    GRAFANA_TOKEN,
    GRAFANA_USER,
    TENANT,
    flavor_double,
    service_account_file,
)
from wallboard.config import loader as config_mod
from wallboard.views.team import team_view
from wallboard.wall import Wall

AMP_ENV = {"AWS_ACCESS_KEY_ID": AMP_KEY[0], "AWS_SECRET_ACCESS_KEY": AMP_KEY[1]}
GRAFANA_ENV = {"GC_USER": GRAFANA_USER, "GC_TOKEN": GRAFANA_TOKEN}


def config_text(url: str, source: str) -> str:
    return f"""
[wall]
history = 10

[sources.prom]
type = "prometheus"
url = "{url}"
interval = "5s"
timeout = "3s"
{source}

[panels.ratio]
title = "5xx"
source = "prom"
unit = "percent"
warn = 50.0
crit = 80.0
query = 'sum by (team) (rate(http_requests_total{{code=~"5.."}}[5m]))'

[teams.payments]
panels = ["ratio"]

[teams.search]
panels = ["ratio"]
"""


def make_wall(tmp_path: Path, url: str, source: str, env: dict[str, str]) -> Wall:
    path = tmp_path / "config.toml"
    path.write_text(config_text(url, source))
    return Wall(config_mod.load(path, env=env), env=env, build="test")


def panel(wall: Wall, team: str) -> dict[str, Any]:
    return next(p for p in team_view(wall.board, team)["panels"] if p["id"] == "ratio")


@pytest.fixture
def walls() -> Iterator[list[Wall]]:
    made: list[Wall] = []
    yield made
    for wall in made:
        wall.stop()


def collect(walls: list[Wall], tmp_path: Path, url: str, source: str, env: dict[str, str]) -> Wall:
    wall = make_wall(tmp_path, url, source, env)
    walls.append(wall)
    wall.poller.collect("prom")
    return wall


def test_thanos_asks_for_complete_answers_and_never_shows_a_partial_one_green(
    tmp_path: Path, walls: list[Wall]
) -> None:
    with flavor_double("thanos") as double:
        wall = collect(walls, tmp_path, double.url, 'flavor = "thanos"', {})
        assert [q.form["partial_response"] for q in double.queries()] == ["false"]
        assert panel(wall, "payments")["status"] == "ok"
        assert panel(wall, "payments")["value"] == pytest.approx(20.0)
        double.partial = True  # a store down: asked for a complete answer, Thanos fails
        wall.poller.collect("prom")
        assert panel(wall, "search")["status"] != "ok"
        assert "rpc error" in panel(wall, "search")["error"]
        # A Thanos that ignores the parameter (or a proxy dropping it) answers partially.
        double.honours_partial_response = False
        wall.poller.collect("prom")
        for team in ("payments", "search"):
            shown = panel(wall, team)
            assert shown["status"] != "ok", team
            assert shown["error"].startswith("partial answer from Thanos: fetch series")


def test_thanos_partial_is_unknown_on_a_first_cycle(tmp_path: Path, walls: list[Wall]) -> None:
    with flavor_double("thanos") as double:
        double.partial, double.honours_partial_response = True, False
        wall = collect(walls, tmp_path, double.url, 'flavor = "thanos"', {})
        search = panel(wall, "search")  # its series came back, but the answer is partial
        assert search["status"] == "unknown" and "partial answer" in search["error"]


def test_mimir_needs_its_tenant_header_and_prefix_and_names_its_limits(
    tmp_path: Path, walls: list[Wall]
) -> None:
    with flavor_double("mimir") as double:
        wall = collect(walls, tmp_path, double.url, 'flavor = "mimir"', {})
        shown = panel(wall, "payments")
        assert shown["status"] == "unknown"
        assert "X-Scope-OrgID" in shown["error"] and "no org id" in shown["error"]
        source = 'flavor = "mimir"\nheaders_env = { "X-Scope-OrgID" = "TENANT" }'
        wall = collect(walls, tmp_path, double.url, source, {"TENANT": TENANT})
        assert double.queries()[-1].path == "/prometheus/api/v1/query"
        assert double.queries()[-1].headers["X-Scope-OrgID"] == TENANT
        assert panel(wall, "search")["value"] == pytest.approx(40.0)
        # From a mounted secret file instead, read at each request (a rotation needs no reload).
        secret = tmp_path / "tenant"
        secret.write_text("team-b\n")
        source = f'flavor = "mimir"\nheaders_file = {{ "X-Scope-OrgID" = "{secret}" }}'
        collect(walls, tmp_path, double.url, source, {})
        assert double.queries()[-1].headers["X-Scope-OrgID"] == "team-b"
        secret.write_text(TENANT)
        walls[-1].poller.collect("prom")
        assert double.queries()[-1].headers["X-Scope-OrgID"] == TENANT
        double.limit = True
        wall.poller.collect("prom")
        limited = panel(wall, "search")
        assert limited["error"] == (
            "too many series for one query (Mimir limit err-mimir-max-series-per-query)"
        )
        assert limited["value"] == pytest.approx(40.0)  # the last good value stays


def test_amp_signs_the_body_with_sigv4_and_a_wrong_key_is_an_auth_error(
    tmp_path: Path, walls: list[Wall]
) -> None:
    with flavor_double("amp") as double:
        source = (
            'flavor = "amp"\nregion = "eu-west-1"\nmax_samples_processed_warning_threshold = 50'
        )
        wall = collect(walls, tmp_path, double.url + "/workspaces/ws-1", source, AMP_ENV)
        [query] = double.queries()
        assert query.status == 200 and query.path == "/workspaces/ws-1/api/v1/query"
        assert "/eu-west-1/aps/aws4_request" in query.headers["Authorization"]
        assert query.form["max_samples_processed_warning_threshold"] == "50"
        assert panel(wall, "payments")["value"] == pytest.approx(20.0)
        assert any(
            "over the warning threshold of 50" in w for w in wall.board.sources["prom"].warnings
        )
        env = {**AMP_ENV, "AWS_SECRET_ACCESS_KEY": "not-the-key"}
        wall = collect(walls, tmp_path, double.url + "/workspaces/ws-1", source, env)
        shown = panel(wall, "payments")
        assert shown["status"] == "unknown"
        assert shown["error"].startswith(
            "HTTP 403: Amazon Managed Prometheus refused the credentials: "
            "The request signature we calculated does not match"
        )


def test_gmp_fetches_a_token_and_refreshes_it_when_it_expires(
    tmp_path: Path, walls: list[Wall]
) -> None:
    with flavor_double("gmp") as double:
        key = tmp_path / "sa.json"
        service_account_file(double, key)
        double.token_lifetime = 3600
        source = f'flavor = "gmp"\ncredentials_file = "{key}"'
        wall = collect(walls, tmp_path, double.url, source, {})
        wall.poller.collect("prom")
        assert double.tokens == ["ya29.token-1"]  # one token serves while it is valid
        assert panel(wall, "search")["value"] == pytest.approx(40.0)
        # A token that expires within google-auth's refresh margin is fetched again before
        # each use; the double accepts only the newest, so every answer proves a refresh.
        double.token_lifetime = 1
        wall = collect(walls, tmp_path, double.url, source, {})
        issued = len(double.tokens)
        wall.poller.collect("prom")
        wall.poller.collect("prom")
        assert len(double.tokens) == issued + 2
        assert all(q.status == 200 for q in double.queries())
        assert panel(wall, "search")["error"] is None


def test_grafana_cloud_sends_basic_auth(tmp_path: Path, walls: list[Wall]) -> None:
    with flavor_double("grafana_cloud") as double:
        source = (
            'flavor = "grafana_cloud"\nbasic_user_env = "GC_USER"\nbasic_password_env = "GC_TOKEN"'
        )
        wall = collect(walls, tmp_path, double.url + "/api/prom", source, GRAFANA_ENV)
        assert double.queries()[-1].path == "/api/prom/api/v1/query"
        assert panel(wall, "payments")["value"] == pytest.approx(20.0)
        wall = collect(
            walls, tmp_path, double.url + "/api/prom", source, {**GRAFANA_ENV, "GC_TOKEN": "x"}
        )
        assert panel(wall, "payments")["error"].startswith(
            "HTTP 401: Grafana Cloud refused the credentials"
        )


def test_victoriametrics_partial_answers_are_errors_and_infos_are_surfaced() -> None:
    options = PrometheusOptions(url="http://vm", flavor="victoriametrics")
    vm = VictoriaMetrics(options, {})
    assert vm.form({"query": "up"})["deny_partial_response"] == "1"
    with pytest.raises(CollectorError) as caught:
        vm.check({"status": "success", "isPartial": True}, [])
    assert caught.value.kind == "partial" and "isPartial" in caught.value.reason
    vm.check({"status": "success", "isPartial": False}, [])
    from collectors.prometheus.result import decode

    body = b'{"status":"success","infos":["metric might not be a counter"],"data":{}}'
    _data, warnings = decode(Response(200, {"content-type": "application/json"}, body, 0, "u"))
    assert warnings == ["info: metric might not be a counter"]
    assert flavor_class("prometheus") is Flavor


@pytest.mark.parametrize(
    ("source", "key", "words"),
    [
        ('flavor = "cortex"', "sources.prom.flavor", "Input should be"),
        ('flavor = "amp"', "sources.prom", "region is required"),
        ('region = "eu-west-1"', "sources.prom", 'only for flavor = "amp"'),
        ('flavor = "grafana_cloud"', "sources.prom", "basic_user_env"),
        ('flavor = "gmp"\nbearer_token_env = "T"', "sources.prom", "Google OAuth token"),
        ('headers = { "Bad Name" = "x" }', "sources.prom.headers", "not a valid HTTP header"),
        ('headers = { "Host" = "x" }', "sources.prom.headers", "set by wallboard itself"),
        ('headers_env = { "X-Scope-OrgID" = "NOT_SET" }', "sources.prom.headers_env", "NOT_SET"),
    ],
)
def test_bad_flavour_settings_name_their_key_path(
    tmp_path: Path, source: str, key: str, words: str
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(config_text("http://127.0.0.1:9", source))
    with pytest.raises(config_mod.ConfigError) as caught:
        config_mod.load(path, env={"T": "t"})
    text = caught.value.render()
    assert f"{key}" in text and words in text, text
