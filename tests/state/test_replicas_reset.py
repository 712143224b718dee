"""Replicas on a Redis that loses its data, and a follower's own stale rule.

Real ``wallboard serve`` processes on a real redis-server (a database of its own:
``FLUSHDB`` is what ``FLUSHALL`` or a restart without persistence does to it), a
websocket screen on each replica; what is asserted is what those screens receive.
"""

from __future__ import annotations

import signal
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from tests.support.alertmanager import alert, payload
from tests.support.daemons import wait_until
from tests.support.process import ServerProcess
from tests.support.prometheus import PrometheusServer
from tests.support.redis_server import RedisDatabase
from tests.support.replicas import (
    get_json,
    leader_of,
    post_alerts,
    quiet_alertmanager,
    replica_config,
    replicas,
)
from tests.support.screens import ScreenClient


def panels_of(message: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = message.get("panels") or message.get("data", {}).get("panels")
    return found or []


def shown(screen: ScreenClient, check: Any, timeout: float, what: str) -> None:
    """Read the screen's frames until one has a panel passing ``check`` (fail naming ``what``)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            message = screen.next(max(0.05, end - time.monotonic()))
        except TimeoutError:
            break
        if any(check(p) for p in panels_of(message)):
            return
    raise TimeoutError(f"{what} within {timeout:g} s")


def on_every_screen(screens: list[ScreenClient], check: Any, what: str) -> None:
    """Every screen shows it within 10 s (read side by side: each keeps answering pings)."""
    with ThreadPoolExecutor(len(screens)) as pool:
        list(pool.map(lambda s: shown(s, check, 10, f"{what} on a screen"), screens))


def ratio_after(version: int) -> Any:
    def check(panel: dict[str, Any]) -> bool:
        return panel["id"] == "ratio" and int(panel["version"]) > version

    return check


def firing(fingerprint: str) -> Any:
    def check(panel: dict[str, Any]) -> bool:
        return panel["id"] == "alerts" and any(
            item["meta"].get("fingerprint") == fingerprint for item in panel["items"]
        )

    return check


def panel(server: ServerProcess, panel_id: str) -> dict[str, Any]:
    _, body, _ = get_json(f"{server.url}/api/v1/teams/payments")
    return next(p for p in body["panels"] if p["id"] == panel_id)  # type: ignore[no-any-return]


def test_every_screen_keeps_getting_changes_after_redis_loses_its_data(
    tmp_path: Path, store: RedisDatabase, config: str
) -> None:
    with replicas(tmp_path, 3, store.url, config) as servers:
        leader = leader_of(servers)
        screens = [ScreenClient(s.ws_url + "/ws/teams/payments") for s in servers]
        try:
            for screen in screens:
                screen.wait_for(lambda m: m["type"] == "snapshot", timeout=10)
            # A wall that ran a while: its sequence number is well past what a new line
            # of numbers reaches during this test.
            for n in range(25):
                post_alerts(leader.url, payload(alert(f"{n:016x}", team="payments")))
            on_every_screen(screens, firing(f"{24:016x}"), "the last alert before the reset")
            store.client().flushdb()
            # The ratio changes every cycle: each screen keeps getting newer versions of it
            # (an alert would not do: the new leader's first Alertmanager poll clears it).
            for _ in range(2):
                at = max(int(panel(s, "ratio")["version"]) for s in servers)
                on_every_screen(screens, ratio_after(at), f"a ratio change after version {at}")
        finally:
            for screen in screens:
                screen.close()
        logs = "".join(s.log() for s in servers)
        assert "shared board was reset in Redis" in logs or "Redis lost its data" in logs


def test_a_follower_shows_values_stale_when_its_leader_stops_collecting(
    tmp_path: Path, store: RedisDatabase, prom: PrometheusServer
) -> None:
    # A long lease: the paused leader keeps it, so nobody collects, while Redis answers.
    with (
        quiet_alertmanager() as am,
        replicas(
            tmp_path, 2, store.url, replica_config(prom.url, am, ttl="60s", stale_after="3s")
        ) as servers,
    ):
        leader = leader_of(servers)
        follower = next(s for s in servers if s is not leader)
        wait_until(lambda: panel(follower, "ratio")["value"] is not None, 20, "a first value")
        with ScreenClient(follower.ws_url + "/ws/teams/payments") as screen:
            screen.wait_for(lambda m: m["type"] == "snapshot", timeout=10)
            leader.proc.send_signal(signal.SIGSTOP)
            try:
                paused = time.monotonic()

                def stale_ratio(p: dict[str, Any]) -> bool:
                    return p["id"] == "ratio" and bool(p["stale"])

                shown(screen, stale_ratio, 3 + 5, "the ratio stale on the follower's screen")
                took = time.monotonic() - paused
                assert panel(follower, "ratio")["stale"] is True
            finally:
                leader.proc.send_signal(signal.SIGCONT)
        assert took >= 3 - 1.5, f"stale after {took:.1f} s, before its stale_after"
