"""A replica leaving (SIGTERM) spreads its screens' reconnects over a few seconds."""

from __future__ import annotations

import re
import signal
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed

from tests.support.live import demo_config, write_config
from tests.support.process import run_server
from tests.support.screens import ScreenClient

pytestmark = pytest.mark.processes  # each test starts a process (make check skips it)

HINT = re.compile(r"retry in (\d+) ms")


def test_sigterm_closes_screens_with_1001_and_spread_reconnect_hints(tmp_path: Path) -> None:
    text = demo_config("1s") + '\n[state]\nbackend = "memory"\n'
    with run_server(write_config(tmp_path, text)) as server:
        screens = [ScreenClient(server.ws_url + "/ws/teams/payments") for _ in range(6)]
        for screen in screens:
            screen.wait_for(lambda m: m["type"] == "snapshot")
        server.signal(signal.SIGTERM)
        waits = []
        for screen in screens:
            with pytest.raises(ConnectionClosed) as closed:
                for _ in range(100):
                    screen.next(timeout=5)
            frame = closed.value.rcvd
            assert frame is not None and frame.code == 1001
            match = HINT.search(frame.reason)
            assert match, frame.reason
            waits.append(int(match.group(1)))
    assert all(0 <= w <= 3000 for w in waits)
    assert len(set(waits)) > 1, "every screen was told the same moment"
