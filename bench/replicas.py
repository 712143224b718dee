"""B7: several replicas on one Redis: upstream load, failover, follower latency, restart, fan-out.

- Prometheus queries per minute with 1, 2 and 3 replicas (Prometheus' own counter);
- failover: ``kill -9`` the leader, seconds to the next successful collection (lease
  TTL 2 s, interval 1 s here);
- a webhook posted to the leader: seconds to a screen on the leader and on a follower;
- restart of the embedded SQLite store: teams x 8 panels x 120 points, process start
  to the first full snapshot;
- fan-out: 2 replicas x N screens beside 1 replica x 2N, on the same 2 shared cores.
"""

from __future__ import annotations

import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from bench import fanout as b1
from bench import replicas_measure as m
from bench.common import Result, median, percentile, within
from tests.support.process import run_server
from tests.support.prometheus import PrometheusServer, RequestsTarget
from tests.support.redis_server import redis_server
from tests.support.replicas import quiet_alertmanager, replica_config
from wallboard.app import create_app
from wallboard.state.sqlite import SqliteStore, state_path
from wallboard.wall import wall

TTL, INTERVAL = 2.0, 1.0
STATE = '\n[state]\nbackend = "redis"\nkey_prefix = "bench"\nlease_ttl = "2s"\n'


def filled_state(folder: Path, teams: int, points: int) -> Path:
    """A config of ``teams`` x 8 demo panels and a state file holding ``points`` per panel."""
    panels = "\n".join(
        f'[panels.p{i}]\ntitle = "Panel {i}"\nsource = "demo"\nmetric = "{b1.METRICS[i % 4]}"\n'
        for i in range(8)
    )
    names = ", ".join(f'"p{i}"' for i in range(8))
    tables = "\n".join(f"[teams.t{t}]\npanels = [{names}]\n" for t in range(teams))
    source = '[sources.demo]\ntype = "demo"\ninterval = "1h"\nseed = 1\n'
    text = f"[wall]\nhistory = {points}\n\n{source}\n{panels}\n{tables}"
    config = folder / "config.toml"
    config.write_text(text)
    the_wall = wall(create_app(str(config)))
    store = SqliteStore(the_wall.board, lambda: the_wall.sources, state_path(the_wall))
    store.load()
    source = the_wall.sources["demo"]
    for _ in range(points):
        the_wall.board.apply("demo", source.collect(time.monotonic() + 5))
    store.close()
    return config


def run(smoke: bool = False, screens: list[int] | None = None) -> Result:
    """``screens``: the fan-out's screens per replica (default 1000: 2 x 1000 beside 1 x 2000)."""
    res = Result("B7 replicas")
    # The smoke only proves every step still runs: one of each, as short as it goes.
    window, rounds, hooks = (3.0, 1, 5) if smoke else (20.0, 5, 40)
    teams, per_replica, seconds = (3, 20, 2.0) if smoke else (50, 1000, 15.0)
    restarts = 1 if smoke else 3
    if screens:
        per_replica = screens[0]
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="b7-")))
        target = RequestsTarget()
        stack.callback(target.close)
        target.set_rate("payments", "500", 1.0)
        target.set_rate("payments", "200", 9.0)
        prom = PrometheusServer(tmp / "prom", [target.address])
        prom.start()
        stack.callback(prom.stop)
        prom.wait_scraped(samples=3)
        am = stack.enter_context(quiet_alertmanager())
        store = stack.enter_context(redis_server(tmp / "redis"))
        config = replica_config(prom.url, am)
        # One set of replicas grows from 1 to 3, then loses its leader each failover round.
        group = m.Replicas(stack, tmp / "replicas", store.url, config)
        qpm = {}
        for n in (1, 2, 3):
            group.grow_to(n)
            qpm[n] = m.queries_per_minute(prom, group, window)
        res.add(
            f"Prometheus queries/min, 1 / 2 / 3 replicas ({window:.0f} s each)",
            " / ".join(f"{qpm[n]:.0f}" for n in (1, 2, 3)),
            "ratio 1.00",
            f"ratio {qpm[3] / qpm[1]:.2f}",
        )
        took = m.failovers(group, rounds)
        res.add(
            f"failover: kill -9 leader to next collection, median / max of {rounds} s",
            f"{median(took):.2f} / {max(took):.2f}",
            f"≤ TTL + interval = {TTL + INTERVAL:.0f} s",
            within(max(took), TTL + INTERVAL, " s"),
        )
        lead, follow = m.webhook_latencies(group, hooks)
        lp, fp = 1000 * percentile(lead, 99), 1000 * percentile(follow, 99)
        res.add(
            f"webhook to screen, leader p50 / p99 ({hooks} hooks) ms",
            f"{1000 * median(lead):.1f} / {lp:.1f}",
        )
        res.add(
            "webhook to screen, follower p50 / p99 ms",
            f"{1000 * median(follow):.1f} / {fp:.1f}",
            "p99 ≤ leader p99 + 20 ms",
            within(fp, lp + 20, " ms"),
        )
        folder = tmp / "restart"
        folder.mkdir()
        cfg = filled_state(folder, teams, 120)
        bare = tmp / "bare"
        bare.mkdir()
        plain = bare / "config.toml"
        plain.write_text(cfg.read_text() + '\n[state]\nbackend = "memory"\n')
        starts, empties = [], []
        for _ in range(restarts):  # alternating, so both see the same machine
            starts.append(m.restart_to_snapshot(cfg, f"t{teams - 1}", 8, 120))
            empties.append(m.restart_to_snapshot(plain, f"t{teams - 1}", 8, 0))
        res.add(
            f"restart, {teams} teams x 8 panels x 120 points: start to full snapshot, "
            f"median of {restarts} s",
            f"{median(starts):.2f}",
            "≤ 1 s",
            within(median(starts), 1.0, " s"),
        )
        res.add(
            f"the same start with no state (memory backend), median of {restarts} s",
            f"{median(empties):.2f}",
            "reference",
            f"store adds {median(starts) - median(empties):+.2f} s",
        )
        fan = fanout_rows(tmp, store.url, per_replica, seconds, smoke)
        res.add(
            f"fan-out p50 / p99 ms: 1 replica x {2 * per_replica} | 2 replicas x {per_replica}",
            fan,
            "2 replicas no worse",
        )
    return res


def fanout_rows(tmp: Path, redis_url: str, screens: int, seconds: float, smoke: bool) -> str:
    """1 replica x 2N screens | 2 replicas x N; the smoke run only the 2 replicas, as short
    as it goes (it proves the step runs, its figures mean nothing)."""
    text = b1.wall_config(1) + STATE.replace('"bench"', '"fan"')
    env = {"WALLBOARD_REDIS_URL": redis_url}
    pause = 1.0 if smoke else 3.0  # the servers' settling, the load client's warm-up and grace
    cells = []
    for count, each in ((2, screens),) if smoke else ((1, 2 * screens), (2, screens)):
        with ExitStack() as stack:
            urls = []
            for i in range(count):
                folder = tmp / f"fan{count}-{i}"
                folder.mkdir()
                (folder / "config.toml").write_text(text)
                server = stack.enter_context(run_server(folder / "config.toml", env=env))
                urls.append(server.ws_url + "/ws/teams/t{i}")
            time.sleep(pause)
            lines = m.fanout(urls, each, seconds, pause)
        p50 = max(line["p50_ms"] for line in lines)
        p99 = max(line["p99_ms"] for line in lines)
        cells.append(f"{p50:.0f} / {p99:.0f}")
    return " | ".join(cells)
