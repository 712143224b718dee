"""B2: load on a real Prometheus as teams and screens grow, the wall beside per-screen polling.

A real Prometheus scrapes a target with ``http_requests_total{team,code}`` for
every team. For each (teams, screens) the wall runs (its own process, N screens
connected by the load client), then the polling model does the same job. The
rate is Prometheus' own ``prometheus_http_requests_total`` for the query
endpoints, measured from the end of the first burst of queries to the end of
the last, so a window holds whole refresh cycles; CPU is Prometheus' own.
"""

from __future__ import annotations

import tempfile
import threading
import time
from pathlib import Path

from bench.common import Child, Result, Sampler, python_cmd, ratio
from bench.polling import poll
from tests.support.prometheus import PrometheusServer, RequestsTarget

QUERIES = {
    "errors": 'sum by (team) (rate(http_requests_total{code=~"5.."}[1m]))',
    "requests": 'sum by (team) (rate(http_requests_total{code=~"..."}[1m]))',
}
HANDLERS = ("/api/v1/query", "/api/v1/query_range")


def wall_config(prom_url: str, teams: int, refresh: float) -> str:
    panels = "\n".join(
        f'[panels.{name}]\ntitle = "{name}"\nsource = "prom"\nunit = "per_minute"\n'
        f"query = '{query}'\n"
        for name, query in QUERIES.items()
    )
    names = ", ".join(f'"{n}"' for n in QUERIES)
    team_tables = "\n".join(f"[teams.t{t}]\npanels = [{names}]\n" for t in range(teams))
    return (
        f'[wall]\nheartbeat = "10s"\n\n[server]\nmax_screens = 1000\n\n'
        f'[sources.prom]\ntype = "prometheus"\nurl = "{prom_url}"\n'
        f'interval = "{refresh:g}s"\ntimeout = "5s"\n\n{panels}\n{team_tables}'
    )


def queries(prom: PrometheusServer) -> float:
    return sum(prom.metric("prometheus_http_requests_total", handler=h) for h in HANDLERS)


def watch(prom: PrometheusServer, seconds: float, cycle: float) -> tuple[float, float]:
    """(queries per minute over whole cycles, Prometheus CPU %) during at least ``seconds``.

    The rate needs two bursts a cycle apart. On a loaded machine a cycle can come late,
    so sampling goes on past ``seconds`` until the changes span a cycle (at most ten
    more cycles): a window that caught one burst would have no rate to give.
    """
    sampler = Sampler(prom_process(prom)).start()
    samples: list[tuple[float, float]] = []
    start = time.monotonic()
    end, limit = start + seconds, start + seconds + 10 * cycle
    while True:
        now = time.monotonic()
        samples.append((now, queries(prom)))
        if now >= limit or (now >= end and spanned(samples, cycle)):
            break
        time.sleep(0.25)
    sampler.stop()
    first, last = changes(samples)
    if first is None or last <= first:
        return float("nan"), sampler.cpu_percent
    (t0, c0), (t1, c1) = samples[first], samples[last]
    return 60 * (c1 - c0) / (t1 - t0), sampler.cpu_percent


def changes(samples: list[tuple[float, float]]) -> tuple[int | None, int]:
    """The first sample after the count first rose, and the first holding its final value."""
    first = next((i for i, (_, c) in enumerate(samples) if c > samples[0][1]), None)
    last = next(i for i, (_, c) in enumerate(samples) if c == samples[-1][1])
    return first, last


def spanned(samples: list[tuple[float, float]], cycle: float) -> bool:
    first, last = changes(samples)
    return first is not None and samples[last][0] - samples[first][0] >= 0.9 * cycle


def prom_process(prom: PrometheusServer):  # type: ignore[no-untyped-def]
    import psutil

    assert prom.process is not None  # started by run()
    return psutil.Process(prom.process.pid)


def measure_wall(
    prom: PrometheusServer, tmp: Path, teams: int, screens: int, refresh: float, window: float
) -> tuple[float, float]:
    config = tmp / f"wall-{teams}.toml"
    config.write_text(wall_config(prom.url, teams, refresh))
    wall = Child(python_cmd("bench.wallserver", str(config)))
    client = None
    try:
        time.sleep(refresh)  # the first cycle and the sparkline backfill are not steady state
        if screens > 1:
            url = f"ws://127.0.0.1:{wall.ready['port']}/ws/teams/t{{i}}"
            client = Child(
                python_cmd(
                    "bench.loadclient",
                    url,
                    *("--screens", str(screens), "--teams", str(teams)),
                    *("--warmup", "1", "--duration", str(window + 5)),
                ),
                ready_timeout=120,
            )
        return watch(prom, window, refresh)
    finally:
        if client is not None:
            client.kill()
        wall.kill()


def measure_polling(
    prom: PrometheusServer, teams: int, screens: int, refresh: float, window: float
) -> tuple[float, float]:
    until = time.monotonic() + window + refresh + 2
    worker = threading.Thread(
        target=poll, args=(prom.url, list(QUERIES.values()), teams, screens, refresh, until)
    )
    worker.start()
    try:
        time.sleep(refresh)  # one full refresh before measuring: every screen has started
        return watch(prom, window, refresh)
    finally:
        worker.join(window + refresh + 30)


def steady(r: float) -> str:
    # The scheduler jitters each cycle by up to 10 % of the interval: ±5 % is "unchanged".
    return f"{r:.2f}x, " + ("met" if abs(r - 1) <= 0.05 else "MISSED")


def run(smoke: bool = False) -> Result:
    cases = [(5, 5)] if smoke else [(5, 1), (50, 1), (50, 500)]
    refresh, window = (1.5, 3.2) if smoke else (10.0, 65.0)
    res = Result("B2 source load")
    target = RequestsTarget()
    for t in range(max(t for t, _ in cases)):
        target.set_rate(f"t{t}", "200", 10.0 + t)
        target.set_rate(f"t{t}", "500", 0.1 * (t % 7))
    with tempfile.TemporaryDirectory() as tmp:
        prom = PrometheusServer(Path(tmp) / "prom", [target.address])
        prom.start()
        try:
            prom.wait_scraped(2)
            base = None
            for teams, screens in cases:
                wall_q, wall_cpu = measure_wall(prom, Path(tmp), teams, screens, refresh, window)
                poll_q, poll_cpu = measure_polling(prom, teams, screens, refresh, window)
                base = base or wall_q
                res.add(
                    f"{teams} teams, {screens} screens: queries/min wall | polling model",
                    f"{wall_q:.1f} | {poll_q:.1f} (polling/wall {ratio(poll_q, wall_q)})",
                    "wall rate / first case = 1.00",
                    steady(wall_q / base),
                )
                res.add(
                    f"{teams} teams, {screens} screens: Prometheus CPU % wall | polling model",
                    f"{wall_cpu:.1f} | {poll_cpu:.1f}",
                )
        finally:
            prom.stop()
            target.close()
    res.notes.append(
        f"{len(QUERIES)} panels per team; wall collect interval = polling refresh = {refresh:g} s;"
        " Prometheus scrapes every 1 s (its CPU includes scraping and the test's own reads)."
    )
    return res
