"""A leader whose link to Redis is blackholed (no RST, no FIN): it stands down on time.

Two real ``wallboard serve`` replicas on a real redis-server; the leader reaches it
through a relay (``tests/support/blackhole.py``) that stops forwarding without
closing anything. Both poll one loopback Prometheus double with their own bearer
token (same config file, a different ``PROM_TOKEN`` each), so the double counts
each replica's queries: what a user would check to see two pollers at once.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.state.test_replicas_hooks import panel, post_deploy
from tests.support.blackhole import Blackhole
from tests.support.daemons import wait_until
from tests.support.process import ServerProcess, close, ready, spawn
from tests.support.redis_server import RedisDatabase
from tests.support.replicas import state_of

TTL = 2.0
INTERVAL = 1.0
DEPLOY_TOKEN = "deploy-token-of-the-ci"


class CountingPrometheus:
    """Answers every instant query with one series per team; records (time, token) of each."""

    def __init__(self) -> None:
        self.queries: list[tuple[float, str]] = []
        lock = threading.Lock()
        queries = self.queries

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with lock:
                    queries.append((time.monotonic(), self.headers.get("Authorization", "")))
                rows = [{"metric": {"team": "payments"}, "value": [time.time(), "0.01"]}]
                doc = {"status": "success", "data": {"resultType": "vector", "result": rows}}
                body = json.dumps(doc).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_POST = do_GET

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )

    def by(self, token: str) -> list[float]:
        """When the replica holding ``token`` queried, in order."""
        return [at for at, auth in list(self.queries) if auth == f"Bearer {token}"]

    @contextmanager
    def serve(self) -> Iterator[CountingPrometheus]:
        self.thread.start()
        try:
            yield self
        finally:
            self.server.shutdown()
            self.server.server_close()


def config(prometheus_url: str) -> str:
    return f"""
[wall]
history = 30
stale_after = "1h"
heartbeat = "1s"

[state]
backend = "redis"
key_prefix = "walltest"
lease_ttl = "{TTL:g}s"

[deploys]
token_env = "DEPLOY_TOKEN"

[sources.prom]
type = "prometheus"
url = "{prometheus_url}"
interval = "{INTERVAL:g}s"
timeout = "1s"
bearer_token_env = "PROM_TOKEN"

[panels.ratio]
title = "5xx ratio"
source = "prom"
unit = "percent"
warn = 1.0
crit = 5.0
query = "errors_ratio"

[teams.payments]
panels = ["ratio"]
"""


def replica(directory: Path, text: str, redis_url: str, token: str) -> ServerProcess:
    path = directory / token / "config.toml"
    path.parent.mkdir(parents=True)
    path.write_text(text)  # the same bytes for both: the config hashes agree
    env = {"WALLBOARD_REDIS_URL": redis_url, "PROM_TOKEN": token, "DEPLOY_TOKEN": DEPLOY_TOKEN}
    server = spawn(path, env=env)
    ready(server)
    return server


def versions(server: ServerProcess) -> list[str]:
    """The deploy versions on the team's panel, as a screen draws its ticks."""
    return [d["version"] for d in panel(server, "ratio")["deploys"]]


def logged_at(server: ServerProcess, needle: str) -> float:
    """The unix time of the first log line holding ``needle`` (its own timestamp)."""
    stamp = server.wait_for_log(needle).split(" ", 1)[0]
    return datetime.fromisoformat(stamp).timestamp()


def role(server: ServerProcess) -> str:
    return str(state_of(server)["role"])


def test_a_blackholed_leader_stands_down_within_the_ttl_and_a_hook_it_missed_is_applied_once(
    tmp_path: Path, store: RedisDatabase
) -> None:
    with CountingPrometheus().serve() as prom, Blackhole(store.server.port) as relay:
        text = config(prom.url)
        started: list[ServerProcess] = []
        try:
            old = replica(tmp_path, text, relay.url(store.index), "old")
            started.append(old)
            wait_until(lambda: role(old) == "leader", 20, "the first replica leading")
            new = replica(tmp_path, text, store.url, "new")
            started.append(new)
            wait_until(lambda: role(new) == "follower", 20, "the second replica following")
            wait_until(lambda: len(prom.by("old")) >= 2, 10, "the leader polling")
            assert prom.by("new") == []

            cut, cut_wall = relay.freeze(), time.time()
            # Posted at the cut: the old leader's pending blocking read of the queue is
            # usually handed this entry by Redis (its answer lost in the blackhole), and the
            # new leader puts it back ("queued again" in its log: 3 runs of 3).
            deploy = {"team": "payments", "version": "v7.0.1", "url": "https://ci.example/7"}
            status, answer = post_deploy(new, deploy)
            assert status == 200 and answer["queued"] is True, answer
            stood_down: list[float] = []

            def old_stood_down() -> bool:
                if role(old) == "follower":
                    stood_down.append(time.monotonic() - cut)
                return bool(stood_down)

            wait_until(old_stood_down, TTL * 5, "the cut-off leader standing down", every=0.05)
            # When it stopped, by its own log (a probe under load would add its latency).
            stopped = logged_at(old, "stopped collecting") - cut_wall
            wait_until(lambda: role(new) == "leader", TTL * 4 + 5, "the other replica leading")
            wait_until(lambda: len(prom.by("new")) >= 3, 10, "the new leader polling")
            old_polls, new_polls = prom.by("old"), prom.by("new")
            last_old, first_new = old_polls[-1], new_polls[0]
            both = [at for at in old_polls if at >= first_new]
            print(
                f"stand-down {stopped:.2f} s after the cut (seen by /readyz after "
                f"{stood_down[0]:.2f} s); old leader's last query "
                f"{last_old - cut:.2f} s after it; new leader's first {first_new - cut:.2f} s; "
                f"{len(both)} old quer(ies) after the new leader's first"
            )
            assert stopped <= TTL, f"stood down {stopped:.2f} s after the cut"
            assert last_old - cut <= TTL, f"the cut-off leader polled {last_old - cut:.2f} s on"
            # Never two pollers for more than one cycle: at most one query of the old leader's
            # once the new one has started.
            assert len(both) <= 1, (both, first_new)
            assert max(0.0, last_old - first_new) <= INTERVAL

            relay.thaw()
            for server in (old, new):
                wait_until(lambda s=server: "v7.0.1" in versions(s), 15, "the deploy everywhere")
            # A retry of an applied deploy is a duplicate, through either replica.
            assert post_deploy(old, deploy)[1]["duplicate"] is True
            time.sleep(TTL)  # a copy left taken would be requeued and applied within a renewal
            client = store.client()
            for server in (old, new):
                assert versions(server).count("v7.0.1") == 1, versions(server)
            assert client.llen("walltest:hooks") == 0
            assert [k for k in client.keys("walltest:hooks-taken:*") if client.llen(k)] == []
        finally:
            relay.thaw()
            close(started)
