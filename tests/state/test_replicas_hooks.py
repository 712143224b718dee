"""Pushes into replicas on a real Redis: deploy markers, Sentry webhooks, malformed bodies.

Real ``wallboard serve`` processes, a real redis-server, the Sentry API double for
the Sentry source's polls and releases; what is asserted is what a user sees on any
replica's API, and what an operator sees in Redis (nothing queued for a bad body).
"""

from __future__ import annotations

import json
import signal
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from collectors.sentry.webhook import signature
from tests.support.alertmanager import alert, payload
from tests.support.daemons import wait_until
from tests.support.process import ServerProcess
from tests.support.redis_server import RedisDatabase
from tests.support.replicas import (
    TOKEN,
    get_json,
    leader_of,
    quiet_alertmanager,
    replicas,
    state_of,
)
from tests.support.sentry_double import ALL_SCOPES, SentryDouble, event_alert

TTL = 2.0
SENTRY_TOKEN = "sntrys_" + "7e11ab1e" * 6
SECRET = "client-secret-of-the-integration"
DEPLOY_TOKEN = "deploy-token-of-the-ci"
ENV = {
    "SENTRY_AUTH_TOKEN": SENTRY_TOKEN,
    "SENTRY_CLIENT_SECRET": SECRET,
    "DEPLOY_TOKEN": DEPLOY_TOKEN,
}
RELEASE = "checkout@2.7.0"


def hook_config(sentry_url: str, alertmanager_url: str) -> str:
    """Alertmanager (webhooks), Sentry (a first poll with releases, then webhooks), deploys."""
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

[sources.am]
type = "alertmanager"
url = "{alertmanager_url}"
interval = "1h"
timeout = "1s"
webhook_token_env = "AM_TOKEN"

[sources.sentry]
type = "sentry"
url = "{sentry_url}"
org = "acme"
token_env = "SENTRY_AUTH_TOKEN"
webhook_secret_env = "SENTRY_CLIENT_SECRET"
interval = "1h"
timeout = "5s"
releases = true

[panels.alerts]
title = "Alerts"
source = "am"
kind = "alerts"

[panels.events]
title = "Errors (1 h)"
source = "sentry"
unit = "count"
metric = "events_1h"

[panels.top]
title = "Top issues"
source = "sentry"
kind = "issues"
unit = "count"
metric = "top_issues"
limit = 3

[teams.payments]
panels = ["events", "alerts", "top"]
sentry_projects = ["checkout"]
"""


@pytest.fixture
def double() -> Iterator[SentryDouble]:
    with SentryDouble(tokens={SENTRY_TOKEN: ALL_SCOPES}).serve() as running:
        running.add_project("checkout")
        running.add_issue("checkout", "KeyError: 'amount'", count=150, users=4)
        running.set_events("checkout", 40)
        running.add_release(RELEASE, ["checkout"], ago=120)
        yield running


@pytest.fixture
def listed() -> list[dict[str, Any]]:
    """What the Alertmanager double lists as firing (API v2 rows); nothing at first."""
    return []


@pytest.fixture
def config(double: SentryDouble, listed: list[dict[str, Any]]) -> Iterator[str]:
    with quiet_alertmanager(listed) as am:
        yield hook_config(double.url, am)


def post(
    server: ServerProcess, route: str, body: bytes, headers: dict[str, str]
) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
        server.url + route,
        data=body,
        headers={"Content-Type": "application/json", **headers},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, json.loads(exc.read())


def post_deploy(server: ServerProcess, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    auth = {"Authorization": f"Bearer {DEPLOY_TOKEN}"}
    return post(server, "/hooks/deploy", json.dumps(body).encode(), auth)


def post_sentry(server: ServerProcess, body: bytes, resource: str) -> tuple[int, dict[str, Any]]:
    headers = {
        "Sentry-Hook-Resource": resource,
        "Sentry-Hook-Timestamp": str(int(time.time())),
        "Sentry-Hook-Signature": signature(SECRET.encode(), body),
    }
    return post(server, "/hooks/sentry", body, headers)


def post_alertmanager(server: ServerProcess, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    return post(server, "/hooks/alertmanager", json.dumps(body).encode(), auth)


def panel(server: ServerProcess, panel_id: str) -> dict[str, Any]:
    _, body, _ = get_json(f"{server.url}/api/v1/teams/payments")
    return next(p for p in body["panels"] if p["id"] == panel_id)  # type: ignore[no-any-return]


def versions(server: ServerProcess) -> list[str]:
    """The deploy versions the team's panels carry (newest first), as a screen draws them."""
    return [d["version"] for d in panel(server, "alerts")["deploys"]]


