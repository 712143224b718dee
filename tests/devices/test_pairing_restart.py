"""Paired TVs survive a restart of ``wallboard serve`` (the SQLite state file keeps them).

Real processes, real HTTP: the TV's side is what its browser does (open a page, poll,
keep the cookie), the admin's side is the API with an admin token.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from websockets.exceptions import InvalidStatus

from tests.devices.support import (
    ENV,
    approve,
    collect_credential,
    config,
    device_cookie,
    poll_pairing,
    screen_row,
    shows_pairing_view,
    start_pairing,
)
from tests.support.api_client import fetch
from tests.support.process import ServerProcess, run_server
from tests.support.screens import ScreenClient

pytestmark = pytest.mark.processes  # each test starts a process (make check skips it)


def opens_its_page(server: ServerProcess, credential: str) -> bool:
    page = fetch(f"{server.url}/teams/payments", headers=device_cookie(credential))
    return page.status == 200 and not shows_pairing_view(page)


def opens_its_socket(server: ServerProcess, credential: str) -> bool:
    with ScreenClient(
        f"{server.ws_url}/ws/teams/payments", additional_headers=device_cookie(credential)
    ) as screen:
        return screen.next()["type"] == "hello"


def test_paired_screens_revocations_and_shown_codes_survive_a_restart(tmp_path: Path) -> None:
    path = config(tmp_path)
    with run_server(path, env=ENV) as first:
        code, cookie = start_pairing(first.url)
        assert approve(first.url, code, "/teams/payments", name="Lobby").status == 201
        kept = collect_credential(first.url, cookie)
        gone_code, gone_cookie = start_pairing(first.url)
        gone = approve(first.url, gone_code, "/teams/payments", name="Stolen")
        assert gone.status == 201
        stolen = collect_credential(first.url, gone_cookie)
        assert opens_its_page(first, stolen)
        revoked = fetch(
            f"{first.url}/api/v1/screens/{gone.json()['screen']['id']}/revoke",
            method="POST",
            headers={"Authorization": f"Bearer {ENV['WALLBOARD_ADMIN_TOKEN']}"},
            data=b"{}",
        )
        assert revoked.status == 200
        waiting_code, waiting_cookie = start_pairing(first.url)  # shown, not yet approved
        lobby = screen_row(first.url, approve_id(first, "Lobby"))
        assert lobby["paired"] is True

    # The file holds hashes only: no credential or pairing secret is written down.
    state = tmp_path / ".wallboard" / "config.db"
    with sqlite3.connect(state) as db:
        dump = "\n".join(db.iterdump())
    assert kept not in dump and stolen not in dump and waiting_cookie not in dump
    assert "Lobby" in dump

    with run_server(path, env=ENV) as second:
        assert opens_its_page(second, kept)  # no pairing view after the restart
        assert opens_its_socket(second, kept)
        assert shows_pairing_view(
            fetch(f"{second.url}/teams/payments", headers=device_cookie(stolen))
        )
        with pytest.raises(InvalidStatus) as refused:
            ScreenClient(
                f"{second.ws_url}/ws/teams/payments", additional_headers=device_cookie(stolen)
            )
        assert refused.value.response.status_code == 403
        # The code shown before the restart is still good: the TV keeps polling and gets in.
        assert poll_pairing(second.url, waiting_cookie).json()["status"] == "pending"
        assert approve(second.url, waiting_code, "/teams/payments", name="Late").status == 201
        late = collect_credential(second.url, waiting_cookie)
        assert opens_its_page(second, late)
        names = {r["name"] for r in fetch_rows(second)}
        assert names == {"Lobby", "Late"}  # the revoked one is not listed


def fetch_rows(server: ServerProcess) -> list[dict[str, object]]:
    answer = fetch(
        f"{server.url}/api/v1/screens",
        headers={"Authorization": f"Bearer {ENV['WALLBOARD_ADMIN_TOKEN']}"},
    )
    assert answer.status == 200, answer.body
    rows: list[dict[str, object]] = answer.json()["screens"]
    return rows


def approve_id(server: ServerProcess, name: str) -> str:
    return str(next(r["id"] for r in fetch_rows(server) if r["name"] == name))
