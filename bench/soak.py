"""B5: a screen left on for days, compressed: real Chromium on a team page, 50,000 updates.

The wall runs in this process without its scheduler; the benchmark drives the
real path (demo source → board → hub → websocket → page) by running the
source's cycle as fast as the page keeps up. JS heap and DOM nodes come from CDP
``Performance.getMetrics`` after a forced garbage collection, once after a
warm-up and once at the end, when the page shows the board's last version.
Incidents are off so that the panels' content (and so the DOM) has one shape.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from bench.common import Result, within
from tests.support.browser import chromium, dom_metrics, open_screen, wait_for
from tests.support.live import serve_wall

CONFIG = """
[wall]
heartbeat = "5s"
stale_after = "1h"

[sources.demo]
type = "demo"
interval = "1h"
seed = 3
incident_rate = 0.0

[panels.error_rate]
title = "HTTP 5xx rate"
source = "demo"
unit = "percent"
warn = 1.0
crit = 5.0
metric = "error_rate"

[panels.latency]
title = "p99 latency"
source = "demo"
unit = "ms"
metric = "latency"

[panels.services]
title = "Services"
source = "demo"
kind = "health"
unit = "count"
metric = "health"

[teams.payments]
panels = ["error_rate", "latency", "services"]
"""
MB = 2**20


def drive(the_wall, page, count: int, deadline: float) -> None:  # type: ignore[no-untyped-def]
    """``count`` board changes, each handed to the socket as its own update frame.

    Each change waits until the hub has written a frame (else the hub would
    rightly coalesce a burst into one update), and every 200 the page must be
    within 200 versions, so that the page, not the kernel buffer, absorbs them.
    """
    stats = the_wall.hub.stats
    for i in range(count):
        sent = stats.messages_sent
        the_wall.poller.collect("demo")
        while stats.messages_sent == sent and time.monotonic() < deadline:
            time.sleep(0.0002)
        if i % 200 == 199:
            target = the_wall.board.version
            wait_for(page, f"() => Number(document.body.dataset.version) >= {target - 200}", 30)
        if time.monotonic() > deadline:
            raise TimeoutError(f"soak stopped after {i + 1} of {count} updates: over time")


def caught_up(the_wall, page) -> None:  # type: ignore[no-untyped-def]
    version = the_wall.board.version
    wait_for(page, f"() => Number(document.body.dataset.version) >= {version}", 30)


def run(smoke: bool = False) -> Result:
    warmup, updates = (100, 500) if smoke else (1000, 50_000)
    res = Result("B5 soak")
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "soak.toml"
        config.write_text(CONFIG)
        with serve_wall(config, schedule=False) as live, chromium() as browser:
            screen = open_screen(browser, f"{live.url}/teams/payments")
            page = screen.page
            drive(live.wall, page, warmup, time.monotonic() + 120)
            caught_up(live.wall, page)
            start = dom_metrics(page)
            shown0 = int(screen.data("updates") or 0)
            started = time.monotonic()
            drive(live.wall, page, updates, started + 900)  # bounded: 15 min at most
            caught_up(live.wall, page)
            seconds = time.monotonic() - started
            end = dom_metrics(page)
            shown = int(screen.data("updates") or 0) - shown0
            errors = list(screen.errors)
    growth = (end["JSHeapUsedSize"] - start["JSHeapUsedSize"]) / MB
    res.add(
        f"{updates} updates ({updates / seconds:.0f}/s; page applied {shown} update frames):"
        " JS heap start → end MB",
        f"{start['JSHeapUsedSize'] / MB:.2f} → {end['JSHeapUsedSize'] / MB:.2f} ({growth:+.2f})",
        "growth ≤ 2 MB",
        within(growth, 2.0, " MB"),
    )
    nodes0, nodes1 = int(start["Nodes"]), int(end["Nodes"])
    res.add(
        "DOM nodes start → end",
        f"{nodes0} → {nodes1}",
        "constant",
        "met" if nodes1 == nodes0 else f"MISSED: {nodes1 - nodes0:+d} nodes",
    )
    listeners = (int(start.get("JSEventListeners", 0)), int(end.get("JSEventListeners", 0)))
    res.notes.append(
        f"JS event listeners {listeners[0]} → {listeners[1]}; page errors: {len(errors)}"
        + (f" (first: {errors[0][:120]})" if errors else "")
    )
    return res
