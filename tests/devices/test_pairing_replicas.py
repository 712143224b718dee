"""Pairing and the fleet across two `wallboard serve` replicas on one real Redis.

A TV behind a load balancer may show its code through one replica, be approved through
another and hold its socket on a third: what an operator does through any replica must
hold on every one.
"""

from __future__ import annotations

import re
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed

from tests.devices.support import (
    ADMIN,
    ENV,
    admin,
    approve,
    collect_credential,
    config,
    device_cookie,
    shows_pairing_view,
    start_pairing,
)
from tests.support.api_client import fetch
from tests.support.daemons import wait_until
from tests.support.process import ServerProcess, run_servers
from tests.support.redis_server import RedisDatabase
from tests.support.replicas import state_of
from tests.support.screens import ScreenClient

STATE = '\n[state]\nbackend = "redis"\nkey_prefix = "pairtest"\nlease_ttl = "2s"\n'


@contextmanager
def two_replicas(
    tmp_path: Path, store: RedisDatabase, **screen: Any
) -> Iterator[list[ServerProcess]]:
    text = config(tmp_path, **screen).read_text() + STATE
    env = {**ENV, "WALLBOARD_REDIS_URL": store.url}
    paths = []
    for name in ("a", "b"):
        folder = tmp_path / name
        folder.mkdir()
        paths.append(folder / "config.toml")
        paths[-1].write_text(text)
    with run_servers(paths, env=env) as servers:
        yield servers


def paired_tv(shown_on: ServerProcess, approved_on: ServerProcess, name: str) -> tuple[str, str]:
    """(device id, credential): the code shown by one replica, approved through another."""
    code, cookie = start_pairing(shown_on.url)
    approved = approve(approved_on.url, code, "/teams/payments", name=name)
    assert approved.status == 201, approved.body
    return approved.json()["screen"]["id"], collect_credential(shown_on.url, cookie)


def row_of(server: ServerProcess, screen_id: str) -> dict[str, Any] | None:
    rows = admin(server.url, "").json()["screens"]
    return next((r for r in rows if r["id"] == screen_id), None)


def socket_on(server: ServerProcess, credential: str, team: str = "payments") -> ScreenClient:
    screen = ScreenClient(
        f"{server.ws_url}/ws/teams/{team}", additional_headers=device_cookie(credential)
    )
    assert screen.next()["type"] == "hello"
    return screen


def act(server: ServerProcess, screen_id: str, action: str, **body: str) -> dict[str, Any]:
    answer = admin(server.url, f"/{screen_id}/{action}", body)
    assert answer.status == 200, answer.body
    result: dict[str, Any] = answer.json()
    return result


def test_pair_on_one_replica_use_and_command_on_another_revoke_through_either(
    tmp_path: Path, store: RedisDatabase
) -> None:
    with two_replicas(tmp_path, store) as (a, b):
        b_id = state_of(b)["replica"]
        screen_id, credential = paired_tv(a, b, "Lobby")  # shown on A, approved through B
        page = fetch(f"{b.url}/teams/payments", headers=device_cookie(credential))
        assert page.status == 200 and not shows_pairing_view(page)
        tv = socket_on(b, credential)

        # The fleet API of A lists the screen whose socket is on B, and says where it is.
        wait_until(
            lambda: (row_of(a, screen_id) or {}).get("status") == "online",
            15,
            "A listing the screen on B as online",
        )
        row = row_of(a, screen_id)
        assert row is not None and row["replica"] == b_id and row["name"] == "Lobby"
        metrics = fetch(f"{a.url}/metrics").body.decode()
        assert "wallboard_screens_paired 1.0" in metrics

        # Commands through A reach the socket on B, in order, none lost.
        assert act(a, screen_id, "reload")["sockets"] == 1
        act(a, screen_id, "move", page="/teams/search")
        got = [tv.wait_for(lambda m: m["type"] == "command")["action"] for _ in range(2)]
        assert got == ["reload", "move"]

        # Revoked through A: B closes the socket with 4403 within about a second.
        revoked = time.monotonic()
        act(a, screen_id, "revoke")
        with pytest.raises(ConnectionClosed) as closed:
            for _ in range(100):
                tv.next(timeout=5)
        took = time.monotonic() - revoked
        frame = closed.value.rcvd
        assert frame is not None and frame.code == 4403
        print(f"revoke through A -> socket on B closed: {took:.3f} s")
        assert took < 1.0
        for server in (a, b):
            after = fetch(f"{server.url}/teams/payments", headers=device_cookie(credential))
            assert shows_pairing_view(after)
            assert row_of(server, screen_id) is None


