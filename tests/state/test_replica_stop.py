"""Stopping a replica is quick: its blocking reads are woken, its threads stop together.

Two replicas of one wall in this process, on a real Redis: the leader (its hook
queue in a blocking pop) and a follower (in its subscription's read). Each one's
whole graceful stop (``Wall.stop``: scheduler, hub, the store's last write, lease
release, every thread joined, fleet rows withdrawn) takes under half a second,
where the reads alone would wait up to one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.daemons import wait_until
from tests.support.redis_server import RedisDatabase
from tests.support.replicas import replica_config
from wallboard.config import loader as config_mod
from wallboard.server import open_state
from wallboard.state.redis import Replica
from wallboard.wall import Wall

STOP_BUDGET = 0.5  # seconds


@pytest.fixture
def walls(tmp_path: Path, store: RedisDatabase) -> Iterator[list[Wall]]:
    # Nothing answers on port 9: collections fail at once, which is all a lease needs.
    path = tmp_path / "wall.toml"
    path.write_text(replica_config("http://127.0.0.1:9", "http://127.0.0.1:9", ttl="2s"))
    env = {"WALLBOARD_REDIS_URL": store.url, "AM_TOKEN": "am-token"}
    walls = [Wall(config_mod.load(str(path), env=env), env=env, build="test") for _ in range(2)]
    yield walls
    for wall in walls:
        wall.stop()


def _open(wall: Wall) -> Replica:
    store = open_state(wall)
    assert isinstance(store, Replica)
    wall.state = store
    wall.start(schedule=False)
    store.join_fleet(list, lambda command: None)  # the fleet's two threads, as with screens
    return store


def _replica_threads() -> set[threading.Thread]:
    return {
        t
        for t in threading.enumerate()
        if t.name.startswith(("wallboard-replica", "wallboard-fleet"))
    }


def test_it_stops_a_leader_and_a_follower_within_half_a_second(walls: list[Wall]) -> None:
    leader = _open(walls[0])
    wait_until(lambda: leader.lead.leader, 10, "the first replica to lead")
    follower = _open(walls[1])
    wait_until(lambda: follower.health.connected, 10, "the second replica to follow")
    assert not follower.lead.leader
    time.sleep(1.2)  # every loop is in its blocking read (blmove, get_message 0.5 s)
    assert len(_replica_threads()) == 14  # 7 each: lease, lease-watch, follow, write, hooks,
    # and the fleet's two

    for wall in (walls[1], walls[0]):
        started = time.monotonic()
        wall.stop()
        took = time.monotonic() - started
        assert took < STOP_BUDGET, f"stopping a replica took {took:.3f} s"
    assert not _replica_threads()
