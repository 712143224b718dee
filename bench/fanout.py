"""B1: fan-out of one board change a second to N screens, the wall beside the reference.

For each N the wall runs (its own process, threaded server as ``wallboard serve``),
then the reference broadcaster sending the same update, each measured by the
same load client; then both again with 5 % of the screens never reading.
"""

from __future__ import annotations

import tempfile
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
max_screens = 2200

[sources.demo]
type = "demo"
interval = "1s"
timeout = "1s"
seed = 1

{panels}
{teams}
"""
METRICS = ("error_rate", "errors", "latency", "health")


def wall_config(teams: int) -> str:
    panels = "\n".join(
        f'[panels.p{i}]\ntitle = "Panel {i}"\nsource = "demo"\nmetric = "{m}"\n'
        for i, m in enumerate(METRICS[:PANELS])
    )
    names = ", ".join(f'"p{i}"' for i in range(PANELS))
    team_tables = "\n".join(
        f'[teams.t{t}]\nname = "Team {t}"\npanels = [{names}]\n' for t in range(teams)
    )
    return CONFIG.format(panels=panels, teams=team_tables)


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


@dataclass
class Plan:
    config: Path
    teams: int
    seconds: float
    warmup: float
    grace: float


def measure(server: str, screens: int, stalled: int, plan: Plan, template: str = "") -> Run:
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
        url = f"ws://127.0.0.1:{srv.ready['port']}/ws/teams/t{{i}}"
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
    loops = [1000 * s for at, s in figures["broadcasts"] if t0 <= at <= t1 + 1]
    dropped = int(figures.get("screens_dropped", 0))
    return Run(
        server, screens, stalled, result, loops, sampler.rss_max, sampler.cpu_percent, dropped
    )


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
