"""B7's measurements, one function each; ``bench.replicas`` runs them and reports.

Real parts throughout: redis-server, Prometheus, ``wallboard serve`` replicas and
the load client, all on loopback, every wait bounded.
"""

from __future__ import annotations

import json
import signal
import subprocess
import threading
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from bench.common import Child, free_port, python_cmd
from tests.support.alertmanager import alert, payload
from tests.support.daemons import wait_until
from tests.support.process import ServerProcess, command, run_server
from tests.support.prometheus import PrometheusServer
from tests.support.replicas import TOKEN, get_json, leader_of, post_alerts
from tests.support.screens import ScreenClient


class Replicas:
    """Replicas on one Redis, each with its own copy of one config: a set that grows, loses
    its leader and takes new members, every one stopped when ``stack`` closes. One set
    serves the query, failover and webhook measures: a replica's start is the costly step."""

    def __init__(self, stack: ExitStack, workdir: Path, redis_url: str, config: str) -> None:
        self.stack, self.workdir, self.config = stack, workdir, config
        self.env = {"WALLBOARD_REDIS_URL": redis_url, "AM_TOKEN": TOKEN}
        self.members: list[ServerProcess] = []
        self.started = 0

    def add(self) -> ServerProcess:
        folder = self.workdir / f"r{self.started}"
        folder.mkdir(parents=True)
        (folder / "config.toml").write_text(self.config)
        self.started += 1
        server = self.stack.enter_context(run_server(folder / "config.toml", env=self.env))
        self.members.append(server)
        return server

    def grow_to(self, count: int) -> None:
        while len(self.members) < count:
            self.add()


def queries_per_minute(prom: PrometheusServer, replicas: Replicas, window: float) -> float:
    """Prometheus' queries per minute while ``replicas`` run, past the first collection."""
    leader = leader_of(replicas.members)
    # The first cycle backfills history with range queries: not the steady rate.
    wait_until(lambda: ratio_updated(leader) > 0, 30, "a first collection")
    before = prom.queries_served()
    time.sleep(window)
    return (prom.queries_served() - before) * 60.0 / window


def ratio_updated(server: ServerProcess) -> float:
    _, body, _ = get_json(server.url + "/api/v1/teams/payments")
    return float(body["panels"][0]["updated_at"] or 0.0)


def failovers(replicas: Replicas, rounds: int) -> list[float]:
    """kill -9 the leader, seconds to the next successful collection; a new replica each round."""
    seconds = []
    servers = replicas.members
    for _ in range(rounds):
        leader = leader_of(servers)
        wait_until(lambda s=leader: ratio_updated(s) > 0, 30, "a first collection")
        leader.proc.send_signal(signal.SIGKILL)
        killed = time.time()
        leader.proc.wait(10)
        servers.remove(leader)
        wait_until(
            lambda t=killed: ratio_updated(servers[0]) > t, 60, "a collection after the kill"
        )
        seconds.append(ratio_updated(servers[0]) - killed)
        replicas.add()
    return seconds


def webhook_latencies(replicas: Replicas, count: int) -> tuple[list[float], list[float]]:
    """Webhook posted to the leader: seconds to a screen on the leader and on a follower."""
    leader = leader_of(replicas.members)
    follower = next(s for s in replicas.members if s is not leader)
    on_leader: list[float] = []
    on_follower: list[float] = []
    with (
        ScreenClient(leader.ws_url + "/ws/teams/payments") as a,
        ScreenClient(follower.ws_url + "/ws/teams/payments") as b,
    ):
        for screen in (a, b):
            screen.wait_for(lambda m: m["type"] == "snapshot", timeout=10)
        for i in range(count):
            name = f"bench-{i:05d}-alert"
            fresh = alert(f"{i:016x}", team="payments", alertname=name)
            gone = alert(f"{i - 1:016x}", "resolved", team="payments")
            body = payload(fresh, gone) if i else payload(fresh)
            sent = time.perf_counter()
            times: dict[str, float] = {}

            def watch(
                screen: ScreenClient,
                key: str,
                name: str = name,
                sent: float = sent,
                times: dict[str, float] = times,
            ) -> None:
                screen.wait_for(lambda m: name in json.dumps(m), timeout=10)
                times[key] = time.perf_counter() - sent

            threads = [
                threading.Thread(target=watch, args=(a, "leader")),
                threading.Thread(target=watch, args=(b, "follower")),
            ]
            for thread in threads:
                thread.start()
            post_alerts(leader.url, body)
            for thread in threads:
                thread.join(15)
            on_leader.append(times["leader"])
            on_follower.append(times["follower"])
    return on_leader, on_follower


def restart_to_snapshot(config: Path, team: str, panels: int, points: int) -> float:
    """Spawn ``wallboard serve`` on a filled state file; seconds to a full snapshot of ``team``."""
    port = free_port()
    started = time.perf_counter()
    proc = subprocess.Popen(
        command("serve", "--config", str(config), "--port", str(port)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while time.perf_counter() - started < 30:
            try:
                with ScreenClient(f"ws://127.0.0.1:{port}/ws/teams/{team}") as screen:
                    snap = screen.wait_for(lambda m: m["type"] == "snapshot", timeout=10)
            except OSError:
                time.sleep(0.01)
                continue
            shown = snap["data"]["panels"]
            if len(shown) == panels and all(len(p["spark"]) >= points for p in shown):
                # points = 0: any first snapshot (the start without a state file)
                return time.perf_counter() - started
            raise RuntimeError(f"the first snapshot was not full: {len(shown)} panels")
        raise RuntimeError("no snapshot within 30 s")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def fanout(
    urls: list[str], screens_each: int, seconds: float, pause: float
) -> list[dict[str, Any]]:
    """One load client per replica URL, at once; their result lines."""
    clients = [
        Child(
            python_cmd(
                "bench.loadclient",
                url,
                *("--screens", str(screens_each), "--duration", str(seconds)),
                *("--warmup", str(pause), "--grace", str(pause)),
                *("--min-versions", "1"),  # a window without a broadcast measures nothing
            ),
            ready_timeout=300,
        )
        for url in urls
    ]
    try:
        return [c.line(seconds + 120) for c in clients]
    finally:
        for c in clients:
            c.kill()
