"""B1: fan-out of one board change a second to N screens, the wall beside the reference.

For each N the wall runs (its own process, threaded server as ``wallboard serve``),
then the reference broadcaster sending the same update, each measured by the
same load client; then both again with 5 % of the screens never reading.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import Child, Result, Sampler, free_port, median, python_cmd
from bench.fanout_report import report, report_alternative, report_stalled

PANELS = 4
CONFIG = """
[wall]
title = "bench"
stale_after = "1m"
heartbeat = "10s"
history = 30

[server]
max_screens = {max_screens}

[sources.demo]
type = "demo"
interval = "1s"
timeout = "1s"
seed = 1

{panels}
{teams}
"""
METRICS = ("error_rate", "errors", "latency", "health")


def wall_config(teams: int, max_screens: int = 2200) -> str:
    panels = "\n".join(
        f'[panels.p{i}]\ntitle = "Panel {i}"\nsource = "demo"\nmetric = "{m}"\n'
        for i, m in enumerate(METRICS[:PANELS])
    )
    names = ", ".join(f'"p{i}"' for i in range(PANELS))
    team_tables = "\n".join(
        f'[teams.t{t}]\nname = "Team {t}"\npanels = [{names}]\n' for t in range(teams)
    )
    return CONFIG.format(panels=panels, teams=team_tables, max_screens=max_screens)


@dataclass
class Run:
    server: str
    screens: int
    stalled: int
    client: dict[str, Any]
    loops_ms: list[float]
    rss_max: float
    cpu: float
    dropped: int
    rss_start: float = float("nan")  # MB before any screen connected
    threads_max: int = 0
    # The server's full garbage collections inside the window: (count, longest ms).
    gc_pauses: tuple[int, float] = (0, 0.0)


@dataclass
class Plan:
    config: Path
    teams: int
    seconds: float
    warmup: float
    grace: float


def measure(
    server: str, screens: int, stalled: int, plan: Plan, template: str = "", clients: int = 1
) -> Run:
    """One server with ``screens`` screens, from ``clients`` load-client processes."""
    nofile = str(3 * screens + 1024)
    env = {}
    if server == "wall":
        cmd = python_cmd("bench.wallserver", str(plan.config), "--nofile", nofile)
    elif server == "gunicorn":
        cmd = python_cmd("gunicorn", "-c", "python:bench.gunicorn_wall", "bench.gunicorn_wall:app")
        env = {
            "WALLBOARD_CONFIG": str(plan.config),
            "BENCH_PORT": str(free_port()),
            "BENCH_SCREENS": str(screens),
        }
    else:
        cmd = python_cmd("bench.reference", "--nofile", nofile)
        if template:  # else (no update seen) a padded message of the usual size
            shape = plan.config.with_name("update.json")
            shape.write_text(template)
            cmd += ["--template", str(shape)]
    srv = Child(cmd, env=env)
    try:
        rss_start = srv.ps.memory_info().rss / 2**20
        url = f"ws://127.0.0.1:{srv.ready['port']}/ws/teams/t{{i}}"
        if clients > 1:
            result, sampler, (t0, t1) = _several_clients(url, screens, stalled, plan, clients, srv)
            figures = srv.stop()
            return _run(server, screens, stalled, result, figures, sampler, (t0, t1), rss_start)
        client = Child(
            python_cmd(
                "bench.loadclient",
                url,
                *("--screens", str(screens), "--stalled", str(stalled), "--teams", str(plan.teams)),
                *("--duration", str(plan.seconds), "--warmup", str(plan.warmup)),
                *("--grace", str(plan.grace)),
            ),
            ready_timeout=300,
        )
        sampler = Sampler(srv.ps).start()
        t0, t1 = client.ready["window"]
        result = client.line(plan.seconds + plan.grace + 120)
        sampler.stop()
        client.kill()
        figures = srv.stop()
    finally:
        srv.kill()
    return _run(server, screens, stalled, result, figures, sampler, (t0, t1), rss_start)


def _run(
    server: str,
    screens: int,
    stalled: int,
    result: dict[str, Any],
    figures: dict[str, Any],
    sampler: Sampler,
    window: tuple[float, float],
    rss_start: float,
) -> Run:
    t0, t1 = window
    loops = [1000 * s for at, s in figures["broadcasts"] if t0 <= at <= t1 + 1]
    dropped = int(figures.get("screens_dropped", 0))
    threads = max(sampler.threads, default=0)
    pauses = [ms for at, ms in figures.get("gc_pauses", []) if t0 <= at <= t1 + 1]
    return Run(
        server,
        screens,
        stalled,
        result,
        loops,
        sampler.rss_max,
        sampler.cpu_percent,
        dropped,
        rss_start,
        threads,
        (len(pauses), max(pauses, default=0.0)),
    )


def _several_clients(
    url: str, screens: int, stalled: int, plan: Plan, clients: int, srv: Child
) -> tuple[dict[str, Any], Sampler, tuple[float, float]]:
    """``clients`` load clients started together, each from its own 127.0.0.x address,
    all measuring one window; their results merged (latencies through histograms)."""
    kids: list[Child] = []
    try:
        for k in range(clients):
            share = screens // clients + (1 if k < screens % clients else 0)
            calm = stalled // clients + (1 if k < stalled % clients else 0)
            args = ("--screens", str(share), "--stalled", str(calm), "--teams", str(plan.teams))
            kids.append(
                Child(
                    python_cmd(
                        "bench.loadclient",
                        url,
                        *args,
                        *("--duration", str(plan.seconds), "--grace", str(plan.grace)),
                        *("--source", f"127.0.0.{k + 2}", "--sync"),
                    ),
                    stdin=True,
                    wait_ready=False,
                )
            )
        for kid in kids:
            kid.ready = kid.line(300)
        sampler = Sampler(srv.ps).start()
        t0 = time.time() + plan.warmup
        for kid in kids:
            kid.tell({"t0": t0})
        results = [kid.line(plan.warmup + plan.seconds + plan.grace + 120) for kid in kids]
        sampler.stop()
    finally:
        for kid in kids:
            kid.kill()
    return merge(results), sampler, (t0, t0 + plan.seconds)


def merge(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Several load clients' results as one client's."""
    hist: dict[int, int] = {}
    for r in results:
        for ms, count in r["histogram"]:
            hist[ms] = hist.get(ms, 0) + count
    total = sum(hist.values())

    def pct(q: float) -> float:
        seen = 0
        for ms in sorted(hist):
            seen += hist[ms]
            if seen >= q / 100 * total:
                return float(ms)
        return float("nan")

    got, expected = sum(r["got"] for r in results), sum(r["expected"] for r in results)
    first = results[0]
    return {
        **first,
        "screens": sum(r["screens"] for r in results),
        "stalled": sum(r["stalled"] for r in results),
        "connect_failures": sum(r["connect_failures"] for r in results),
        "failure_examples": [e for r in results for e in r["failure_examples"]][:3],
        "connect_seconds": max(r["connect_seconds"] for r in results),
        "versions": max(r["versions"] for r in results),
        "delivered_percent": 100.0 * got / expected if expected else 0.0,
        "resyncs": sum(r["resyncs"] for r in results),
        "p50_ms": pct(50),
        "p99_ms": pct(99),
        "max_ms": float(max(hist, default=float("nan"))),
        "samples": total,
        "sample_update": next((r["sample_update"] for r in results if r["sample_update"]), ""),
        "read_errors": [e for r in results for e in r["read_errors"]][:3],
        "clients": len(results),
    }


