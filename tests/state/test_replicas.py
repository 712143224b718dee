"""Several replicas on a real Redis, a real Prometheus upstream: one poller, one board.

Each test starts its own redis-server (no persistence) and ``wallboard serve``
processes; what is asserted is what an operator would check: upstream load,
failover time, fencing of a paused leader, webhooks on any replica, Redis outages.
"""

from __future__ import annotations

import json
import signal
import time
import urllib.request
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from tests.support.alertmanager import alert, payload
from tests.support.daemons import wait_until
from tests.support.process import ServerProcess
from tests.support.prometheus import PrometheusServer
from tests.support.redis_server import RedisDatabase
from tests.support.replicas import (
    config_path,
    get_json,
    leader_of,
    metric,
    post_alerts,
    replicas,
    state_of,
)
from tests.support.screens import ScreenClient

TTL = 2.0
INTERVAL = 1.0


def panel(server: ServerProcess, team: str, panel_id: str) -> dict[str, Any]:
    _, body, _ = get_json(f"{server.url}/api/v1/teams/{team}")
    return next(p for p in body["panels"] if p["id"] == panel_id)  # type: ignore[no-any-return]


def queries_in(prom: PrometheusServer, seconds: float) -> float:
    before = prom.queries_served()
    time.sleep(seconds)
    return prom.queries_served() - before


def past_first_cycle(leader: ServerProcess, started: float) -> None:
    """Wait until ``leader`` finished a collection begun after ``started``."""

    def collected() -> bool:
        updated = panel(leader, "payments", "ratio")["updated_at"]
        return updated is not None and updated > started

    wait_until(collected, 20, "the leader's first cycle")


def test_three_replicas_query_the_upstream_as_often_as_one(
    tmp_path: Path, store: RedisDatabase, prom: PrometheusServer, config: str
) -> None:
    window = 8.0
    started = time.time()
    with replicas(tmp_path / "one", 1, store.url, config) as servers:
        past_first_cycle(leader_of(servers), started)  # and its history backfill
        one = queries_in(prom, window)
    started = time.time()
    with replicas(tmp_path / "three", 3, store.url, config) as servers:
        past_first_cycle(leader_of(servers), started)
        three = queries_in(prom, window)
    assert one >= window / INTERVAL * 0.5, f"one replica queried only {one} times"
    assert three <= one * 1.3 + 1, f"3 replicas: {three} queries, one replica: {one}"


def test_killing_the_leader_hands_collection_over_within_ttl_and_a_cycle(
    tmp_path: Path, store: RedisDatabase, config: str
) -> None:
    with replicas(tmp_path, 3, store.url, config) as servers:
        leader = leader_of(servers)
        wait_until(lambda: panel(leader, "payments", "ratio")["value"] is not None, 20, "a value")
        leader.proc.send_signal(signal.SIGKILL)
        killed = time.time()
        leader.proc.wait(10)
        others = [s for s in servers if s is not leader]
        new = leader_of(others, timeout=TTL * 4 + 10)

        def collected_after_kill() -> bool:
            updated = panel(new, "payments", "ratio")["updated_at"]
            return updated is not None and updated > killed

        wait_until(collected_after_kill, TTL * 4 + 10, "a collection by the new leader")
        took = panel(new, "payments", "ratio")["updated_at"] - killed
        # The lease runs out (TTL), a follower notices (TTL/3), its first cycle runs (interval).
        assert took <= TTL + TTL / 3 + INTERVAL + 1.5, f"failover took {took:.2f} s"
        follower = next(s for s in others if s is not new)
        wait_until(
            lambda: panel(follower, "payments", "ratio")["updated_at"] > killed,
            5,
            "the other follower following the new leader",
        )
        # The shared history (what any replica's sparkline shows) has no longer hole.
        saved = json.loads(store.client().hget("walltest:board", "panel:payments/ratio") or "{}")
        stamps = [at for at, _ in saved["history"]]
        gap = max(b - a for a, b in pairwise(stamps))
        assert gap <= TTL + TTL / 3 + INTERVAL + 1.5, f"a {gap:.2f} s hole in the history"


def test_a_paused_leader_that_comes_back_cannot_write(
    tmp_path: Path, store: RedisDatabase, config: str
) -> None:
    with replicas(tmp_path, 2, store.url, config) as servers:
        old = leader_of(servers)
        old_epoch = state_of(old)["epoch"]
        old.proc.send_signal(signal.SIGSTOP)
        try:
            new = leader_of([s for s in servers if s is not old], timeout=TTL * 4 + 10)
        finally:
            old.proc.send_signal(signal.SIGCONT)
        new_epoch = state_of(new)["epoch"]
        assert new_epoch > old_epoch
        wait_until(lambda: state_of(old)["role"] == "follower", 10, "the old leader standing by")
        # The reason reaches the log (read through a pipe by this process) within a moment.
        wait_until(
            lambda: (
                "late write refused" in old.log()
                or "lease taken by another replica" in old.log()
                or "lease ran out unrenewed" in old.log()  # its watch, first awake
            ),
            5,
            "the old leader saying why it stopped collecting",
        )
        # Redis holds the new leader's board: nothing of the old epoch got through.
        meta = store.client().hgetall("walltest:meta")
        assert int(meta["epoch"]) == new_epoch
        wait_until(
            lambda: (
                panel(old, "payments", "ratio")["version"]
                >= panel(new, "payments", "ratio")["version"] - 1
            ),
            10,
            "the old leader following the new one",
        )


