"""A screen that never reads, one that sends garbage and one that half-closes: each is
closed by the hub's reader and writer alone, while a screen beside it notices nothing."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator

import pytest

from tests.screens.rawscreen import RawScreen
from tests.support.daemons import wait_until
from tests.support.live import LiveSpec, LiveWall, demo_config, write_config


@pytest.fixture(scope="module")
def live_spec(tmp_path_factory: pytest.TempPathFactory) -> LiveSpec:
    # An update a second, a heartbeat a second: a silent screen is dropped after 3 s.
    path = write_config(tmp_path_factory.mktemp("misbehave"), demo_config("1s"))
    return LiveSpec(path, schedule=True, shared=True)


def updates(screen: RawScreen) -> int:
    return sum(1 for m in screen.messages if m["type"] == "update")


def held(live: LiveWall) -> int:
    """Screens holding a socket (and a place under max_screens) on the server."""
    count: int = live.server.screens.screens  # type: ignore[attr-defined]
    return count


@pytest.fixture
def bystander(live: LiveWall) -> Iterator[RawScreen]:
    screen = RawScreen(live.url + "/ws/teams/payments?screen=bystander")
    screen.wait_for(lambda m: m["type"] == "snapshot")
    yield screen
    screen.close()


def while_serving(screen: RawScreen, condition: Callable[[], bool]) -> Callable[[], bool]:
    """``condition``, with ``screen`` read meanwhile (it answers pings as a page does)."""

    def check() -> bool:
        screen.pump(0.05)
        return condition()

    return check


def still_served(screen: RawScreen) -> None:
    """One more update arrives, and a protocol ping is answered (read and written)."""
    seen = updates(screen)
    screen.pump_until(lambda: updates(screen) > seen, timeout=10)
    screen.ping(b"still there?")
    screen.pump_until(lambda: b"still there?" in screen.pongs, timeout=5)
    assert screen.close_code is None and not screen.eof


def test_a_screen_that_never_reads_is_dropped_alone(live: LiveWall, bystander: RawScreen) -> None:
    before = held(live)
    deaf = RawScreen(live.url + "/ws/teams/payments?screen=deaf", rcvbuf=4096)
    try:
        assert held(live) == before + 1
        # It neither reads nor answers pings: dropped after 3 heartbeats, its socket
        # closed and its place under max_screens given back.
        wait_until(
            while_serving(bystander, lambda: held(live) == before), 15, "the deaf screen closed"
        )
        still_served(bystander)
        deaf.wait_closed(timeout=10)
    finally:
        deaf.close()


def test_a_screen_that_sends_garbage_is_closed_alone(live: LiveWall, bystander: RawScreen) -> None:
    bad = RawScreen(live.url + "/ws/teams/payments?screen=garbage")
    try:
        bad.wait_for(lambda m: m["type"] == "snapshot")
        bad.sock.sendall(b"\x8f\x00\xff\xfe this is not a websocket frame")  # reserved opcode
        bad.wait_closed()
        assert bad.close_code == 1002  # a protocol error, said in a close frame
        still_served(bystander)
    finally:
        bad.close()


def test_a_screen_that_half_closes_is_closed_alone(live: LiveWall, bystander: RawScreen) -> None:
    before = held(live)
    half = RawScreen(live.url + "/ws/teams/payments?screen=half")
    try:
        half.wait_for(lambda m: m["type"] == "snapshot")
        half.sock.shutdown(socket.SHUT_WR)  # done sending, still able to read
        half.wait_closed()
        wait_until(
            while_serving(bystander, lambda: held(live) == before), 5, "its descriptor closed"
        )
        still_served(bystander)
    finally:
        half.close()