def test_a_deploy_posted_to_a_follower_is_on_every_replica_and_outlives_the_leader(
    tmp_path: Path, store: RedisDatabase, config: str
) -> None:
    with replicas(tmp_path / "pair", 2, store.url, config, ENV) as servers:
        leader = leader_of(servers)
        follower = next(s for s in servers if s is not leader)
        # The leader's first Sentry poll found a release: a tick on the follower too.
        wait_until(lambda: RELEASE in versions(follower), 20, "the Sentry release on a follower")
        deploy = {"team": "payments", "version": "v9.4.1", "url": "https://ci.example/run/77"}
        sent = time.monotonic()
        status, answer = post_deploy(follower, deploy)
        assert status == 200, answer
        assert answer["queued"] is True and answer["duplicate"] is False
        for server in servers:
            wait_until(lambda s=server: "v9.4.1" in versions(s), 5, "the deploy on every replica")
        took = time.monotonic() - sent
        assert took <= 1.5, f"the deploy took {took:.2f} s to reach both replicas"
        # CI retries the same deploy (through the other replica): recorded once.
        status, again = post_deploy(leader, deploy)
        assert status == 200 and again["duplicate"] is True
        time.sleep(1.0)  # a duplicate applied twice would show within this
        for server in servers:
            assert versions(server).count("v9.4.1") == 1, versions(server)
            assert versions(server).count(RELEASE) == 1, versions(server)

        leader.proc.send_signal(signal.SIGKILL)
        leader.proc.wait(10)
        new = leader_of([follower], timeout=TTL * 4 + 10)
        assert "v9.4.1" in versions(new) and RELEASE in versions(new)
        new_epoch = get_json(new.url + "/readyz")[1]["state"]["epoch"]

        def rewritten_by_the_new_leader() -> bool:
            meta = store.client().hgetall("walltest:meta")
            saved = json.loads(store.client().hget("walltest:board", "deploys") or "[]")
            return int(meta.get("epoch", 0)) == new_epoch and "v9.4.1" in [
                d["version"] for d in saved
            ]

        wait_until(rewritten_by_the_new_leader, 10, "the new leader's board in Redis")
        # A replica started now reads the board from Redis (a resync): the ticks are there.
        with replicas(tmp_path / "late", 1, store.url, config, ENV) as (late,):
            wait_until(lambda: "v9.4.1" in versions(late), 10, "the deploy on a new replica")
            assert RELEASE in versions(late)
            assert versions(late).count("v9.4.1") == 1


def test_a_sentry_webhook_posted_to_a_follower_counts_once_on_the_shared_board(
    tmp_path: Path, store: RedisDatabase, config: str, double: SentryDouble
) -> None:
    with replicas(tmp_path, 2, store.url, config, ENV) as servers:
        leader = leader_of(servers)
        follower = next(s for s in servers if s is not leader)
        wait_until(lambda: panel(follower, "events")["value"] is not None, 20, "the first poll")
        before = panel(follower, "events")["value"]
        body = event_alert(double.issues[0])
        status, answer = post_sentry(follower, body, "event_alert")
        assert status == 200 and answer["queued"] is True, answer
        for server in servers:
            wait_until(
                lambda s=server: panel(s, "events")["value"] == before + 1,
                5,
                "the event counted on every replica",
            )
        # Sentry retries on a timeout: the same body, through the leader this time.
        status, again = post_sentry(leader, body, "event_alert")
        assert status == 200 and again["duplicate"] is True
        time.sleep(1.0)  # a duplicate applied twice would show within this
        assert [panel(s, "events")["value"] for s in servers] == [before + 1, before + 1]
        assert store.client().llen("walltest:hooks") == 0  # applied, not left waiting


