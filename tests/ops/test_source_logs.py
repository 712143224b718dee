"""A failing source logs on changes of state, and library warnings share our one-line format."""

from __future__ import annotations

import io
import json
import logging
import re
import socket
import time
import urllib.request
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from collectors.errors import CollectorError
from tests.support.process import run_server
from wallboard.ops import logs
from wallboard.polling.source_log import FailureLog

CYCLES = 10


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


FAILING_PROMETHEUS = """
[server]
log_format = "json"

[sources.prom]
type = "prometheus"
url = "http://127.0.0.1:{port}"
interval = "1s"  # the shortest interval a source may have
timeout = "150ms"

[panels.errors]
title = "Errors"
source = "prom"
query = "sum by (team) (rate(errors_total[5m]))"

[teams.payments]
panels = ["errors"]
"""


def failed_cycles(url: str) -> float:
    with urllib.request.urlopen(url + "/metrics", timeout=5) as resp:
        text = resp.read().decode()
    found = re.findall(
        r'^wallboard_collection_failures_total\{[^}]*source="prom"[^}]*\} (\S+)$', text, re.M
    )
    return sum(float(v) for v in found)


@pytest.mark.processes
def test_a_source_failing_for_ten_cycles_writes_at_most_two_warnings(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(FAILING_PROMETHEUS.format(port=closed_port()))
    with run_server(path) as server:
        end = time.monotonic() + 60
        while (cycles := failed_cycles(server.url)) < CYCLES:
            assert time.monotonic() < end, f"only {cycles} failed cycles; log:\n{server.log()}"
            time.sleep(0.2)
        lines = list(server.lines)
    events = [json.loads(line) for line in lines]  # every line, urllib3's too, is one JSON event
    warned = [e for e in events if e["level"] in ("warning", "error", "critical")]
    assert 1 <= len(warned) <= 2, warned
    assert warned[0]["message"].startswith("source prom failed:")
    assert not any(e["logger"].startswith("urllib3") for e in warned)


@pytest.fixture
def log_out() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    out = io.StringIO()
    logs.configure("text", stream=out)
    yield out
    logging.captureWarnings(False)
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_it_logs_failed_then_still_failing_then_recovered(log_out: io.StringIO) -> None:
    clock = Clock()
    failures = FailureLog(remind_every=300, clock=clock)
    error = CollectorError("connection refused", kind="connect")
    for _ in range(150):  # 5 minutes at one cycle every 2 s
        failures.failed("prom", error)
        clock.now += 2
    failures.failed("prom", error)
    failures.succeeded("prom")
    failures.succeeded("prom")  # a healthy cycle logs nothing
    lines = log_out.getvalue().splitlines()
    assert len(lines) == 3, lines
    assert "WARNING wallboard.sources [-] source prom failed: connection refused" in lines[0]
    assert "source prom still failing after 151 cycles (300 s): connection refused" in lines[1]
    assert "INFO wallboard.sources [-] source prom recovered after 151 failed cycles" in lines[2]


def test_library_warnings_and_urllib3_retries_use_the_one_line_format(
    log_out: io.StringIO,
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.warn("Unverified HTTPS request is being made\nsecond line", stacklevel=1)
    logging.getLogger("urllib3.connectionpool").warning(
        "Retrying (%r) after connection broken by '%r': %s", "Retry(total=1)", "refused", "/q"
    )
    logging.getLogger("apscheduler.scheduler").warning(
        'Execution of job "%s" skipped: maximum number of running instances reached (%d)', "j", 1
    )
    lines = log_out.getvalue().splitlines()
    assert len(lines) == 1, lines  # the repeating library lines are dropped below DEBUG
    assert " WARNING py.warnings [-] " in lines[0]
    assert "Unverified HTTPS request is being made\\nsecond line" in lines[0]
