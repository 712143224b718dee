"""A screen that loses its server says so at once, and heals by itself when it returns."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.support.blackhole import Blackhole
from tests.support.browser import open_screen, wait_for
from tests.support.screen_wall import HEARTBEAT, apply, main_readings, screen_config, screen_wall

pytestmark = pytest.mark.browser

BANNER_SHOWN = "() => !document.getElementById('banner').hidden"
RECOVERED = (
    "() => document.getElementById('banner').hidden && document.body.dataset.connected === '1'"
)


def test_it_shows_the_banner_then_recovers_with_a_fresh_snapshot_without_reloading(
    browser: Browser, tmp_path: Path
) -> None:
    config = screen_config(tmp_path)
    with screen_wall(config) as live:
        port = live.server.server_port
        apply(live, "main", main_readings(0.0042))
        screen = open_screen(browser, f"{live.url}/teams/payments")
        page = screen.page
        page.evaluate("() => { window.__samePage = true; }")
        assert screen.text('[data-panel="error_rate"] .value') == "0.42 %"
        stopped = time.monotonic()
    wait_for(page, BANNER_SHOWN, timeout=2 * HEARTBEAT)
    banner_after = time.monotonic() - stopped
    banner = screen.text("#banner")
    assert "Disconnected from the wall server" in banner
    # A page whose socket has not yet heard the close (a loaded machine) says it waits for
    # the next heartbeat; then it says when it reconnects.
    retrying = (
        "() => /reconnecting (in \\d+ s|now)/.test(document.getElementById('banner').textContent)"
    )
    wait_for(page, retrying, timeout=2 * HEARTBEAT + 10)
    assert "disconnected" in (page.get_attribute("body", "class") or "")
    faded = "(s) => getComputedStyle(document.querySelector(s)).filter"
    assert "grayscale(1)" in page.evaluate(faded, "#panels")  # nobody trusts a grey number
    assert "grayscale(1)" in page.evaluate(faded, ".team-status")
    # The clock keeps running while the server is away.
    clock = screen.text("#clock")
    wait_for(page, "(t) => document.getElementById('clock').textContent !== t", arg=clock)
    time.sleep(HEARTBEAT)  # a real outage: at least one reconnect attempt fails

    with screen_wall(config, port=port) as live:
        # The new server knows something the page cannot have seen before.
        apply(live, "main", main_readings(0.066))
        restarted = time.monotonic()
        wait_for(page, RECOVERED, timeout=20)
        recovered_after = time.monotonic() - restarted
        wait_for(
            page,
            "() => document.querySelector('[data-panel=\"error_rate\"] .value')"
            ".textContent === '6.60 %'",
        )
        assert page.evaluate("() => window.__samePage") is True  # healed, not reloaded
        assert int(screen.data("connects")) == 2
    print(f"banner after {banner_after:.2f} s; recovered {recovered_after:.2f} s after restart")
    page.context.close()


def test_it_reloads_itself_when_the_build_changes(browser: Browser, tmp_path: Path) -> None:
    config = screen_config(tmp_path)
    with screen_wall(config, build="build-one") as live:
        port = live.server.server_port
        screen = open_screen(browser, f"{live.url}/teams/search")
        page = screen.page
        page.evaluate("() => { window.__samePage = true; }")
        assert screen.data("build") == "build-one"
    with screen_wall(config, port=port, build="build-two"):
        wait_for(page, "() => document.body.dataset.build === 'build-two'", timeout=20)
        wait_for(page, "() => document.body.dataset.connected === '1'")
        assert page.evaluate("() => window.__samePage") is None  # a new page: it reloaded
        assert screen.text(".team-name") == "Search"
    page.context.close()


def test_it_notices_a_silent_network_and_heals_when_it_returns(
    browser: Browser, tmp_path: Path
) -> None:
    with screen_wall(screen_config(tmp_path)) as live:
        apply(live, "main", main_readings(0.0042))
        relay = Blackhole(live.server.server_port)
        try:
            screen = open_screen(browser, f"http://127.0.0.1:{relay.port}/teams/checkout")
            page = screen.page
            sockets: list[str] = []
            page.on("websocket", lambda ws: sockets.append(ws.url))
            page.evaluate("() => { window.__samePage = true; }")
            relay.freeze()  # nothing closes: packets just stop
            silent = time.monotonic()
            wait_for(page, BANNER_SHOWN, timeout=2 * HEARTBEAT + 0.5)
            banner_after = time.monotonic() - silent
            assert "No news from the wall server" in screen.text("#banner")
            # After watchdog_heartbeats (3) the screen drops the dead socket and tries again.
            wait_for(page, "() => document.body.dataset.watchdog === '1'", timeout=5 * HEARTBEAT)
            # A new attempt that hangs is given up too, and another made: none waits for TCP.
            end = time.monotonic() + 8 * HEARTBEAT
            while len(sockets) < 2 and time.monotonic() < end:
                page.wait_for_timeout(100)
            assert len(sockets) >= 2, sockets  # the watchdog's attempt, then the next one
            apply(live, "main", main_readings(0.021))
            relay.thaw()
            thawed = time.monotonic()
            wait_for(page, RECOVERED, timeout=20)
            recovered_after = time.monotonic() - thawed
            wait_for(page, "() => document.querySelector('.value').textContent === '2.10 %'")
            assert page.evaluate("() => window.__samePage") is True
        finally:
            relay.close()
    print(f"silent network: banner after {banner_after:.2f} s, healed {recovered_after:.2f} s")
    page.context.close()


def test_it_reloads_itself_when_sockets_keep_opening_into_silence(
    browser: Browser, tmp_path: Path
) -> None:
    with screen_wall(screen_config(tmp_path)) as live:
        screen = open_screen(browser, f"{live.url}/teams/search")
        page = screen.page
        page.evaluate("() => { window.__samePage = true; }")
        # A wedged server: HTTP answers, websockets open, but nothing is ever sent.
        live.wall.hub.stop()
        reloads = "() => JSON.parse(sessionStorage.getItem('wb-reloads') || '[]').map(r => r.why)"
        wait_for(page, f"() => ({reloads})().includes('watchdog')", timeout=15 * HEARTBEAT)
        live.wall.hub.start()
        wait_for(page, RECOVERED, timeout=20)
        assert page.evaluate("() => window.__samePage") is None  # a fresh page
        assert page.evaluate(reloads) == ["watchdog"]
    page.context.close()
