"""Rooms over HTTP: ``/wall?teams=`` honoured or refused by name, ``/rooms/<id>``, and
``/api/v1/rooms`` (the same slot the room's TVs show)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from collectors.base import Collection, Reading
from tests.support.live import demo_config, write_config
from wallboard.app import create_app
from wallboard.wall import wall as wall_of

ROOMS = """
[rooms.window]
title = "By the window"
teams = ["search"]

[rooms.platform]
title = "Platform TV"
focus = "trouble"
rotation = [{ team = "payments", dwell = "1h" }, { room = "window", dwell = "1h" }]
"""
HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


@pytest.fixture
def client(tmp_path: Path) -> Iterator[FlaskClient]:
    app = create_app(write_config(tmp_path, demo_config() + ROOMS))
    yield app.test_client()


def tiles(html: str) -> list[str]:
    return re.findall(r'<section class="tile[^"]*" data-team="([^"]+)"', html)


def test_wall_teams_shows_those_teams_on_a_socket_of_theirs(client: FlaskClient) -> None:
    answer = client.get("/wall?teams=search", headers=HTML)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert tiles(html) == ["search"]
    assert 'data-ws="/ws/screens?teams=search"' in html
    everyone = client.get("/wall", headers=HTML).get_data(as_text=True)
    assert set(tiles(everyone)) == {"payments", "search"}
    assert 'data-ws="/ws/screens"' in everyone  # every team, following reloads


def test_an_unknown_team_is_a_400_naming_it_as_json_or_as_a_page(client: FlaskClient) -> None:
    answer = client.get("/wall?teams=payments,serch", headers={"Accept": "application/json"})
    assert answer.status_code == 400
    assert answer.json == {
        "error": {
            "code": "unknown_team",
            "message": 'unknown team "serch"; did you mean "search"?',
            "suggestions": ["search"],
        }
    }
    assert client.get("/wall?teams=nope").json["error"]["code"] == "unknown_team"  # curl: */*
    page = client.get("/wall?teams=nope", headers=HTML)
    assert page.status_code == 400 and page.content_type.startswith("text/html")
    assert "unknown team &#34;nope&#34;" in page.get_data(as_text=True)
    assert client.get("/wall?teams=,", headers=HTML).status_code == 400


def test_a_room_of_teams_is_that_wall_and_an_unknown_room_a_404(client: FlaskClient) -> None:
    html = client.get("/rooms/window", headers=HTML).get_data(as_text=True)
    assert tiles(html) == ["search"]
    assert '<h1 class="team-name" data-role="screen-title">By the window</h1>' in html
    answer = client.get("/rooms/windw")
    assert answer.status_code == 404
    assert answer.json["error"]["suggestions"] == ["window"]


def test_the_api_lists_rooms_with_the_slot_their_tvs_show(client: FlaskClient) -> None:
    wall = wall_of(client.application)
    rooms = {r["id"]: r for r in client.get("/api/v1/rooms").json["rooms"]}
    assert rooms["window"]["kind"] == "wall" and rooms["window"]["teams"] == ["search"]
    assert rooms["window"]["screen_url"] == "http://localhost/rooms/window"
    assert rooms["platform"]["teams"] == ["payments", "search"]
    assert rooms["platform"]["now"]["header"] == ""
    wall.board.apply("demo", Collection(readings={("search", "error_rate"): Reading(value=0.5)}))
    rooms = {r["id"]: r for r in client.get("/api/v1/rooms").json["rooms"]}
    assert rooms["window"]["status"] == "crit"
    assert rooms["platform"]["now"]["path"] == "/teams/search"
    assert rooms["platform"]["now"]["troubled"] == ["search"]
    assert rooms["platform"]["now"]["header"] == "1 team in trouble — calm teams paused"
    # The TV at the room shows the same: Search's own page, with the header.
    html = client.get("/rooms/platform", headers=HTML).get_data(as_text=True)
    assert 'data-team="search"' in html
    assert "1 team in trouble — calm teams paused" in html
