"""B6: cold start of ``wallboard serve`` to ``/healthz`` 200, and a new screen's snapshot.

Start: from spawning the real CLI (import, config, scheduler, listen) to the
first 200 from ``/healthz``, several times; the demo config, so no first
collection waits on an upstream. Snapshot: from opening a websocket to holding
the team's full snapshot, on that running server.
"""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import time
from pathlib import Path

from bench.common import ROOT, Result, free_port, median, percentile, within
from tests.support.process import terminate
from tests.support.screens import ScreenClient

CLI = Path(sys.executable).with_name("wallboard")


def healthz(port: int) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
    try:
        conn.request("GET", "/healthz")
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()


def start(port: int) -> tuple[subprocess.Popen[bytes], float]:
    """Spawn ``wallboard serve``; seconds until /healthz answers 200 (bounded: 30 s)."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [str(CLI), "serve", "--config", str(ROOT / "config.toml"), "--port", str(port)],
        cwd=ROOT,
        env=dict(os.environ, WALLBOARD_BUILD_ID="bench"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    while time.perf_counter() - started < 30:
        if healthz(port):
            return proc, time.perf_counter() - started
        if proc.poll() is not None:
            raise RuntimeError(f"wallboard serve exited with {proc.returncode}")
        time.sleep(0.005)
    proc.kill()
    raise RuntimeError("wallboard serve did not answer /healthz within 30 s")


def snapshot_seconds(port: int) -> float:
    started = time.perf_counter()
    with ScreenClient(f"ws://127.0.0.1:{port}/ws/teams/payments") as screen:
        screen.wait_for(lambda m: m["type"] == "snapshot", timeout=10)
        return time.perf_counter() - started


def run(smoke: bool = False) -> Result:
    starts_n, screens_n = (2, 5) if smoke else (7, 50)
    res = Result("B6 start-up")
    starts: list[float] = []
    snaps: list[float] = []
    for i in range(starts_n):
        port = free_port()
        proc, seconds = start(port)
        try:
            starts.append(seconds)
            if i == starts_n - 1:
                snaps = [snapshot_seconds(port) for _ in range(screens_n)]
        finally:
            terminate(proc)
    s50 = median(starts)
    res.add(
        f"cold start to /healthz 200, median of {starts_n} (max) s",
        f"{s50:.2f} ({max(starts):.2f})",
        "≤ 1 s",
        within(s50, 1.0, " s"),
    )
    p50, p99 = 1000 * median(snaps), 1000 * percentile(snaps, 99)
    res.add(
        f"new screen: connect to full snapshot, median / p99 of {screens_n} ms",
        f"{p50:.1f} / {p99:.1f}",
        "≤ 50 ms",
        within(p50, 50, " ms"),
    )
    return res
