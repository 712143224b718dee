"""Behind a load balancer the wall sees each client's address, and only trusted proxies speak.

A real wall on loopback; "proxies" are loopback addresses the config trusts or
not, and one test goes through the real HAProxy of docs/replicas.md with the
client connecting from 127.0.0.2 (all of 127.0.0.0/8 is loopback on Linux).
What is checked is what an operator reads: the fleet view's address of each
screen and the access log's ``remote``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from ipaddress import ip_network
from pathlib import Path
from typing import Any

import pytest

from tests.devices.support import ENV, admin
from tests.support.api_client import get_from
from tests.support.haproxy import haproxy
from tests.support.live import LiveWall, demo_config, serve_wall, write_config
from tests.support.screens import ScreenClient
from wallboard.proxies import client_address


def wall_config(tmp_path: Path, trusted: list[str]) -> Path:
    listed = ", ".join(f'"{n}"' for n in trusted)
    text = demo_config() + f"\n[server]\ntrusted_proxies = [{listed}]\n"
    text += '\n[screen]\nadmin_tokens_env = ["WALLBOARD_ADMIN_TOKEN"]\n'
    return write_config(tmp_path, text)


@pytest.fixture
def trusting(tmp_path: Path) -> Iterator[LiveWall]:
    with serve_wall(wall_config(tmp_path, ["127.0.0.1/32", "10.0.0.0/8"]), env=ENV) as live:
        yield live


@pytest.fixture
def trusting_nobody(tmp_path: Path) -> Iterator[LiveWall]:
    with serve_wall(wall_config(tmp_path, []), env=ENV) as live:
        yield live


def fleet_address(live: LiveWall, name: str, forwarded: str | None) -> Any:
    """Connect a screen named ``name`` (with the header, if any); its address in the fleet."""
    headers = {} if forwarded is None else {"X-Forwarded-For": forwarded}
    url = f"{live.ws_url}/ws/teams/payments?screen={name}"
    with ScreenClient(url, additional_headers=headers) as tv:
        assert tv.next()["type"] == "hello"
        rows = admin(live.url, "").json()["screens"]
    return next(r for r in rows if r["name"] == name)["address"]


def test_a_trusted_proxy_names_the_screen_behind_it(trusting: LiveWall) -> None:
    assert fleet_address(trusting, "lobby", "203.0.113.9") == "203.0.113.9"
    # Right to left past trusted hops: the proxy's own 10.x hop is skipped.
    assert fleet_address(trusting, "floor3", "198.51.100.7, 10.1.2.3") == "198.51.100.7"
    # What the client wrote itself sits left of what the proxy appended: ignored.
    assert fleet_address(trusting, "forger", "192.0.2.66, 203.0.113.10") == "203.0.113.10"
    # No header: the peer itself.
    assert fleet_address(trusting, "direct", None) == "127.0.0.1"


def test_a_header_from_an_untrusted_peer_or_one_that_does_not_parse_changes_nothing(
    trusting: LiveWall, trusting_nobody: LiveWall
) -> None:
    assert fleet_address(trusting_nobody, "lobby", "203.0.113.9") == "127.0.0.1"
    assert fleet_address(trusting, "junk", "not-an-address") == "127.0.0.1"
    assert fleet_address(trusting, "half", "203.0.113.9, <script>") == "127.0.0.1"


def test_the_walk_stops_at_garbage_and_reads_only_the_last_hops() -> None:
    trusted = [ip_network("10.0.0.0/8")]
    assert client_address("10.0.0.5", "garbage, 10.9.9.9", trusted) == "10.9.9.9"
    assert client_address("192.0.2.1", "203.0.113.9", trusted) == "192.0.2.1"
    long_chain = ", ".join(["198.51.100.1"] + ["10.0.0.1"] * 40)
    assert client_address("10.0.0.5", long_chain, trusted) == "10.0.0.1"
    assert client_address("10.0.0.5", "203.0.113.9" + " " * 5000, trusted) == "10.0.0.5"


@pytest.mark.processes
def test_through_the_real_haproxy_the_log_and_the_fleet_name_the_client(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="wallboard.access")
    for folder in ("wall", "haproxy"):
        (tmp_path / folder).mkdir()
    with serve_wall(wall_config(tmp_path / "wall", ["127.0.0.1/32"]), env=ENV) as live:
        address = live.url.removeprefix("http://")
        with haproxy(tmp_path / "haproxy", [address], check=False) as front:
            before = len(caplog.records)
            assert get_from(front, "/healthz?from=the-client", "127.0.0.2") == 200
            # HAProxy connects from 127.0.0.1; the wall logs the client it forwarded for.
            remotes = [
                getattr(r, "remote", None)
                for r in caplog.records[before:]
                if r.name == "wallboard.access"
            ]
            assert remotes == ["127.0.0.2"], remotes
