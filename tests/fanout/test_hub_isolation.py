"""One team's frames failing never stops another's: real websocket clients on two teams.

A reading carrying a value no JSON takes (a ``Decimal`` in an item's meta, as a buggy
source might send) breaks the encoding of one team's frames. That team's screens get
an error snapshot (every panel unknown, saying so), the failure is logged once with its
traceback, and the other team's screens, and a /wall screen, keep receiving.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

import pytest

from collectors.base import Collection, Item, Reading
from tests.support.live import LiveWall
from tests.support.screens import ScreenClient
from wallboard.views.team import FAILED


def readings(payments: float, search: float, broken: bool = False) -> Collection:
    items = (Item("bad", meta={"weight": Decimal("1.5")}),) if broken else ()  # type: ignore[dict-item]
    return Collection(
        readings={
            ("payments", "error_rate"): Reading(value=payments, items=items),
            ("search", "error_rate"): Reading(value=search),
        }
    )


def frame(client: ScreenClient, team: str) -> dict[str, Any]:
    """The next snapshot or update of ``team``, as one dict (a snapshot's data)."""
    message = client.wait_for(
        lambda m: m["type"] in ("snapshot", "update") and m["team"] == team, timeout=5
    )
    return dict(message.get("data") or message)


def synced(client: ScreenClient, teams: int) -> None:
    assert client.next()["type"] == "hello"
    for _ in range(teams):
        assert client.next()["type"] == "snapshot"


def test_a_team_whose_frames_fail_shows_an_error_and_the_others_keep_flowing(
    live: LiveWall, caplog: pytest.LogCaptureFixture
) -> None:
    board = live.wall.board
    with (
        ScreenClient(f"{live.ws_url}/ws/teams/payments") as payments,
        ScreenClient(f"{live.ws_url}/ws/teams/search") as search,
        ScreenClient(f"{live.ws_url}/ws/screens") as wall_screen,
    ):
        synced(payments, 1)
        synced(search, 1)
        synced(wall_screen, 2)
        caplog.set_level(logging.ERROR, logger="wallboard.fanout.frames")

        board.apply("demo", readings(0.001, 0.001, broken=True))
        failed = frame(payments, "payments")
        assert failed["status"] == "unknown"
        assert failed["panels"] and all(p["error"] == FAILED for p in failed["panels"])
        assert frame(search, "search")["status"] == "ok"
        assert frame(wall_screen, "search")["status"] == "ok"

        # Still broken, and search turns crit: its TV and the /wall screen hear it.
        board.apply("demo", readings(0.002, 0.09, broken=True))
        assert frame(search, "search")["status"] == "crit"
        wall_screen.wait_for(
            lambda m: m.get("team") == "search" and (m.get("data") or m)["status"] == "crit"
        )
        assert all(p["error"] == FAILED for p in frame(payments, "payments")["panels"])

        # Fixed at the source: the team's next frame is whole again, no error left.
        board.apply("demo", readings(0.003, 0.09))
        healed = {p["id"]: p for p in frame(payments, "payments")["panels"]}
        assert healed["error_rate"]["status"] == "ok"
        assert not any(p["error"] for p in healed.values())

    logged = [r for r in caplog.records if r.name == "wallboard.fanout.frames"]
    assert len(logged) == 1, [r.getMessage() for r in logged]
    assert logged[0].exc_info is not None and "payments" in logged[0].getMessage()


def test_a_team_whose_view_cannot_be_formatted_shows_an_error_on_every_face(
    live: LiveWall, caplog: pytest.LogCaptureFixture
) -> None:
    """A list row whose time is text breaks formatting of the team's view: its screens,
    the API and /wall show that team in error; the other team is untouched."""
    caplog.set_level(logging.ERROR, logger="wallboard.views.team")
    broken = (Item("bad", since="yesterday"),)  # type: ignore[arg-type]
    with (
        ScreenClient(f"{live.ws_url}/ws/teams/payments") as payments,
        ScreenClient(f"{live.ws_url}/ws/teams/search") as search,
    ):
        synced(payments, 1)
        synced(search, 1)
        for rate in (0.001, 0.09):
            live.wall.board.apply(
                "demo",
                Collection(
                    readings={
                        ("payments", "error_rate"): Reading(value=0.001, items=broken),
                        ("search", "error_rate"): Reading(value=rate),
                    }
                ),
            )
            assert all(p["error"] == FAILED for p in frame(payments, "payments")["panels"])
            assert frame(search, "search")["status"] == ("ok" if rate < 0.01 else "crit")

    client = live.app.test_client()
    api = client.get("/api/v1/teams/payments")
    assert api.status_code == 200
    assert all(p["error"] == FAILED for p in api.get_json()["panels"])
    assert client.get("/api/v1/teams/search").get_json()["status"] == "crit"
    for page in ("/wall", "/teams/payments", "/teams/search"):
        assert client.get(page).status_code == 200, page
    logged = [r for r in caplog.records if r.name == "wallboard.views.team"]
    assert len(logged) == 1 and logged[0].exc_info is not None, logged
