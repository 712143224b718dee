"""An API client switching replicas never sees the board go back in time.

Real redis-server, real Prometheus, real ``wallboard serve`` replicas. The client
here does what a chatops bot behind a round-robin load balancer does: each
request lands on the next replica, and the version (and ETag) it reads must
never be older than one it has already seen.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.support.alertmanager import alert, payload
from tests.support.blackhole import LatePubSub
from tests.support.daemons import wait_until
from tests.support.process import ServerProcess
from tests.support.redis_server import RedisDatabase
from tests.support.replicas import (
    get_json,
    leader_of,
    metric,
    post_alerts,
    replicas,
)

TTL = 2.0
STALE_AFTER = 3.0


@pytest.fixture(scope="module")
def config(config: str) -> str:
    """The shared replica config with a short stale time, so an outage marks panels stale."""
    return config.replace('stale_after = "30s"', f'stale_after = "{STALE_AFTER:.0f}s"')


def answer(server: ServerProcess) -> tuple[int, Any, dict[str, str]]:
    """(status, body, headers) of one team's answer, as a client reads it."""
    # One Host for every replica, as behind a load balancer (the ETag covers the base URL).
    return get_json(server.url + "/api/v1/teams/payments", {"Host": "wall.example"})


def read(server: ServerProcess, behind: list[int] | None = None) -> tuple[int, str]:
    """(version, ETag) of one team's answer. A replica that is behind says 503 with
    Retry-After; like a client behind a retrying load balancer, ask again (bounded), and
    count it in ``behind``."""
    for _ in range(100):
        status, body, headers = answer(server)
        if status != 503:
            assert status == 200, (status, body)
            return int(body["version"]), str(headers["ETag"])
        assert body["error"]["code"] == "replica_behind" and headers["Retry-After"] == "1"
        if behind is not None:
            behind.append(1)
        time.sleep(0.05)
    raise AssertionError(f"{server.url} stayed behind for 100 answers")


def alternate(
    servers: list[ServerProcess], rounds: int, behind: list[int] | None = None
) -> list[tuple[int, int, str]]:
    """Read round-robin; (replica index, version, ETag) in the order they were read."""
    seen = []
    for i in range(rounds):
        index = i % len(servers)
        version, tag = read(servers[index], behind)
        seen.append((index, version, tag))
    return seen


def assert_never_back(seen: list[tuple[int, int, str]]) -> None:
    newest = 0
    tags: dict[int, set[str]] = {}
    for index, version, tag in seen:
        assert version >= newest, f"replica {index} answered version {version} after {newest}"
        newest = version
        tags.setdefault(version, set()).add(tag)
    mixed = {v: t for v, t in tags.items() if len(t) > 1}
    assert not mixed, f"one version, several ETags: {mixed}"


def post_numbered(server: ServerProcess, numbers: list[int]) -> None:
    alerts = [
        alert(f"{n:016x}", team="payments", severity="critical", alertname=f"Alert{n}")
        for n in numbers
    ]
    post_alerts(server.url, payload(*alerts))


def test_a_client_alternating_replicas_while_the_board_changes_never_sees_it_go_back(
    tmp_path: Path, store: RedisDatabase, config: str
) -> None:
    with replicas(tmp_path, 2, store.url, config) as servers:
        leader = leader_of(servers)
        follower = next(s for s in servers if s is not leader)
        stop = threading.Event()
        posted = []

        def change() -> None:
            # Each webhook changes the alerts panel: a new version every ~20 ms, bounded.
            for i in range(300):
                if stop.is_set():
                    return
                post_numbered(leader, [i, 1000 + i % 3])
                posted.append(i)
                time.sleep(0.02)

        writer = threading.Thread(target=change, daemon=True)
        writer.start()
        try:
            wait_until(lambda: len(posted) >= 5, 20, "webhooks flowing")
            # Leader first: what it shows must already be readable on the follower.
            behind: list[int] = []
            seen = alternate([leader, follower], 200, behind)
        finally:
            stop.set()
            writer.join(20)
        assert seen[-1][1] > seen[0][1], "the board did not change while it was read"
        assert_never_back(seen)
        print(f"{len(behind)} answers of 200 were 503 replica_behind (a starved follower)")


def test_after_a_redis_outage_every_replica_agrees_again_and_versions_never_go_back(
    tmp_path: Path, store: RedisDatabase, config: str
) -> None:
    with replicas(tmp_path, 2, store.url, config) as servers:
        leader_of(servers)
        wait_until(lambda: len({read(s) for s in servers}) == 1, 20, "the replicas on one version")
        before = max(read(s)[0] for s in servers)
        # Redis stalls (its keys kept): the leader collects alone until its lease runs out,
        # then every replica sweeps alone, so their boards count versions apart. Either
        # replica may hold the lease afterwards; the one that counted further must not be
        # the one whose answers go back.
        store.pause()
        try:
            time.sleep(TTL + STALE_AFTER)
        finally:
            store.resume()
        wait_until(
            lambda: all(get_json(s.url + "/readyz")[0] == 200 for s in servers),
            TTL * 3 + 10,
            "every replica ready again",
        )
        leader_of(servers)

        def agree() -> bool:
            return len({read(s) for s in servers}) == 1

        wait_until(agree, TTL * 2 + 5, "the same version and ETag on every replica")
        seen = alternate(servers, 40)
        assert seen[0][1] >= before
        assert_never_back(seen)


def test_a_follower_whose_changes_are_late_says_so_instead_of_answering_older(
    tmp_path: Path, store: RedisDatabase, config: str
) -> None:
    # Nothing goes stale here while the changes are held (the follower's own sweep would
    # count a version of its own and answer with it, as designed).
    config = config.replace(f'stale_after = "{STALE_AFTER:.0f}s"', 'stale_after = "1h"')
    with (
        LatePubSub(store.server.port) as relay,
        replicas(tmp_path / "a", 1, store.url, config) as (leader,),
    ):
        leader_of([leader])  # it leads before the follower (behind the relay) starts
        with replicas(tmp_path / "b", 1, relay.url(store.index), config) as (follower,):
            assert leader_of([leader, follower]) is leader
            wait_until(lambda: read(follower) == read(leader), 20, "the follower caught up")
            relay.late.set()  # the follower's published changes now wait in the relay
            post_numbered(leader, [1])
            shown = read(leader)[0]  # a client has seen this version
            status, body, headers = answer(follower)
            assert status == 503, (status, body)
            assert body["error"]["code"] == "replica_behind"
            assert headers["Retry-After"] == "1"
            assert str(shown) in body["error"]["message"]
            # It reads the whole board from Redis by itself, its changes still held.
            assert read(follower)[0] >= shown
            assert "board still behind version" in follower.log()
            assert metric(follower, "wallboard_replica_answers_behind") >= 1
            relay.late.clear()