def test_malformed_pushes_are_refused_by_any_replica_and_never_queued(
    tmp_path: Path, store: RedisDatabase, config: str
) -> None:
    no_fingerprint = {
        "version": "4",
        "status": "firing",
        "alerts": [{"status": "firing", "labels": {"team": "payments"}, "startsAt": "x"}],
    }
    with replicas(tmp_path, 2, store.url, config, ENV) as servers:
        leader_of(servers)
        for server in servers:
            status, answer = post_alertmanager(server, {"receiver": "wall", "alerts": "many"})
            assert status == 400 and 'version "4"' in answer["error"]["message"], answer
            status, answer = post_alertmanager(server, no_fingerprint)
            assert status == 400, answer
            assert "alerts[0].fingerprint" in answer["error"]["message"], answer
            status, answer = post_sentry(server, b'{"action": "created", "data": {}}', "issue")
            assert status == 400 and "data.issue" in answer["error"]["message"], answer
            status, answer = post_sentry(server, b'{"action": "triggered"}', "event_alert")
            assert status == 400 and '"data"' in answer["error"]["message"], answer
            status, answer = post_deploy(server, {"team": "payments"})
            assert status == 400 and '"version" is required' in answer["error"]["message"]
            status, answer = post_deploy(server, {"team": "nobody", "version": "1"})
            assert status == 400 and 'no team "nobody"' in answer["error"]["message"]
            # A resource the wall does not show is answered, and not queued either.
            status, answer = post_sentry(server, b'{"action": "created"}', "installation")
            assert status == 200 and answer == {"ok": True, "ignored": "installation"}
        client = store.client()
        assert client.keys("walltest:hook-seen:*") == []
        assert client.llen("walltest:hooks") == 0
        for server in servers:
            assert panel(server, "alerts")["items"] == []
            assert panel(server, "alerts")["deploys"] == [] or all(
                d["source"] != "hook" for d in panel(server, "alerts")["deploys"]
            )


def another_event(double: SentryDouble, event_id: str) -> bytes:
    """A Sentry ``event_alert`` about the first issue, for a distinct event."""
    body = json.loads(event_alert(double.issues[0]))
    body["data"]["event"]["event_id"] = event_id
    return json.dumps(body).encode()


def firing(server: ServerProcess) -> list[dict[str, Any]]:
    return panel(server, "alerts")["items"]  # type: ignore[no-any-return]


