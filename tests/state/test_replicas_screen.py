"""A real Chromium screen behind a real HAProxy in front of wall replicas on one Redis."""

from __future__ import annotations

import re
import signal
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.support.browser import open_screen, wait_for
from tests.support.daemons import wait_until
from tests.support.haproxy import haproxy
from tests.support.redis_server import RedisDatabase
from tests.support.replicas import get_json, leader_of, replicas

pytestmark = pytest.mark.browser

SCREENS = re.compile(r'^wallboard_screens_connected\{team="payments"\} (\d+)', re.M)
PANEL = "document.querySelector('[data-panel=\"ratio\"]')"
# What the screen shows for the ratio panel: status, value text, sparkline points.
NOTICE = """() => {
  const n = document.getElementById('board-notice');
  return n && !n.hidden && n.textContent.includes('state store unreachable — values as of');
}"""
SHOWN = f"""() => {{
  const p = {PANEL};
  if (!p) return null;
  const v = p.querySelector('.value');
  return [p.dataset.status, v ? v.textContent : '', document.body.dataset.connects || '0'];
}}"""


def screens_on(url: str) -> int:
    with urllib.request.urlopen(url + "/metrics", timeout=5) as resp:
        match = SCREENS.search(resp.read().decode())
    return int(match.group(1)) if match else 0


def test_a_screen_whose_replica_dies_reconnects_to_another_and_never_shows_blank_or_green(
    browser: Browser, tmp_path: Path, store: RedisDatabase, config: str
) -> None:
    with replicas(tmp_path, 3, store.url, config) as servers:
        leader_of(servers)
        addresses = [s.url.removeprefix("http://") for s in servers]
        with haproxy(tmp_path, addresses) as lb:
            wait_until(
                lambda: (
                    get_json(lb + "/api/v1/teams/payments")[1]["panels"][0]["value"] is not None
                ),
                20,
                "a value through HAProxy",
            )
            screen = open_screen(browser, lb + "/teams/payments")
            wait_for(screen.page, f"() => {PANEL}.dataset.status === 'crit'", timeout=10)
            before = screen.page.evaluate(SHOWN)
            holder = next(s for s in servers if screens_on(s.url) == 1)
            holder.proc.send_signal(signal.SIGKILL)
            holder.proc.wait(10)
            seen = []
            end = time.monotonic() + 30
            while time.monotonic() < end:
                shown = screen.page.evaluate(SHOWN)
                seen.append(shown)
                if shown and int(shown[2]) >= 2 and screen.data("connected") == "1":
                    break
                time.sleep(0.05)
            else:
                raise AssertionError(f"the screen never reconnected: {seen[-3:]}")
            survivors = [s for s in servers if s is not holder]
            assert sum(screens_on(s.url) for s in survivors) == 1
            after = screen.page.evaluate(SHOWN)
            api = get_json(survivors[0].url + "/api/v1/teams/payments")[1]["panels"][0]
            # Redis goes away: the screen says so, and HAProxy still serves the page (every
            # replica is unready, so the "alive" backend takes the traffic).
            store.stop()
            wait_for(screen.page, NOTICE, timeout=10)
            screen.page.reload()
            wait_for(screen.page, NOTICE, timeout=15)
            reloaded = screen.page.evaluate(SHOWN)
    # Never blank, never a false green, while it was away and after.
    assert all(s is not None and s[1].strip() and s[0] != "ok" for s in seen), seen
    assert after[0] == before[0] == "crit"
    assert after[1] == api["display"]
    assert reloaded[0] == "crit" and reloaded[1] == after[1]
    assert not screen.errors or all("WebSocket" in e for e in screen.errors), screen.errors
