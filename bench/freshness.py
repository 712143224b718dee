"""B3: how fresh a screen is. Push: an Alertmanager webhook to the screen. Poll: a value
changing behind a real Prometheus to the screen, against the scrape and collect intervals.

One wall process with two sources (a real Prometheus scraping a gauge this
benchmark sets, and a real Alertmanager whose receiver is the wall) and one
screen. Times are taken in this process on one clock.

- webhook → screen: a v4 payload as Alertmanager 0.25 sends it, POSTed to
  ``/hooks/alertmanager``; from the POST to the screen's receipt.
- through Alertmanager: an alert posted to Alertmanager's API, grouped by it
  (``group_wait`` 1 s), sent to the wall, shown on the screen.
- poll: the gauge changes at T, the screen shows it at R. R - T is at most
  scrape interval + collect interval + overhead, so overhead ≥ (R - T) - both
  intervals; the fan-out part (R - the board's ``updated_at``) is exact.
"""

from __future__ import annotations

import json
import random
import tempfile
import time
from pathlib import Path
from typing import Any

import urllib3
from prometheus_client import CollectorRegistry, Gauge, start_http_server

from bench.common import Child, Result, free_port, median, percentile, python_cmd, within
from tests.support.alertmanager import AlertmanagerServer, alert, payload
from tests.support.prometheus import PrometheusServer
from tests.support.screens import ScreenClient

TOKEN = "bench-am-token"
SCRAPE, COLLECT = 1.0, 1.0
CONFIG = """
[wall]
heartbeat = "5s"

[sources.prom]
type = "prometheus"
url = "{prom}"
interval = "{collect:g}s"
timeout = "900ms"

[sources.am]
type = "alertmanager"
url = "{am}"
interval = "1h"
timeout = "3s"
webhook_token_env = "AM_TOKEN"

[panels.value]
title = "Value"
source = "prom"
unit = "none"
query = 'max by (team) (bench_value)'

[panels.alerts]
title = "Alerts"
source = "am"
kind = "alerts"

[teams.t0]
panels = ["value", "alerts"]
"""


def panel(msg: dict[str, Any], pid: str) -> dict[str, Any] | None:
    panels = msg.get("data", {}).get("panels") or msg.get("panels") or []
    return next((p for p in panels if p["id"] == pid), None)


def titles(msg: dict[str, Any]) -> list[str] | None:
    p = panel(msg, "alerts")
    return None if p is None or p["updated_at"] is None else [i["title"] for i in p["items"]]


def push(wall_url: str, screen: ScreenClient, n: int) -> list[float]:
    delays = []
    for i in range(n):
        status = "firing" if i % 2 == 0 else "resolved"
        body = json.dumps(payload(alert("f00dfeedf00d0001", status, team="t0"), status=status))
        want = ["Synthetic"] if status == "firing" else []
        started = time.perf_counter()
        urllib3.request(
            "POST",
            f"{wall_url}/hooks/alertmanager",
            body=body.encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"},
            timeout=5.0,
        )
        screen.wait_for(lambda m, w=want: titles(m) == w, timeout=5)
        delays.append(time.perf_counter() - started)
    return delays


def through_alertmanager(am: AlertmanagerServer, screen: ScreenClient, n: int) -> list[float]:
    delays = []
    for i in range(n):
        name = f"Bench{i}{random.randrange(10**6)}"
        body = [{"labels": {"alertname": name, "team": "t0"}, "annotations": {}}]
        started = time.perf_counter()
        am.http.request(
            "POST",
            am.url + "/api/v2/alerts",
            body=json.dumps(body),
            headers={"Content-Type": "application/json"},
        )
        screen.wait_for(lambda m, a=name: a in (titles(m) or []), timeout=30)
        delays.append(time.perf_counter() - started)
    return delays


def poll(gauge: Gauge, screen: ScreenClient, n: int) -> tuple[list[float], list[float]]:
    totals, fanout = [], []
    for i in range(n):
        time.sleep(random.uniform(0, SCRAPE))  # every phase against scrape and collect ticks
        value = float(1000 + i)
        changed = time.time()
        gauge.labels(team="t0").set(value)
        msg = screen.wait_for(lambda m, v=value: (panel(m, "value") or {}).get("value") == v, 30)
        seen = time.time()
        totals.append(seen - changed)
        fanout.append(seen - panel(msg, "value")["updated_at"])  # type: ignore[index]
    return totals, fanout


def run(smoke: bool = False) -> Result:
    n_push, n_am, n_poll = (5, 1, 3) if smoke else (100, 10, 40)
    res = Result("B3 freshness")
    registry = CollectorRegistry()
    gauge = Gauge("bench_value", "a value the benchmark sets", ["team"], registry=registry)
    gauge.labels(team="t0").set(0)
    target_port = free_port()
    server, _ = start_http_server(target_port, addr="127.0.0.1", registry=registry)
    with tempfile.TemporaryDirectory() as tmp:
        wall_port = free_port()
        wall_url = f"http://127.0.0.1:{wall_port}"
        am = AlertmanagerServer(Path(tmp) / "am", f"{wall_url}/hooks/alertmanager", TOKEN)
        prom = PrometheusServer(Path(tmp) / "prom", [f"127.0.0.1:{target_port}"])
        wall = None
        try:
            am.start()
            prom.start()
            config = Path(tmp) / "wall.toml"
            config.write_text(CONFIG.format(prom=prom.url, am=am.url, collect=COLLECT))
            cmd = python_cmd("bench.wallserver", str(config), "--port", str(wall_port))
            wall = Child(cmd, env={"AM_TOKEN": TOKEN})
            with ScreenClient(f"ws://127.0.0.1:{wall_port}/ws/teams/t0") as screen:
                screen.wait_for(lambda m: m["type"] == "snapshot")
                pushed = push(wall_url, screen, n_push)
                via_am = through_alertmanager(am, screen, n_am)
                prom.wait_scraped(2)
                totals, fanout = poll(gauge, screen, n_poll)
        finally:
            if wall is not None:
                wall.kill()
            prom.stop()
            am.stop()
            server.shutdown()
    p50, p99 = 1000 * median(pushed), 1000 * percentile(pushed, 99)
    res.add(
        f"push: webhook → screen p50 / p99 of {n_push} ms",
        f"{p50:.1f} / {p99:.1f}",
        "p99 ≤ 100 ms",
        within(p99, 100, " ms"),
    )
    res.add(
        f"push through a real Alertmanager (its group_wait 1 s included), median of {n_am} ms",
        f"{1000 * median(via_am):.0f}",
    )
    intervals = SCRAPE + COLLECT
    over = [t - intervals for t in totals]
    res.add(
        f"poll: value change → screen p50 / p99 of {n_poll} s (scrape {SCRAPE:g} s"
        f" + collect {COLLECT:g} s)",
        f"{median(totals):.2f} / {percentile(totals, 99):.2f}",
    )
    res.add(
        "poll: overhead beyond both intervals p99 ms (board change → screen p99 ms)",
        f"{1000 * percentile(over, 99):.0f} ({1000 * percentile(fanout, 99):.1f})",
        "p99 ≤ 250 ms",
        within(1000 * percentile(over, 99), 250, " ms"),
    )
    return res