def test_a_dead_replicas_screens_leave_the_fleet_view_after_the_expiry(
    tmp_path: Path, store: RedisDatabase
) -> None:
    with two_replicas(tmp_path, store) as (a, b):
        screen_id, credential = paired_tv(b, a, "Kitchen")
        socket_on(b, credential)
        wait_until(
            lambda: (row_of(a, screen_id) or {}).get("status") == "online", 15, "listed on A"
        )
        b.proc.send_signal(signal.SIGKILL)
        b.proc.wait(10)
        killed = time.monotonic()
        wait_until(
            lambda: (row_of(a, screen_id) or {}).get("status") == "never connected",
            30,
            "the dead replica's screen leaving A's fleet view",
        )
        dropped = time.monotonic() - killed
        print(f"dead replica's screen left the fleet view after {dropped:.1f} s")
        # It reconnects to the replica still alive and shows up there, with its credential.
        socket_on(a, credential)
        wait_until(lambda: (row_of(a, screen_id) or {}).get("status") == "online", 15, "back on A")
        assert (
            fetch(f"{a.url}/api/v1/screens", headers={"Authorization": f"Bearer {ADMIN}"}).status
            == 200
        )


def test_while_redis_is_down_a_paired_tv_is_told_to_retry_never_unpaired(
    tmp_path: Path, store: RedisDatabase
) -> None:
    with two_replicas(tmp_path, store) as (a, _b):
        _, credential = paired_tv(a, a, "Hall")
        store.stop()
        page = fetch(f"{a.url}/teams/payments", headers=device_cookie(credential))
        assert page.status == 503 and not shows_pairing_view(page)
        assert page.headers["Retry-After"] == "5"
        status = fetch(f"{a.url}/pair/status", headers=device_cookie(credential))
        assert status.status == 503  # the page keeps showing; it does not go to pairing
        assert status.json()["error"]["code"] == "store_unavailable"
        assert fetch(f"{a.url}/metrics").status == 200


def test_an_admin_signed_in_on_one_replica_is_signed_in_on_every_one(
    tmp_path: Path, store: RedisDatabase
) -> None:
    with two_replicas(tmp_path, store) as (a, b):
        login = fetch(
            f"{a.url}/screens/login",
            method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            data=f"token={ADMIN}".encode(),
        )
        assert login.status == 303
        session = re.search(r"wallboard_admin=([^;]+)", login.headers["Set-Cookie"])
        assert session and session.group(1) != ADMIN
        cookie = {"Cookie": f"wallboard_admin={session.group(1)}"}
        assert fetch(f"{b.url}/api/v1/screens", headers=cookie).status == 200
        assert fetch(f"{b.url}/screens", headers=cookie).status == 200
        # Signed out through B: A no longer knows the session either.
        out = fetch(f"{b.url}/screens/logout", method="POST", headers={**cookie, "Origin": b.url})
        assert out.status == 303
        assert fetch(f"{a.url}/api/v1/screens", headers=cookie).status == 401
        keys = store.client().keys("pairtest:admin-session:*")
        assert keys == []  # and it was stored by hash only: nothing left after sign-out


def test_guesses_are_counted_across_replicas_not_per_replica(
    tmp_path: Path, store: RedisDatabase
) -> None:
    # Behind a round-robin load balancer a guesser alternates replicas: the limit of 3 per
    # minute holds for the wall, not 3 per replica (6 here).
    with two_replicas(tmp_path, store, pairing_guesses_per_minute=3) as (a, b):
        code, _ = start_pairing(a.url)
        wrong = [approve(s.url, "BCDFGHJK", "/teams/payments").status for s in (a, b, a)]
        assert wrong == [404, 404, 404]
        limited = approve(b.url, code, "/teams/payments")  # even the right code, now
        assert limited.status == 429, limited.body
        assert 0 < int(limited.headers["Retry-After"]) <= 60
        assert approve(a.url, code, "/teams/payments").status == 429
        # Only hashes of the addresses are kept, and they expire with the window.
        keys = store.client().keys("pairtest:limit:*")
        assert keys and all("127.0.0.1" not in k for k in keys)
        assert all(0 < store.client().pttl(k) <= 60_000 for k in keys)


def test_a_move_missed_over_pub_sub_still_reaches_the_screen(
    tmp_path: Path, store: RedisDatabase
) -> None:
    with two_replicas(tmp_path, store) as (a, b):
        screen_id, credential = paired_tv(a, b, "Hall")
        tv = socket_on(b, credential)
        wait_until(
            lambda: (row_of(a, screen_id) or {}).get("status") == "online", 15, "B publishing"
        )
        # Every subscriber connection is cut: B hears nothing for the half second before it
        # subscribes again, and the move sent through A in that moment reaches no one.
        assert store.client().client_kill_filter(_type="pubsub") >= 2
        act(a, screen_id, "move", page="/teams/search")
        # B finds its socket out of step with the stored page at its next publish (2 s).
        got = tv.wait_for(lambda m: m["type"] == "command", timeout=10)
        assert (got["action"], got["page"]) == ("move", "/teams/search")
        # This client does not obey: B closes its payments socket itself (4001).
        with pytest.raises(ConnectionClosed) as closed:
            tv.wait_for(lambda m: False, timeout=5)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4001
        # Once: on its new page's socket, nothing is sent again.
        moved = socket_on(b, credential, "search")
        with pytest.raises(TimeoutError):
            moved.wait_for(lambda m: m["type"] == "command", timeout=5)
