"""A wall with rooms for the room tests: an Alertmanager source fed by its real webhook."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import urllib3
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from collectors.base import Collection, Reading
from tests.support.alertmanager import alert, payload
from tests.support.live import LiveWall, write_config

TOKEN = "rooms-am-token"
ENV = {"AM_TOKEN": TOKEN}
TEAMS = ("payments", "search", "checkout")
DWELL = 2.0  # seconds, the shortest a rotation page may last

ROOMS_CONFIG = """
[wall]
title = "rooms test wall"
heartbeat = "1s"

[screen]
drift_every = "1h"

[sources.am]
type = "alertmanager"
url = "http://127.0.0.1:9"
interval = "1h"
webhook_token_env = "AM_TOKEN"

[panels.alerts]
title = "Alerts"
source = "am"
kind = "alerts"

[teams.payments]
name = "Payments"
panels = ["alerts"]

[teams.search]
name = "Search"
panels = ["alerts"]

[teams.checkout]
name = "Checkout"
panels = ["alerts"]

[rooms.window]
title = "By the window"
teams = ["payments", "search"]

[rooms.platform]
title = "Platform TV"
focus = "trouble"
rotation = [
  {{ team = "payments", dwell = "{dwell}s" }},
  {{ room = "window", dwell = "{dwell}s" }},
  {{ team = "checkout", dwell = "{dwell}s" }},
]

[rooms.calm]
title = "Calm rotation"
rotation = [{{ team = "payments", dwell = "{dwell}s" }}, {{ room = "window", dwell = "{dwell}s" }}]
"""


def rooms_config(directory: Path) -> Path:
    return write_config(directory, ROOMS_CONFIG.format(dwell=DWELL))


def all_calm(live: LiveWall) -> None:
    """Every team ok: no alert firing (a reconciliation's answer, on the real board)."""
    readings = {(team, "alerts"): Reading(value=0.0, status="ok") for team in TEAMS}
    live.wall.board.apply("am", Collection(readings=readings))


_http = urllib3.PoolManager()


def fire(live: LiveWall, *teams: str) -> float:
    """Alertmanager's webhook: a critical alert firing for each of ``teams``, resolved for
    every other team; the moment the wall answered."""
    alerts = [
        alert(
            f"{i:016x}",
            status="firing" if team in teams else "resolved",
            team=team,
            severity="critical",
        )
        for i, team in enumerate(TEAMS, 1)
    ]
    body = payload(*alerts, status="firing" if teams else "resolved")
    response = _http.request(
        "POST",
        live.url + "/hooks/alertmanager",
        body=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"},
    )
    assert response.status == 200, response.data
    return time.monotonic()


SHOWN = """() => ({
  title: document.querySelector('.team-name')?.textContent || '',
  team: document.body.dataset.team || '',
  tiles: Array.from(document.querySelectorAll('#teams .tile')).map((t) => t.dataset.team),
  head: document.getElementById('focus-head')?.textContent || '',
  current: document.querySelector('.rotation-teams li.current')?.textContent || '',
  connected: document.body.dataset.connected === '1',
  ends: document.body.dataset.rotationEnds || '',
  left: Number(document.body.dataset.rotationEnds || 0) - Date.now() / 1000,
})"""


def shown(page: Page) -> dict[str, Any] | None:
    """What the screen shows now; None while it is between two pages (a reload)."""
    try:
        result: dict[str, Any] = page.evaluate(SHOWN)
    except PlaywrightError:
        return None
    return result


def watch(page: Page, until: Any, timeout: float) -> tuple[dict[str, Any], float]:
    """Poll ``shown`` until ``until(shown)``; the last look and when it matched."""
    end = time.monotonic() + timeout
    last: dict[str, Any] | None = None
    while time.monotonic() < end:
        now = shown(page)
        if now is not None:
            last = now
            if until(now):
                return now, time.monotonic()
        page.wait_for_timeout(20)
    raise AssertionError(f"not shown within {timeout} s; last seen: {last}")
