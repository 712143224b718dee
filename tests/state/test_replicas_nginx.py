"""The nginx configuration of docs/replicas.md, run for real in front of two replicas.

Real nginx (its ``upstream`` and ``location`` read from the docs), real redis-server,
real Prometheus, real ``wallboard serve`` replicas. What is checked is what the docs
promise of it: a screen whose replica dies reconnects through nginx to the other one
and shows the same values, and the wall sees each client's own address.
"""

from __future__ import annotations

import json
import re
import signal
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed

from tests.support.api_client import get_from
from tests.support.daemons import wait_until
from tests.support.nginx import nginx
from tests.support.prometheus import PrometheusServer
from tests.support.redis_server import RedisDatabase
from tests.support.replicas import (
    get_json,
    leader_of,
    quiet_alertmanager,
    replica_config,
    replicas,
)
from tests.support.screens import ScreenClient

SCREENS = re.compile(r'^wallboard_screens_connected\{team="payments"\} (\d+)', re.M)
BEHIND_NGINX = '\n[server]\ntrusted_proxies = ["127.0.0.1/32"]\nlog_format = "json"\n'


@pytest.fixture(scope="module")
def config(prom: PrometheusServer) -> Iterator[str]:
    with quiet_alertmanager() as am:
        yield replica_config(prom.url, am) + BEHIND_NGINX


def screens_on(url: str) -> int:
    with urllib.request.urlopen(url + "/metrics", timeout=5) as resp:
        match = SCREENS.search(resp.read().decode())
    return int(match.group(1)) if match else 0


def ratio_of(snapshot: dict[str, object]) -> dict[str, object]:
    """The ratio panel of a snapshot frame (its ``data``) or of an API team answer."""
    team = snapshot.get("data", snapshot)
    panels = team["panels"]  # type: ignore[index]
    return next(p for p in panels if p["id"] == "ratio")  # type: ignore[no-any-return]


def test_a_screen_behind_nginx_moves_to_the_other_replica_when_its_own_dies(
    tmp_path: Path, store: RedisDatabase, config: str
) -> None:
    (tmp_path / "nginx").mkdir()
    with replicas(tmp_path, 2, store.url, config) as servers:
        leader_of(servers)
        # Both replicas hold a collected value before the screen connects: a snapshot
        # comes once per connection, later changes come as updates.
        wait_until(
            lambda: all(
                ratio_of(get_json(f"{s.url}/api/v1/teams/payments")[1])["value"] is not None
                for s in servers
            ),
            20,
            "a collected ratio on both replicas",
        )
        addresses = [s.url.removeprefix("http://") for s in servers]
        with nginx(tmp_path / "nginx", addresses) as front:
            ws = front.replace("http://", "ws://") + "/ws/teams/payments"

            def fresh_snapshot(screen: ScreenClient) -> dict[str, object]:
                return screen.wait_for(
                    lambda m: m["type"] == "snapshot" and ratio_of(m)["value"] is not None,
                    timeout=20,
                )

            with ScreenClient(ws) as screen:
                before = ratio_of(fresh_snapshot(screen))
                holder = next(s for s in servers if screens_on(s.url) == 1)
                holder.proc.send_signal(signal.SIGKILL)
                holder.proc.wait(10)
                with pytest.raises((ConnectionClosed, TimeoutError)):
                    screen.wait_for(lambda m: False, timeout=10)
            survivor = next(s for s in servers if s is not holder)
            # The screen's own retry: nginx skips the dead replica (proxy_next_upstream).
            with ScreenClient(ws) as screen:
                after = ratio_of(fresh_snapshot(screen))
            assert screens_on(survivor.url) == 0  # that socket is closed now
            assert after["status"] == before["status"]
            assert after["value"] == pytest.approx(before["value"], rel=0.2)
            assert len(after["spark"]) >= len(before["spark"])  # type: ignore[arg-type]


def test_behind_nginx_the_wall_logs_each_client_address_not_the_proxys(
    tmp_path: Path, store: RedisDatabase, config: str
) -> None:
    (tmp_path / "nginx").mkdir()
    with (
        replicas(tmp_path, 1, store.url, config) as (server,),
        nginx(tmp_path / "nginx", [server.url.removeprefix("http://")]) as front,
    ):
        assert get_from(front, "/healthz", "127.0.0.2") == 200

        def logged_remotes() -> set[str]:
            remotes = set()
            for line in server.log().splitlines():
                if line.startswith("{"):
                    entry = json.loads(line)
                    if entry.get("path") == "/healthz":
                        remotes.add(str(entry.get("remote")))
            return remotes

        # nginx connects from 127.0.0.1; the wall logs the client nginx forwarded for.
        wait_until(lambda: "127.0.0.2" in logged_remotes(), 5, "the client's address logged")
