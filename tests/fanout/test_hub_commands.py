"""Commands to a screen are queued in order: a reload followed at once by a move both arrive."""

from __future__ import annotations

from pathlib import Path

from tests.support.daemons import wait_until
from tests.support.live import demo_config, serve_wall, write_config
from tests.support.screens import ScreenClient
from wallboard.fanout import protocol


def test_commands_sent_back_to_back_all_arrive_in_order(tmp_path: Path) -> None:
    with (
        serve_wall(write_config(tmp_path, demo_config()), schedule=False) as live,
        ScreenClient(f"{live.ws_url}/ws/teams/payments") as client,
    ):
        client.wait_for(lambda m: m["type"] == "snapshot")
        hub = live.wall.hub
        wait_until(lambda: hub.screen_count == 1, 5, "the screen attached")
        (screen,) = hub.roster.everyone()  # inspect, never change
        sent = []
        for n in range(10):  # one thread, no pause: the writer sees them all at once
            action, fields = ("reload", {}) if n % 2 == 0 else ("move", {"page": f"/p{n}"})
            hub.command(screen, protocol.command(action, **fields))
            sent.append((action, fields.get("page")))
        got = [
            (m["action"], m.get("page"))
            for m in (client.wait_for(lambda m: m["type"] == "command") for _ in sent)
        ]
        assert got == sent