# 100 ms from a POST through Redis pub/sub to another process's socket: a budget that
# only holds when no other test competes for the two cores.
@pytest.mark.serial
def test_a_webhook_posted_to_one_replica_reaches_a_screen_on_another_within_100_ms(
    tmp_path: Path, store: RedisDatabase, config: str
) -> None:
    with replicas(tmp_path, 2, store.url, config) as servers:
        leader_of(servers)
        a, b = servers
        with ScreenClient(a.ws_url + "/ws/teams/payments") as screen:
            screen.wait_for(lambda m: m["type"] == "snapshot", timeout=10)
            body = payload(alert("0123456789abcdef", team="payments", severity="critical"))

            def shows_alert(msg: dict[str, Any]) -> bool:
                panels = msg.get("panels") or msg.get("data", {}).get("panels") or []
                return any(p["id"] == "alerts" and p["items"] for p in panels)

            sent = time.monotonic()
            answer = post_alerts(b.url, body)
            screen.wait_for(shows_alert, timeout=5)
            latency = time.monotonic() - sent
        assert answer["queued"] is True
        assert latency < 0.1, f"webhook to screen took {latency * 1000:.0f} ms"
        # The sender retries the same body: taken once, shown once.
        again = post_alerts(a.url, body)
        assert again["duplicate"] is True
        time.sleep(0.5)  # a duplicate taken twice would show within this
        assert len(panel(a, "payments", "alerts")["items"]) == 1
        assert len(panel(b, "payments", "alerts")["items"]) == 1


def test_the_same_board_gives_the_same_etag_on_every_replica(
    tmp_path: Path, store: RedisDatabase, config: str
) -> None:
    with replicas(tmp_path, 3, store.url, config) as servers:
        leader_of(servers)
        wait_until(lambda: panel(servers[0], "payments", "ratio")["value"] is not None, 20, "data")
        same = 0
        for _ in range(40):
            tags = set()
            versions = set()
            for server in servers:
                req = urllib.request.Request(
                    server.url + "/api/v1/teams/payments", headers={"Host": "wall.example"}
                )
                with urllib.request.urlopen(req, timeout=5) as resp:
                    versions.add(json.loads(resp.read())["version"])
                    tags.add(resp.headers["ETag"])
            if len(versions) == 1:
                assert len(tags) == 1, tags
                same += 1
            time.sleep(0.05)
        assert same >= 5, "the replicas were never on the same version"


def test_redis_down_shows_the_marker_and_503_then_recovers_by_itself(
    tmp_path: Path, store: RedisDatabase, prom: PrometheusServer, config: str
) -> None:
    with replicas(tmp_path, 2, store.url, config) as servers:
        leader = leader_of(servers)
        follower = next(s for s in servers if s is not leader)
        wait_until(lambda: panel(follower, "payments", "ratio")["value"] is not None, 20, "data")
        before = {s.url: panel(s, "payments", "ratio")["status"] for s in servers}
        with ScreenClient(follower.ws_url + "/ws/teams/payments") as screen:
            screen.wait_for(lambda m: m["type"] == "snapshot", timeout=10)
            store.stop()
            stopped = time.monotonic()
            notice = screen.conn.recv(timeout=10)
            while "state store unreachable" not in str(notice):
                notice = screen.conn.recv(timeout=10)
            assert time.monotonic() - stopped <= INTERVAL + 2.0
            assert "values as of" in str(notice)
            for server in servers:
                status, body, _ = get_json(server.url + "/readyz")
                assert status == 503
                assert any("Redis" in r for r in body["reasons"]), body
                shown = panel(server, "payments", "ratio")["status"]
                assert shown == before[server.url] or shown != "ok"
            # docs/replicas.md: the leader stops collecting once its lease ran out unrenewed
            # (<= TTL), and no follower starts: nobody polls the upstream during the outage.
            wait_until(
                lambda: state_of(leader)["role"] == "follower",
                TTL + TTL / 3 + 5,
                "the leader giving up its lease",
            )
            assert time.monotonic() - stopped <= TTL + TTL / 3 + 2.0
            assert metric(leader, "wallboard_replica_leader") == 0
            time.sleep(INTERVAL)  # a cycle already in flight may still finish
            idle = queries_in(prom, INTERVAL * 4)
            assert idle == 0, f"{idle} upstream queries while Redis was down"
            queried = prom.queries_served()
            back = time.monotonic()  # before: start() returns once Redis answers a PING
            store.start()
            wait_until(lambda: prom.queries_served() > queried, TTL * 3 + 10, "a query again")
            resumed = time.monotonic() - back
            # The next lease look (<= TTL/3 + 1 s while Redis is unreachable), the takeover and
            # the first cycle, due at once: about a cycle; plus slack for a loaded host.
            bound = TTL / 3 + 1.0 + INTERVAL + 1.5
            assert resumed <= bound, f"collection resumed after {resumed:.2f} s"
            wait_until(
                lambda: all(get_json(s.url + "/readyz")[0] == 200 for s in servers),
                TTL * 3 + 10,
                "every replica ready again",
            )
            recovered = time.time()
            wait_until(
                lambda: panel(follower, "payments", "ratio")["updated_at"] > recovered,
                TTL * 3 + 10,
                "new values on the follower",
            )
            leader_of(servers)


