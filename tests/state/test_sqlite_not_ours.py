"""State files that are not ours, through real ``wallboard serve`` processes: a file another
process holds in a write transaction (an operator's ``sqlite3`` shell), and another
application's database at the state path."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.state.test_sqlite_restart import panels, sparkline_of, wait_until, wall_config
from tests.support.api_client import fetch
from tests.support.live import write_config
from tests.support.process import ServerProcess, run_server

pytestmark = pytest.mark.processes

# Another process, as an operator's shell: BEGIN IMMEDIATE, then wait for a line on stdin.
HOLD = (
    "import sqlite3, sys\n"
    "conn = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
    "conn.execute('BEGIN IMMEDIATE')\n"
    "print('held', flush=True)\n"
    "sys.stdin.readline()\n"
    "conn.execute('COMMIT')\n"
)


@contextmanager
def held(path: Path) -> Iterator[subprocess.Popen[str]]:
    """A write lock on ``path`` held by another process until the block ends (or it is
    released early with :func:`release`)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        yield proc
    finally:
        release(proc)


def release(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        assert proc.stdin is not None
        proc.stdin.write("\n")
        proc.stdin.flush()
        proc.wait(10)


def state_of(server: ServerProcess) -> dict[str, Any]:
    state: dict[str, Any] = fetch(server.url + "/readyz").json()["state"]
    return state


def metric(server: ServerProcess, name: str) -> float:
    found = re.search(rf"^{name} (\S+)$", fetch(server.url + "/metrics").body.decode(), re.M)
    return float(found.group(1)) if found else -1.0


def a_wall(tmp_path: Path) -> tuple[Path, Path]:
    """(its state file, its config file)."""
    return tmp_path / ".wallboard" / "config.db", write_config(tmp_path, wall_config())


def test_a_file_locked_at_start_is_served_from_memory_then_loaded_and_persisted(
    tmp_path: Path,
) -> None:
    state, path = a_wall(tmp_path)
    with run_server(path) as first:
        before = sparkline_of(first, 3)["error_rate"]
    # The same source failing now: a value shown later can only come from the file.
    write_config(tmp_path, wall_config(fail=True))
    with held(state) as holder, run_server(path) as server:
        line = server.wait_for_log("locked by another process")
        locked = state_of(server)
        assert locked["locked"] is True and locked["persisting"] is False
        assert "locked by another process" in locked["problem"]
        assert metric(server, "wallboard_state_persisting") == 0
        assert panels(server)["error_rate"]["value"] is None  # served, from memory: empty
        release(holder)
        wait_until(lambda: state_of(server)["saved_at"] is not None)
        after = state_of(server)
        value = panels(server)["error_rate"]["value"]
        log = server.log()
    assert "serving from memory" in line and "retrying" in line, line
    assert log.count("locked by another process") == 1
    assert "Traceback" not in log
    assert after["locked"] is False and after["problem"] is None and after["persisting"]
    assert value == before["value"]  # what the file held, loaded once it was free
    with run_server(path) as again:  # and it was persisted
        assert "state: restored 3 of 3 panels" in again.log()


def test_another_applications_database_is_moved_aside_and_the_wall_persists(
    tmp_path: Path,
) -> None:
    state = tmp_path / ".wallboard" / "config.db"
    state.parent.mkdir()
    other = sqlite3.connect(state)
    other.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    other.execute("INSERT INTO customers (name) VALUES ('Ada')")
    other.commit()
    other.close()
    path = write_config(tmp_path, wall_config())
    with run_server(path) as server:
        line = server.wait_for_log("state: state file")
        sparkline_of(server, 2)
        wait_until(lambda: state_of(server)["saved_at"] is not None)
        ready = state_of(server)
        errors = metric(server, "wallboard_state_save_errors_total")
        log = server.log()
    assert "another application's database" in line and "moved aside" in line, line
    assert "customers" in line
    assert "moved aside" in ready["problem"] and ready["persisting"] is True
    assert errors == 0 and "saving failed" not in log and "Traceback" not in log
    aside = [p for p in state.parent.iterdir() if ".foreign-" in p.name and "-wal" not in p.name]
    assert len(aside) == 1
    theirs = sqlite3.connect(aside[0])
    assert theirs.execute("SELECT name FROM customers").fetchall() == [("Ada",)]
    theirs.close()
    ours = sqlite3.connect(state)
    assert ours.execute("SELECT COUNT(*) FROM panels").fetchone()[0] == 3
    ours.close()


def test_save_errors_are_logged_when_they_start_and_stop_with_a_metric(
    tmp_path: Path,
) -> None:
    state, path = a_wall(tmp_path)
    with run_server(path) as server:
        wait_until(lambda: state_of(server)["saved_at"] is not None)
        with held(state) as holder:
            # Each failing save waits out the busy timeout and the interval: time has to pass.
            wait_until(lambda: metric(server, "wallboard_state_save_errors_total") >= 3)
            failing = state_of(server)
            assert metric(server, "wallboard_state_persisting") == 0
            release(holder)
        server.wait_for_log("state: saving works again", timeout=15)
        wait_until(lambda: metric(server, "wallboard_state_persisting") == 1)
        log = server.log()
    assert failing["save_error"] and "locked" in failing["save_error"]
    assert failing["persisting"] is False
    assert log.count("state: saving failed") == 1
    assert log.count("state: saving works again") == 1
    assert "Traceback" not in log
