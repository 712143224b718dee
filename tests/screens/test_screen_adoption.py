"""Screens' sockets outlive their request threads: one reader thread reads them all.

The wall here is the production server (``WallServer``) in this process, so the
thread count is the server's; the screens are plain sockets with wsproto
(rawscreen.py), which add no thread.
"""

from __future__ import annotations

import threading
import time

import pytest

from tests.screens.rawscreen import RawScreen
from tests.support.daemons import wait_until
from tests.support.live import LiveSpec, LiveWall, demo_config, write_config
from wallboard.devices.fleet import last_seen
from wallboard.devices.gate import devices_of

SCREENS = 500
THREADS_SLACK = 16  # the server's own may come and go: a pool of up to 10 collectors, a probe


@pytest.fixture(scope="module")
def live_spec(tmp_path_factory: pytest.TempPathFactory) -> LiveSpec:
    # Updates every second; heartbeat 5 s so a screen is dropped only after 15 s silent.
    text = demo_config("1s").replace('heartbeat = "1s"', 'heartbeat = "5s"')
    return LiveSpec(
        write_config(tmp_path_factory.mktemp("adopt"), text), schedule=True, shared=True
    )


def url(live: LiveWall, path: str) -> str:
    return live.url + path


def updates(screen: RawScreen) -> int:
    return sum(1 for m in screen.messages if m["type"] == "update")


def request_threads_done(live: LiveWall) -> bool:
    return live.server.request_threads == 0  # type: ignore[attr-defined]


def still_served(screen: RawScreen) -> None:
    """One more update arrives, and a protocol ping is answered (read and written)."""
    seen = updates(screen)
    screen.pump_until(lambda: updates(screen) > seen, timeout=10)
    screen.ping(b"still there?")
    screen.pump_until(lambda: b"still there?" in screen.pongs, timeout=5)
    assert screen.close_code is None and not screen.eof


def test_werkzeug_writes_nothing_after_the_handshake_and_keeps_the_socket_open(
    live: LiveWall,
) -> None:
    screen = RawScreen(url(live, "/ws/teams/payments"))
    try:
        screen.wait_for(lambda m: m["type"] == "snapshot")
        wait_until(lambda: request_threads_done(live), 5, "the request thread returned")
        # After the request thread ended: the socket is neither half-closed nor closed,
        # and reads and writes still reach the screen.
        still_served(screen)
        assert b"HTTP/1.1" not in screen.after_handshake  # no response head after the 101
    finally:
        screen.close()


def test_pongs_and_reports_are_read_with_no_thread_per_screen(live: LiveWall) -> None:
    # Warm: the server's own threads (hub, reader, scheduler, pools) exist already.
    first = RawScreen(url(live, "/ws/teams/payments"))
    first.wait_for(lambda m: m["type"] == "snapshot")
    first.close()
    before = threading.active_count()
    screens: list[RawScreen] = []
    try:
        for i in range(SCREENS):
            team = ("payments", "search")[i % 2]
            screens.append(RawScreen(url(live, f"/ws/teams/{team}?screen=adopt-{i}")))
        for screen in screens:
            screen.wait_for(lambda m: m["type"] == "snapshot")
        wait_until(lambda: request_threads_done(live), 10, "every request thread returned")
        assert live.wall.hub.screen_count >= SCREENS
        assert threading.active_count() <= before + THREADS_SLACK, (
            f"{threading.active_count()} threads with {SCREENS} screens, {before} before"
        )
        sent_at = time.time()
        for i, screen in enumerate(screens):
            screen.send_json({"type": "pong"})
            screen.send_json({"type": "report", "build": f"b{i}", "dom": 100})
        fleet = devices_of(live.app).fleet

        def all_read() -> bool:
            records = {r.name: r for r in fleet.records() if r.name.startswith("adopt-")}
            return len(records) == SCREENS and all(
                r.report.get("build") == f"b{r.name[6:]}" and last_seen(r) >= sent_at
                for r in records.values()
            )

        wait_until(all_read, 15, "every screen's pong and report read")
        assert threading.active_count() <= before + THREADS_SLACK
    finally:
        for screen in screens:
            screen.close()