def combine(runs: list[Run]) -> Run:
    """Rounds of one case as one: pooled loop times, median latencies, worst memory."""
    client = dict(runs[0].client)
    for key in ("p50_ms", "p99_ms", "max_ms", "delivered_percent", "connect_seconds"):
        client[key] = median([r.client[key] for r in runs])
    client["connect_failures"] = max(r.client["connect_failures"] for r in runs)
    client["p99_rounds"] = [round(r.client["p99_ms"]) for r in runs]
    return Run(
        runs[0].server,
        runs[0].screens,
        runs[0].stalled,
        client,
        [ms for r in runs for ms in r.loops_ms],
        max(r.rss_max for r in runs),
        median([r.cpu for r in runs]),
        sum(r.dropped for r in runs),
        gc_pauses=(
            sum(r.gc_pauses[0] for r in runs),
            max(r.gc_pauses[1] for r in runs),
        ),
    )


def run(
    smoke: bool = False, screens: list[int] | None = None, teams: int = 1, rounds: int = 2
) -> Result:
    sizes = screens or ([10] if smoke else [100, 500, 1000, 2000])
    rounds = 1 if smoke else rounds
    res = Result("B1 fan-out")
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "bench.toml"
        config.write_text(wall_config(teams))
        plan = Plan(config, teams, *((2.0, 0.5, 1.0) if smoke else (20.0, 3.0, 3.0)))
        # Never-reading screens are dropped after 3 unanswered heartbeats (30 s): watch that.
        stall_plan = Plan(config, teams, *((2.0, 0.5, 1.0) if smoke else (45.0, 3.0, 3.0)))
        for n in sizes:
            walls, refs, gunicorns = [], [], []
            for _ in range(rounds):  # alternate, so drift on a shared machine hits all
                walls.append(measure("wall", n, 0, plan))
                sample = walls[-1].client["sample_update"]
                refs.append(measure("reference", n, 0, plan, sample))
                if n >= 1000 and not smoke:  # the alternative server flask-sock supports
                    gunicorns.append(measure("gunicorn", n, 0, plan))
            base = combine(walls)
            size = int(base.client["update_bytes"])
            report(res, base, combine(refs), size)
            if gunicorns:
                report_alternative(res, base, combine(gunicorns), combine(refs))
            stalled = max(1, n // 20)
            wall = measure("wall", n, stalled, stall_plan)
            ref = measure("reference", n, stalled, stall_plan, sample)
            report(res, wall, ref, size)
            report_stalled(res, base, wall)
    return res
