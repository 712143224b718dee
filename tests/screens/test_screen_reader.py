"""A screen's frames read in its request thread: pings answered through the hub, closes
answered, anything but a pong refused, over real sockets against a live wall."""

from __future__ import annotations

import json
import threading

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.support.live import LiveWall

# ``live``: the demo wall of tests/conftest.py.


def test_it_answers_a_client_ping_with_a_pong(live: LiveWall) -> None:
    with connect(f"{live.ws_url}/ws/teams/payments", compression=None) as ws:
        ws.recv(timeout=2)  # hello
        pong = ws.ping(b"are you there")
        assert pong.wait(timeout=3)


def test_it_answers_a_close_with_the_same_code(live: LiveWall) -> None:
    with connect(f"{live.ws_url}/ws/teams/payments", compression=None) as ws:
        ws.recv(timeout=2)
        ws.close(code=4000, reason="going home")
        assert ws.protocol.close_rcvd is not None
        assert ws.protocol.close_rcvd.code == 4000


def test_it_ends_the_request_thread_when_the_screen_leaves(live: LiveWall) -> None:
    before = threading.active_count()
    for _ in range(5):
        with connect(f"{live.ws_url}/ws/teams/payments", compression=None) as ws:
            ws.recv(timeout=2)
    for _ in range(50):
        if live.wall.hub.screen_count == 0 and threading.active_count() <= before:
            break
        threading.Event().wait(0.05)
    assert live.wall.hub.screen_count == 0
    assert threading.active_count() <= before


@pytest.mark.parametrize(
    "message",
    [b"\x00binary", json.dumps({"type": "pong", "pad": "y" * 5000})],
    ids=["binary", "oversized"],
)
def test_it_closes_with_1008_on_anything_but_a_small_pong(live: LiveWall, message) -> None:  # type: ignore[no-untyped-def]
    with connect(f"{live.ws_url}/ws/teams/payments", compression=None) as ws:
        ws.recv(timeout=2)
        ws.send(message)
        with pytest.raises(ConnectionClosed):
            for _ in range(10):
                ws.recv(timeout=3)
        assert ws.close_code == 1008
