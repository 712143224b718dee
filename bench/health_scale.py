"""B4: one health cycle over 500 checks on loopback servers, 10 % of them hanging.

The source is built as the wall builds it (config → registry) and driven cycle
by cycle. Measured: each cycle's duration against the per-check timeout, and
the TCP connections the healthy servers accepted per warm cycle (keep-alive
reuse means zero). The servers are the tests' real ones (``RouteServer``,
``HangingServer``), in this process.
"""

from __future__ import annotations

import time
from typing import Any

from bench.common import Result, median, within
from collectors.base import Source
from collectors.health.options import HealthOptions
from tests.support.health_servers import HangingServer, Route, RouteServer
from wallboard.config.loader import parse
from wallboard.sources import build_sources

HOSTS = 10  # healthy services are spread over this many servers (hosts)


def build(checks: int, timeout: float, concurrency: int, urls: list[str]) -> Source:
    teams: dict[str, Any] = {}
    for i in range(checks):
        team = teams.setdefault(f"team{i % 50}", {"panels": ["services"], "health": []})
        team["health"].append({"name": f"svc{i}", "url": f"{urls[i]}?i={i}", "fail_after": 1})
    config = parse(
        {
            "sources": {
                "health": {
                    "type": "health",
                    "timeout": f"{timeout * 3}s",
                    "check_timeout": f"{timeout}s",
                    "concurrency": concurrency,
                }
            },
            "panels": {"services": {"title": "Services", "source": "health", "kind": "health"}},
            "teams": teams,
        },
        env={},
    )
    return build_sources(config, {})["health"]


def measure(checks: int, timeout: float, concurrency: int, warm: int) -> dict[str, Any]:
    healthy = [RouteServer({"/ok": Route(200, "text/plain", b"OK")}) for _ in range(HOSTS)]
    hanging = HangingServer()
    try:
        urls = [
            hanging.url + "/" if i % 10 == 0 else f"{healthy[i % HOSTS].url}/ok"
            for i in range(checks)
        ]
        source = build(checks, timeout, concurrency, urls)
        cycles: list[float] = []
        new_healthy: list[int] = []
        new_hanging: list[int] = []
        try:
            for n in range(warm + 1):
                before = sum(s.connections for s in healthy), hanging.accepts
                started = time.monotonic()
                source.collect(started + timeout * 3)
                cycles.append(time.monotonic() - started)
                if n:  # the first cycle opens every connection; the rest are warm
                    new_healthy.append(sum(s.connections for s in healthy) - before[0])
                    new_hanging.append(hanging.accepts - before[1])
        finally:
            source.close()
        return {"cycles": cycles, "new_healthy": new_healthy, "new_hanging": new_hanging}
    finally:
        for server in healthy:
            server.stop()
        hanging.stop()


def run(smoke: bool = False) -> Result:
    checks, timeout, warm = (50, 0.5, 2) if smoke else (500, 2.0, 5)
    res = Result("B4 health cycle")
    # The default (64) and a smaller pool than there are hanging checks (32), side by side.
    for concurrency in (32, 64) if not smoke else (64,):
        m = measure(checks, timeout, concurrency, warm)
        warm_cycles = m["cycles"][1:]
        tag = f"{checks} checks, {checks // 10} hanging, timeout {timeout:g} s"
        tag += f", concurrency {concurrency}"
        res.add(
            f"{tag}: warm cycle median (max), cold cycle s",
            f"{median(warm_cycles):.2f} ({max(warm_cycles):.2f}), cold {m['cycles'][0]:.2f}",
            f"≤ timeout + 0.5 = {timeout + 0.5:g} s",
            within(median(warm_cycles), timeout + 0.5, " s"),
        )
        res.add(
            f"{tag}: new TCP connections per warm cycle, healthy (hanging)",
            f"{median(m['new_healthy']):.0f} ({median(m['new_hanging']):.0f})",
            "0 for healthy checks",
            "met" if max(m["new_healthy"]) == 0 else f"MISSED: {max(m['new_healthy'])} new",
        )
    res.notes.append(
        f"Concurrency {HealthOptions.model_fields['concurrency'].default} is the source's default:"
        " it bounds how many hanging checks wait at once."
        " Hanging checks' connections are dropped at their timeout, so they reconnect each cycle."
    )
    return res
