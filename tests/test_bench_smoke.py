"""Every benchmark's smoke mode runs, so that none of them can rot.

CI never fails on a figure (the machine is shared and noisy); it fails when a
benchmark cannot run or returns no rows. Real parts throughout: Prometheus,
Alertmanager, Chromium and the wall's own server, on loopback.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bench.__main__ import main, run_one
from bench.common import Result
from bench.report import table, write

pytestmark = pytest.mark.processes

OURS = [
    "fanout",
    "fanout_stalls",
    "fanout_scale",
    "source_load",
    "freshness",
    "health_scale",
    "soak",
    "startup",
    "replicas",
    "screen_cost",
]
# The start-up benchmark's smoke result serves three tests: they run on one worker,
# which measures it once.
STARTUP = pytest.mark.xdist_group("bench-startup")
# B7's smoke starts about ten processes (Prometheus, Alertmanager, Redis, replicas, restarts,
# fan-out servers and load clients): 55 s in a clean clone, 189 s on 8 workers sharing the
# 2 cores, past the suite's 180 s limit. Each of its waits is bounded on its own.
SLOW = {"replicas": pytest.mark.timeout(420)}

Smoke = Callable[[str, bool, list[int] | None], Result]


@pytest.fixture(scope="module")
def smoke() -> Smoke:
    """Each benchmark's smoke result, measured once however many tests read it."""
    results: dict[str, Result] = {}

    def measured(name: str, smoke: bool = True, screens: list[int] | None = None) -> Result:
        assert smoke and screens is None, "the suite measures smoke runs only"
        if name not in results:
            results[name] = run_one(name, smoke=True, screens=None)
        return results[name]

    return measured


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(n, marks=STARTUP) if n == "startup" else pytest.param(n, marks=SLOW.get(n, ()))
        for n in OURS
    ],
)
def test_it_runs_the_smoke_mode_of(name: str, smoke: Smoke) -> None:
    result = smoke(name, True, None)
    assert result.rows, f"{name} measured nothing"
    assert all(row.figure for row in result.rows)
    assert "nan" not in table([result]).lower(), table([result])


@STARTUP
def test_it_writes_each_benchmark_into_its_own_section_of_the_doc(tmp_path, smoke) -> None:  # type: ignore[no-untyped-def]
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\nhand-written analysis stays\n")
    result = smoke("startup", True, None)
    write([result], "this machine", smoke=True, doc=doc)
    write([result], "this machine", smoke=True, doc=doc)  # replaced, not appended twice
    text = doc.read_text()
    assert text.count("<!-- results:b6-start-up -->") == 1
    assert "hand-written analysis stays" in text
    assert "cold start to /healthz 200" in text


@STARTUP
def test_the_command_line_prints_a_table(capsys, smoke) -> None:  # type: ignore[no-untyped-def]
    assert main(["startup", "--smoke"], run=smoke) == 0
    out = capsys.readouterr().out
    assert "machine:" in out and "B6 start-up" in out and "verdict" in out
