"""Every benchmark's smoke mode runs, so that none of them can rot.

CI never fails on a figure (the machine is shared and noisy); it fails when a
benchmark cannot run or returns no rows. Real parts throughout: Prometheus,
Alertmanager, Chromium and the wall's own server, on loopback.
"""

from __future__ import annotations

import pytest

from bench.__main__ import main, run_one
from bench.report import table, write

OURS = [
    "fanout",
    "fanout_stalls",
    "source_load",
    "freshness",
    "health_scale",
    "soak",
    "startup",
    "replicas",
]


@pytest.mark.parametrize("name", OURS)
def test_it_runs_the_smoke_mode_of(name: str) -> None:
    result = run_one(name, smoke=True, screens=None)
    assert result.rows, f"{name} measured nothing"
    assert all(row.figure for row in result.rows)
    assert "nan" not in table([result]).lower(), table([result])


def test_it_writes_each_benchmark_into_its_own_section_of_the_doc(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\nhand-written analysis stays\n")
    result = run_one("startup", smoke=True, screens=None)
    write([result], "this machine", smoke=True, doc=doc)
    write([result], "this machine", smoke=True, doc=doc)  # replaced, not appended twice
    text = doc.read_text()
    assert text.count("<!-- results:b6-start-up -->") == 1
    assert "hand-written analysis stays" in text
    assert "cold start to /healthz 200" in text


def test_the_command_line_prints_a_table(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["startup", "--smoke"]) == 0
    out = capsys.readouterr().out
    assert "machine:" in out and "B6 start-up" in out and "verdict" in out
