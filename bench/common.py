"""What every benchmark shares: result rows, percentiles, ports, child processes, sampling.

Figures are measured, never typed in: a row holds a measured figure, the target
it is judged against, and a verdict computed from the two.
"""

from __future__ import annotations

import gc
import json
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Row:
    """One line of the results table."""

    bench: str
    measure: str
    figure: str
    target: str = ""
    verdict: str = ""


@dataclass
class Result:
    """What one benchmark returns: its rows and free-text notes for the doc."""

    name: str
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, measure: str, figure: str, target: str = "", verdict: str = "") -> None:
        self.rows.append(Row(self.name, measure, figure, target, verdict))


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def ratio(ours: float, theirs: float) -> str:
    if not theirs or theirs != theirs or ours != ours:
        return "n/a"
    return f"{ours / theirs:.2f}x"


def within(figure: float, limit: float, unit: str = "") -> str:
    """'met' or 'missed by X' for a figure that must stay at or below ``limit``."""
    if figure != figure:
        return "not measured"
    if figure <= limit:
        return "met"
    return f"MISSED by {figure - limit:.3g}{unit} ({figure / limit:.2f}x the limit)"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def raise_nofile(wanted: int) -> int:
    """Raise the soft open-files limit towards ``wanted`` (capped by the hard limit, which
    root may raise: 20,000 screens need more than this machine's default of 20,000)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (soft, wanted))
            hard = wanted
        except (ValueError, OSError):
            pass  # not root: the hard limit stands
    target = min(max(soft, wanted), hard)
    if target != soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return target


def record_full_collections() -> list[tuple[float, float]]:
    """From now on, (unix time, ms) of each full (generation 2) garbage collection in this
    process: a server's own pause that lands in a window shows as a slow broadcast, so
    B1 reports them beside the latencies (either server may have one)."""
    pauses: list[tuple[float, float]] = []
    started = [0.0]

    def on_collect(phase: str, info: dict[str, int]) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            started[0] = time.perf_counter()
        elif len(pauses) < 10_000:  # bounded
            pauses.append((time.time(), 1000 * (time.perf_counter() - started[0])))

    gc.callbacks.append(on_collect)
    return pauses


def python_cmd(module: str, *args: str) -> list[str]:
    return [sys.executable, "-m", module, *args]


class Child:
    """A child process that prints one JSON line when ready and one when stopped."""

    def __init__(
        self,
        cmd: list[str],
        *,
        ready_timeout: float = 30.0,
        env: dict[str, str] | None = None,
        stdin: bool = False,
        wait_ready: bool = True,
    ) -> None:
        env = dict(os.environ, **(env or {}), PYTHONUNBUFFERED="1", PYTHONPATH=str(ROOT))
        self.proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE if stdin else None,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        # Drained as it comes: a child that logs more than a pipe holds (64 KB) would
        # otherwise block in its next log line, mid-measurement. The end is kept for errors.
        self.log: deque[str] = deque(maxlen=200)
        self._drain = threading.Thread(target=self._drain_stderr, daemon=True)
        self._drain.start()
        # wait_ready=False: the caller reads the ready line later (children started together).
        self.ready = self.line(ready_timeout) if wait_ready else {}
        # The process doing the work: a gunicorn worker rather than its master.
        self.ps = psutil.Process(int(self.ready.get("pid", self.proc.pid)))

    def _drain_stderr(self) -> None:
        assert self.proc.stderr is not None
        for text in self.proc.stderr:
            self.log.append(text)

    def tell(self, message: dict[str, Any]) -> None:
        """One JSON line on the child's stdin (started with ``stdin=True``)."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(message) + "\n")
        self.proc.stdin.flush()

    def line(self, timeout: float) -> dict[str, Any]:
        box: list[str] = []
        reader = threading.Thread(target=lambda: box.append(self.proc.stdout.readline()))  # type: ignore[union-attr]
        reader.daemon = True
        reader.start()
        reader.join(timeout)
        if not box or not box[0].strip():
            self.kill()
            self._drain.join(2)  # the rest of its stderr, now that it has ended
            err = "".join(self.log)[-2000:]
            raise RuntimeError(f"{self.proc.args!r} gave no JSON line in {timeout} s: {err}")
        return dict(json.loads(box[0]))

    def stop(self, timeout: float = 15.0) -> dict[str, Any]:
        """SIGTERM, then the child's final JSON line (its own figures)."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.line(timeout)
        finally:
            self.kill()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)


class Sampler:
    """Samples a process's RSS every ``period`` s; CPU over the window between mark() calls."""

    def __init__(self, ps: psutil.Process, period: float = 0.5) -> None:
        self.ps = ps
        self.period = period
        self.rss: list[float] = []
        self.threads: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._cpu0 = 0.0
        self._t0 = 0.0
        self.cpu_percent = float("nan")

    def _run(self) -> None:
        while not self._stop.wait(self.period):
            try:
                self.rss.append(self.ps.memory_info().rss / 2**20)
                self.threads.append(self.ps.num_threads())
            except psutil.Error:
                return

    def start(self) -> Sampler:
        self._cpu0, self._t0 = self._cpu(), time.monotonic()
        self._thread.start()
        return self

    def _cpu(self) -> float:
        t = self.ps.cpu_times()
        return float(t.user + t.system)

    def stop(self) -> None:
        self.cpu_percent = 100 * (self._cpu() - self._cpu0) / (time.monotonic() - self._t0)
        self._stop.set()
        self._thread.join(2)

    @property
    def rss_max(self) -> float:
        return max(self.rss, default=float("nan"))
