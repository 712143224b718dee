"""The server enforces a paired TV's scope: a removed page, a move the page ignores.

A TV whose page a reload removed gets a message and a way back, never a redirect loop.

Before, the gate sent it ``303 Location: /teams/<same>`` forever (a kiosk stuck on
ERR_TOO_MANY_REDIRECTS has no script left to recover) while ``/pair/status`` said valid.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.devices.support import (
    ENV,
    admin,
    approve,
    collect_credential,
    config,
    device_cookie,
    start_pairing,
)
from tests.support.api_client import fetch
from tests.support.live import serve_wall
from tests.support.screens import ScreenClient
from wallboard.reload import Reload


def test_a_tv_whose_page_was_removed_says_so_and_follows_a_move(tmp_path: Path) -> None:
    path = config(tmp_path)
    with serve_wall(path, env=ENV) as live:
        code, cookie = start_pairing(live.url, "/teams/search")
        approved = approve(live.url, code, "/teams/search")
        assert approved.status == 201, approved.body
        screen_id = approved.json()["screen"]["id"]
        tv = device_cookie(collect_credential(live.url, cookie))
        assert fetch(f"{live.url}/teams/search", headers=tv).status == 200

        # A reload removes the team the TV is paired for.
        text = (
            path.read_text()
            .replace('panels = ["error_rate"]', "")
            .replace('[teams.search]\nname = "Search"\n', "")
        )
        path.write_text(text)
        assert Reload(live.wall)(str(path))
        assert "search" not in live.wall.config.teams

        shown = fetch(f"{live.url}/teams/search", headers=tv)
        assert shown.status == 200  # never a redirect to itself
        assert "Location" not in shown.headers
        body = shown.body.decode()
        assert 'id="page-removed"' in body and "/teams/search" in body
        assert 'http-equiv="refresh"' in body  # it looks again without any script
        status = fetch(f"{live.url}/pair/status", headers=tv).json()
        assert status["valid"] is False and status["page_removed"] is True

        # An admin moves it: its next look goes to the new page.
        moved = admin(live.url, f"/{screen_id}/move", {"page": "/teams/payments"})
        assert moved.status == 200, moved.body
        again = fetch(f"{live.url}/teams/search", headers=tv)
        assert again.status == 303 and again.headers["Location"].endswith("/teams/payments")
        assert fetch(f"{live.url}/pair/status", headers=tv).json()["valid"] is True
        assert fetch(f"{live.url}/teams/payments", headers=tv).status == 200


def test_a_moved_tv_that_ignores_the_command_loses_its_old_teams_socket(tmp_path: Path) -> None:
    path = config(tmp_path)
    with serve_wall(path, env=ENV) as live:
        code, cookie = start_pairing(live.url, "/teams/search")
        screen_id = approve(live.url, code, "/teams/search").json()["screen"]["id"]
        tv = device_cookie(collect_credential(live.url, cookie))
        # A client that reads frames but never obeys a command: a page that ignores it.
        with ScreenClient(f"{live.ws_url}/ws/teams/search", additional_headers=tv) as old:
            old.wait_for(lambda m: m["type"] == "snapshot")
            moved = admin(live.url, f"/{screen_id}/move", {"page": "/teams/payments"})
            assert moved.status == 200, moved.body
            asked = time.monotonic()
            with pytest.raises(ConnectionClosed) as closed:
                old.wait_for(lambda m: False, timeout=5)
            assert time.monotonic() - asked < 1.0  # closed by the server within a second
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4001
        # Its new page's socket is allowed; the old team's is refused from now on.
        with ScreenClient(f"{live.ws_url}/ws/teams/payments", additional_headers=tv) as new:
            assert new.wait_for(lambda m: m["type"] == "snapshot")["data"]["id"] == "payments"
        with pytest.raises(InvalidStatus):
            ScreenClient(f"{live.ws_url}/ws/teams/search", additional_headers=tv)
