"""Text and Block Kit for teams stay inside Slack's published limits, whatever the size."""

from __future__ import annotations

from typing import Any

from wallboard.views.chat import (
    BLOCKS_MAX,
    FIELD_MAX,
    FIELDS_MAX,
    HEADER_MAX,
    SECTION_MAX,
    team_line,
    team_message,
    teams_message,
)


def panel(i: int, status: str = "ok", error: str | None = None) -> dict[str, Any]:
    return {
        "id": f"p{i}",
        "title": f"Panel {i} " + "long title " * 6,
        "display": f"{i}.00 %",
        "status": status,
        "stale": False,
        "error": error,
    }


def team(panels: list[dict[str, Any]], name: str = "Payments") -> dict[str, Any]:
    return {"id": "payments", "name": name, "status": "crit", "panels": panels}


def check_limits(message: dict[str, Any]) -> None:
    blocks = message["blocks"]
    assert 0 < len(blocks) <= BLOCKS_MAX
    assert message["text"] and len(message["text"]) <= SECTION_MAX
    for block in blocks:
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= HEADER_MAX
        if block["type"] == "section" and "fields" in block:
            assert 0 < len(block["fields"]) <= FIELDS_MAX
            assert all(len(f["text"]) <= FIELD_MAX for f in block["fields"])
        if block["type"] == "section" and "text" in block:
            assert len(block["text"]["text"]) <= SECTION_MAX


def test_it_keeps_a_huge_team_inside_slacks_limits() -> None:
    panels = [panel(i, "crit", error="x" * 5000) for i in range(700)]
    message = team_message(team(panels, name="N" * 400), "http://wall/teams/payments")
    check_limits(message)
    assert message["blocks"][-1]["type"] == "context"  # the screen link survives
    shown = sum(len(b["fields"]) for b in message["blocks"] if "fields" in b)
    assert f"…and {700 - shown} more panels" in message["blocks"][-2]["text"]["text"]


def test_it_shows_every_panel_of_an_ordinary_team() -> None:
    panels = [panel(i) for i in range(23)]
    message = team_message(team(panels), "http://wall/teams/payments")
    check_limits(message)
    fields = [f for b in message["blocks"] if "fields" in b for f in b["fields"]]
    assert len(fields) == 23
    assert all(p["display"] in f["text"] for p, f in zip(panels, fields, strict=True))


def test_it_keeps_a_list_of_many_teams_inside_slacks_limits() -> None:
    rows = [
        (
            {
                "id": f"t{i}",
                "name": f"Team {i} " + "n" * 200,
                "status": "warn",
                "worst_panel": {"title": "Errors", "display": "3.00 %"},
            },
            f"http://wall/teams/t{i}",
        )
        for i in range(2000)
    ]
    message = teams_message(rows, "wall: teams, worst first")
    check_limits(message)
    assert "more teams" in message["blocks"][-1]["text"]["text"]


def test_it_writes_a_team_on_one_line_with_its_notes() -> None:
    line = team_line(team([panel(1), panel(2, "warn"), {**panel(3), "stale": True}]))
    assert "\n" not in line
    assert line.startswith("Payments: CRIT — ")
    assert "2.00 % (warn)" in line and "3.00 % (stale)" in line
