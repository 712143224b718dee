"""The per-screen polling model of a Grafana kiosk, for comparison with the wall.

Every screen shows one team and runs each of its panels' queries every refresh,
the screens spread evenly over the refresh period as unsynchronised TVs are.
Bounded: it stops at ``until`` whatever happens.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import urllib3

WORKERS = 8


def team_query(query: str, team: str) -> str:
    """A dashboard's panel query for one team (Grafana filters by a variable)."""
    return query.replace("sum by (team)", "sum").replace("{", "{" + f'team="{team}",', 1)


def poll(
    prometheus_url: str,
    queries: list[str],
    teams: int,
    screens: int,
    refresh: float,
    until: float,
) -> int:
    """Run the model until ``until`` (monotonic); returns how many queries it sent."""
    http = urllib3.PoolManager(maxsize=WORKERS, retries=False, timeout=5.0)
    sent = 0
    lock = threading.Lock()

    def one(promql: str) -> None:
        nonlocal sent
        http.request(
            "POST",
            f"{prometheus_url}/api/v1/query",
            fields={"query": promql},
            encode_multipart=False,
        )
        with lock:
            sent += 1

    start = time.monotonic()
    due = [start + refresh * s / screens for s in range(screens)]
    with ThreadPoolExecutor(WORKERS) as pool:
        while True:
            now = time.monotonic()
            if now >= until:
                break
            for s in range(screens):
                if due[s] <= now:
                    team = f"t{s % teams}"
                    for q in queries:
                        pool.submit(one, team_query(q, team))
                    due[s] += refresh
            time.sleep(max(0.0, min(min(due), until) - time.monotonic()))
    http.clear()
    return sent
