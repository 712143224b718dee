"""The screen's `report` frame: kept, bounded, rate-limited; anything else still closes."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed

from tests.devices.support import ENV, admin, config
from tests.support.live import serve_wall
from tests.support.screens import ScreenClient


def report(**fields: object) -> str:
    return json.dumps({"type": "report", **fields})


def wait_row(url: str, name: str, condition: object) -> dict[str, object]:
    deadline = time.monotonic() + 15
    while True:
        rows = [r for r in admin(url, "").json()["screens"] if r["name"] == name]
        if rows and condition(rows[0]):  # type: ignore[operator]
            return rows[0]
        assert time.monotonic() < deadline, rows
        time.sleep(0.05)


def test_an_old_build_stands_out_and_reports_are_bounded_and_rate_limited(tmp_path: Path) -> None:
    with serve_wall(config(tmp_path, access="open"), env=ENV) as live:
        with ScreenClient(f"{live.ws_url}/ws/teams/payments?screen=old-tv") as tv:
            assert tv.next()["type"] == "hello"
            errors = [{"kind": "error", "message": "x" * 1000}]
            tv.conn.send(report(build="an-old-build", viewport=[800, 600], errors=errors))
            row = wait_row(live.url, "old-tv", lambda r: r["build"])
            assert row["build"] == "an-old-build" and row["old_build"] is True
            assert len(row["errors"][0]["message"]) == 300  # cut, never stored whole
            sent = time.monotonic()
            for i in range(30):
                tv.conn.send(report(build="test-build", errors=[{"message": f"e{i}"}]))
            # A burst of six, then one per 5 s: on a slow machine the server may still be
            # reading the 30 frames, so wait for every one of them to be counted.
            kept = 6 + 1 + int((time.monotonic() - sent) / 5)
            row = wait_row(live.url, "old-tv", lambda r: r["reports_dropped"] >= 30 - kept)
            assert len(row["errors"]) <= 20
        with ScreenClient(f"{live.ws_url}/ws/teams/payments?screen=bad-tv") as bad:
            assert bad.next()["type"] == "hello"
            bad.conn.send(report(errors="not a list"))
            with pytest.raises(ConnectionClosed) as closed:
                bad.wait_for(lambda m: False, timeout=5)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008
        with ScreenClient(f"{live.ws_url}/ws/teams/payments?screen=big-tv") as big:
            assert big.next()["type"] == "hello"
            big.conn.send(report(page="y" * 5000))
            with pytest.raises(ConnectionClosed) as closed:
                big.wait_for(lambda m: False, timeout=5)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008