def test_webhooks_posted_while_the_leader_is_paused_are_all_shown_once_and_retries_accepted(
    tmp_path: Path,
    store: RedisDatabase,
    config: str,
    double: SentryDouble,
    listed: list[dict[str, Any]],
) -> None:
    client = store.client()
    with replicas(tmp_path, 2, store.url, config, ENV) as servers:
        old = leader_of(servers)
        new = next(s for s in servers if s is not old)
        wait_until(lambda: panel(new, "events")["value"] is not None, 20, "the first poll")
        double.set_events("checkout", 50)  # what the next leader's first poll finds
        # Paused in the middle of its blocking read of the queue: Redis still hands it
        # the next entry, which it cannot apply (and, resumed, may not write).
        old.proc.send_signal(signal.SIGSTOP)
        try:
            first = {"team": "payments", "version": "v1.0.1", "url": "https://ci.example/1"}
            status, answer = post_deploy(new, first)
            assert status == 200 and answer["queued"] is True, answer
            firing_one = alert("00000000000000a1", team="payments", severity="critical")
            # Alertmanager lists what it sends: the new leader's first poll may come after
            # the webhook is applied, and must not take the alert off again.
            listed.append({**firing_one, "status": {"state": "active"}})
            assert post_alertmanager(new, payload(firing_one))[0] == 200
            # The sender did not get its answer in time, and retries: not applied yet, so
            # accepted (and still applied once).
            status, again = post_deploy(new, first)
            assert status == 200 and again["duplicate"] is False, again
            wait_until(lambda: state_of(new)["role"] == "leader", TTL * 4 + 10, "a takeover")
            # Sentry events after the new leader's first poll (which would count them too).
            wait_until(lambda: panel(new, "events")["value"] == 50, 10, "the new leader's poll")
            assert post_sentry(new, another_event(double, "e1" * 16), "event_alert")[0] == 200
            assert post_sentry(new, another_event(double, "e2" * 16), "event_alert")[0] == 200
            second = {"team": "payments", "version": "v1.0.2", "url": "https://ci.example/2"}
            assert post_deploy(new, second)[0] == 200
            wait_until(lambda: "v1.0.2" in versions(new), 5, "the new leader applying")
        finally:
            old.proc.send_signal(signal.SIGCONT)
        wait_until(lambda: state_of(old)["role"] == "follower", 10, "the old leader standing by")
        seen: dict[str, Any] = {}

        def everything_on(server: ServerProcess) -> bool:
            seen[server.url] = (versions(server), panel(server, "events")["value"], firing(server))
            got, events, alerts = seen[server.url]
            return {"v1.0.1", "v1.0.2"} <= set(got) and events == 52 and len(alerts) == 1

        for server in servers:
            try:
                wait_until(lambda s=server: everything_on(s), 10, "every webhook on every replica")
            except TimeoutError:
                logs = "\n---\n".join(
                    "\n".join(line for line in s.lines if "wallboard.access" not in line)
                    for s in servers
                )
                raise AssertionError(f"seen (versions, events, firing): {seen}\n{logs}") from None
        time.sleep(1.0)  # an entry applied twice would show within this
        for server in servers:
            assert versions(server).count("v1.0.1") == 1, versions(server)
            assert versions(server).count("v1.0.2") == 1, versions(server)
            assert panel(server, "events")["value"] == 52
            assert len(firing(server)) == 1
        # Applied now: a retry is a duplicate, through either replica.
        assert post_deploy(old, first)[1]["duplicate"] is True
        status, answer = post_sentry(old, another_event(double, "e1" * 16), "event_alert")
        assert answer["duplicate"] is True
        assert client.llen("walltest:hooks") == 0
        assert [k for k in client.keys("walltest:hooks-taken:*") if client.llen(k)] == []


def issue_events(server: ServerProcess, tags: dict[str, int] | None = None) -> int:
    """The events of the team's top issue, as its screen lists them; with ``tags``, each
    answer's ETag is checked to name one count only (a 304 for it would show a stale one)."""
    _, body, headers = get_json(f"{server.url}/api/v1/teams/payments")
    top = next(p for p in body["panels"] if p["id"] == "top")
    events = int(top["items"][0]["meta"]["events"])
    if tags is not None:
        etag = headers.get("ETag", "")
        assert tags.setdefault(etag, events) == events, (etag, tags[etag], events)
    return events


def test_a_webhook_whose_write_redis_refused_after_losing_its_data_counts_once(
    tmp_path: Path, store: RedisDatabase, config: str, double: SentryDouble
) -> None:
    client = store.client()
    with replicas(tmp_path, 1, store.url, config, ENV) as (leader,):
        leader_of([leader])
        wait_until(lambda: panel(leader, "top")["items"] != [], 20, "the first poll")
        before = issue_events(leader)
        # Slow listings from now on: the leader's poll when it takes the lease again (which
        # reads every count anew) keeps the board as the webhooks left it for a while.
        double.delay = 3.0
        # Redis loses its data; the next webhook is applied by the leader, whose fenced
        # write is refused (its epoch is gone): it stands down, and the entry goes back to
        # the queue, to be applied again when a leader (this one) takes the lease again.
        client.flushdb()
        assert post_sentry(leader, another_event(double, "f1" * 16), "event_alert")[0] == 200
        seen: list[int] = []
        tags: dict[str, int] = {}  # ETag -> the count it was given with

        def settled() -> bool:
            seen.append(issue_events(leader, tags))
            applied = client.keys("walltest:hook-seen:*") != []
            return applied and state_of(leader)["role"] == "leader" and seen[-1] > before

        wait_until(settled, 15, "the event applied by the leader again", every=0.05)
        end = time.monotonic() + 2.0  # a copy applied on top would show within this
        while time.monotonic() < end:
            seen.append(issue_events(leader, tags))
            time.sleep(0.05)
        assert leader.log().count("late write refused by Redis") >= 1, leader.log()
        assert max(seen) == before + 1, f"events seen: {sorted(set(seen))} (from {before})"
