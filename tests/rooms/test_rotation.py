"""Where a rotation stands (views.rotation): a function of the time and the board only."""

from __future__ import annotations

from wallboard.config.model import Room, RotationPage
from wallboard.views.rotation import position

WINDOW = Room("window", "By the window", teams=("payments", "search"))
PAGES = (
    RotationPage("team", "payments", 10.0),
    RotationPage("room", "window", 20.0),
    RotationPage("team", "checkout", 30.0),
)
ROOMS = {"window": WINDOW}
TEAMS = ["payments", "search", "checkout"]
CALM = {t: ("ok", None) for t in TEAMS}
T0 = 1_800_000_000.0 - 1_800_000_000.0 % 60  # a cycle (60 s) starts here


def room(focus: str = "trouble") -> Room:
    return Room("platform", "Platform", rotation=PAGES, focus=focus)


def test_the_calm_cycle_shows_each_page_for_its_dwell() -> None:
    at = [position(room(), ROOMS, TEAMS, CALM, T0 + s) for s in (0, 9.9, 10, 29.9, 30, 59.9, 60)]
    assert [s.page.target for s in at] == [
        "payments",
        "payments",
        "window",
        "window",
        "checkout",
        "checkout",
        "payments",
    ]
    assert (at[2].started, at[2].ends) == (T0 + 10, T0 + 30)
    assert all(s.header == "" and s.troubled == () for s in at)


def test_a_team_that_turns_crit_is_shown_at_once_then_the_troubled_take_turns() -> None:
    states = {**CALM, "search": ("crit", T0 + 5), "checkout": ("crit", T0 + 42)}
    now = position(room(), ROOMS, TEAMS, states, T0 + 42)
    assert now.page == RotationPage("team", "checkout", 30.0)  # the newest trouble first
    assert now.header == "2 teams in trouble — calm teams paused"
    # Then Search (its dwell is its room's), then Checkout again: the calm are paused.
    later = [
        position(room(), ROOMS, TEAMS, states, T0 + 42 + s).page.target for s in (29, 30, 49, 50)
    ]
    assert later == ["checkout", "search", "search", "checkout"]


def test_without_focus_trouble_changes_nothing_and_calm_brings_the_cycle_back() -> None:
    states = {**CALM, "checkout": ("crit", T0 + 3)}
    assert position(room("off"), ROOMS, TEAMS, states, T0 + 3).page.target == "payments"
    assert position(room(), ROOMS, TEAMS, states, T0 + 3).page.target == "checkout"
    assert position(room(), ROOMS, TEAMS, CALM, T0 + 3).page.target == "payments"


def test_the_same_moment_gives_the_same_slot() -> None:
    states = {**CALM, "payments": ("crit", T0 - 100)}
    first = position(room(), ROOMS, TEAMS, states, T0 + 7)
    again = position(room(), ROOMS, TEAMS, states, T0 + 7.5)
    assert (first.page, first.ends) == (again.page, again.ends)
    assert first.header == "1 team in trouble — calm teams paused"