def test_a_replica_with_another_config_says_so_and_never_takes_the_lease(
    tmp_path: Path, store: RedisDatabase, config: str
) -> None:
    with replicas(tmp_path / "a", 1, store.url, config) as (leader,):
        leader_of([leader])
        other = config.replace('title = "5xx ratio"', 'title = "Server errors"')
        with replicas(tmp_path / "b", 1, store.url, other) as (odd,):
            wait_until(lambda: get_json(odd.url + "/readyz")[0] == 503, 10, "odd one unready")
            body = get_json(odd.url + "/readyz")[1]
            assert any("differs from the leader" in r for r in body["reasons"]), body
            assert metric(odd, "wallboard_replica_config_mismatch") == 1
            time.sleep(TTL * 2)  # lease looks go on for two TTLs; it must never take it
            assert state_of(odd)["role"] == "follower"
            assert metric(odd, "wallboard_replica_leader") == 0
            assert metric(leader, "wallboard_replica_leader") == 1
            assert metric(leader, "wallboard_replica_takeovers") == 1
            assert metric(odd, "wallboard_replication_lag_seconds") < 1.0


def test_a_replica_reloaded_with_another_config_says_so_until_reloaded_back(
    tmp_path: Path, store: RedisDatabase, config: str
) -> None:
    with replicas(tmp_path, 2, store.url, config) as servers:
        leader = leader_of(servers)
        index = next(i for i, s in enumerate(servers) if s is not leader)
        odd, path = servers[index], config_path(tmp_path, index)
        agreed = state_of(odd)["config_hash"]
        assert agreed == state_of(leader)["config_hash"]
        path.write_text(config.replace('title = "5xx ratio"', 'title = "Server errors"'))
        odd.signal(signal.SIGHUP)  # what `wallboard reload` sends

        def says_it_differs() -> bool:
            status, body, _ = get_json(odd.url + "/readyz")
            return status == 503 and any("differs from the leader" in r for r in body["reasons"])

        wait_until(says_it_differs, TTL * 2 + 10, "the reloaded replica reporting the mismatch")
        assert state_of(odd)["config_hash"] != agreed
        assert metric(odd, "wallboard_replica_config_mismatch") == 1
        assert get_json(leader.url + "/readyz")[0] == 200
        # Its renewals and lease looks go on; it never takes the lease from that leader.
        time.sleep(TTL * 2)
        assert state_of(odd)["role"] == "follower"
        assert metric(odd, "wallboard_replica_leader") == 0
        assert metric(leader, "wallboard_replica_leader") == 1
        assert metric(leader, "wallboard_replica_takeovers") == 1
        path.write_text(config)
        odd.signal(signal.SIGHUP)
        wait_until(lambda: get_json(odd.url + "/readyz")[0] == 200, TTL * 2 + 10, "agreement again")
        assert state_of(odd)["config_hash"] == agreed
        assert state_of(odd)["config_mismatch"] is None
        assert metric(odd, "wallboard_replica_config_mismatch") == 0


def test_since_when_survives_a_leader_change(
    tmp_path: Path, store: RedisDatabase, config: str
) -> None:
    # payments' ratio is 10 %, crit from the first cycle: "crit for N min" must not start
    # again when another replica takes over and collects the same crit.
    with replicas(tmp_path, 2, store.url, config) as servers:
        leader = leader_of(servers)
        past_first_cycle(leader, 0.0)
        follower = next(s for s in servers if s is not leader)
        began = panel(leader, "payments", "ratio")
        assert began["status"] == "crit" and began["status_since"] is not None
        _, team, _ = get_json(f"{leader.url}/api/v1/teams/payments")
        assert team["status_since"] == began["status_since"]
        wait_until(
            lambda: panel(follower, "payments", "ratio")["status_since"] == began["status_since"],
            10,
            "the follower's copy of since-when",
        )
        leader.proc.send_signal(signal.SIGKILL)
        killed = time.time()
        wait_until(
            lambda: (panel(follower, "payments", "ratio")["updated_at"] or 0) > killed,
            TTL * 4 + 10,
            "a collection by the new leader",
        )
        after = panel(follower, "payments", "ratio")
        assert after["status"] == "crit"
        assert after["status_since"] == began["status_since"]
        _, team, _ = get_json(f"{follower.url}/api/v1/teams/payments")
        assert team["status_since"] == began["status_since"]
